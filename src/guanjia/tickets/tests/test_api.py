"""The orders' JSON API: create, list, detail, transitions and photos, as callers see them."""

from __future__ import annotations

import datetime as dt
import io
from typing import TYPE_CHECKING, Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from guanjia.core.idempotency import KEEP
from guanjia.core.models import IdempotencyRecord
from guanjia.people.models import Resident, User
from guanjia.testing import factories as f
from guanjia.testing.api import Api
from guanjia.tickets.models import Ticket, TicketEvent
from guanjia.tickets.services import ticket_transition

if TYPE_CHECKING:
    from guanjia.testing.factories import World

PROBLEM = "application/problem+json"


def order(world: World, **changes: Any) -> dict[str, Any]:
    unit = world.unit
    body = {
        "category": "repair.corridor_light",
        "compound": unit.building.compound.name,
        "building": unit.building.name,
        "unit": unit.name,
        "room": "301",
        "description": "三楼楼道灯不亮",
        "contact_name": "张建国",
        "contact_phone": "138 1234 2345",
    }
    body.update(changes)
    return body


def problem(response: Any, status: int, code: str, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert (body["status"], body["code"]) == (status, code), body
    assert body["type"] == f"urn:guanjia:problem:{code}"
    assert body["title"] and body["detail"]
    if field is not None:
        assert body.get("field") == field, body
    return dict(body)


def dispatched(world: World, **kwargs: Any) -> Ticket:
    t = f.ticket(world.unit, **kwargs)
    return ticket_transition(
        ticket=t, action="dispatch", actor=world.dispatcher, assignee=world.worker
    ).ticket


@pytest.fixture
def resident(world: World) -> User:
    world.resident.phone = "13900001111"
    world.resident.save(update_fields=["phone"])
    return world.resident


# Create


def test_a_dispatcher_orders_by_place_names_and_gets_the_order_back(world: World) -> None:
    response = Api(world.dispatcher).post("/tickets", order(world, channel="hotline"))
    assert response.status_code == 201, response.content
    body = response.json()
    t = Ticket.objects.get(number=body["number"])
    assert body["number"].startswith("SHUANGGANG-")
    assert (body["version"], body["status"], body["channel"]) == (1, "new", "hotline")
    assert body["category"] == "repair.corridor_light"
    assert body["compound"] == {"id": world.unit.building.compound_id, "name": t.compound.name}
    assert body["building"]["id"] == world.unit.building_id
    assert body["unit"] == {"id": world.unit.pk, "name": world.unit.name}
    assert (body["room"], body["assignee"]) == ("301", None)
    assert (body["contact_phone"], body["contact_name"]) == ("13812342345", "张建国")
    assert body["accept_due"] and body["arrive_due"] and body["resolve_due"]
    assert body["possible_duplicates"] == []
    assert t.created_by == world.dispatcher and t.reporter is not None


def test_places_may_be_given_by_id_and_a_public_spot_as_an_address(world: World) -> None:
    compound = world.unit.building.compound
    body = order(world, compound=compound.pk, building=None, unit=None, room="", address="北门")
    response = Api(world.operator).post("/tickets", body)
    assert response.status_code == 201, response.content
    assert response.json()["address"] == "北门"
    assert response.json()["building"] is None


def test_a_compound_of_another_street_is_unknown_not_forbidden(world: World) -> None:
    other = world.other_unit.building.compound
    api = Api(world.dispatcher)
    problem(api.post("/tickets", order(world, compound=other.pk)), 422, "unknown_compound")
    problem(api.post("/tickets", order(world, compound=other.name)), 422, "unknown_compound")
    problem(api.post("/tickets", order(world, unit="9单元")), 422, "unknown_unit", "unit")
    problem(api.post("/tickets", order(world, category="nope")), 422, "unknown_category")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"description": "x" * 2001}, "description"),
        ({"room": "x" * 21}, "room"),
        ({"channel": "fax"}, "channel"),
        ({"urgent": "maybe"}, "urgent"),
        ({"external_deadline": "2026-06-01T12:00:00"}, "external_deadline"),
        ({"compound": True}, "compound"),
    ],
)
def test_undocumented_fields_and_bad_values_are_422(
    world: World, changes: dict[str, Any], field: str
) -> None:
    body = problem(Api(world.dispatcher).post("/tickets", order(world, **changes)), 422, "invalid")
    assert field in {e["field"].split(".")[0] for e in body["errors"]}, body
    assert not Ticket.objects.exists()


