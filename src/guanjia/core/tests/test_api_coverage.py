"""Every operation of the JSON API refuses strangers (401), the wrong role (403) and callers
outside the object's street or ownership (404) — and serves the right caller.

The operations are read from the API itself: one added without an entry in CASES fails
`test_every_operation_has_a_case`. An entry says, for each kind of refusal, who gets it, or why
that refusal cannot happen for this operation.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest
from PIL import Image

from guanjia.api import api as ninja_api
from guanjia.people.apikeys import apikey_create, apikey_revoke
from guanjia.people.models import User
from guanjia.testing import factories as f
from guanjia.testing.api import Api
from guanjia.tickets.models import Ticket
from guanjia.tickets.photos import ticket_photo_add
from guanjia.tickets.services import ticket_transition

if TYPE_CHECKING:
    from guanjia.testing.factories import World


@dataclass
class Place:
    """The objects the cases address, and the people around them."""

    world: World
    ticket: Ticket  # reported by resident A, dispatched to `worker` and accepted
    resident_a: User
    resident_b: User
    far_dispatcher: User  # a dispatcher of the other street

    def user(self, name: str) -> User:
        return getattr(self, name, None) or getattr(self.world, name)


@dataclass
class Call:
    """One request: path (under /api/v1), JSON body or multipart form."""

    path: str
    json: Any = None
    form: Callable[[], dict[str, Any]] | None = None


@dataclass
class Case:
    call: Callable[[Place], Call]
    ok: tuple[str, int]  # a caller who succeeds, and the status
    # Callers refused with 403, with the request they make; or why no role is refused.
    wrong_role: list[tuple[str, Callable[[Place], Call]]] | str = field(default_factory=list)
    # Callers to whom the addressed object does not exist (404); or why nothing is addressed.
    out_of_scope: list[str] | str = field(default_factory=list)


def _jpeg() -> dict[str, Any]:
    data = io.BytesIO()
    Image.new("RGB", (8, 8)).save(data, "JPEG")
    data.seek(0)
    data.name = "p.jpg"
    return {"kind": "before", "file": data}


def _order(p: Place, phone: str = "13812342345") -> Call:
    unit = p.world.unit
    return Call(
        "/tickets",
        {
            "category": "repair.corridor_light",
            "compound": unit.building.compound_id,
            "building": unit.building_id,
            "unit": unit.pk,
            "description": "灯不亮",
            "contact_phone": phone,
        },
    )


def _photo(p: Place) -> int:
    """A photo of the place's order (added once)."""
    photo = p.ticket.photos.first()
    if photo is None:
        photo = ticket_photo_add(
            ticket=p.ticket, kind="before", upload=_jpeg()["file"], actor=p.world.worker
        )
    return photo.pk


def _transfer(p: Place) -> Call:
    p.ticket.refresh_from_db()
    body = {"action": "transfer", "version": p.ticket.version, "assignee": "other_worker"}
    return Call(f"/tickets/{p.ticket.number}/transitions", body)


OTHERS = ["far_dispatcher", "other_worker", "resident_b"]

CASES: dict[tuple[str, str], Case] = {
    ("POST", "/tickets"): Case(
        call=_order,
        ok=("operator", 201),
        # Residents order with their own phone only (tickets.create_for_others).
        wrong_role=[("resident_a", _order)],
        out_of_scope="addresses no order; a place outside the caller's streets is 422",
    ),
    ("POST", "/intake/messages"): Case(
        call=lambda p: Call("/intake/messages", {"text": "楼道灯不亮了", "channel": "wechat"}),
        ok=("operator", 201),
        # Turning a group's messages into orders is taking orders for others.
        wrong_role=[
            ("worker", lambda p: Call("/intake/messages", {"text": "灯坏了", "channel": "wechat"})),
            ("resident_a", lambda p: Call("/intake/messages", {"text": "灯", "channel": "form"})),
        ],
        out_of_scope="addresses no order; the message goes to the caller's own street",
    ),
    ("GET", "/tickets"): Case(
        call=lambda p: Call("/tickets"),
        ok=("resident_b", 200),
        wrong_role="every caller lists the orders of their own scope",
        out_of_scope="addresses no order; the scope filters the list (tickets/tests)",
    ),
    ("GET", "/tickets/{number}"): Case(
        call=lambda p: Call(f"/tickets/{p.ticket.number}"),
        ok=("resident_a", 200),
        wrong_role="whoever may see an order may read it",
        out_of_scope=OTHERS,
    ),
    ("POST", "/tickets/{number}/transitions"): Case(
        call=_transfer,
        ok=("dispatcher", 200),
        wrong_role=[("worker", _transfer), ("resident_a", _transfer)],
        out_of_scope=OTHERS,
    ),
    ("GET", "/tickets/{number}/suggestions"): Case(
        call=lambda p: Call(f"/tickets/{p.ticket.number}/suggestions"),
        ok=("dispatcher", 200),
        # Suggestions are for whoever dispatches: not the handler, not the reporter.
        wrong_role=[
            ("worker", lambda p: Call(f"/tickets/{p.ticket.number}/suggestions")),
            ("resident_a", lambda p: Call(f"/tickets/{p.ticket.number}/suggestions")),
            ("operator", lambda p: Call(f"/tickets/{p.ticket.number}/suggestions")),
        ],
        out_of_scope=OTHERS,
    ),
    ("POST", "/tickets/{number}/photos"): Case(
        call=lambda p: Call(f"/tickets/{p.ticket.number}/photos", form=_jpeg),
        ok=("worker", 201),
        # Only the handler photographs the work.
        wrong_role=[
            ("dispatcher", lambda p: Call(f"/tickets/{p.ticket.number}/photos", form=_jpeg)),
            ("resident_a", lambda p: Call(f"/tickets/{p.ticket.number}/photos", form=_jpeg)),
        ],
        out_of_scope=OTHERS,
    ),
    ("GET", "/photos/{photo_id}"): Case(
        call=lambda p: Call(f"/photos/{_photo(p)}"),
        ok=("resident_a", 200),
        wrong_role="whoever may see an order may see its photos",
        out_of_scope=OTHERS,
    ),
    ("GET", "/services"): Case(
        call=lambda p: Call("/services"),
        ok=("resident_b", 200),
        wrong_role="the catalog is for everyone signed in",
        out_of_scope="addresses nothing of a street",
    ),
    ("GET", "/compounds"): Case(
        call=lambda p: Call("/compounds"),
        ok=("worker", 200),
        wrong_role="every caller sees the places of their streets",
        out_of_scope="addresses nothing; the list holds the caller's streets only (org/tests)",
    ),
    ("GET", "/compounds/{compound_id}/buildings"): Case(
        call=lambda p: Call(f"/compounds/{p.world.unit.building.compound_id}/buildings"),
        ok=("resident_a", 200),
        wrong_role="every caller sees the places of their streets",
        out_of_scope=["far_dispatcher"],
    ),
    ("GET", "/buildings/{building_id}/units"): Case(
        call=lambda p: Call(f"/buildings/{p.world.unit.building_id}/units"),
        ok=("resident_a", 200),
        wrong_role="every caller sees the places of their streets",
        out_of_scope=["far_dispatcher"],
    ),
    ("GET", "/me"): Case(
        call=lambda p: Call("/me"),
        ok=("worker", 200),
        wrong_role="everyone may ask who they are",
        out_of_scope="addresses only the caller",
    ),
    ("GET", "/staff"): Case(
        call=lambda p: Call("/staff"),
        ok=("manager", 200),
        wrong_role=[("worker", lambda p: Call("/staff")), ("operator", lambda p: Call("/staff"))],
        out_of_scope="addresses nothing; lists the caller's streets only (people/tests)",
    ),
}


