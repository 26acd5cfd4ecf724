"""Back office for people: accounts with their roles, staff, vendors, residents."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from guanjia.core.admin import StreetScopedAdmin, ViewerField
from guanjia.people.access import AnyUser, contact_visible, name_for, phone_for
from guanjia.people.models import Cover, Leave, Resident, Shift, StaffProfile, User, Vendor


@admin.register(User)
class UserAdmin(StreetScopedAdmin, DjangoUserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("display_name", "phone", "email")}),
        (
            _("Role and street"),
            {"fields": ("street", "groups", "is_active", "is_staff", "is_superuser")},
        ),
        (_("Extra permissions"), {"fields": ("user_permissions",), "classes": ("collapse",)}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "usable_password",
                    "password1",
                    "password2",
                    "display_name",
                    "street",
                ),
            },
        ),
    )
    list_display = ("username", "display_name", "street", "roles", "is_active", "is_staff")
    list_filter = ("groups", ("street", admin.RelatedOnlyFieldListFilter), "is_active")
    list_select_related = ("street",)
    search_fields = ("username", "display_name")
    ordering = ("username",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("roles"))
    def roles(self, obj: User) -> str:
        return ", ".join(sorted(g.name for g in obj.groups.all()))


class ShiftInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Shift
    fields = ("weekday", "start", "end")
    extra = 0


@admin.register(StaffProfile)
class StaffProfileAdmin(StreetScopedAdmin):
    list_display = ("user", "title", "street", "vendor", "active")
    list_filter = ("active", ("street", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("user", "street", "vendor")
    search_fields = ("user__username", "user__display_name", "title")
    raw_id_fields = ("user",)
    filter_horizontal = ("skills", "compounds")
    inlines = (ShiftInline,)


@admin.register(Vendor)
class VendorAdmin(StreetScopedAdmin):
    list_display = ("name", "street", "contract_start", "contract_end", "active")
    list_filter = ("active", ("street", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("street",)
    search_fields = ("name",)
    filter_horizontal = ("categories",)


def _resident_phone(user: AnyUser, resident: Resident) -> str:
    return phone_for(user, resident.phone)


def _resident_name(user: AnyUser, resident: Resident) -> str:
    return name_for(user, resident.name)


@admin.register(Resident)
class ResidentAdmin(StreetScopedAdmin):
    """Residents' phones and names go through the permission layer: masked for roles without
    contact access, whose forms do not carry the raw fields at all."""

    list_select_related = ("street", "household__unit__building__compound")
    raw_id_fields = ("household", "user")
    readonly_fields = ("created_at",)

    def _contact_fields(self, request: HttpRequest) -> tuple[Any, Any]:
        if contact_visible(request.user):
            return "phone", "name"
        return (
            ViewerField("phone_shown", _("phone"), request.user, _resident_phone),
            ViewerField("name_shown", _("name"), request.user, _resident_name),
        )

    def get_list_display(self, request: HttpRequest) -> Any:
        phone, name = self._contact_fields(request)
        return (phone, name, "household", "street", "created_at")

    def get_search_fields(self, request: HttpRequest) -> Any:
        # Searching by a number one may not see would confirm whose it is.
        return ("phone", "name") if contact_visible(request.user) else ()

    def get_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        phone, name = self._contact_fields(request)
        return ("street", phone, name, "household", "user", "created_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        if contact_visible(request.user):
            return ("created_at",)
        return (*self._contact_fields(request), "created_at")

    def get_exclude(self, request: HttpRequest, obj: Model | None = None) -> Any:
        return () if contact_visible(request.user) else ("phone", "name")


class _RosterAdmin(StreetScopedAdmin):
    """Leave and covers are recorded on the roster page (/console/roster/), through the services
    that check them; the back office lists them and may delete one."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Leave)
class LeaveAdmin(_RosterAdmin):
    list_select_related = ("staff__user", "street")
    list_display = ("staff", "start", "end", "reason", "street")
    list_filter = (("street", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("staff__user__username", "staff__user__display_name", "reason")
    date_hierarchy = "start"


@admin.register(Cover)
class CoverAdmin(_RosterAdmin):
    list_display = ("day", "staff", "substitute", "reason", "street")
    list_select_related = ("staff__user", "substitute__user", "street")
    list_filter = (("street", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("staff__user__username", "substitute__user__username", "reason")
    date_hierarchy = "day"