def test_a_body_that_is_not_json_is_400(world: World) -> None:
    api = Api(world.dispatcher)
    response = api.client.post(
        "/api/v1/tickets", "{not json", content_type="application/json", **api.headers
    )
    problem(response, 400, "bad_request")


def test_messages_come_in_the_callers_language(world: World) -> None:
    english = Api(world.dispatcher).post("/tickets", order(world, colour="red")).json()
    chinese = Api(world.dispatcher, language="zh-hans").post("/tickets", order(world, colour=1))
    assert english["detail"] == "Some fields are not valid."
    assert chinese.json()["detail"] != english["detail"]


def test_a_resident_orders_with_their_own_phone_and_then_sees_the_order(
    world: World, resident: User
) -> None:
    api = Api(resident)
    response = api.post("/tickets", order(world, contact_phone="", contact_name="王阿姨"))
    assert response.status_code == 201, response.content
    number = response.json()["number"]
    t = Ticket.objects.get(number=number)
    assert t.contact_phone == "13900001111"
    assert Resident.objects.get(user=resident) == t.reporter
    assert api.get(f"/tickets/{number}").status_code == 200
    assert [i["number"] for i in api.get("/tickets").json()["items"]] == [number]
    # The same phone spelled another way is still their own.
    assert api.post("/tickets", order(world, contact_phone="139-0000-1111")).status_code == 201


def test_a_resident_cannot_order_with_someone_elses_phone(world: World, resident: User) -> None:
    response = Api(resident).post("/tickets", order(world, contact_phone="13812342345"))
    problem(response, 403, "not_own_phone", "contact_phone")
    assert not Ticket.objects.exists()


def test_an_account_without_a_phone_cannot_order_for_itself(world: World) -> None:
    problem(Api(world.resident).post("/tickets", order(world)), 422, "phone_required")


def test_possible_duplicates_are_listed_and_never_refused(world: World) -> None:
    api = Api(world.dispatcher)
    first = api.post("/tickets", order(world)).json()
    second = api.post("/tickets", order(world, contact_phone="13700001111"))
    assert second.status_code == 201
    assert [d["number"] for d in second.json()["possible_duplicates"]] == [first["number"]]
    other_building = f.UnitFactory(building__compound=world.unit.building.compound)
    third = api.post(
        "/tickets",
        order(world, building=other_building.building.name, unit=other_building.name),
    )
    assert third.json()["possible_duplicates"] == []
    other_service = api.post("/tickets", order(world, category="personal.home_repair"))
    assert other_service.json()["possible_duplicates"] == []


# Idempotency