def operations() -> set[tuple[str, str]]:
    """(method, path) of every operation registered on the NinjaAPI."""
    found = set()
    for _prefix, router in ninja_api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                for method in operation.methods:
                    found.add((method, path))
    return found


def test_every_operation_has_a_case() -> None:
    assert operations() == set(CASES), (
        "add a Case for each new operation to core/tests/test_api_coverage.py"
    )


@pytest.fixture
def place(world: World, settings: Any, tmp_path: Any) -> Place:
    settings.MEDIA_ROOT = tmp_path
    a = f.user("resident", world.street, "resident_a", phone="13900000001")
    b = f.user("resident", world.street, "resident_b", phone="13900000002")
    number = Api(a).post("/tickets", _order_body(world)).json()["number"]
    t = Ticket.objects.get(number=number)
    t = ticket_transition(
        ticket=t, action="dispatch", actor=world.dispatcher, assignee=world.worker
    ).ticket
    t = ticket_transition(ticket=t, action="accept", actor=world.worker).ticket
    far = f.user("dispatcher", world.other_street, "far_dispatcher")
    return Place(world=world, ticket=t, resident_a=a, resident_b=b, far_dispatcher=far)


def _order_body(world: World) -> dict[str, Any]:
    unit = world.unit
    return {
        "category": "repair.corridor_light",
        "compound": unit.building.compound.name,
        "building": unit.building.name,
        "unit": unit.name,
        "description": "灯不亮",
    }


def send(api: Api, method: str, call: Call) -> Any:
    if method == "GET":
        return api.get(call.path)
    if call.form is not None:
        return api.upload(call.path, call.form())
    return api.post(call.path, call.json)


def refused(response: Any, status: int, who: str) -> None:
    assert response.status_code == status, (who, response.status_code, response.content)
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == status


@pytest.mark.parametrize(("method", "path"), sorted(CASES))
def test_an_operation_refuses_strangers_wrong_roles_and_other_scopes(
    place: Place, method: str, path: str
) -> None:
    case = CASES[(method, path)]
    call = case.call(place)

    # Strangers: no credentials, an unknown key, a revoked key.
    refused(send(Api(), method, call), 401, "anonymous")
    unknown = "gj_" + "A" * 43
    refused(_with_key(method, call, unknown), 401, "unknown key")
    _key, raw = apikey_create(name="gone", role="dispatcher", street=place.world.street)
    apikey_revoke(name="gone")
    refused(_with_key(method, call, raw), 401, "revoked key")

    if isinstance(case.wrong_role, list):
        assert case.wrong_role, "name a refused role or say why there is none"
        for who, make in case.wrong_role:
            refused(send(Api(place.user(who)), method, make(place)), 403, who)
    if isinstance(case.out_of_scope, list):
        assert case.out_of_scope, "name who is out of scope or say why nothing is addressed"
        for who in case.out_of_scope:
            refused(send(Api(place.user(who)), method, case.call(place)), 404, who)

    who, status = case.ok
    response = send(Api(place.user(who)), method, case.call(place))
    assert response.status_code == status, (who, response.content)


def _with_key(method: str, call: Call, raw: str) -> Any:
    api = Api()
    api.headers["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return send(api, method, call)
