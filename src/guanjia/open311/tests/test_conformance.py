"""Conformance over real HTTP: a live server, the third-party `georeport` client, plain requests.

`georeport` reads services, definitions and requests in both formats but cannot post, and parses
XML with xmltodict: a one-item list comes back as a dict, and an empty list makes it raise. So
one-item lists are read through the client and normalised here (`as_list`), empty XML lists are
checked with a plain XML parser, and POST, tokens, discovery and errors go through `requests`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
import requests
from django.utils import timezone
from georeport import GeoReport

from guanjia.open311.tests.conftest import JURISDICTION, xml_parse
from guanjia.people.apikeys import apikey_create
from guanjia.tickets.models import PhotoKind, Ticket, TicketPhoto
from guanjia.tickets.services import ticket_transition

if TYPE_CHECKING:
    from guanjia.testing.factories import World

pytestmark = pytest.mark.django_db(transaction=True)

XML_START = b'<?xml version="1.0" encoding="utf-8"?>'


def as_list(value: Any) -> list[Any]:
    """What xmltodict gives for a list: a list, a dict (one item) or None (empty)."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


@pytest.fixture
def base(live_server: Any, world: World) -> str:
    return f"{live_server.url}/open311"


@pytest.fixture
def api_key(world: World) -> str:
    return apikey_create(name="partner", role="dispatcher", street=world.street)[1]


def client(base: str, fmt: str) -> GeoReport:
    return GeoReport(f"{base}/v2", jurisdiction=JURISDICTION, output_format=fmt)


def body_of(response: requests.Response, fmt: str) -> Any:
    assert response.headers["Content-Type"] == (
        "application/json; charset=utf-8" if fmt == "json" else "text/xml; charset=utf-8"
    )
    if fmt == "json":
        return json.loads(response.content.decode("utf-8"))
    assert response.content.startswith(XML_START)
    return xml_parse(response.content)


def post(base: str, fmt: str, **params: Any) -> requests.Response:
    params.setdefault("jurisdiction_id", JURISDICTION)
    return requests.post(f"{base}/v2/requests.{fmt}", data=params, timeout=30)


def posted_id(response: requests.Response, fmt: str) -> str:
    """The service_request_id of a POST answer: an array of one in both formats."""
    assert response.status_code == 200, response.content
    body = body_of(response, fmt)
    if fmt == "json":
        assert isinstance(body, list) and len(body) == 1
        return str(body[0]["service_request_id"])
    assert body.tag == "service_requests" and [e.tag for e in body] == ["request"]
    return str(body.findtext("request/service_request_id"))


