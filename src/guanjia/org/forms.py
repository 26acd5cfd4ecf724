"""What place forms share: the building and unit a form names within a compound."""

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core.errors import GuanjiaError
from guanjia.core.forms import MAX_ID
from guanjia.org.models import Building, Compound, Unit
from guanjia.org.selectors import building_find, unit_find


class PlaceIdFields(forms.Form):
    """A compound, then (optionally) one of its buildings and units, by id; subclasses clean
    them (with building_and_unit_clean) into place_compound, place_building and place_unit."""

    compound = forms.IntegerField(
        label=gettext_lazy("Compound"), required=False, min_value=1, max_value=MAX_ID
    )
    building = forms.IntegerField(
        label=gettext_lazy("Building"), required=False, min_value=1, max_value=MAX_ID
    )
    unit = forms.IntegerField(
        label=gettext_lazy("Unit"), required=False, min_value=1, max_value=MAX_ID
    )

    place_compound: Compound | None = None
    place_building: Building | None = None
    place_unit: Unit | None = None


def unit_of_building(building: Building, unit_id: int) -> Unit:
    """The unit of `building` with this id; otherwise an error that names both in words."""
    try:
        return unit_find(building, unit_id)
    except GuanjiaError as e:
        stray = Unit.objects.filter(pk=unit_id).first()
        if stray is not None:
            e.message = _("Unit %(unit)s is not in building %(building)s.") % {
                "unit": stray.name,
                "building": building.name,
            }
        else:
            e.message = _("Please choose the unit again.")
        raise


def building_and_unit_clean(
    form: forms.Form, compound: Compound, data: dict[str, Any]
) -> tuple[Building | None, Unit | None] | None:
    """The building and unit `data` names within `compound` (either may be absent; a unit needs
    its building). None when they do not fit: the errors are then on the form."""
    building = unit = None
    try:
        if data.get("building"):
            building = building_find(compound, int(data["building"]))
        if data.get("unit"):
            if building is None:
                form.add_error("unit", _("Please choose the building first."))
                return None
            unit = unit_of_building(building, int(data["unit"]))
    except GuanjiaError as e:
        form.add_error(e.field if e.field in form.fields else None, str(e.message))
        return None
    return building, unit