def test_the_same_key_and_body_get_the_first_answer_again(world: World) -> None:
    api = Api(world.dispatcher)
    first = api.post("/tickets", order(world), HTTP_IDEMPOTENCY_KEY="order-1")
    again = api.post("/tickets", order(world), HTTP_IDEMPOTENCY_KEY="order-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1
    assert IdempotencyRecord.objects.get().response_status == 201


def test_the_same_key_with_another_body_is_422(world: World) -> None:
    api = Api(world.dispatcher)
    api.post("/tickets", order(world), HTTP_IDEMPOTENCY_KEY="order-1")
    response = api.post("/tickets", order(world, room="302"), HTTP_IDEMPOTENCY_KEY="order-1")
    problem(response, 422, "idempotency_mismatch")
    assert Ticket.objects.count() == 1


def test_keys_belong_to_their_caller_and_refusals_are_not_kept(world: World) -> None:
    Api(world.dispatcher).post("/tickets", order(world), HTTP_IDEMPOTENCY_KEY="k")
    assert (
        Api(world.operator).post("/tickets", order(world), HTTP_IDEMPOTENCY_KEY="k").status_code
        == 201
    )
    assert Ticket.objects.count() == 2
    bad = Api(world.manager).post(
        "/tickets", order(world, category="nope"), HTTP_IDEMPOTENCY_KEY="x"
    )
    assert bad.status_code == 422
    fixed = Api(world.manager).post("/tickets", order(world), HTTP_IDEMPOTENCY_KEY="x")
    assert fixed.status_code == 201


def test_keys_are_kept_at_least_a_day(world: World) -> None:
    assert KEEP >= dt.timedelta(hours=24)
    api = Api(world.dispatcher)
    api.post("/tickets", order(world), HTTP_IDEMPOTENCY_KEY="k")
    IdempotencyRecord.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    assert api.post("/tickets", order(world), HTTP_IDEMPOTENCY_KEY="k").status_code == 201
    assert Ticket.objects.count() == 1
    IdempotencyRecord.objects.update(created_at=timezone.now() - KEEP - dt.timedelta(minutes=1))
    assert api.post("/tickets", order(world), HTTP_IDEMPOTENCY_KEY="k").status_code == 201
    assert Ticket.objects.count() == 2


def test_a_malformed_key_is_422(world: World) -> None:
    response = Api(world.dispatcher).post("/tickets", order(world), HTTP_IDEMPOTENCY_KEY="x" * 256)
    problem(response, 422, "invalid")


# List


def _numbers(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["number"] for item in response.json()["items"]]


def test_the_list_pages_newest_first_with_an_opaque_cursor(world: World) -> None:
    now = timezone.now()
    made = [
        f.ticket(world.unit, phone=f"1390000{i:04d}", now=now - dt.timedelta(minutes=i)).number
        for i in range(5)
    ]
    api = Api(world.dispatcher)
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get("/tickets", params)
        seen += _numbers(page)
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == made
    problem(api.get("/tickets", {"cursor": "bm9wZQ"}), 422, "bad_cursor", "cursor")
    problem(api.get("/tickets", {"limit": 101}), 422, "invalid", "limit")


def test_the_list_filters(world: World) -> None:
    now = timezone.now()
    light = dispatched(world, phone="13900000001", now=now - dt.timedelta(hours=3))
    home = f.ticket(world.unit, code="personal.home_repair", phone="13900000002", channel="wechat")
    fresh = f.ticket(world.unit, phone="13900000003", description="门口的灯", urgent=True)
    api = Api(world.dispatcher)

    def numbers(**params: Any) -> set[str]:
        return set(_numbers(api.get("/tickets", params)))

    assert numbers(status="dispatched") == {light.number}
    assert numbers(status="new,dispatched") == {light.number, home.number, fresh.number}
    problem(api.get("/tickets", {"status": "new,lost"}), 422, "unknown_status", "status")
    assert numbers(category="personal.home_repair") == {home.number}
    assert numbers(compound=world.unit.building.compound_id) == {
        light.number,
        home.number,
        fresh.number,
    }
    assert numbers(compound=world.other_unit.building.compound_id) == set()
    assert numbers(assignee="worker") == {light.number}
    assert numbers(channel="wechat") == {home.number}
    assert numbers(urgent="true") == {fresh.number}
    assert numbers(overdue="true") == {light.number}  # its accept deadline passed
    assert numbers(overdue="false") == {home.number, fresh.number}
    after = (now - dt.timedelta(hours=1)).isoformat()
    assert numbers(created_after=after) == {home.number, fresh.number}
    assert numbers(created_before=after) == {light.number}
    assert numbers(q="门口") == {fresh.number}
    assert numbers(q=fresh.number[-4:]) >= {fresh.number}


def test_the_list_costs_the_same_queries_for_5_or_50_orders(
    world: World, django_assert_max_num_queries: Any
) -> None:
    api = Api(world.dispatcher)
    for i in range(5):
        dispatched(world, phone=f"1390000{i:04d}")
    api.get("/tickets")  # warm up: the key's last use is written at most once a minute
    with CaptureQueriesContext(connection) as five:
        assert len(_numbers(api.get("/tickets", {"limit": 100}))) == 5
    for i in range(5, 50):
        dispatched(world, phone=f"1390000{i:04d}")
    with django_assert_max_num_queries(len(five.captured_queries)):
        assert len(_numbers(api.get("/tickets", {"limit": 100}))) == 50


def test_each_caller_lists_only_their_orders(world: World, resident: User) -> None:
    mine = dispatched(world, phone="13900000001")
    other = f.ticket(world.unit, phone="13900000002")
    theirs = Api(resident).post("/tickets", order(world, contact_phone="")).json()["number"]
    elsewhere = f.ticket(world.other_unit, phone="13900000003")
    assert set(_numbers(Api(world.worker).get("/tickets"))) == {mine.number}
    assert set(_numbers(Api(resident).get("/tickets"))) == {theirs}
    assert elsewhere.number not in _numbers(Api(world.dispatcher).get("/tickets"))
    stranger = f.user("dispatcher", world.other_street, "far_dispatcher")
    assert _numbers(Api(stranger).get("/tickets")) == [elsewhere.number]
    assert other.number in _numbers(Api(world.operator).get("/tickets"))


def test_workers_see_phones_and_names_masked(world: World) -> None:
    t = dispatched(world, phone="13812342345", contact_name="张建国")
    item = Api(world.worker).get("/tickets").json()["items"][0]
    assert (item["contact_phone"], item["contact_name"]) == ("138****2345", "张**")
    detail = Api(world.worker).get(f"/tickets/{t.number}").json()
    assert (detail["contact_phone"], detail["contact_name"]) == ("138****2345", "张**")
    full = Api(world.dispatcher).get(f"/tickets/{t.number}").json()
    assert full["contact_phone"] == "13812342345"


# Detail


def test_the_detail_has_the_timeline_photos_deadlines_and_rating(world: World) -> None:
    t = dispatched(world)
    response = Api(world.dispatcher).get(f"/tickets/{t.number}")
    assert response.status_code == 200
    body = response.json()
    assert [(e["type"], e["from_status"], e["to_status"], e["actor"]) for e in body["events"]] == [
        ("create", None, "new", None),
        ("dispatch", "new", "dispatched", "dispatcher"),
    ]
    assert all(e["at"] and "note" in e for e in body["events"])
    assert (body["assignee"], body["photos"], body["rating"]) == ("worker", [], None)
    assert body["resolve_due"] is not None


@pytest.mark.parametrize("number", ["SHUANGGANG-20260101-9999", "nonsense", "x" * 300, "%00"])
def test_unknown_or_malformed_numbers_are_404(world: World, number: str) -> None:
    problem(Api(world.dispatcher).get(f"/tickets/{number}"), 404, "not_found")


def test_orders_out_of_scope_are_404(world: World, resident: User) -> None:
    t = f.ticket(world.unit, phone="13812342345")
    stranger = f.user("dispatcher", world.other_street, "far_dispatcher")
    for user in (stranger, world.worker, resident):
        problem(Api(user).get(f"/tickets/{t.number}"), 404, "not_found")
        response = Api(user).post(
            f"/tickets/{t.number}/transitions", {"action": "cancel", "version": 1, "reason": "x"}
        )
        problem(response, 404, "not_found")


# Transitions


def transition(api: Api, t: Ticket, action: str, **body: Any) -> Any:
    body.setdefault("version", Ticket.objects.get(pk=t.pk).version)
    return api.post(f"/tickets/{t.number}/transitions", {"action": action, **body})


def test_a_dispatch_answers_the_order_and_warnings(world: World) -> None:
    t = f.ticket(world.unit)
    world.worker.staff.compounds.set([world.other_unit.building.compound])
    response = transition(Api(world.dispatcher), t, "dispatch", assignee="worker")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["ticket"]["status"], body["ticket"]["version"]) == ("dispatched", 2)
    assert body["ticket"]["assignee"] == "worker"
    assert body["ticket"]["events"][-1]["type"] == "dispatch"
    assert [w["code"] for w in body["warnings"]] == ["other_compound"]
    assert all(w["message"] for w in body["warnings"])


