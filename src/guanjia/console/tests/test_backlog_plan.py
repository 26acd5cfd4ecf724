"""Plan the backlog (/console/plan/): the planner's proposal on live data, and applying it — the
ticked rows dispatched through ticket_transition, a changed order skipped and never overwritten,
a second submit sending nothing."""

import math
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanjia.dispatch import backlog, planner
from guanjia.dispatch.engine import haversine_km
from guanjia.dispatch.selectors import BACKLOG_CAP, backlog_input
from guanjia.org.models import Unit
from guanjia.people.models import StaffProfile
from guanjia.people.services import leave_create
from guanjia.testing import factories as f
from guanjia.testing.factories import World
from guanjia.tickets.models import Ticket
from guanjia.tickets.services import ticket_transition

URL = "/console/plan/"
APPLY = "/console/plan/apply"


# The mapping, on plain data -----------------------------------------------------------------


def test_priorities_take_four_levels() -> None:
    p = backlog.order_priority
    assert p(urgent=False, life_safety=False, overdue=False) == 1
    assert p(urgent=False, life_safety=False, overdue=True) == 2
    assert p(urgent=True, life_safety=False, overdue=False) == 3
    assert p(urgent=False, life_safety=True, overdue=True) == 4


def test_one_level_is_the_planners_own_plan() -> None:
    workers = tuple(
        planner.Worker(id=i, skills=frozenset({"a"}), x=i * 500, y=0, open_orders=i, capacity=2)
        for i in range(3)
    )
    orders = tuple(
        planner.Order(id=j, category="a", x=j * 300, y=j * 100, priority=2) for j in range(7)
    )
    problem = planner.Problem(30, 80, workers, orders)
    assert backlog.plan(problem) == planner.plan_optimal(problem)


def test_the_flat_map_keeps_street_distances() -> None:
    a, b = (28.25, 117.05), (28.27, 117.08)
    x, y = backlog.project(b, a)
    assert math.hypot(x, y) / 1000 == pytest.approx(haversine_km(*a, *b), rel=1e-3)
    assert backlog.project(a, a) == (0.0, 0.0)


def test_reasons_and_estimates_follow_the_planners_figures() -> None:
    workers = (
        planner.Worker(id="w", skills=frozenset({"light"}), x=0, y=0, open_orders=1, capacity=3),
        planner.Worker(id="full", skills=frozenset({"drain"}), x=0, y=0, open_orders=3, capacity=3),
    )
    orders = (
        planner.Order(id=1, category="light", x=800, y=0, priority=1),
        planner.Order(id=2, category="light", x=0, y=1600, priority=3),
        planner.Order(id=3, category="light", x=0, y=0, priority=1),
        planner.Order(id=4, category="drain", x=0, y=0, priority=1),
        planner.Order(id=5, category="gas", x=0, y=0, priority=1),
    )
    problem = planner.Problem(30, 80, workers, orders)
    # Two free places for three lights: the planner alone keeps the two cheapest, leaving out
    # the urgent one (its time weighs three times); planned level by level it goes first.
    assert [o for o, _w in planner.plan_optimal(problem).assignments] == [1, 3]
    plan = backlog.plan(problem)
    assert [o for o, _w in plan.assignments] == [2, 3]
    assert plan.cost == pytest.approx(planner.plan_cost(problem, [(1, 0), (2, 0)]))
    assert [(e.order, e.position, e.minutes) for e in backlog.estimates(problem, plan)] == [
        (2, 0, 1600 / 80 + 1 * 30),
        (3, 1, 0 + 2 * 30),
    ]
    reasons = {i: backlog.unassigned_reason(orders[i - 1], workers) for i in plan.unassigned}
    assert reasons == {1: backlog.OUTRANKED, 4: backlog.FULL, 5: backlog.NOBODY}


# On live data ----------------------------------------------------------------------------------


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def storm(world: World) -> list[Ticket]:
    """Two compounds 2 km apart, a worker based by each, six corridor lights and a blocked drain
    (nobody on duty clears drains) waiting."""
    here = world.unit
    there = f.UnitFactory(
        building__compound__community=here.building.compound.community,
        building__compound__latitude="28.268000",
        building__compound__longitude="117.050000",
    )
    StaffProfile.objects.filter(user=world.worker).update(
        base_latitude="28.250000", base_longitude="117.050000"
    )
    StaffProfile.objects.filter(user=world.other_worker).update(
        base_latitude="28.268000", base_longitude="117.050000"
    )
    orders = [f.ticket(u) for u in (here, there, here, there, here, there)]
    orders.append(f.ticket(here, code="repair.drain"))
    orders.append(f.ticket(there, urgent=True))
    return orders


@pytest.mark.django_db
def test_strangers_and_roles_without_dispatch_are_refused(world: World) -> None:
    for url, method in ((URL, "get"), (APPLY, "post")):
        r = getattr(Client(), method)(url)
        assert r.status_code == 302 and "/accounts/login/" in r["Location"]
        for user in (world.worker, world.resident, world.operator):
            assert getattr(_client(user), method)(url).status_code == 403, (url, user)


