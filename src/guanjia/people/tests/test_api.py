"""The caller (/me) and the staff list with live workload, in the JSON API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanjia.people.apikeys import apikey_create
from guanjia.testing import factories as f
from guanjia.testing.api import Api
from guanjia.tickets.services import ticket_transition

if TYPE_CHECKING:
    from guanjia.testing.factories import World


def test_me_tells_roles_street_and_permissions(world: World) -> None:
    body = Api(world.dispatcher).get("/me").json()
    assert (body["username"], body["roles"]) == ("dispatcher", ["dispatcher"])
    assert body["street"]["code"] == "shuanggang"
    assert "tickets.dispatch_ticket" in body["permissions"]
    assert body["is_superuser"] is False


def test_a_service_key_answers_as_its_account(world: World) -> None:
    _key, raw = apikey_create(name="wechat", role="operator", street=world.street)
    response = Api().get("/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.json()["username"] == "key-wechat"
    assert response.json()["is_staff"] is False


def test_the_session_works_too_and_needs_csrf_for_writes(world: World) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.dispatcher)
    assert client.get("/api/v1/me").json()["username"] == "dispatcher"
    response = client.post("/api/v1/tickets", "{}", content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (403, "csrf_failed")
    token = client.get("/api/v1/docs").cookies.get("csrftoken")
    assert token is not None
    response = client.post(
        "/api/v1/tickets", "{}", content_type="application/json", HTTP_X_CSRFTOKEN=token.value
    )
    assert response.status_code == 422  # past CSRF: the empty order itself is refused


def _dispatch(world: World, n: int, worker: Any) -> None:
    for i in range(n):
        t = f.ticket(world.unit, phone=f"1390000{i:04d}")
        ticket_transition(ticket=t, action="dispatch", actor=world.dispatcher, assignee=worker)


def test_staff_with_their_open_workload(world: World) -> None:
    _dispatch(world, 3, world.worker)
    f.handler(world.other_street, "repair.corridor_light", username="far_worker")
    body = Api(world.dispatcher).get("/staff").json()
    loads = {s["username"]: s["open_workload"] for s in body}
    assert loads == {"worker": 3, "other_worker": 0}
    worker = next(s for s in body if s["username"] == "worker")
    assert worker["skills"] == ["personal.home_repair", "repair.corridor_light"]
    assert worker["on_duty"] is True
    only = Api(world.manager).get("/staff", {"category": "personal.home_repair"}).json()
    assert [s["username"] for s in only] == ["worker"]
    bad = Api(world.manager).get("/staff", {"category": "nope"})
    assert (bad.status_code, bad.json()["code"]) == (422, "unknown_category")


def test_the_staff_list_costs_the_same_queries_for_2_or_12_handlers(
    world: World, django_assert_max_num_queries: Any
) -> None:
    api = Api(world.dispatcher)
    _dispatch(world, 2, world.worker)
    api.get("/staff")
    with CaptureQueriesContext(connection) as few:
        assert len(api.get("/staff").json()) == 2
    for i in range(10):
        extra = f.handler(world.street, "repair.corridor_light", username=f"w{i}")
        _dispatch(world, 1, extra)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get("/staff").json()) == 12


def test_only_dispatchers_and_managers_see_the_staff_list(world: World) -> None:
    for user in (world.worker, world.resident, world.operator):
        response = Api(user).get("/staff")
        assert (response.status_code, response.json()["code"]) == (403, "forbidden")