def test_a_stale_version_is_409(world: World) -> None:
    t = f.ticket(world.unit)
    api = Api(world.dispatcher)
    assert transition(api, t, "dispatch", assignee="worker", version=1).status_code == 200
    response = transition(api, t, "transfer", assignee="other_worker", version=1)
    problem(response, 409, "stale_version")


def test_moves_the_table_forbids_are_409_with_the_reason(world: World, resident: User) -> None:
    t = dispatched(world)
    problem(transition(Api(world.dispatcher), t, "dispatch", assignee="worker"), 409,
            "transition_not_allowed")  # fmt: skip
    worker = Api(world.worker)
    assert transition(worker, t, "accept").status_code == 200
    problem(transition(worker, t, "resolve"), 409, "arrival_required")
    mine = Api(resident).post("/tickets", order(world, contact_phone="")).json()["number"]
    own = Ticket.objects.get(number=mine)
    transition(Api(world.dispatcher), own, "dispatch", assignee="worker")
    transition(worker, own, "accept")
    problem(transition(Api(resident), own, "cancel", reason="不需要了"), 409, "already_accepted")


def test_an_unqualified_or_unknown_assignee_is_422(world: World) -> None:
    t = f.ticket(world.unit)
    api = Api(world.dispatcher)
    plumber = f.handler(world.street, "repair.water_pipe", username="plumber")
    problem(transition(api, t, "dispatch", assignee=plumber.username), 422,
            "assignee_not_qualified", "assignee")  # fmt: skip
    problem(transition(api, t, "dispatch", assignee="nobody"), 422, "assignee_not_handler")
    problem(transition(api, t, "dispatch"), 422, "required", "assignee")
    problem(transition(api, t, "cancel"), 422, "reason_required", "reason")
    problem(transition(api, t, "fly"), 422, "invalid", "action")
    problem(api.post(f"/tickets/{t.number}/transitions", {"action": "cancel"}), 422, "invalid")


