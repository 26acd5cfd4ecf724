"""Back office view of orders: read-only.

Orders change only through tickets/services.py (one transition table, one audit trail), so the
admin can neither add, change nor delete an order or its events. What a user sees is
`ticket_scope` — the same rows as in the console and the API — and contact details go through
people.access, masked for roles without contact access.
"""

from typing import Any

from django.contrib import admin
from django.db.models import Count, IntegerField, Model, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from guanjia.core.admin import CappedCountPaginator, ViewerField
from guanjia.people.access import AnyUser, name_for, phone_for
from guanjia.tickets.access import ticket_scope
from guanjia.tickets.models import Ticket, TicketEvent, TicketPhoto


def _contact_phone(user: AnyUser, ticket: Ticket) -> str:
    return phone_for(user, ticket.contact_phone)


def _contact_name(user: AnyUser, ticket: Ticket) -> str:
    return name_for(user, ticket.contact_name)


def _reporter(user: AnyUser, ticket: Ticket) -> str:
    resident = ticket.reporter
    if resident is None:
        return ""
    shown = (name_for(user, resident.name), phone_for(user, resident.phone))
    return " ".join(part for part in shown if part)


class TicketEventInline(admin.TabularInline):  # type: ignore[type-arg]
    """The order's timeline, oldest first. Events are append-only in the database as well."""

    model = TicketEvent
    fields = ("at", "type", "from_status", "to_status", "actor", "note")
    readonly_fields = fields
    ordering = ("at", "id")
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[TicketEvent]:
        return super().get_queryset(request).select_related("actor")

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_filter = ("status", "category", "channel", "urgent")
    search_fields = ("=number",)
    list_per_page = 50
    show_full_result_count = False
    paginator = CappedCountPaginator
    actions = None
    inlines = (TicketEventInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Ticket]:
        photos = (
            TicketPhoto.objects.filter(ticket=OuterRef("pk"))
            .order_by()
            .values("ticket")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            ticket_scope(request.user)
            .select_related(
                "category",
                "compound",
                "building__compound",
                "unit",
                "assignee",
                "reporter",
                "created_by",
                "street",
            )
            .annotate(photo_count=Coalesce(Subquery(photos, output_field=IntegerField()), 0))
        )

    def _contact(self, request: HttpRequest) -> tuple[ViewerField, ViewerField, ViewerField]:
        user = request.user
        return (
            ViewerField("contact_phone_shown", _("contact phone"), user, _contact_phone),
            ViewerField("contact_name_shown", _("contact name"), user, _contact_name),
            ViewerField("reporter_shown", _("reporter"), user, _reporter),
        )

    def get_list_display(self, request: HttpRequest) -> Any:
        phone, _name, _reporter_field = self._contact(request)
        return (
            "number",
            "category",
            "compound",
            "status",
            "assignee",
            "created_at",
            "urgent",
            phone,
            "photos",
        )

    def get_fieldsets(self, request: HttpRequest, obj: Model | None = None) -> Any:
        phone, name, reporter = self._contact(request)
        return (
            (
                None,
                {
                    "fields": (
                        "number",
                        "status",
                        "category",
                        "channel",
                        "urgent",
                        "assignee",
                        "description",
                        "attributes",
                        "photos",
                    )
                },
            ),
            (
                _("Place"),
                {"fields": ("compound", "building", "unit", "room", "spot")},
            ),
            (_("Contact"), {"fields": (phone, name, reporter, "created_by")}),
            (
                _("Deadlines"),
                {"fields": ("accept_due", "arrive_due", "resolve_due", "external_deadline")},
            ),
            (
                _("Times"),
                {
                    "fields": (
                        "created_at",
                        "dispatched_at",
                        "accepted_at",
                        "on_site_at",
                        "resolved_at",
                        "closed_at",
                        "cancelled_at",
                    )
                },
            ),
            (
                _("Rating"),
                {
                    "fields": (
                        "rating_overall",
                        "rating_speed",
                        "rating_service",
                        "rating_comment",
                        "return_count",
                        "reopen_count",
                    )
                },
            ),
            (
                None,
                {"fields": ("external_ref", "duplicate_of", "parent", "version")},
            ),
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        # Everything: the raw contact fields are not in the form at all (see get_fieldsets).
        return [f for _title, opts in self.get_fieldsets(request, obj) for f in opts["fields"]]

    @admin.display(description=_("photos"))
    def photos(self, obj: Ticket) -> int:
        count = getattr(obj, "photo_count", None)
        return obj.photos.count() if count is None else int(count)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
