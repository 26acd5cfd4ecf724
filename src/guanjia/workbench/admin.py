"""Back office view of the phone-reveal log: read-only, the user's street only."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from guanjia.people.access import user_street_filter
from guanjia.workbench.models import ContactReveal


@admin.register(ContactReveal)
class ContactRevealAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Who saw which resident's full number, when and from where. An audit log: nobody adds,
    changes or deletes its rows here."""

    list_display = ("at", "user", "ticket", "ip")
    list_select_related = ("user", "ticket")
    search_fields = ("ticket__number", "user__username")
    date_hierarchy = "at"
    readonly_fields = ("street", "user", "ticket", "at", "ip")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ContactReveal]:
        return super().get_queryset(request).filter(user_street_filter(request.user))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
