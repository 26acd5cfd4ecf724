"""Back office for places: streets, communities, compounds with their buildings and units."""

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from guanjia.core.admin import StreetScopedAdmin, StreetScopedInline
from guanjia.org.models import (
    Building,
    Community,
    Compound,
    Department,
    DepartmentMember,
    Street,
    Unit,
)


class _StreetFromParentAdmin(StreetScopedAdmin):
    """Rows whose street is their parent's: the form never shows `street`, the admin copies it.

    `parent_field` names the parent on the model itself; inline rows take the street of the
    object they are edited under.
    """

    parent_field = ""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj.street_id = getattr(obj, self.parent_field).street_id
        super().save_model(request, obj, form, change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for inline_form in formset.forms:
            inline_form.instance.street_id = formset.instance.street_id
        super().save_formset(request, form, formset, change)


@admin.register(Street)
class StreetAdmin(StreetScopedAdmin):
    list_display = ("code", "name", "created_at")
    search_fields = ("code", "name")
    readonly_fields = ("created_at",)

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        # The code is in ticket numbers and URLs: fixed once the street exists.
        return ("code", "created_at") if obj is not None else ("created_at",)


@admin.register(Community)
class CommunityAdmin(StreetScopedAdmin):
    list_display = ("name", "street")
    list_filter = (("street", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("street",)
    search_fields = ("name",)


class CompoundForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Compound
        # Not the street: it is the community's (see _StreetFromParentAdmin).
        fields = ("community", "name", "aliases", "latitude", "longitude", "households")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        community = cleaned.get("community")
        name = cleaned.get("name")
        if community is None:
            return cleaned
        if self.instance.pk is not None and community.street_id != self.instance.street_id:
            # Its buildings, units and orders carry the street too.
            self.add_error("community", _("A compound cannot move to another street."))
        elif (
            name
            and Compound.objects.filter(street_id=community.street_id, name=name)
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            self.add_error("name", _("This street already has a compound of this name."))
        return cleaned


class BuildingInline(StreetScopedInline):
    model = Building
    fields = ("name", "sort_key")
    ordering = ("sort_key", "name")


@admin.register(Compound)
class CompoundAdmin(_StreetFromParentAdmin):
    form = CompoundForm
    parent_field = "community"
    list_display = ("name", "community", "street", "households")
    list_filter = (("street", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("community", "street")
    search_fields = ("name",)
    inlines = (BuildingInline,)


class UnitInline(StreetScopedInline):
    model = Unit
    fields = ("name", "sort_key")
    ordering = ("sort_key", "name")


@admin.register(Building)
class BuildingAdmin(_StreetFromParentAdmin):
    parent_field = "compound"
    exclude = ("street",)
    list_display = ("name", "compound", "street", "sort_key")
    list_filter = (("street", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("compound", "street")
    search_fields = ("name", "compound__name")
    ordering = ("compound__name", "sort_key", "name")
    inlines = (UnitInline,)

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        # Units and orders hang off the building; moving it would orphan their street keys.
        return ("compound",) if obj is not None else ()


class DepartmentMemberInline(StreetScopedInline):
    model = DepartmentMember
    fields = ("user", "is_head")


@admin.register(Department)
class DepartmentAdmin(StreetScopedAdmin):
    list_display = ("name", "street")
    list_filter = (("street", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("street",)
    search_fields = ("name",)
    inlines = (DepartmentMemberInline,)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Members are added through the service, which also gives them the department
        categories and role; demotions are saved first so that a new head never meets the old."""
        from guanjia.people.services import department_member_add  # people builds on org

        members = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for m in members:
            if m.pk is not None and not m.is_head:
                DepartmentMember.objects.filter(pk=m.pk).update(is_head=False)
        for m in sorted(members, key=lambda m: m.is_head):
            department_member_add(department=formset.instance, user=m.user, is_head=m.is_head)
