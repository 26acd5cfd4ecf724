"""Where an Open311 request is: a compound of the street, and a building, unit and room if known.

Three ways in, most precise first: `address_id` (our own ids, as GET requests shows them),
`address_string` (read by open311/address.py), `lat` + `long` (the nearest compound with
coordinates, within MAX_DISTANCE_M).
"""

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from guanjia.core.errors import InvalidInput
from guanjia.open311.address import CompoundNames, address_parse
from guanjia.org.models import Building, Compound, Street, Unit

# Farther than this from every compound of the street is not the street's business. Also covers
# the few hundred metres between GCJ-02 map coordinates and WGS-84 GPS ones.
MAX_DISTANCE_M = 2000
_EARTH_RADIUS_M = 6_371_000
# Degrees of latitude per metre; a box of MAX_DISTANCE_M around the point narrows the query.
_DEG_PER_M = 1 / 111_320
_SPOT_MAX = 100
_ID = re.compile(r"^\d{1,18}$", re.ASCII)  # fits a 64-bit key


@dataclass(frozen=True)
class Place:
    compound: Compound
    building: Building | None = None
    unit: Unit | None = None
    room: str = ""
    spot: str = ""


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(math.sqrt(a))


def nearest(
    points: Iterable[tuple[int, float, float]], lat: float, lon: float
) -> tuple[int, float] | None:
    """(id, metres) of the nearest of `points` (id, lat, lon), or None when there are none."""
    best: tuple[int, float] | None = None
    for pk, plat, plon in points:
        d = distance_m(lat, lon, plat, plon)
        if best is None or d < best[1]:
            best = (pk, d)
    return best


def _bad(message: str, field: str) -> InvalidInput:
    return InvalidInput(message, code="bad_location", field=field)


def coordinate_parse(value: str, name: str, limit: float) -> float:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or abs(number) > limit:
        raise _bad(_("%(name)s is not a coordinate.") % {"name": name}, name)
    return number


def place_from_coordinates(street: Street, lat: float, lon: float) -> Place:
    half_lat = MAX_DISTANCE_M * _DEG_PER_M
    half_lon = half_lat / max(math.cos(math.radians(lat)), 0.01)
    rows = Compound.objects.filter(
        street=street,
        latitude__range=(lat - half_lat, lat + half_lat),
        longitude__range=(lon - half_lon, lon + half_lon),
    ).values_list("pk", "latitude", "longitude")
    points = ((pk, float(a), float(b)) for pk, a, b in rows if a is not None and b is not None)
    found = nearest(points, lat, lon)
    if found is None or found[1] > MAX_DISTANCE_M:
        raise _bad(
            _("This location is not within %(km)g km of any compound of this jurisdiction.")
            % {"km": MAX_DISTANCE_M / 1000},
            "lat",
        )
    return Place(compound=Compound.objects.get(pk=found[0]))


def _building_by_number(compound: Compound, number: int) -> Building | None:
    names = [f"{number}{suffix}" for suffix in ("幢", "栋", "号楼", "号", "座", "")]
    return Building.objects.filter(compound=compound, name__in=names).order_by("sort_key").first()


def place_from_address_string(street: Street, text: str) -> Place | None:
    """The place an address names, or None when it names no compound of the street."""
    compounds = [
        CompoundNames(id=pk, name=name, aliases=tuple(a for a in aliases or () if a))
        for pk, name, aliases in Compound.objects.filter(street=street).values_list(
            "pk", "name", "aliases"
        )
    ]
    match = address_parse(text, compounds)
    if match is None:
        return None
    compound = Compound.objects.get(pk=match.compound_id)
    building = unit = None
    if match.building is not None:
        building = _building_by_number(compound, match.building)
    if building is not None and match.unit is not None:
        unit = Unit.objects.filter(
            building=building, name__in=[f"{match.unit}单元", str(match.unit)]
        ).first()
    # What could not be placed in the org tree stays readable for the handler.
    spot = "" if building is not None else text[:_SPOT_MAX]
    return Place(
        compound=compound,
        building=building,
        unit=unit,
        room=match.room if unit is not None else "",
        spot=spot,
    )


def place_from_address_id(street: Street, address_id: str) -> Place:
    """`<compound id>`, `<compound id>/<building id>` or `<compound id>/<building id>/<unit id>`."""
    parts = address_id.split("/")
    if len(parts) > 3 or not all(_ID.match(p.strip()) for p in parts):
        raise _bad(_("address_id is not one of ours."), "address_id")
    ids = [int(p) for p in parts]
    compound = Compound.objects.filter(street=street, pk=ids[0]).first()
    building = unit = None
    if compound is not None and len(ids) > 1:
        building = Building.objects.filter(compound=compound, pk=ids[1]).first()
        if building is None:
            compound = None
        elif len(ids) > 2:
            unit = Unit.objects.filter(building=building, pk=ids[2]).first()
            if unit is None:
                compound = None
    if compound is None:
        raise _bad(_("address_id is not one of ours."), "address_id")
    return Place(compound=compound, building=building, unit=unit)


def place_find(
    street: Street,
    *,
    lat: str | None,
    long: str | None,
    address_string: str | None,
    address_id: str | None,
) -> Place:
    """The place of a new request, or InvalidInput (400) when none is given or none fits."""
    if address_id is not None:
        return place_from_address_id(street, address_id)
    if (lat is None) != (long is None):
        raise _bad(_("Give both lat and long."), "lat" if lat is None else "long")
    place = None
    if address_string is not None:
        place = place_from_address_string(street, address_string)
        if place is None and lat is None:
            raise _bad(_("The address names no compound of this jurisdiction."), "address_string")
    if place is None and lat is not None and long is not None:
        located = place_from_coordinates(
            street, coordinate_parse(lat, "lat", 90), coordinate_parse(long, "long", 180)
        )
        spot = (address_string or "")[:_SPOT_MAX]
        place = Place(compound=located.compound, spot=spot)
    if place is None:
        raise _bad(
            _("Give a location: lat and long, address_string or address_id."), "address_string"
        )
    return place