# --- Reads through georeport --------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_client_reads_services_and_definitions(base: str, fmt: str) -> None:
    services = client(base, fmt).get_service_list()
    assert isinstance(services, list) and len(services) > 10
    light = next(s for s in services if s["service_code"] == "repair.corridor_light")
    assert light["service_name"] == "楼道灯/公共照明"
    assert light["type"] == "realtime"
    assert str(light["metadata"]).lower() == "true"  # JSON true, XML "true"
    definition = client(base, fmt).get_service_definition("repair.corridor_light")
    assert definition["service_code"] == "repair.corridor_light"
    attributes = definition["attributes"]
    # One attribute: xmltodict makes {"attribute": {...}} of it, JSON a list of one.
    attribute = as_list(attributes["attribute"])[0] if fmt == "xml" else attributes[0]
    assert attribute["code"] == "place_kind"
    assert attribute["datatype"] == "singlevaluelist"
    values = as_list(attribute["values"]["value"]) if fmt == "xml" else attribute["values"]
    assert [v["key"] for v in values] == ["corridor", "outdoor", "indoor"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_client_reads_one_item_lists(base: str, world: World, fmt: str) -> None:
    from guanjia.catalog.models import ServiceCategory
    from guanjia.testing import factories as f

    ServiceCategory.objects.exclude(code="repair.drain").update(active=False)
    raw = client(base, fmt).get_service_list()
    # xmltodict turns a list of one into the item itself; JSON stays a list.
    assert isinstance(raw, dict if fmt == "xml" else list)
    services = as_list(raw)
    assert [s["service_code"] for s in services] == ["repair.drain"]

    ticket = f.ticket(world.unit, code="repair.drain", description="下水道堵了")
    listed = client(base, fmt).get_service_requests()
    assert isinstance(listed, dict if fmt == "xml" else list)
    requests_ = as_list(listed)
    assert [r["service_request_id"] for r in requests_] == [ticket.number]
    one = client(base, fmt).get_service_request(ticket.number)
    assert one["service_request_id"] == ticket.number
    assert one["status"] == "open"
    assert one["description"] == "下水道堵了"
    assert one["requested_datetime"].endswith("+08:00")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_client_reads_several_requests_and_filters(base: str, world: World, fmt: str) -> None:
    from guanjia.testing import factories as f

    light = f.ticket(world.unit, description="楼道灯不亮")
    drain = f.ticket(world.unit, code="repair.drain", description="下水道堵了")
    geo = client(base, fmt)
    numbers = [r["service_request_id"] for r in as_list(geo.get_service_requests())]
    assert numbers == [drain.number, light.number]
    only = as_list(geo.get_service_requests(service_code="repair.drain"))
    assert [r["service_request_id"] for r in only] == [drain.number]
    both = as_list(geo.get_service_requests(service_request_id=f"{light.number},{drain.number}"))
    assert {r["service_request_id"] for r in both} == {light.number, drain.number}
    with pytest.raises(requests.HTTPError) as e:
        geo.get_service_request("SHUANGGANG-20200101-0001")
    assert e.value.response.status_code == 404


@pytest.mark.parametrize("path", ["v2/services", "v2/requests"])
def test_empty_xml_lists_are_valid_empty_roots(base: str, world: World, path: str) -> None:
    from guanjia.catalog.models import ServiceCategory

    ServiceCategory.objects.update(active=False)
    response = requests.get(
        f"{base}/{path}.xml", params={"jurisdiction_id": JURISDICTION}, timeout=30
    )
    assert response.status_code == 200
    root = body_of(response, "xml")
    assert root.tag == path.split("/")[-1].replace("requests", "service_requests")
    assert len(root) == 0
    json_response = requests.get(
        f"{base}/{path}.json", params={"jurisdiction_id": JURISDICTION}, timeout=30
    )
    assert body_of(json_response, "json") == []


# --- Plain HTTP: discovery, tokens, errors -------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_discovery_over_http(base: str, fmt: str) -> None:
    response = requests.get(f"{base}/discovery.{fmt}", timeout=30)
    assert response.status_code == 200
    body = body_of(response, fmt)
    if fmt == "json":
        [endpoint] = body["endpoints"]
        url = endpoint["url"]
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    else:
        assert body.tag == "discovery"
        url = body.findtext("endpoints/endpoint/url")
    assert url == f"{base}/v2"
    # The endpoint it names is where the services are.
    services = requests.get(
        f"{url}/services.{fmt}", params={"jurisdiction_id": JURISDICTION}, timeout=30
    )
    assert services.status_code == 200


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_errors_over_http(base: str, world: World, api_key: str, fmt: str) -> None:
    def error(response: requests.Response) -> int:
        body = body_of(response, fmt)
        if fmt == "json":
            [item] = body
            code, description = item["code"], item["description"]
        else:
            assert body.tag == "errors" and [e.tag for e in body] == ["error"]
            code, description = int(body.findtext("error/code")), body.findtext("error/description")
        assert code == response.status_code and description
        return code

    def get(path: str, **params: Any) -> requests.Response:
        params.setdefault("jurisdiction_id", JURISDICTION)
        return requests.get(f"{base}/{path}.{fmt}", params=params, timeout=30)

    assert error(get("v2/services", jurisdiction_id="nowhere")) == 404
    assert error(get("v2/services", jurisdiction_id="")) == 400  # two streets here
    assert error(get("v2/services/no.such")) == 404
    assert error(get("v2/requests/nonsense")) == 404
    assert error(get("v2/tokens/SHUANGGANG-20200101-0001")) == 404
    assert error(get("v2/requests", start_date="2026-01-01", end_date="2026-06-01")) == 400
    assert error(get("v2/requests", status="pending")) == 400
    where = {"lat": "28.25", "long": "117.05", "description": "灯不亮"}
    assert error(post(base, fmt, service_code="repair.drain", **where)) == 403
    assert error(post(base, fmt, api_key="gj_wrong", service_code="repair.drain", **where)) == 403
    assert error(post(base, fmt, api_key=api_key, service_code="no.such", **where)) == 404
    assert error(post(base, fmt, api_key=api_key, service_code="repair.drain")) == 400
    assert (
        error(post(base, fmt, api_key=api_key, service_code="personal.housekeeping", **where))
        == 400
    )
    bad_suffix = requests.get(f"{base}/v2/services.html", timeout=30)
    assert bad_suffix.status_code == 404
    assert Ticket.objects.count() == 0


# --- End to end: a client that knows only the spec ---------------------------------------------


def _drive_to_closed(number: str, world: World) -> None:
    """What the street does with the order, through the ordinary lifecycle services."""
    ticket = Ticket.objects.get(number=number)
    ticket_transition(
        ticket=ticket, action="dispatch", actor=world.dispatcher, assignee=world.worker
    )
    ticket_transition(ticket=ticket, action="accept", actor=world.worker)
    ticket_transition(ticket=ticket, action="arrive", actor=world.worker)
    TicketPhoto.objects.create(
        street=ticket.street,
        ticket=ticket,
        kind=PhotoKind.AFTER,
        file="photos/after.jpg",
        width=800,
        height=600,
        uploaded_by=world.worker,
        created_at=timezone.now(),
    )
    ticket_transition(ticket=ticket, action="resolve", actor=world.worker)
    ticket_transition(ticket=ticket, action="close", actor=None)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_list_services_post_a_request_and_follow_it_to_closed(
    base: str, world: World, api_key: str, fmt: str
) -> None:
    geo = client(base, fmt)
    # 1. Discover what can be ordered, and what the chosen service wants to know.
    services = geo.get_service_list()
    light = next(s for s in services if s["service_code"] == "repair.corridor_light")
    definition = geo.get_service_definition(light["service_code"])
    attributes = definition["attributes"]
    attribute = as_list(attributes["attribute"])[0] if fmt == "xml" else attributes[0]
    values = as_list(attribute["values"]["value"]) if fmt == "xml" else attribute["values"]
    choice = values[0]["key"]

    # 2. Post a request where the resident stands (the world's compound is at 28.25, 117.05).
    response = post(
        base,
        fmt,
        api_key=api_key,
        service_code=light["service_code"],
        lat="28.2501",
        long="117.0502",
        description="5楼楼道灯不亮，联系电话13812345678",
        first_name="建国",
        last_name="张",
        phone="13812345678",
        email="zhang@example.com",
        **{f"attribute[{attribute['code']}]": choice},
    )
    number = posted_id(response, fmt)
    ticket = Ticket.objects.get(number=number)
    assert ticket.channel == "open311" and ticket.attributes == {attribute["code"]: choice}

    # 3. Follow it: open, and nothing personal in what anyone can read.
    request = geo.get_service_request(number)
    assert (request["service_request_id"], request["status"]) == (number, "open")
    assert request["service_code"] == "repair.corridor_light"
    raw = requests.get(
        f"{base}/v2/requests/{number}.{fmt}", params={"jurisdiction_id": JURISDICTION}, timeout=30
    ).content.decode("utf-8")
    for secret in ("13812345678", "张", "建国", "zhang@example.com"):
        assert secret not in raw
    assert "138****5678" in raw

    # A token answers the same id (realtime: the token is the id).
    tokens = requests.get(
        f"{base}/v2/tokens/{number}.{fmt}", params={"jurisdiction_id": JURISDICTION}, timeout=30
    )
    body = body_of(tokens, fmt)
    if fmt == "json":
        assert body == [{"service_request_id": number, "token": number}]
    else:
        assert body.tag == "service_requests"
        assert body.findtext("request/service_request_id") == number

    # 4. The street dispatches, the worker fixes it, the order closes.
    _drive_to_closed(number, world)
    request = geo.get_service_request(number)
    assert request["status"] == "closed"
    assert request["status_notes"] == "已办结"
    closed = as_list(geo.get_service_requests(status="closed"))
    assert [r["service_request_id"] for r in closed] == [number]
    # No open request is left: an empty list (which georeport cannot read in XML, hence plain HTTP).
    still_open = requests.get(
        f"{base}/v2/requests.{fmt}",
        params={"jurisdiction_id": JURISDICTION, "status": "open"},
        timeout=30,
    )
    left = body_of(still_open, fmt)
    assert (left if fmt == "json" else list(left)) == []