def test_a_role_without_the_right_is_403(world: World, resident: User) -> None:
    t = dispatched(world)
    problem(transition(Api(world.worker), t, "transfer", assignee="other_worker"), 403,
            "not_permitted")  # fmt: skip
    mine = Ticket.objects.get(
        number=Api(resident).post("/tickets", order(world, contact_phone="")).json()["number"]
    )
    problem(transition(Api(resident), mine, "dispatch", assignee="worker"), 403, "not_permitted")


def test_a_whole_life_through_the_api(world: World, resident: User) -> None:
    f.category("repair.corridor_light", after_photo_required=False)
    number = Api(resident).post("/tickets", order(world, contact_phone="")).json()["number"]
    t = Ticket.objects.get(number=number)
    assert transition(Api(world.dispatcher), t, "dispatch", assignee="worker").status_code == 200
    for action in ("accept", "arrive", "resolve"):
        assert transition(Api(world.worker), t, action).status_code == 200, action
    rating = {"overall": 5, "speed": 4, "service": 5, "comment": "很快"}
    response = transition(Api(resident), t, "rate", rating=rating)
    assert response.status_code == 200, response.content
    body = response.json()["ticket"]
    assert body["status"] == "closed"
    assert body["rating"]["overall"] == 5 and body["rating"]["comment"] == "很快"
    types = [e["type"] for e in body["events"]]
    assert types == ["create", "dispatch", "accept", "arrive", "resolve", "rate"]
    problem(transition(Api(resident), t, "rate", rating={"overall": 6}), 422, "invalid")


def test_merge_names_the_original_by_number(world: World) -> None:
    original = f.ticket(world.unit, phone="13900000001")
    duplicate = f.ticket(world.unit, phone="13900000002")
    api = Api(world.dispatcher)
    problem(transition(api, duplicate, "merge", original="NOPE-1"), 422, "bad_original")
    response = transition(api, duplicate, "merge", original=original.number)
    assert response.status_code == 200, response.content
    assert response.json()["ticket"]["duplicate_of"] == original.number
    assert response.json()["ticket"]["status"] == "cancelled"


