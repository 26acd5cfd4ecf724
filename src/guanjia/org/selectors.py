"""Reads of places, always within the streets the user works in (people.access)."""

from typing import TypeVar

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from guanjia.core.errors import InvalidInput, NotFound
from guanjia.org.models import Building, Compound, Unit
from guanjia.people.access import AnyUser, user_street_filter

PlaceRef = int | str
_P = TypeVar("_P", Compound, Building, Unit)


def compounds_visible(user: AnyUser) -> QuerySet[Compound]:
    return Compound.objects.filter(user_street_filter(user))


def compound_page(
    user: AnyUser, *, street_code: str | None = None, after_id: int | None = None, limit: int
) -> list[Compound]:
    """Up to `limit` compounds of the user's streets after `after_id`, in id order."""
    qs = compounds_visible(user).select_related("street", "community").order_by("id")
    if street_code:
        qs = qs.filter(street__code=street_code)
    if after_id is not None:
        qs = qs.filter(id__gt=after_id)
    return list(qs[:limit])


def compound_get(user: AnyUser, compound_id: int) -> Compound:
    """A compound of the user's streets; any other does not exist for them (404)."""
    found = compounds_visible(user).filter(pk=compound_id).first()
    if found is None:
        raise NotFound(_("No such compound."), code="not_found")
    return found


def building_get(user: AnyUser, building_id: int) -> Building:
    found = Building.objects.filter(user_street_filter(user), pk=building_id).first()
    if found is None:
        raise NotFound(_("No such building."), code="not_found")
    return found


def buildings_of(compound: Compound) -> QuerySet[Building]:
    return Building.objects.filter(compound=compound).order_by("sort_key", "name", "id")


def units_of(building: Building) -> QuerySet[Unit]:
    return Unit.objects.filter(building=building).order_by("sort_key", "name", "id")


def compound_find(user: AnyUser, ref: PlaceRef) -> Compound:
    """The compound a caller means: its id, its name or one of its aliases, within the user's
    streets. A name shared by compounds of several streets (a district-level caller) must be
    given as an id. Unknown: InvalidInput on `compound` (422), whether or not it exists in a
    street the caller cannot see."""
    qs = compounds_visible(user).select_related("street")
    unknown = InvalidInput(
        _("There is no compound “%(name)s” here.") % {"name": ref},
        code="unknown_compound",
        field="compound",
    )
    if isinstance(ref, int):
        return _one(qs.filter(pk=ref), unknown)
    name = ref.strip()
    matches = list(qs.filter(name=name)[:2])
    if not matches:
        matches = [c for c in qs.only("id", "name", "aliases", "street") if name in c.aliases][:2]
    if not matches and name.isdigit():
        return _one(qs.filter(pk=int(name)), unknown)
    if len(matches) > 1:
        raise InvalidInput(
            _("Several compounds are called “%(name)s”: give its id.") % {"name": name},
            code="ambiguous_compound",
            field="compound",
        )
    if not matches:
        raise unknown
    # Aliases were matched on a partial row: fetch it whole.
    return qs.get(pk=matches[0].pk)


def building_find(compound: Compound, ref: PlaceRef) -> Building:
    """A building of `compound` by id or name (as in the org: "3幢")."""
    unknown = InvalidInput(
        _("There is no building “%(name)s” in %(compound)s.")
        % {"name": ref, "compound": compound.name},
        code="unknown_building",
        field="building",
    )
    return _by_name_or_id(Building.objects.filter(compound=compound), ref, unknown)


def unit_find(building: Building, ref: PlaceRef) -> Unit:
    """A unit of `building` by id or name (as in the org: "1单元")."""
    unknown = InvalidInput(
        _("There is no unit “%(name)s” in building %(building)s.")
        % {"name": ref, "building": building.name},
        code="unknown_unit",
        field="unit",
    )
    return _by_name_or_id(Unit.objects.filter(building=building), ref, unknown)


def _by_name_or_id(qs: QuerySet[_P], ref: PlaceRef, unknown: InvalidInput) -> _P:
    if isinstance(ref, int):
        return _one(qs.filter(pk=ref), unknown)
    name = ref.strip()
    found = qs.filter(name=name).first()
    if found is None and name.isdigit():
        found = qs.filter(pk=int(name)).first()
    if found is None:
        raise unknown
    return found


def _one(qs: QuerySet[_P], unknown: InvalidInput) -> _P:
    found = qs.first()
    if found is None:
        raise unknown
    return found
