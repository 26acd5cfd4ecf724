"""JSON API: the places of the caller's street(s), for picking where an order is."""

from django.http import HttpRequest
from ninja import Path, Query, Router

from guanjia.core.cursors import ID_MAX, cursor_decode, cursor_encode
from guanjia.core.problems import problems
from guanjia.org import selectors
from guanjia.org.models import Building, Compound, Unit
from guanjia.org.schemas import BuildingOut, CompoundFilters, CompoundOut, CompoundPage, UnitOut
from guanjia.people.auth import api_caller

router = Router(tags=["places"])


def _compound_out(c: Compound) -> CompoundOut:
    return CompoundOut(
        id=c.pk,
        name=c.name,
        aliases=list(c.aliases or []),
        street=c.street.code,
        community=c.community.name,
        latitude=c.latitude,
        longitude=c.longitude,
        households=c.households,
    )


@router.get("/compounds", response={200: CompoundPage, **problems(401, 422)})
def compounds_list(request: HttpRequest, filters: Query[CompoundFilters]) -> CompoundPage:
    """Compounds of the caller's street(s), in id order, a page at a time."""
    after = cursor_decode(filters.cursor, int)[0] if filters.cursor else None
    rows = selectors.compound_page(
        api_caller(request), street_code=filters.street, after_id=after, limit=filters.limit + 1
    )
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    return CompoundPage(
        items=[_compound_out(c) for c in rows],
        next_cursor=cursor_encode(rows[-1].pk) if more else None,
    )


@router.get(
    "/compounds/{compound_id}/buildings",
    response={200: list[BuildingOut], **problems(401, 404, 422)},
)
def buildings_list(
    request: HttpRequest, compound_id: int = Path(..., ge=1, le=ID_MAX)
) -> list[Building]:
    """The buildings of a compound of the caller's street(s), in their natural order."""
    compound = selectors.compound_get(api_caller(request), compound_id)
    return list(selectors.buildings_of(compound))


@router.get(
    "/buildings/{building_id}/units", response={200: list[UnitOut], **problems(401, 404, 422)}
)
def units_list(request: HttpRequest, building_id: int = Path(..., ge=1, le=ID_MAX)) -> list[Unit]:
    """The units of a building of the caller's street(s)."""
    building = selectors.building_get(api_caller(request), building_id)
    return list(selectors.units_of(building))
