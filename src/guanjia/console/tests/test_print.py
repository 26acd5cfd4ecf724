"""Print pages of the console: the 派工单 of an order and the QR posters of a compound's
buildings, role by role; what they show, masked as the viewer may see it; the QR codes' payload."""

from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanjia.console.qr import qr_svg
from guanjia.resident.qrcodes import building_code
from guanjia.resident.tests.test_no_external_urls import _foreign
from guanjia.testing import factories as f
from guanjia.tickets.models import Ticket
from guanjia.tickets.services import ticket_transition

pytestmark = pytest.mark.django_db

SHEET_LABELS = ("到达时间", "处置情况", "用料", "住户签字", "完成时间")


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _dispatched(world: Any, **kwargs: Any) -> Ticket:
    kwargs.setdefault("contact_name", "张建国")
    t = f.ticket(world.unit, **kwargs)
    return ticket_transition(
        ticket=t, action="dispatch", actor=world.dispatcher, assignee=world.worker
    ).ticket


def _sheet(t: Ticket) -> str:
    return f"/console/print/t/{t.number}/"


def _posters(compound_id: int) -> str:
    return f"/console/print/posters/{compound_id}/"


def _reader(world: Any) -> Any:
    """Street-wide reading without contact access: roles are data, an administrator may make
    such a role (an auditor); the sheet must then mask."""
    group, _created = Group.objects.get_or_create(name="auditor")
    group.permissions.set(
        [Permission.objects.get(content_type__app_label="tickets", codename="view_street_tickets")]
    )
    return f.user("auditor", world.street, "auditor")


# Access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/console/print/t/X-1/", "/console/print/posters/", _posters(1)])
def test_strangers_go_to_the_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("role", ["worker", "resident"])
def test_workers_and_residents_are_refused(world, role):
    t = _dispatched(world)
    c = _client(getattr(world, role))
    assert c.get(_sheet(t)).status_code == 403
    assert c.get("/console/print/posters/").status_code == 403
    assert c.get(_posters(world.unit.building.compound_id)).status_code == 403


def test_the_operator_prints_sheets_but_not_posters(world):
    t = _dispatched(world)
    c = _client(world.operator)
    assert c.get(_sheet(t)).status_code == 200
    assert c.get("/console/print/posters/").status_code == 403
    assert c.get(_posters(world.unit.building.compound_id)).status_code == 403


def test_another_streets_order_and_compound_are_404(world):
    theirs = f.ticket(world.other_unit)
    c = _client(world.dispatcher)
    assert c.get(_sheet(theirs)).status_code == 404
    assert c.get("/console/print/t/NOPE-20260101-0001/").status_code == 404
    assert c.get(_posters(world.other_unit.building.compound_id)).status_code == 404
    assert c.get(_posters(2**63)).status_code == 404
    listing = c.get("/console/print/posters/").content.decode()
    assert world.unit.building.compound.name in listing
    assert world.other_unit.building.compound.name not in listing


# The work order sheet ----------------------------------------------------------------------


def test_the_sheet_shows_the_order_the_timeline_and_blank_fields(world):
    t = _dispatched(world, urgent=True, room="302", description="三楼楼道灯不亮，开关没反应")
    c = _client(world.dispatcher)
    page = c.get(f"/console/t/{t.number}/").content.decode()
    assert f'href="/console/print/t/{t.number}/"' in page  # the console links to it
    response = c.get(_sheet(t))
    assert response.status_code == 200
    body = response.content.decode()
    assert f'<h1 class="sheet-number">{t.number}</h1>' in body
    assert t.category.name in body
    place = world.unit.building
    for text in (place.compound.name, place.name, world.unit.name, "302"):
        assert text in body
    assert "三楼楼道灯不亮，开关没反应" in body
    assert "紧急" in body  # urgent, in Chinese (zh-hans is the default)
    for label, due in (
        ("接单时限", t.accept_due),
        ("到场时限", t.arrive_due),
        ("办结时限", t.resolve_due),
    ):
        assert due is not None
        assert f"<dt>{label}</dt><dd>{timezone.localtime(due):%Y-%m-%d %H:%M}</dd>" in body
    assert world.worker.username in body  # the assignee, and the dispatch on the timeline
    assert "派单" in body
    for label in SHEET_LABELS:
        assert label in body
    # The dispatcher may see the contact: the full name and number.
    assert "张建国" in body and "13812342345" in body
    assert _foreign(body) == []


def test_the_sheet_masks_the_contact_for_a_role_without_contact_access(world):
    t = _dispatched(world)
    body = _client(_reader(world)).get(_sheet(t)).content.decode()
    assert "13812342345" not in body and "张建国" not in body
    assert "138****2345" in body and "张**" in body


def test_the_sheets_qr_code_opens_the_order_on_the_handlers_page(world):
    t = _dispatched(world)
    body = _client(world.dispatcher).get(_sheet(t)).content.decode()
    url = f"http://testserver/worker/t/{t.number}/"
    # segno draws the same SVG for the same text: the code on the page encodes exactly this URL.
    svg = str(qr_svg(url, label="x"))
    drawing = svg[svg.index("<svg") :]
    assert drawing in body
    assert drawing not in str(qr_svg(url + "x", label="x"))
    assert _client(world.worker).get(f"/worker/t/{t.number}/").status_code == 200


# The QR posters ----------------------------------------------------------------------------


def test_one_poster_per_building_with_its_code_hotline_and_emergency_numbers(world, settings):
    settings.GUANJIA = {**settings.GUANJIA, "GAS_HOTLINE": "96777"}
    world.street.hotline = "0791-12345"
    world.street.save(update_fields=["hotline"])
    compound = world.unit.building.compound
    second = f.BuildingFactory(compound=compound, name="12幢")
    c = _client(world.dispatcher)
    assert (
        f'href="/console/print/posters/{compound.pk}/"'
        in c.get("/console/print/posters/").content.decode()
    )
    response = c.get(_posters(compound.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('<section class="poster"') == 2
    for building in (world.unit.building, second):
        url = f"http://testserver/r/{building_code(building)}"
        svg = str(qr_svg(url, label="x"))
        assert svg[svg.index("<svg") :] in body
        assert f"{compound.name} <span>{building.name}</span>" in body
        # The code leads to the residents' order page for this building.
        assert c.get(f"/r/{building_code(building)}").status_code in (200, 302)
    assert "0791-12345" in body
    for number in ("119", "110", "120", "96777"):
        assert number in body
    assert "扫" in body  # the instruction, in Chinese
    assert _foreign(body) == []


def test_posters_cost_the_same_queries_for_2_and_12_buildings(world):
    compound = world.unit.building.compound
    f.BuildingFactory(compound=compound)
    c = _client(world.dispatcher)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(_posters(compound.pk)).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for _i in range(10):
        f.BuildingFactory(compound=compound)
    assert count() == few
