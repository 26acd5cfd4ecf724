"""Back office for routing: dedicated handlers per category and compound, street settings."""

from django.contrib import admin

from guanjia.core.admin import StreetScopedAdmin
from guanjia.dispatch.models import DispatchRule, StreetDispatchSettings


@admin.register(DispatchRule)
class DispatchRuleAdmin(StreetScopedAdmin):
    list_display = ("category", "compound", "primary", "backup", "street")
    list_filter = (("street", admin.RelatedOnlyFieldListFilter), "category")
    list_select_related = ("category", "compound", "primary", "backup", "street")
    search_fields = ("primary__username", "backup__username", "compound__name")


@admin.register(StreetDispatchSettings)
class StreetDispatchSettingsAdmin(StreetScopedAdmin):
    list_display = ("street", "mode", "dispatcher_start", "dispatcher_end", "workload_cap")
    list_select_related = ("street",)
