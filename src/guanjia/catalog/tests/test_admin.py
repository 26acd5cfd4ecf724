"""The service catalog in the back office: managers tune it, nobody deletes from it."""

import json
from typing import Any

from django.test import Client
from django.urls import reverse

from guanjia.catalog.models import ServiceCategory
from guanjia.people.models import User
from guanjia.testing import factories as f

EDITABLE = (
    "name",
    "name_en",
    "description",
    "group",
    "keywords",
    "frequency",
    "dispatch_mode",
    "handler_kind",
    "follow_up",
    "accept_minutes",
    "arrive_minutes",
    "resolve_minutes",
    "fee",
    "fee_note",
    "sort_order",
)
FLAGS = ("site_visit", "life_safety", "after_photo_required", "active")


def login(client: Client, user: User) -> Client:
    assert client.login(username=user.username, password=f.PASSWORD)
    return client


def form_of(category: ServiceCategory, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {name: getattr(category, name) for name in EDITABLE}
    data.update({name: "on" for name in FLAGS if getattr(category, name)})
    data["attributes"] = json.dumps(category.attributes, ensure_ascii=False)
    data.update(changes)
    return {k: v for k, v in data.items() if v is not False}


def test_the_list_shows_how_each_service_is_handled(world: Any, client: Client) -> None:
    login(client, world.dispatcher)
    response = client.get(reverse("admin:catalog_servicecategory_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    for column in ("code", "name", "group", "frequency", "dispatch_mode", "accept_minutes"):
        assert f"column-{column}" in html
    assert "repair.corridor_light" in html


def test_a_manager_edits_a_category(world: Any, client: Client) -> None:
    category = f.category("repair.corridor_light")
    login(client, world.manager)
    url = reverse("admin:catalog_servicecategory_change", args=[category.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' in page.content.decode()

    response = client.post(
        url, form_of(category, accept_minutes=5, code="renamed", dispatch_mode="grab")
    )
    assert response.status_code == 302
    category.refresh_from_db()
    assert (category.accept_minutes, category.dispatch_mode) == (5, "grab")
    assert category.code == "repair.corridor_light"  # the code is fixed once it exists


def test_intake_attributes_must_keep_their_shape(world: Any, client: Client) -> None:
    category = f.category("repair.corridor_light")
    login(client, world.manager)
    url = reverse("admin:catalog_servicecategory_change", args=[category.pk])
    before = category.attributes
    for bad in (
        {"code": "x"},
        [{"datatype": "string"}],
        [{"code": "a"}, {"code": "a"}],
        [{"code": "a", "datatype": "colour"}],
        [{"code": "a", "datatype": "singlevaluelist", "values": []}],
    ):
        response = client.post(url, form_of(category, attributes=json.dumps(bad)))
        assert response.status_code == 200, bad
        assert "attributes" in response.context["adminform"].form.errors
    good = [{"code": "floor", "datatype": "number", "description": "楼层"}]
    assert client.post(url, form_of(category, attributes=json.dumps(good))).status_code == 302
    category.refresh_from_db()
    assert category.attributes == good != before


def test_a_dispatcher_may_read_the_catalog_but_not_change_it(world: Any, client: Client) -> None:
    category = f.category("repair.corridor_light")
    login(client, world.dispatcher)
    url = reverse("admin:catalog_servicecategory_change", args=[category.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, form_of(category, accept_minutes=1)).status_code == 403
    category.refresh_from_db()
    assert category.accept_minutes != 1


def test_categories_are_retired_not_deleted(world: Any, client: Client) -> None:
    category = f.category("repair.corridor_light")
    login(client, f.user("admin", None, "root"))
    url = reverse("admin:catalog_servicecategory_delete", args=[category.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert ServiceCategory.objects.filter(pk=category.pk).exists()
