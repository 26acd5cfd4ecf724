"""The catalog in the JSON API: active services with their intake attributes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from guanjia.catalog.models import ORDERABLE, ServiceCategory
from guanjia.testing import factories as f
from guanjia.testing.api import Api

if TYPE_CHECKING:
    from guanjia.testing.factories import World


def test_services_list_active_ones_with_attributes(world: World) -> None:
    f.category("repair.roof_leak", active=False)
    response = Api(world.resident).get("/services")
    assert response.status_code == 200
    services = {s["code"]: s for s in response.json()}
    assert set(services) == set(
        ServiceCategory.objects.filter(ORDERABLE, active=True).values_list("code", flat=True)
    )
    assert "repair.roof_leak" not in services
    with_attributes = [s for s in services.values() if s["attributes"]]
    assert with_attributes, "the default catalog has intake attributes"
    attribute = with_attributes[0]["attributes"][0]
    assert {"code", "datatype", "required", "values"} <= set(attribute)
    consult = services["consult.other"]
    assert (consult["site_visit"], consult["arrive_minutes"]) == (False, None)
