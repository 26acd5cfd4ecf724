"""The manager's dashboard: who may open it, what it counts, and that its cost does not grow with
the number of orders."""

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanjia.dashboard import charts, selectors
from guanjia.testing import factories as f
from guanjia.tickets import lifecycle
from guanjia.tickets.models import Ticket
from guanjia.tickets.services import Rating, ticket_transition

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _resolve(t: Ticket, world: Any, *, rating: int | None = None) -> Ticket:
    """Dispatch, accept, arrive and resolve through the services (then rate, when given)."""
    ticket_transition(ticket=t, action="dispatch", actor=world.dispatcher, assignee=world.worker)
    for action in ("accept", "arrive", "resolve"):
        ticket_transition(ticket=t, action=action, actor=world.worker)
    if rating is not None:
        ticket_transition(
            ticket=t, action="rate", actor=world.operator, rating=Rating(overall=rating)
        )
    t.refresh_from_db()
    return t


@pytest.mark.parametrize("role", ["manager", "dispatcher", "operator"])
def test_street_staff_open_the_dashboard(world, role):
    page = _client(getattr(world, role)).get("/dashboard/")
    assert page.status_code == 200
    assert '<svg class="chart"' in page.content.decode()


@pytest.mark.parametrize("role", ["worker", "resident"])
def test_workers_and_residents_are_refused(world, role):
    assert _client(getattr(world, role)).get("/dashboard/").status_code == 403


def test_strangers_go_to_the_sign_in_page(client):
    page = client.get("/dashboard/")
    assert page.status_code == 302
    assert page["Location"] == "/accounts/login/?next=/dashboard/"


def test_the_header_links_the_dashboard_for_permitted_users_only(world):
    assert 'href="/dashboard/"' in _client(world.manager).get("/console/").content.decode()
    assert 'href="/dashboard/"' not in _client(world.worker).get("/worker/").content.decode()


def test_figures_count_the_users_street_only(world):
    f.category("repair.corridor_light", after_photo_required=False)
    now = timezone.now()
    mine = f.ticket(world.unit)
    _resolve(f.ticket(world.unit), world, rating=5)
    _resolve(f.ticket(world.unit), world, rating=2)  # a low rating reopens it
    late = f.ticket(world.unit, now=now - dt.timedelta(days=3))
    f.ticket(world.other_unit)
    f.ticket(world.other_unit, now=now - dt.timedelta(days=3))

    page = _client(world.manager).get("/dashboard/")
    ctx = page.context
    today = ctx["today"]
    assert today.new == 3
    assert today.open == 3  # mine, late, and the reopened one
    assert today.resolved == 1
    assert today.overdue == 1  # late
    assert [t.number for t in ctx["overdue"]] == [late.number]
    body = page.content.decode()
    assert f'href="/console/t/{late.number}/"' in body
    assert mine.number not in body  # not overdue: listed nowhere on the dashboard
    report = ctx["report"]
    assert report.total.orders == 4
    assert report.total.satisfaction_rate == pytest.approx(1 / 2)
    assert [g.indicators.orders for g in report.compounds] == [4]
    compound = world.unit.building.compound
    assert f'href="/console/?compound={compound.pk}"' in body
    assert world.other_unit.building.compound.name not in body
    assert [g.code for g in report.assignees] == ["worker"]
    assert [(g.code, g.indicators.orders) for g in report.categories] == [
        ("repair.corridor_light", 4)
    ]
    chart = ctx["chart"]
    assert chart.total_created == 4 and chart.total_resolved == 1
    assert len(chart.points) == 30


def test_a_matter_without_a_compound_has_its_own_row(world):
    f.ticket(world.unit)
    matter = f.ticket(world.unit)
    Ticket.objects.filter(pk=matter.pk).update(
        channel="assignment", compound=None, building=None, unit=None
    )
    page = _client(world.manager).get("/dashboard/")
    assert page.status_code == 200
    groups = {g.key: g.indicators.orders for g in page.context["report"].compounds}
    assert groups == {world.unit.building.compound_id: 1, None: 1}
    assert "?compound=None" not in page.content.decode()


def test_the_range_selector(world):
    now = timezone.now()
    f.ticket(world.unit)
    f.ticket(world.unit, now=now - dt.timedelta(days=20))
    f.ticket(world.unit, now=now - dt.timedelta(days=60))
    c = _client(world.manager)
    for days, orders in ((7, 1), (30, 2), (90, 3)):
        page = c.get(f"/dashboard/?days={days}")
        assert page.context["days"] == days
        assert page.context["report"].total.orders == orders
        assert len(page.context["chart"].points) == days
        assert f'href="?days={days}" aria-current="page"' in page.content.decode()
    assert c.get("/dashboard/?days=1000").context["days"] == 30
    assert c.get("/dashboard/?days=x").context["days"] == 30


def _orders(world: Any, unit: Any, count: int, start: int = 0) -> None:
    """`count` orders over the last weeks, a third of them resolved and rated by a worker."""
    now = timezone.now()
    made = [
        f.ticket(world.unit if i % 2 else unit, now=now - dt.timedelta(hours=7 * i))
        for i in range(start, start + count)
    ]
    Ticket.objects.filter(pk__in=[t.pk for t in made[::3]]).update(
        status=lifecycle.CLOSED,
        assignee=world.worker,
        accepted_at=now,
        resolved_at=now,
        rating_overall=5,
    )


def test_query_count_does_not_grow_with_orders(world):
    extra = f.UnitFactory(building__compound__community__street=world.street)
    c = _client(world.manager)
    counts = []
    for start, count in ((0, 10), (10, 90)):
        _orders(world, extra, count, start)
        with CaptureQueriesContext(connection) as queries:
            page = c.get("/dashboard/?days=90")
        assert page.status_code == 200
        assert page.context["report"].total.orders == start + count
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 14, counts


def test_the_chart_scales_to_the_busiest_day():
    today = dt.date(2026, 5, 30)
    days = [
        selectors.DayCount(today - dt.timedelta(days=2 - i), c, r)
        for i, (c, r) in enumerate([(0, 0), (7, 3), (2, 9)])
    ]
    chart = charts.daily_chart(days)
    assert [t.label for t in chart.ticks] == ["0", "5", "10"]
    assert chart.points[0].y_created == chart.bottom
    busiest = chart.points[2].y_resolved
    assert chart.top < busiest < chart.points[1].y_created < chart.bottom
    assert chart.created_line.count(",") == 3
    assert charts.daily_chart([]).points == []
