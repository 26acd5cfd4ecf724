"""Back office for the service catalog, shared by every street of the deployment (ADR 0003)."""

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from guanjia.catalog.models import ServiceCategory
from guanjia.tickets.attributes import DATATYPES


class ServiceCategoryForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = ServiceCategory
        fields = (
            "code",
            "name",
            "name_en",
            "description",
            "group",
            "keywords",
            "frequency",
            "dispatch_mode",
            "handler_kind",
            "site_visit",
            "life_safety",
            "after_photo_required",
            "follow_up",
            "accept_minutes",
            "arrive_minutes",
            "resolve_minutes",
            "fee",
            "fee_note",
            "attributes",
            "sort_order",
            "active",
        )

    def clean_attributes(self) -> list[dict[str, Any]]:
        """Intake attributes must keep the shape intake checks against (tickets/attributes.py)."""
        value = self.cleaned_data.get("attributes") or []
        error = forms.ValidationError(
            _(
                "Each intake attribute needs a unique “code” and a “datatype” "
                "(string, number, datetime, text, singlevaluelist, multivaluelist); "
                "list attributes need “values” with a “key” each."
            ),
            code="bad_attributes",
        )
        if not isinstance(value, list):
            raise error
        codes: set[str] = set()
        for item in value:
            if not isinstance(item, dict):
                raise error
            code = item.get("code")
            if not isinstance(code, str) or not code or code in codes:
                raise error
            codes.add(code)
            kind = item.get("datatype", "string")
            if kind not in DATATYPES:
                raise error
            if kind.endswith("valuelist"):
                values = item.get("values")
                if not isinstance(values, list) or not values:
                    raise error
                if not all(isinstance(v, dict) and v.get("key") for v in values):
                    raise error
        return value


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = ServiceCategoryForm
    list_display = (
        "code",
        "name",
        "group",
        "frequency",
        "dispatch_mode",
        "handler_kind",
        "accept_minutes",
        "arrive_minutes",
        "resolve_minutes",
        "active",
    )
    list_filter = ("group", "frequency", "dispatch_mode", "handler_kind", "active")
    search_fields = ("code", "name", "name_en", "keywords")
    ordering = ("sort_order", "code")
    fieldsets = (
        (None, {"fields": ("code", "name", "name_en", "description", "group", "keywords")}),
        (
            _("Handling"),
            {
                "fields": (
                    "frequency",
                    "dispatch_mode",
                    "handler_kind",
                    "site_visit",
                    "life_safety",
                    "after_photo_required",
                    "follow_up",
                )
            },
        ),
        (
            _("Time limits (minutes)"),
            {"fields": ("accept_minutes", "arrive_minutes", "resolve_minutes")},
        ),
        (None, {"fields": ("fee", "fee_note", "attributes", "sort_order", "active")}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        # The code is the Open311 service_code partners store: fixed once it exists.
        return ("code",) if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # Orders keep pointing at their category; retire one by unticking "active".
        return False
