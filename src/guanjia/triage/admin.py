from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from guanjia.people.access import user_street_filter
from guanjia.triage.models import IntakeMessage, IntakeSettings, TriageCorrection


class _StreetScoped(admin.ModelAdmin):  # type: ignore[type-arg]
    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).filter(user_street_filter(request.user))


class _ReadOnly(_StreetScoped):
    """Messages and corrections change only through the triage services."""

    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(IntakeSettings)
class IntakeSettingsAdmin(_StreetScoped):
    list_display = ["street", "confidence_threshold"]
    list_select_related = ["street"]


@admin.register(IntakeMessage)
class IntakeMessageAdmin(_ReadOnly):
    list_display = ["received_at", "street", "channel", "status", "category", "confidence"]
    list_select_related = ["street"]
    list_filter = ["status", "channel"]


@admin.register(TriageCorrection)
class TriageCorrectionAdmin(_ReadOnly):
    list_display = ["at", "street", "field", "guessed", "corrected"]
    list_select_related = ["street"]
    list_filter = ["field"]
