"""Back office view of the notification outbox: read-only, for checking what was sent."""

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from guanjia.core.admin import StreetScopedAdmin, ViewerField
from guanjia.notifications.models import Notification, NotificationDelivery
from guanjia.people.access import AnyUser, phone_for


def _phone(user: AnyUser, notification: Notification) -> str:
    return phone_for(user, notification.phone)


class DeliveryInline(admin.TabularInline):  # type: ignore[type-arg]
    """Each channel's attempts: what was sent, when, and the last error."""

    model = NotificationDelivery
    fields = ("channel", "delivered_at", "attempts", "last_error")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(StreetScopedAdmin):
    inlines = (DeliveryInline,)
    list_filter = ("kind", "delivered_at")
    search_fields = ("=ticket__number",)
    list_per_page = 50
    actions = None

    def get_queryset(self, request: HttpRequest) -> QuerySet[Notification]:
        return super().get_queryset(request).select_related("ticket", "recipient")

    def _phone_field(self, request: HttpRequest) -> ViewerField:
        return ViewerField("phone_shown", _("phone"), request.user, _phone)

    def get_list_display(self, request: HttpRequest) -> Any:
        return (
            "kind",
            "ticket",
            "recipient",
            self._phone_field(request),
            "created_at",
            "delivered_at",
            "attempts",
        )

    def get_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        return (
            "kind",
            "ticket",
            "recipient",
            self._phone_field(request),
            "payload",
            "created_at",
            "available_at",
            "read_at",
            "delivered_at",
            "attempts",
            "next_attempt_at",
            "last_error",
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        return self.get_fields(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
