"""Places in the JSON API: only the caller's street(s); other streets' places do not exist."""

from __future__ import annotations

from typing import TYPE_CHECKING

from guanjia.testing import factories as f
from guanjia.testing.api import Api

if TYPE_CHECKING:
    from guanjia.testing.factories import World


def test_compounds_of_the_callers_street_page_by_cursor(world: World) -> None:
    compound = world.unit.building.compound
    more = [f.CompoundFactory(community=compound.community) for _ in range(3)]
    api = Api(world.resident)
    first = api.get("/compounds", {"limit": 2})
    assert first.status_code == 200
    body = first.json()
    ids = [c["id"] for c in body["items"]]
    second = api.get("/compounds", {"limit": 2, "cursor": body["next_cursor"]}).json()
    ids += [c["id"] for c in second["items"]]
    assert second["next_cursor"] is None
    assert ids == sorted([compound.pk, *(c.pk for c in more)])
    assert body["items"][0]["street"] == "shuanggang"
    assert world.other_unit.building.compound_id not in ids
    assert api.get("/compounds", {"street": "other"}).json()["items"] == []


def test_buildings_and_units_of_a_compound(world: World) -> None:
    building = world.unit.building
    second = f.BuildingFactory(compound=building.compound, name="10幢", sort_key=10)
    building.sort_key = 1
    building.save()
    api = Api(world.worker)
    response = api.get(f"/compounds/{building.compound_id}/buildings")
    assert response.status_code == 200
    assert [b["id"] for b in response.json()] == [building.pk, second.pk]
    units = api.get(f"/buildings/{building.pk}/units").json()
    assert units == [{"id": world.unit.pk, "name": world.unit.name, "building_id": building.pk}]


def test_other_streets_places_are_404(world: World) -> None:
    api = Api(world.dispatcher)
    other = world.other_unit.building
    assert api.get(f"/compounds/{other.compound_id}/buildings").json()["code"] == "not_found"
    assert api.get(f"/buildings/{other.pk}/units").status_code == 404
    assert api.get("/buildings/9223372036854775807/units").status_code == 404
    assert api.get("/buildings/9223372036854775808/units").status_code == 422