def test_a_manager_extends_with_an_aware_deadline(world: World) -> None:
    t = dispatched(world)
    later = (timezone.now() + dt.timedelta(days=5)).isoformat()
    api = Api(world.manager)
    problem(transition(api, t, "extend", reason="等配件", deadline="2030-01-01T00:00:00"), 422,
            "invalid", "deadline")  # fmt: skip
    response = transition(api, t, "extend", reason="等配件", deadline=later)
    assert response.status_code == 200, response.content
    due = dt.datetime.fromisoformat(response.json()["ticket"]["resolve_due"])
    assert abs(due - dt.datetime.fromisoformat(later)) < dt.timedelta(seconds=1)
    assert TicketEvent.objects.filter(ticket=t, type="extend").count() == 1


def test_a_worker_who_returns_an_order_gets_it_back_in_the_answer(world: World) -> None:
    t = dispatched(world)
    response = transition(Api(world.worker), t, "return", reason="不是电的问题")
    assert response.status_code == 200, response.content
    assert response.json()["ticket"]["status"] == "new"
    problem(Api(world.worker).get(f"/tickets/{t.number}"), 404, "not_found")


# Photos


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def jpeg() -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 10, 10)).save(data, "JPEG")
    data.seek(0)
    data.name = "photo.jpg"
    return data


def test_a_handler_adds_a_photo_of_the_work(world: World, media: Any) -> None:
    t = dispatched(world)
    ticket_transition(ticket=t, action="accept", actor=world.worker)
    api = Api(world.worker)
    response = api.upload(f"/tickets/{t.number}/photos", {"kind": "before", "file": jpeg()})
    assert response.status_code == 201, response.content
    photo = response.json()
    assert (photo["kind"], photo["width"], photo["height"]) == ("before", 40, 20)
    assert photo["url"] == f"/api/v1/photos/{photo['id']}"
    served = api.client.get(photo["url"], **api.headers)
    assert (served.status_code, served["Content-Type"]) == (200, "image/jpeg")
    assert served["X-Content-Type-Options"] == "nosniff"
    assert b"".join(served.streaming_content).startswith(b"\xff\xd8\xff")
    stranger = Api(f.user("dispatcher", world.other_street, "far_dispatcher"))
    assert stranger.client.get(photo["url"], **stranger.headers).status_code == 404
    detail = api.get(f"/tickets/{t.number}").json()
    assert [p["id"] for p in detail["photos"]] == [photo["id"]]


def test_photo_refusals(world: World, media: Any, settings: Any) -> None:
    t = dispatched(world)
    ticket_transition(ticket=t, action="accept", actor=world.worker)
    api = Api(world.worker)
    path = f"/tickets/{t.number}/photos"
    text = io.BytesIO(b"<html>not a photo</html>")
    text.name = "x.jpg"
    problem(api.upload(path, {"kind": "after", "file": text}), 422, "bad_image")
    problem(api.upload(path, {"kind": "sideways", "file": jpeg()}), 422, "invalid", "kind")
    problem(api.upload(path, {"kind": "after"}), 422, "invalid", "file")
    problem(api.upload(path, {"kind": "report", "file": jpeg()}), 403, "forbidden")
    settings.GUANJIA = {**settings.GUANJIA, "PHOTO_MAX_BYTES": 100}
    problem(api.upload(path, {"kind": "after", "file": jpeg()}), 413, "too_large")
    stranger = f.user("dispatcher", world.other_street, "far_dispatcher")
    problem(Api(stranger).upload(path, {"kind": "report", "file": jpeg()}), 404, "not_found")


def test_text_with_a_nul_character_is_422_not_a_database_error(world: World) -> None:
    api = Api(world.dispatcher)
    problem(api.post("/tickets", order(world, description="灯\x00坏了")), 422, "invalid")
    problem(api.post("/tickets", order(world, attributes={"k": "\x00"})), 422, "invalid")
    problem(api.get("/tickets", {"q": "\x00"}), 422, "invalid", "q")
    assert not Ticket.objects.exists()
