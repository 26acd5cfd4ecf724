"""Fixtures for the Open311 tests: a compound residents name, keys of every kind, a caller."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree as ET

import pytest
from django.test import Client

from guanjia.org.models import Building, Compound, Unit
from guanjia.people.apikeys import apikey_create

if TYPE_CHECKING:
    from django.http import HttpResponse

    from guanjia.testing.factories import World

JURISDICTION = "shuanggang"


@dataclass
class Keys:
    dispatcher: str  # a service account of the street with the dispatcher's role
    resident: str  # an app acting as a resident of the street: must leave a phone
    other_street: str  # a dispatcher of another street
    district: str  # a district-level dispatcher (no street): may take orders anywhere
    district_resident: str  # a district-level resident account: may not


@dataclass
class Place:
    compound: Compound  # 大乐园小区, alias 大乐园, at 28.26 N 117.06 E
    building: Building  # 3幢
    unit: Unit  # 2单元


@pytest.fixture
def place(world: World) -> Place:
    community = world.unit.building.compound.community
    compound = Compound.objects.create(
        street=world.street,
        community=community,
        name="大乐园小区",
        aliases=["乐园新村"],
        latitude="28.260000",
        longitude="117.060000",
    )
    building = Building.objects.create(
        street=world.street, compound=compound, name="3幢", sort_key=3
    )
    unit = Unit.objects.create(street=world.street, building=building, name="2单元", sort_key=2)
    return Place(compound=compound, building=building, unit=unit)


@pytest.fixture
def keys(world: World) -> Keys:
    return Keys(
        dispatcher=apikey_create(name="partner", role="dispatcher", street=world.street)[1],
        resident=apikey_create(name="resident-app", role="resident", street=world.street)[1],
        other_street=apikey_create(name="other", role="dispatcher", street=world.other_street)[1],
        district=apikey_create(name="district", role="dispatcher")[1],
        district_resident=apikey_create(name="district-app", role="resident")[1],
    )


def xml_parse(body: bytes) -> ET.Element:
    # The standard library parser is fine here: it reads our own server's answers.
    return ET.fromstring(body)  # noqa: S314


def parse(response: HttpResponse, fmt: str) -> Any:
    """The body as data: JSON as it is, XML as an element (after checking the declaration)."""
    if fmt == "json":
        assert response["Content-Type"] == "application/json; charset=utf-8"
        return json.loads(response.content)
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return xml_parse(response.content)


def error_of(response: HttpResponse, fmt: str = "json") -> tuple[int, str]:
    """(code, description) of an Open311 error answer, checked against the HTTP status."""
    body = parse(response, fmt)
    if fmt == "json":
        assert isinstance(body, list) and len(body) == 1
        code, description = body[0]["code"], body[0]["description"]
    else:
        assert body.tag == "errors" and [e.tag for e in body] == ["error"]
        code, description = int(body.findtext("error/code")), body.findtext("error/description")
    assert code == response.status_code
    assert description
    return code, description


class Caller:
    """A client that speaks to /open311/ with the jurisdiction filled in unless told otherwise."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def get(self, path: str, fmt: str = "json", **params: Any) -> HttpResponse:
        params.setdefault("jurisdiction_id", JURISDICTION)
        params = {k: v for k, v in params.items() if v is not None}
        return self.client.get(f"/open311/{path}.{fmt}", params)

    def post(self, fmt: str = "json", **params: Any) -> HttpResponse:
        params.setdefault("jurisdiction_id", JURISDICTION)
        params = {k: v for k, v in params.items() if v is not None}
        return self.client.post(f"/open311/v2/requests.{fmt}", params)


@pytest.fixture
def o311(client: Client) -> Caller:
    return Caller(client)
