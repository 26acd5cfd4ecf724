"""The JSON API's OpenAPI schema is valid and honest, and the API behaves as it says.

schemathesis generates requests from /api/v1/openapi.json and sends them through the WSGI
application as a dispatcher (Bearer key): no answer may be a 5xx, and every answer must match
the schema declared for its status.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import jsonschema_rs
import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from ninja.responses import NinjaJSONEncoder
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi import definitions
from schemathesis.specs.openapi.checks import response_schema_conformance

from guanjia.api import api as ninja_api
from guanjia.people.apikeys import apikey_create
from guanjia.testing import factories as f
from guanjia.tickets.schemas import NUMBER_EXAMPLE
from guanjia.tickets.services import ticket_transition
from guanjia.tickets.tests.moves import T0

if TYPE_CHECKING:
    from guanjia.testing.factories import World

MAX_EXAMPLES = 20


def openapi() -> dict[str, Any]:
    """The schema as clients read it (JSON: status codes are strings)."""
    return dict(json.loads(json.dumps(ninja_api.get_openapi_schema(), cls=NinjaJSONEncoder)))


def _operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield method.upper(), path, operation


def test_the_schema_is_valid_openapi() -> None:
    schema = openapi()
    assert schema["openapi"].startswith("3.1")
    errors = [e.message for e in definitions.OPENAPI_31_VALIDATOR.iter_errors(schema)]
    assert errors == []
    for name, component in schema["components"]["schemas"].items():
        # Each component is a valid JSON Schema (2020-12, as OpenAPI 3.1 uses).
        assert jsonschema_rs.meta.is_valid(component), name


def test_the_schema_is_served_publicly(client: Any) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"] == {
        "title": "Guanjia API",
        "version": "1",
        "description": openapi()["info"]["description"],
    }


def test_every_operation_declares_its_refusals_as_problems() -> None:
    schema = openapi()
    seen = 0
    for method, path, operation in _operations(schema):
        statuses = set(operation["responses"])
        assert {"401", "422"} <= statuses, (method, path)
        if "{" in path:
            assert "404" in statuses, (method, path)
        if method == "POST":
            assert {"400", "403"} <= statuses, (method, path)
        for status, response in operation["responses"].items():
            if status.startswith("4"):
                content = response["content"]
                assert list(content) == ["application/problem+json"], (method, path, status)
                assert content["application/problem+json"]["schema"] == {
                    "$ref": "#/components/schemas/Problem"
                }
        assert operation["security"], (method, path)
        seen += 1
    assert seen == 14
    problem = schema["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "code", "detail"}
    schemes = schema["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}


def test_input_schemas_forbid_undocumented_fields_and_bound_text() -> None:
    schemas = openapi()["components"]["schemas"]
    for name in ("TicketIn", "TransitionIn", "RatingIn"):
        assert schemas[name]["additionalProperties"] is False, name
        for prop, spec in schemas[name]["properties"].items():
            options = spec.get("anyOf", [spec])
            for option in options:
                if option.get("type") == "string" and option.get("format") != "date-time":
                    assert "maxLength" in option or "enum" in option, (name, prop)


def test_the_docs_are_for_staff_and_load_nothing_from_a_cdn(client: Any, world: World) -> None:
    anonymous = client.get("/api/v1/docs")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/admin/login/")
    client.force_login(world.worker)  # staff (is_staff), not a dispatcher: reading docs is fine
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    urls = re.findall(r"""(?:src|href)=["']([^"']+)""", html)
    assert urls, html
    assert all(u.startswith("/static/") for u in urls), urls
    assert "cdn" not in html.lower() and "//" not in "".join(urls)
    client.force_login(f.user("resident", world.street, "someone"))
    assert client.get("/api/v1/docs").status_code == 302


# schemathesis


class _App(WSGIHandler):
    """The site, as a WSGI application called inside the test's transaction."""


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _App())


@pytest.fixture
def inside_test_transaction() -> Iterator[None]:
    """Django closes "old" connections around each request, which would end the test's
    transaction; its own test client switches that off the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def dispatcher_key(
    world: World, inside_test_transaction: None, settings: Any, tmp_path: Any
) -> str:
    """A dispatcher's key, and the places, handler and order the schema's examples name, so that
    the examples succeed: 大乐园小区 1幢 1单元, electrician1, SHUANGGANG-20260525-0001."""
    settings.MEDIA_ROOT = tmp_path  # schemathesis does upload the odd valid image
    unit = f.UnitFactory(
        building__compound__community=world.unit.building.compound.community,
        building__compound__name="大乐园小区",
        building__name="1幢",
        name="1单元",
    )
    f.handler(world.street, "repair.corridor_light", username="electrician1")
    example = f.ticket(unit, phone="13900000000", now=T0)
    assert example.number == NUMBER_EXAMPLE
    for i in range(1, 3):
        t = f.ticket(world.unit, phone=f"1390000{i:04d}")
        ticket_transition(
            ticket=t, action="dispatch", actor=world.dispatcher, assignee=world.worker
        )
    f.ticket(world.other_unit, phone="13900009999")
    _key, raw = apikey_create(name="schemathesis", role="dispatcher", user=world.dispatcher)
    return raw


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_the_api_matches_its_schema(case: Any, dispatcher_key: str) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {dispatcher_key}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
