"""Every Open311 call through Django's test client: shapes, filters, privacy and each error case."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client
from django.utils import timezone

from guanjia.open311.models import Open311Request
from guanjia.open311.tests.conftest import JURISDICTION, Caller, Keys, Place, error_of, parse
from guanjia.people.apikeys import apikey_revoke
from guanjia.testing import factories as f
from guanjia.tickets.models import Ticket, TicketEvent
from guanjia.tickets.services import ticket_transition

if TYPE_CHECKING:
    from guanjia.testing.factories import World

pytestmark = pytest.mark.django_db

# Every route, with an argument that exists where it takes one (see `existing`).
ENDPOINTS = [
    "discovery",
    "v2/services",
    "v2/services/repair.corridor_light",
    "v2/requests",
    "v2/requests/{number}",
    "v2/tokens/{number}",
]


@pytest.fixture
def existing(world: World) -> Ticket:
    return f.ticket(world.unit, description="楼道灯不亮，请联系13812345678")


def _path(endpoint: str, ticket: Ticket) -> str:
    return endpoint.format(number=ticket.number)


# --- Errors that every call shares ---------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("suffix", ["html", "JSON", "xmlx", "csv"])
def test_an_unknown_format_suffix_is_404(
    o311: Caller, existing: Ticket, endpoint: str, suffix: str
):
    response = o311.get(_path(endpoint, existing), suffix)
    assert response.status_code == 404
    assert error_of(response)[0] == 404


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_jurisdiction_is_404(o311: Caller, existing: Ticket, endpoint: str, fmt: str):
    response = o311.get(_path(endpoint, existing), fmt, jurisdiction_id="nowhere")
    assert response.status_code == 404
    error_of(response, fmt)


def test_posting_to_an_unknown_jurisdiction_is_404(o311: Caller, keys: Keys, place: Place):
    response = o311.post(
        api_key=keys.dispatcher,
        service_code="repair.drain",
        address_id=str(place.compound.pk),
        jurisdiction_id="nowhere",
    )
    assert error_of(response)[0] == 404


@pytest.mark.parametrize("endpoint", ENDPOINTS[1:])
@pytest.mark.parametrize("jurisdiction", [None, ""])
def test_several_streets_need_a_jurisdiction(
    client: Client, existing: Ticket, endpoint: str, jurisdiction: str | None
):
    params = {} if jurisdiction is None else {"jurisdiction_id": jurisdiction}
    response = client.get(f"/open311/{_path(endpoint, existing)}.json", params)
    assert response.status_code == 400
    assert "jurisdiction_id" in error_of(response)[1]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("jurisdiction", [None, "", "solo"])
def test_one_street_needs_no_jurisdiction(client: Client, endpoint: str, jurisdiction: str | None):
    unit = f.UnitFactory(building__compound__community__street__code="solo")
    ticket = f.ticket(unit)
    params = {} if jurisdiction is None else {"jurisdiction_id": jurisdiction}
    response = client.get(f"/open311/{_path(endpoint, ticket)}.json", params)
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_unknown_parameters_are_ignored(o311: Caller, existing: Ticket, endpoint: str):
    plain = o311.get(_path(endpoint, existing))
    extra = o311.get(_path(endpoint, existing), foo="bar", locale="zh_CN", api_key="whatever")
    assert plain.status_code == extra.status_code == 200
    assert plain.content == extra.content


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_nul_characters_are_refused_not_fatal(o311: Caller, existing: Ticket, endpoint: str):
    # PostgreSQL cannot compare with a NUL character: it must never reach a query.
    for params in ({"jurisdiction_id": "shuang\x00gang"}, {"service_code": "\x00"}, {"x\x00": "1"}):
        assert error_of(o311.get(_path(endpoint, existing), **params))[0] == 400


def test_nul_characters_in_paths_and_posts(o311: Caller, place: Place, keys: Keys):
    assert error_of(o311.get("v2/services/repair\x00"))[0] == 404
    assert error_of(o311.get("v2/requests/SHUANGGANG-20260101-0001\x00"))[0] == 404
    response = _post(o311, place, api_key=keys.dispatcher, description="灯\x00不亮")
    assert error_of(response)[0] == 400
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("endpoint", ENDPOINTS[:3] + ENDPOINTS[4:])
def test_only_requests_take_posts(client: Client, existing: Ticket, endpoint: str):
    response = client.post(f"/open311/{_path(endpoint, existing)}.xml")
    assert response.status_code == 405
    assert "GET" in response["Allow"]
    error_of(response, "xml")


# --- Discovery and services ----------------------------------------------------------------------


def test_discovery(o311: Caller, world: World):
    body = parse(o311.get("discovery"), "json")
    assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
    [endpoint] = body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["type"] in {"production", "test"}
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert body["changeset"].endswith("+08:00")
    root = parse(o311.get("discovery", "xml"), "xml")
    assert root.tag == "discovery"
    assert root.findtext("endpoints/endpoint/url") == "http://testserver/open311/v2"
    assert [e.text for e in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]


def test_discovery_names_the_hotline_of_the_jurisdiction(client: Client, world: World):
    world.street.hotline = "0791-88886666"
    world.street.save()
    named = client.get("/open311/discovery.json", {"jurisdiction_id": JURISDICTION}).json()
    assert "0791-88886666" in named["contact"] and world.street.name in named["contact"]
    # Two streets and none named: the server's generic contact, and no 400.
    anonymous = client.get("/open311/discovery.json")
    assert anonymous.status_code == 200
    assert "0791-88886666" not in anonymous.json()["contact"]


def test_services_come_from_the_active_catalog(o311: Caller, world: World):
    f.category("consult.other", active=False)
    body = parse(o311.get("v2/services"), "json")
    codes = [s["service_code"] for s in body]
    assert "repair.corridor_light" in codes and "consult.other" not in codes
    light = next(s for s in body if s["service_code"] == "repair.corridor_light")
    assert light == {
        "service_code": "repair.corridor_light",
        "service_name": "楼道灯/公共照明",
        "description": "",
        "metadata": True,
        "type": "realtime",
        "keywords": "灯,路灯,声控灯,照明",
        "group": "坏了有保修",
    }
    drain = next(s for s in body if s["service_code"] == "repair.drain")
    assert drain["metadata"] is False
    root = parse(o311.get("v2/services", "xml"), "xml")
    assert root.tag == "services" and {e.tag for e in root} == {"service"}
    assert len(root) == len(body)
    assert root.find("service/metadata").text == "true"


def test_keywords_are_one_comma_separated_string(o311: Caller, world: World):
    f.category("repair.drain", keywords="下水道，堵塞、 化粪池 ;马桶")
    body = parse(o311.get("v2/services"), "json")
    drain = next(s for s in body if s["service_code"] == "repair.drain")
    assert drain["keywords"] == "下水道,堵塞,化粪池,马桶"


def test_an_english_client_reads_english_names(client: Client, world: World):
    response = client.get(
        "/open311/v2/services.json", {"jurisdiction_id": JURISDICTION}, HTTP_ACCEPT_LANGUAGE="en"
    )
    light = next(s for s in response.json() if s["service_code"] == "repair.corridor_light")
    assert light["service_name"] == "Corridor and public lighting"
    assert light["group"] == "Broken? Repairs are here"


def test_a_service_definition_lists_its_attributes(o311: Caller, world: World):
    body = parse(o311.get("v2/services/personal.housekeeping"), "json")
    assert body["service_code"] == "personal.housekeeping"
    [attribute] = body["attributes"]
    assert attribute == {
        "variable": True,
        "code": "preferred_time",
        "datatype": "datetime",
        "required": True,
        "datatype_description": "YYYY-MM-DDTHH:MM",
        "order": 1,
        "description": "希望上门时间",
        "values": [],
    }
    root = parse(o311.get("v2/services/repair.corridor_light", "xml"), "xml")
    assert root.tag == "service_definition"
    assert root.findtext("attributes/attribute/code") == "place_kind"
    assert root.findtext("attributes/attribute/variable") == "true"
    assert [v.findtext("key") for v in root.findall("attributes/attribute/values/value")] == [
        "corridor",
        "outdoor",
        "indoor",
    ]


def test_a_service_without_attributes_has_an_empty_definition(o311: Caller, world: World):
    assert parse(o311.get("v2/services/repair.drain"), "json")["attributes"] == []
    root = parse(o311.get("v2/services/repair.drain", "xml"), "xml")
    attributes = root.find("attributes")
    assert attributes is not None and len(attributes) == 0


@pytest.mark.parametrize("code", ["no.such", "consult.other", "x"])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_or_inactive_service_is_404(o311: Caller, world: World, code: str, fmt: str):
    f.category("consult.other", active=False)
    response = o311.get(f"v2/services/{code}", fmt)
    assert error_of(response, fmt)[0] == 404


# --- POST requests: keys ------------------------------------------------------------------------


def _post(o311: Caller, place: Place, fmt: str = "json", **params: Any) -> Any:
    params.setdefault("service_code", "repair.corridor_light")
    params.setdefault("address_id", f"{place.compound.pk}/{place.building.pk}/{place.unit.pk}")
    params.setdefault("description", "3幢2单元楼道灯不亮")
    return o311.post(fmt, **params)


def _created(response: Any) -> Ticket:
    assert response.status_code == 200, response.content
    [answer] = response.json()
    return Ticket.objects.get(number=answer["service_request_id"])


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("api_key", [None, "", "gj_" + "x" * 43, "not-a-key"])
def test_posting_without_a_valid_key_is_403(
    o311: Caller, place: Place, fmt: str, api_key: str | None
):
    response = _post(o311, place, fmt, api_key=api_key)
    assert error_of(response, fmt)[0] == 403
    assert not Ticket.objects.exists()


def test_a_revoked_key_is_403(o311: Caller, place: Place, keys: Keys):
    apikey_revoke(name="partner")
    assert error_of(_post(o311, place, api_key=keys.dispatcher))[0] == 403


@pytest.mark.parametrize("key", ["other_street", "district_resident"])
def test_a_key_without_the_right_to_order_here_is_403(
    o311: Caller, place: Place, keys: Keys, key: str
):
    response = _post(o311, place, api_key=getattr(keys, key), phone="13812342345")
    assert error_of(response)[0] == 403
    assert not Ticket.objects.exists()


def test_a_district_dispatcher_key_may_order_in_any_street(o311: Caller, place: Place, keys: Keys):
    ticket = _created(_post(o311, place, api_key=keys.district))
    assert ticket.street.code == JURISDICTION


def test_the_key_is_checked_before_the_service_and_the_place(o311: Caller, world: World):
    response = o311.post(service_code="no.such")
    assert error_of(response)[0] == 403


# --- POST requests: the order --------------------------------------------------------------------


def test_a_posted_request_is_an_ordinary_order(o311: Caller, place: Place, keys: Keys):
    response = _post(
        o311,
        place,
        api_key=keys.dispatcher,
        first_name="建国",
        last_name="张",
        phone="138 1234 5678",
        email="zhang@example.com",
        device_id="device-1",
        account_id="acct-7",
    )
    [answer] = response.json()
    ticket = Ticket.objects.get(number=answer["service_request_id"])
    assert answer["account_id"] == "acct-7"
    assert ticket.number in answer["service_notice"]
    assert set(answer) == {"service_request_id", "service_notice", "account_id"}
    assert ticket.channel == "open311"
    assert ticket.status == "new"
    assert ticket.created_by is not None and ticket.created_by.username == "key-partner"
    assert (ticket.compound, ticket.building, ticket.unit) == (
        place.compound,
        place.building,
        place.unit,
    )
    assert ticket.category.code == "repair.corridor_light"
    assert ticket.contact_name == "张建国"
    assert ticket.contact_phone == "13812345678"
    assert ticket.reporter is not None and ticket.reporter.phone == "13812345678"
    assert ticket.resolve_due is not None and ticket.accept_due is not None
    event = TicketEvent.objects.get(ticket=ticket)
    assert (event.type, event.payload["channel"]) == ("create", "open311")
    # Email, device and account ids are not kept anywhere on the order.
    stored = str(Ticket.objects.filter(pk=ticket.pk).values().get())
    for secret in ("zhang@example.com", "device-1", "acct-7"):
        assert secret not in stored
    assert not Open311Request.objects.exists()  # nothing else to keep without a media_url


def test_a_post_ignores_unknown_and_empty_parameters(o311: Caller, place: Place, keys: Keys):
    empty = dict.fromkeys(
        (
            "email",
            "device_id",
            "account_id",
            "first_name",
            "last_name",
            "phone",
            "media_url",
            "address_string",
            "lat",
            "long",
            "attribute[place_kind]",
        ),
        "",
    )
    response = _post(
        o311, place, api_key=keys.dispatcher, foo="bar", **{"attribute[nope]": "x"}, **empty
    )
    ticket = _created(response)
    assert (ticket.contact_name, ticket.contact_phone, ticket.attributes) == ("", "", {})
    assert response.json()[0]["account_id"] is None
    assert not Open311Request.objects.exists()


def test_the_answer_to_a_post_in_xml(o311: Caller, place: Place, keys: Keys):
    response = _post(o311, place, "xml", api_key=keys.dispatcher, account_id="a1")
    root = parse(response, "xml")
    assert root.tag == "service_requests"
    assert [e.tag for e in root] == ["request"]
    number = root.findtext("request/service_request_id")
    assert Ticket.objects.filter(number=number, channel="open311").exists()
    assert root.findtext("request/account_id") == "a1"


def test_csrf_does_not_stand_in_the_way_of_a_key(place: Place, keys: Keys):
    caller = Caller(Client(enforce_csrf_checks=True))
    _created(_post(caller, place, api_key=keys.dispatcher))


def test_the_jurisdiction_may_come_in_the_query_string_of_a_post(
    client: Client, place: Place, keys: Keys
):
    response = client.post(
        f"/open311/v2/requests.json?jurisdiction_id={JURISDICTION}",
        {
            "api_key": keys.dispatcher,
            "service_code": "repair.drain",
            "address_id": str(place.compound.pk),
        },
    )
    assert _created(response).compound == place.compound


def test_an_unknown_service_is_404_and_a_missing_one_400(o311: Caller, place: Place, keys: Keys):
    assert error_of(_post(o311, place, api_key=keys.dispatcher, service_code="no.such"))[0] == 404
    assert error_of(_post(o311, place, api_key=keys.dispatcher, service_code=""))[0] == 400


@pytest.mark.parametrize(
    "location",
    [
        {"address_id": None},
        {"address_id": "", "address_string": "", "lat": "", "long": ""},
        {"address_id": None, "lat": "28.26"},
        {"address_id": None, "long": "117.06"},
        {"address_id": None, "lat": "north", "long": "117.06"},
        {"address_id": None, "lat": "128.26", "long": "117.06"},
        {"address_id": None, "lat": "nan", "long": "117.06"},
        {"address_id": None, "lat": "29.26", "long": "117.06"},  # 111 km away
        {"address_id": None, "address_string": "某某路88号"},
        {"address_id": "x"},
        {"address_id": "1/2/3/4"},
        {"address_id": "999999"},
        {"address_id": "9" * 30},
        {"address_id": "1/" + "9" * 30},
        {"address_id": "１２"},  # full-width digits are not ids
    ],
)
def test_no_usable_location_is_400(
    o311: Caller, place: Place, keys: Keys, location: dict[str, Any]
):
    response = _post(o311, place, api_key=keys.dispatcher, **location)
    assert error_of(response)[0] == 400
    assert not Ticket.objects.exists()


def test_an_address_id_of_another_street_is_400(o311: Caller, world: World, keys: Keys):
    other = world.other_unit
    response = o311.post(
        api_key=keys.dispatcher,
        service_code="repair.drain",
        address_id=f"{other.building.compound_id}/{other.building_id}/{other.pk}",
    )
    assert error_of(response)[0] == 400


def test_a_building_of_another_compound_is_400(o311: Caller, world: World, place: Place, keys):
    response = o311.post(
        api_key=keys.dispatcher,
        service_code="repair.drain",
        address_id=f"{place.compound.pk}/{world.unit.building_id}",
    )
    assert error_of(response)[0] == 400


def test_coordinates_pick_the_nearest_compound(o311: Caller, world: World, place: Place, keys):
    # 大乐园小区 is at 28.26/117.06, the world's compound at 28.25/117.05 (about 1.5 km apart).
    near_dly = _created(
        _post(o311, place, api_key=keys.dispatcher, address_id=None, lat="28.259", long="117.059")
    )
    assert near_dly.compound == place.compound and near_dly.building is None
    near_world = _created(
        _post(o311, place, api_key=keys.dispatcher, address_id="", lat="28.2505", long="117.0502")
    )
    assert near_world.compound == world.unit.building.compound


def test_an_address_string_finds_compound_building_unit_and_room(
    o311: Caller, place: Place, keys: Keys
):
    ticket = _created(
        _post(
            o311,
            place,
            api_key=keys.dispatcher,
            address_id=None,
            address_string="双港街道乐园新村三幢2单元301室",
        )
    )
    assert (ticket.compound, ticket.building, ticket.unit, ticket.room, ticket.spot) == (
        place.compound,
        place.building,
        place.unit,
        "301",
        "",
    )


def test_an_address_string_without_a_known_building_keeps_the_text(
    o311: Caller, place: Place, keys: Keys
):
    ticket = _created(
        _post(o311, place, api_key=keys.dispatcher, address_id=None, address_string="大乐园东门")
    )
    assert (ticket.compound, ticket.building, ticket.spot) == (place.compound, None, "大乐园东门")


def test_an_unmatched_address_string_falls_back_to_the_coordinates(
    o311: Caller, place: Place, keys: Keys
):
    ticket = _created(
        _post(
            o311,
            place,
            api_key=keys.dispatcher,
            address_id=None,
            address_string="东门口的路灯",
            lat="28.26",
            long="117.06",
        )
    )
    assert (ticket.compound, ticket.spot) == (place.compound, "东门口的路灯")


def test_required_attributes_are_enforced(o311: Caller, place: Place, keys: Keys):
    params = {"api_key": keys.dispatcher, "service_code": "personal.housekeeping"}
    response = _post(o311, place, **params)
    assert error_of(response)[0] == 400
    response = _post(o311, place, **params, **{"attribute[preferred_time]": ""})
    assert error_of(response)[0] == 400
    response = _post(o311, place, **params, **{"attribute[preferred_time]": "tomorrow"})
    assert error_of(response)[0] == 400
    ticket = _created(
        _post(o311, place, **params, **{"attribute[preferred_time]": "2026-06-01T09:00"})
    )
    assert ticket.attributes == {"preferred_time": "2026-06-01T09:00:00"}


def test_single_and_multivalue_attributes(o311: Caller, place: Place, keys: Keys):
    f.category(
        "repair.public_facility",
        attributes=[
            {
                "code": "items",
                "description": "损坏的设施",
                "datatype": "multivaluelist",
                "required": True,
                "order": 1,
                "values": [{"key": "seat", "name": "座椅"}, {"key": "lamp", "name": "路灯"}],
            },
            {
                "code": "place_kind",
                "description": "位置类型",
                "datatype": "singlevaluelist",
                "order": 2,
                "values": [{"key": "outdoor", "name": "室外"}],
            },
        ],
    )
    client = o311.client
    response = client.post(
        "/open311/v2/requests.json",
        {
            "jurisdiction_id": JURISDICTION,
            "api_key": keys.dispatcher,
            "service_code": "repair.public_facility",
            "address_id": str(place.compound.pk),
            "attribute[items][]": ["seat", "lamp"],
            "attribute[place_kind]": "outdoor",
            "attribute[unknown_code]": "ignored",
        },
    )
    ticket = _created(response)
    assert ticket.attributes == {"items": ["seat", "lamp"], "place_kind": "outdoor"}
    # No description given: the order is described by its service.
    assert ticket.description == ticket.category.name
    bad = client.post(
        "/open311/v2/requests.json",
        {
            "jurisdiction_id": JURISDICTION,
            "api_key": keys.dispatcher,
            "service_code": "repair.public_facility",
            "address_id": str(place.compound.pk),
            "attribute[items][]": ["seat", "throne"],
        },
    )
    assert error_of(bad)[0] == 400


def test_a_long_description_is_shortened_with_a_notice(o311: Caller, place: Place, keys: Keys):
    text = "灯" * 3999 + "尾"
    response = _post(o311, place, api_key=keys.dispatcher, description=text)
    ticket = _created(response)
    assert len(ticket.description) == 2000
    assert ticket.description.endswith("…")
    assert "2000" in response.json()[0]["service_notice"]
    too_long = _post(o311, place, api_key=keys.dispatcher, description="灯" * 4001)
    assert error_of(too_long)[0] == 400


def test_phones_and_names(o311: Caller, place: Place, keys: Keys):
    # A resident's app must leave a phone number; a bad one is dropped with a notice.
    no_phone = _post(o311, place, api_key=keys.resident)
    assert error_of(no_phone)[0] == 400
    bad = _post(o311, place, api_key=keys.dispatcher, phone="555-0100", first_name="Ann")
    ticket = _created(bad)
    assert ticket.contact_phone == "" and ticket.contact_name == "Ann"
    assert (
        "phone" in bad.json()[0]["service_notice"].lower()
        or "电话" in (bad.json()[0]["service_notice"])
    )
    ok = _created(_post(o311, place, api_key=keys.resident, phone="+86 0571-8888 5678"))
    assert ok.contact_phone == "057188885678"
    latin = _created(_post(o311, place, api_key=keys.dispatcher, first_name="Ann", last_name="Lee"))
    assert latin.contact_name == "Ann Lee"


def test_media_url_is_kept_and_shown_back(o311: Caller, place: Place, keys: Keys):
    url = "https://img.example.org/p/1.jpg"
    ticket = _created(_post(o311, place, api_key=keys.dispatcher, media_url=url))
    assert Open311Request.objects.get(ticket=ticket).media_url == url
    body = o311.get(f"v2/requests/{ticket.number}").json()
    assert body[0]["media_url"] == url
    for bad in (
        "javascript:alert(1)",
        "ftp://x.org/a.jpg",
        "not a url",
        "https://x.org/" + "a" * 500,
    ):
        assert error_of(_post(o311, place, api_key=keys.dispatcher, media_url=bad))[0] == 400


# --- GET requests --------------------------------------------------------------------------------


def _order(world: World, days_ago: float = 0, **kwargs: Any) -> Ticket:
    kwargs.setdefault("phone", "13900001111")
    return f.ticket(world.unit, now=timezone.now() - dt.timedelta(days=days_ago), **kwargs)


def _numbers(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [r["service_request_id"] for r in response.json()]


def test_the_list_is_the_last_90_days_newest_first(o311: Caller, world: World):
    old = _order(world, days_ago=100)
    middle = _order(world, days_ago=30)
    new = _order(world, days_ago=1)
    f.ticket(world.other_unit)  # another street's
    assert _numbers(o311.get("v2/requests")) == [new.number, middle.number]
    assert old.number not in _numbers(o311.get("v2/requests"))


def test_dates_filter_the_window(o311: Caller, world: World):
    a = _order(world, days_ago=100)
    b = _order(world, days_ago=50)
    c = _order(world, days_ago=10)
    now = timezone.now()
    start = (now - dt.timedelta(days=120)).isoformat()
    end = (now - dt.timedelta(days=40)).isoformat()
    assert _numbers(o311.get("v2/requests", start_date=start, end_date=end)) == [b.number, a.number]
    # One end alone: the other is 90 days away.
    start = (now - dt.timedelta(days=105)).isoformat()
    assert _numbers(o311.get("v2/requests", start_date=start)) == [b.number, a.number]
    end = (now - dt.timedelta(days=60)).isoformat()
    assert _numbers(o311.get("v2/requests", end_date=end)) == [a.number]
    assert c.number in _numbers(o311.get("v2/requests"))
    # A date alone, and "+08:00" that arrived as " 08:00" (an unencoded plus sign).
    day = timezone.localdate() - dt.timedelta(days=101)
    assert a.number in _numbers(o311.get("v2/requests", start_date=day.isoformat()))
    local = timezone.localtime(timezone.now() - dt.timedelta(days=101)).strftime(
        "%Y-%m-%dT%H:%M:%S"
    )
    assert a.number in _numbers(o311.get("v2/requests", start_date=f"{local} 08:00"))
    utc = (
        (timezone.now() - dt.timedelta(days=101)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    assert a.number in _numbers(o311.get("v2/requests", start_date=utc))


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "2026-01-01T00:00:00+08:00", "end_date": "2026-04-02T00:00:00+08:00"},
        {"start_date": "2026-05-01T00:00:00Z", "end_date": "2026-04-01T00:00:00Z"},
        {"start_date": "yesterday"},
        {"end_date": "2026-13-01"},
        {"status": "pending"},
        {"status": "open,done"},
        {"page": "0"},
        {"page": "x"},
        {"page_size": "1001"},
        {"page_size": "-5"},
        {"page": "1" + "0" * 30},
        {"start_date": "9999-12-31T00:00:00Z"},
        {"end_date": "0001-01-01T00:00:00Z"},
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_filters_are_400(o311: Caller, world: World, params: dict[str, str], fmt: str):
    assert error_of(o311.get("v2/requests", fmt, **params), fmt)[0] == 400


def test_exactly_90_days_is_allowed(o311: Caller, world: World):
    response = o311.get(
        "v2/requests", start_date="2026-01-01T00:00:00+08:00", end_date="2026-04-01T00:00:00+08:00"
    )
    assert response.status_code == 200 and response.json() == []


def test_empty_filters_count_as_absent(o311: Caller, world: World):
    new = _order(world)
    params = {p: "" for p in ("service_request_id", "service_code", "start_date", "end_date")}
    assert _numbers(o311.get("v2/requests", status="", page="", page_size="", **params)) == [
        new.number
    ]


def test_status_open_and_closed(o311: Caller, world: World):
    open_ = _order(world)
    cancelled = _order(world)
    ticket_transition(ticket=cancelled, action="cancel", actor=world.dispatcher, reason="重复")
    assert _numbers(o311.get("v2/requests", status="open")) == [open_.number]
    assert _numbers(o311.get("v2/requests", status="closed")) == [cancelled.number]
    assert _numbers(o311.get("v2/requests", status="Open, closed")) == [
        cancelled.number,
        open_.number,
    ]
    body = o311.get(f"v2/requests/{cancelled.number}").json()[0]
    assert body["status"] == "closed"
    assert body["status_notes"] == "已撤销"


def test_service_codes(o311: Caller, world: World):
    light = _order(world)
    drain = _order(world, code="repair.drain")
    _order(world, code="security.noise")
    assert _numbers(o311.get("v2/requests", service_code="repair.drain")) == [drain.number]
    both = _numbers(o311.get("v2/requests", service_code="repair.drain,repair.corridor_light"))
    assert both == [drain.number, light.number]
    assert _numbers(o311.get("v2/requests", service_code="no.such")) == []


def test_service_request_ids_override_every_other_filter(o311: Caller, world: World):
    old = _order(world, days_ago=200)
    new = _order(world)
    other = f.ticket(world.other_unit)
    ids = f"{old.number}, {new.number},{other.number},garbage"
    got = _numbers(o311.get("v2/requests", service_request_id=ids, status="closed", end_date="x"))
    assert got == [new.number, old.number]


def test_pages(o311: Caller, world: World):
    tickets = [_order(world, days_ago=10 - i) for i in range(5)]
    newest_first = [t.number for t in reversed(tickets)]
    assert _numbers(o311.get("v2/requests", page_size="2")) == newest_first[:2]
    assert _numbers(o311.get("v2/requests", page_size="2", page="2")) == newest_first[2:4]
    assert _numbers(o311.get("v2/requests", page_size="2", page="3")) == newest_first[4:]
    assert _numbers(o311.get("v2/requests", page_size="2", page="4")) == []


def test_a_page_is_one_query_whatever_its_length(
    o311: Caller, world: World, place: Place, django_assert_num_queries: Any
):
    _order(world)
    with django_assert_num_queries(2):  # the jurisdiction, the page
        o311.get("v2/requests")
    for i in range(6):
        f.ticket(place.unit, code="repair.drain", phone=f"1390000{i:04d}")
        _order(world, code="personal.home_repair")
    with django_assert_num_queries(2):
        response = o311.get("v2/requests", "xml")
    assert len(parse(response, "xml")) == 13


def test_an_empty_list_is_an_empty_array_and_an_empty_root(o311: Caller, world: World):
    assert o311.get("v2/requests").json() == []
    root = parse(o311.get("v2/requests", "xml"), "xml")
    assert root.tag == "service_requests" and len(root) == 0


def test_a_request_in_both_formats(o311: Caller, world: World, place: Place, keys: Keys):
    ticket = f.ticket(
        place.unit,
        description="3幢2单元301室楼道灯不亮，电话13812345678",
        room="301",
        contact_name="张建国",
    )
    body = o311.get(f"v2/requests/{ticket.number}").json()
    assert isinstance(body, list) and len(body) == 1
    request = body[0]
    assert list(request) == [
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    ]
    assert request["service_request_id"] == ticket.number
    assert request["status"] == "open"
    assert request["status_notes"] == "待派单"
    assert request["service_code"] == "repair.corridor_light"
    assert request["agency_responsible"] == world.street.name
    assert request["address"] == "大乐园小区3幢2单元"
    assert request["address_id"] == f"{place.compound.pk}/{place.building.pk}/{place.unit.pk}"
    assert (request["lat"], request["long"]) == (28.26, 117.06)
    assert request["description"] == "3幢2单元301室楼道灯不亮，电话138****5678"
    for key in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert request[key].endswith("+08:00"), key
        assert dt.datetime.fromisoformat(request[key]).tzinfo is not None
    assert ticket.resolve_due is not None
    expected = dt.datetime.fromisoformat(request["expected_datetime"])
    assert expected == ticket.resolve_due.replace(microsecond=0)
    root = parse(o311.get(f"v2/requests/{ticket.number}", "xml"), "xml")
    assert root.tag == "service_requests" and [e.tag for e in root] == ["request"]
    assert root.findtext("request/service_request_id") == ticket.number
    assert root.findtext("request/address") == "大乐园小区3幢2单元"
    assert root.findtext("request/lat") == "28.26"


def test_public_reads_carry_no_name_phone_email_or_room(o311: Caller, place: Place, keys: Keys):
    posted = _created(
        _post(
            o311,
            place,
            api_key=keys.dispatcher,
            first_name="建国",
            last_name="张",
            phone="13812345678",
            email="zhang@example.com",
            address_id=None,
            address_string="大乐园小区3幢2单元301室",
            description="我是张建国，电话 138 1234 5678，座机 0571-88885678",
        )
    )
    assert posted.room == "301"
    for fmt in ("json", "xml"):
        for path in (f"v2/requests/{posted.number}", "v2/requests"):
            text = o311.get(path, fmt).content.decode()
            for secret in ("13812345678", "138 1234 5678", "88885678", "zhang@example.com", "301"):
                assert secret not in text, (path, fmt, secret)
            assert "建国" not in text.replace("我是张建国", "")  # only what the resident typed
            assert "138****5678" in text and "057****5678" in text


def test_personal_services_show_only_the_compound_and_no_description(
    o311: Caller, world: World, place: Place
):
    care = f.ticket(
        place.unit,
        code="personal.elder_care",
        description="母亲独居，80岁，行动不便",
        attributes={"preferred_time": "2026-06-01T09:00"},
    )
    request = o311.get(f"v2/requests/{care.number}").json()[0]
    assert request["description"] is None
    assert request["address"] == "大乐园小区"
    assert request["address_id"] == str(place.compound.pk)
    assert "行动不便" not in o311.get("v2/requests", "xml").content.decode()


def test_a_merged_request_points_at_its_original(o311: Caller, world: World):
    original = _order(world)
    duplicate = _order(world)
    ticket_transition(ticket=duplicate, action="merge", actor=world.dispatcher, original=original)
    request = o311.get(f"v2/requests/{duplicate.number}").json()[0]
    assert request["status"] == "closed"
    assert original.number in request["status_notes"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_malformed_or_foreign_requests_are_404(o311: Caller, world: World, fmt: str):
    foreign = f.ticket(world.other_unit)
    for number in (
        "SHUANGGANG-20260101-9999",
        "x",
        "shuanggang-20260101-0001",
        "%20",
        "A" * 300,
        foreign.number,
    ):
        for path in ("v2/requests", "v2/tokens"):
            response = o311.get(f"{path}/{number}", fmt)
            assert error_of(response, fmt)[0] == 404, (path, number)


def test_tokens_answer_the_request_id(o311: Caller, world: World):
    ticket = _order(world)
    assert o311.get(f"v2/tokens/{ticket.number}").json() == [
        {"service_request_id": ticket.number, "token": ticket.number}
    ]
    root = parse(o311.get(f"v2/tokens/{ticket.number}", "xml"), "xml")
    assert root.tag == "service_requests"
    assert root.findtext("request/token") == ticket.number
    assert root.findtext("request/service_request_id") == ticket.number
