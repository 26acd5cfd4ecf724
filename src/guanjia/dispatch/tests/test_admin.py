"""The manager keeps the routing data in the back office, within their own street."""

from typing import Any

import pytest
from django.test import Client

from guanjia.catalog.models import ServiceCategory
from guanjia.dispatch.models import DispatchRule, StreetDispatchSettings
from guanjia.testing import factories as f

pytestmark = pytest.mark.django_db


def test_the_manager_edits_rules_and_settings_of_their_street(world: Any, client: Client) -> None:
    light = ServiceCategory.objects.get(code="repair.corridor_light")
    mine = DispatchRule.objects.create(street=world.street, category=light, primary=world.worker)
    far_worker = f.handler(world.other_street, "repair.corridor_light", username="far")
    theirs = DispatchRule.objects.create(
        street=world.other_street, category=light, primary=far_worker
    )
    StreetDispatchSettings.objects.create(street=world.street)
    client.force_login(world.manager)
    page = client.get("/admin/dispatch/dispatchrule/")
    assert page.status_code == 200
    assert page.context["cl"].result_count == 1
    assert client.get(f"/admin/dispatch/dispatchrule/{mine.pk}/change/").status_code == 200
    assert client.get(f"/admin/dispatch/dispatchrule/{theirs.pk}/change/").status_code == 302
    assert client.get("/admin/dispatch/streetdispatchsettings/").status_code == 200

    client.force_login(world.dispatcher)
    assert client.get("/admin/dispatch/dispatchrule/").status_code == 200
    assert client.get(f"/admin/dispatch/dispatchrule/{mine.pk}/change/").status_code == 200
    assert client.get("/admin/dispatch/streetdispatchsettings/").status_code == 403

    client.force_login(world.worker)
    assert client.get("/admin/dispatch/dispatchrule/").status_code == 403