@pytest.mark.django_db
def test_the_preview_is_the_planners_plan_on_the_same_input(
    world: World, storm: list[Ticket]
) -> None:
    r = _client(world.dispatcher).get(URL)
    assert r.status_code == 200
    html = r.content.decode()
    assert 'href="/console/plan/"' in _client(world.dispatcher).get("/console/").content.decode()
    data = backlog_input(street_id=world.street.pk, now=timezone.now())
    expected = backlog.plan(data.problem)
    shown = r.context["plan"]
    assert shown.assignments == expected.assignments
    assert shown.unassigned == expected.unassigned
    assert shown.cost == pytest.approx(expected.cost)
    # Seven corridor lights between two workers with ten places each: all assigned, each to the
    # worker based at its compound, the urgent one first in its worker's sequence.
    rows = r.context["rows"]
    assert len(rows) == 7
    for row in rows:
        assert row.worker.user == (
            world.worker
            if row.ticket.compound_id == world.unit.building.compound_id
            else world.other_worker
        )
    urgent = next(row for row in rows if row.ticket.urgent)
    assert urgent.position == 1 and urgent.priority == 3
    assert [row.minutes for row in rows if row.worker.user == world.worker] == [0, 30, 60]
    drain = storm[6]
    assert [(t, str(reason)) for t, reason in r.context["left"]] == [
        (drain, "在岗人员中没有人负责此服务")
    ]
    assert f'value="{storm[0].pk}:{storm[0].version}:{world.worker.pk}"' in html
    assert html.count('type="checkbox" name="row"') == 7


@pytest.mark.django_db
def test_apply_dispatches_the_ticked_rows_and_skips_an_order_changed_meanwhile(
    world: World, storm: list[Ticket]
) -> None:
    c = _client(world.dispatcher)
    preview = c.get(URL)
    rows = preview.context["rows"]
    token = preview.context["token"]
    values = [row.value for row in rows]
    unticked = rows[-1].ticket
    values.remove(rows[-1].value)
    # Meanwhile the manager sends one of them elsewhere.
    taken = rows[0].ticket
    other = world.other_worker if rows[0].worker.user == world.worker else world.worker
    ticket_transition(
        ticket=Ticket.objects.get(pk=taken.pk),
        action="dispatch",
        actor=world.manager,
        assignee=other,
    )
    r = c.post(APPLY, {"plan": token, "row": values}, follow=True)
    said = [str(m) for m in r.context["messages"]]
    assert said[0] == "已派 5 单，跳过 1 单（已被他人处理）。"
    assert taken.number in said[1]
    assert Ticket.objects.get(pk=taken.pk).assignee == other  # not overwritten
    assert Ticket.objects.get(pk=unticked.pk).status == "new"  # unticked: left alone
    sent = Ticket.objects.filter(status="dispatched").exclude(pk=taken.pk)
    assert sent.count() == 5
    for row in rows[1:-1]:
        t = Ticket.objects.get(pk=row.ticket.pk)
        assert (t.assignee, t.version) == (row.worker.user, row.ticket.version + 1)
        assert t.events.filter(type="dispatch", actor=world.dispatcher).count() == 1
    # A double submit sends nothing twice; nor does the same plan from another tab.
    r = c.post(APPLY, {"plan": token, "row": values}, follow=True)
    assert "已执行过" in str(next(iter(r.context["messages"])))
    r = c.post(APPLY, {"plan": "another-tab", "row": values}, follow=True)
    assert str(next(iter(r.context["messages"]))).startswith("已派 0 单，跳过 6 单")
    assert Ticket.objects.filter(status="dispatched").count() == 6
    assert c.post(APPLY, {"plan": token, "row": ["1:x:2"]}).status_code == 400


@pytest.mark.django_db
def test_another_streets_orders_are_never_dispatched(world: World) -> None:
    elsewhere = f.ticket(world.other_unit)
    far = f.handler(world.other_street, "repair.corridor_light")
    value = f"{elsewhere.pk}:{elsewhere.version}:{far.pk}"
    r = _client(world.dispatcher).post(APPLY, {"plan": "t", "row": [value]}, follow=True)
    assert str(next(iter(r.context["messages"]))).startswith("已派 0 单，跳过 1 单")
    assert Ticket.objects.get(pk=elsewhere.pk).status == "new"
    assert _client(world.dispatcher).get(URL).context["rows"] == []


@pytest.mark.django_db
def test_staff_on_leave_are_not_planned(world: World, storm: list[Ticket]) -> None:
    today = timezone.localdate()
    leave_create(
        staff=StaffProfile.objects.get(user=world.worker),
        start=today,
        end=today,
        reason="病假",
        actor=world.manager,
    )
    rows = _client(world.manager).get(URL).context["rows"]
    assert {row.worker.user for row in rows} == {world.other_worker}
    assert len(rows) == 7


@pytest.mark.django_db
def test_orders_without_a_position_stay_in_the_queue_with_the_reason(world: World) -> None:
    unit = Unit.objects.select_related("building__compound").get(pk=world.unit.pk)
    compound = unit.building.compound
    compound.latitude = compound.longitude = None
    compound.save()
    t = f.ticket(world.unit)
    r = _client(world.dispatcher).get(URL)
    assert [(x, str(why)) for x, why in r.context["left"]] == [(t, "该地点在地图上没有位置")]


@pytest.mark.django_db
def test_the_preview_takes_the_same_number_of_queries_for_a_longer_backlog(
    world: World, storm: list[Ticket]
) -> None:
    c = _client(world.dispatcher)

    def measured() -> int:
        with CaptureQueriesContext(connection) as q:
            assert c.get(URL).status_code == 200
        return len(q)

    first = measured()
    for _ in range(10):
        f.ticket(world.unit)
    f.handler(world.street, "repair.corridor_light")
    assert measured() == first
    assert first < 25


@pytest.mark.django_db
def test_a_full_plan_fits_in_one_post(world: World) -> None:
    # Up to BACKLOG_CAP checkboxes in one form: more than Django's default 1,000 fields.
    rows = [f"{10_000_000 + i}:1:{world.worker.pk}" for i in range(BACKLOG_CAP)]
    r = _client(world.dispatcher).post(APPLY, {"plan": "big", "row": rows}, follow=True)
    assert r.status_code == 200
    assert str(next(iter(r.context["messages"]))).startswith(f"已派 0 单，跳过 {BACKLOG_CAP} 单")
