"""The indicators of DOMAIN.md on small hand-built sets with known answers (SQLite and
PostgreSQL compute them in SQL; the answers must be the same)."""

import datetime as dt
from typing import Any

import pytest

from guanjia.testing import factories as f
from guanjia.tickets import lifecycle
from guanjia.tickets.indicators import indicators, indicators_by, percentile_cont
from guanjia.tickets.models import Ticket

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC)
NOW = T0 + dt.timedelta(days=10)


def _order(world: Any, *, minutes: dict[str, int | None] | None = None, **fields: Any) -> Ticket:
    """An order created at T0 whose timestamps and deadlines are set in minutes after T0."""
    t = f.ticket(world.unit, now=T0)
    values: dict[str, Any] = {
        "accept_due": T0 + dt.timedelta(minutes=30),
        "arrive_due": T0 + dt.timedelta(minutes=60),
        "resolve_due": T0 + dt.timedelta(minutes=240),
    }
    for name, m in (minutes or {}).items():
        values[name] = None if m is None else T0 + dt.timedelta(minutes=m)
    values.update(fields)
    Ticket.objects.filter(pk=t.pk).update(**values)
    t.refresh_from_db()
    return t


def _closed(world: Any, accepted: int, on_site: int, resolved: int, **fields: Any) -> Ticket:
    return _order(
        world,
        minutes={"accepted_at": accepted, "on_site_at": on_site, "resolved_at": resolved},
        status=lifecycle.CLOSED,
        **fields,
    )


def test_percentile_cont_interpolates_like_sql():
    assert percentile_cont([], 0.5) is None
    assert percentile_cont([7], 0.9) == 7
    assert percentile_cont([1, 2, 3, 4], 0.5) == 2.5
    assert percentile_cont(list(range(1, 11)), 0.9) == pytest.approx(9.1)


def test_every_indicator_on_a_known_set(world):
    # Four finished orders: accepted after 10, 20, 30, 40 minutes (the last one late);
    # on site after 20, 40, 60, 80; resolved after 100, 200, 300, 400 (two late).
    _closed(world, 10, 20, 100, rating_overall=5)
    _closed(world, 20, 40, 200, rating_overall=4, return_count=1)
    _closed(world, 30, 60, 300, rating_overall=2, reopen_count=1)
    _closed(world, 40, 80, 400)
    # Open, never accepted, accept and resolve deadlines passed: a miss for both, not resolved.
    _order(world, status=lifecycle.DISPATCHED)
    # Open, deadlines in the future: no outcome known yet, not due.
    _order(
        world,
        status=lifecycle.DISPATCHED,
        accept_due=NOW + dt.timedelta(hours=1),
        resolve_due=NOW + dt.timedelta(hours=5),
    )
    # Paused past its deadlines: the clock is stopped, it is neither late nor due.
    _order(world, status=lifecycle.PAUSED)
    # Cancelled orders count nowhere, whatever their fields.
    _order(world, status=lifecycle.CANCELLED, return_count=1, minutes={"accepted_at": 999})

    got = indicators(Ticket.objects.all(), now=NOW)

    assert got.orders == 7
    assert got.response_median == dt.timedelta(minutes=25)
    assert got.response_p90 == dt.timedelta(minutes=37)  # 10,20,30,40: 10 + 0.9×3×10
    assert got.arrival_median == dt.timedelta(minutes=50)
    assert got.arrival_p90 == dt.timedelta(minutes=74)
    # 及时签收率: 3 of 5 (four accepted, one overdue unaccepted; the rest unknown).
    assert got.on_time_accept_of == 5
    assert got.on_time_accept_rate == pytest.approx(3 / 5)
    # 按期办结率: 2 of 5 (four resolved, one due unresolved).
    assert got.on_time_resolve_of == 5
    assert got.on_time_resolve_rate == pytest.approx(2 / 5)
    # 回退率: 1 of 7; 重办率: 1 of the 4 ever resolved.
    assert got.return_rate == pytest.approx(1 / 7)
    assert got.reopen_of == 4
    assert got.reopen_rate == pytest.approx(1 / 4)
    # 满意率: 2 of 3 rated (4 and 5; the 2 is not satisfied).
    assert got.rated == 3
    assert got.satisfaction_rate == pytest.approx(2 / 3)
    # 解决率: 4 resolved of the 5 due (the paused and the future one are not due).
    assert got.due == 5
    assert got.resolution_rate == pytest.approx(4 / 5)


def test_nothing_to_divide_by_is_none_not_zero(world):
    _order(
        world,
        status=lifecycle.DISPATCHED,
        accept_due=NOW + dt.timedelta(hours=1),
        resolve_due=NOW + dt.timedelta(hours=5),
    )
    got = indicators(Ticket.objects.all(), now=NOW)
    assert got.orders == 1
    assert got.satisfaction_rate is None and got.rated == 0  # none rated
    assert got.resolution_rate is None and got.due == 0  # none due
    assert got.on_time_accept_rate is None and got.on_time_resolve_rate is None
    assert got.reopen_rate is None
    assert got.response_median is None and got.arrival_p90 is None
    assert got.return_rate == 0


def test_no_orders_at_all(world):
    got = indicators(Ticket.objects.none(), now=NOW)
    assert got.orders == 0 and got.due == 0 and got.rated == 0
    assert got.satisfaction_rate is None and got.response_median is None


def test_grouped_by_compound_assignee_and_category_in_one_query(world, django_assert_num_queries):
    other_unit = f.UnitFactory(building__compound__community__street=world.street)
    _closed(world, 10, 20, 100, rating_overall=5, assignee=world.worker)
    _closed(world, 40, 80, 400, rating_overall=1, assignee=world.worker)
    t = f.ticket(other_unit, code="personal.home_repair", now=T0)
    Ticket.objects.filter(pk=t.pk).update(
        status=lifecycle.CLOSED,
        assignee=world.other_worker,
        accepted_at=T0 + dt.timedelta(minutes=5),
        resolved_at=T0 + dt.timedelta(minutes=50),
        rating_overall=4,
    )
    qs = Ticket.objects.all()

    with django_assert_num_queries(1):
        by_compound = indicators_by(qs, "compound", now=NOW)
    assert [(g.key, g.indicators.orders) for g in by_compound] == [
        (world.unit.building.compound_id, 2),
        (other_unit.building.compound_id, 1),
    ]
    first = by_compound[0].indicators
    assert first.satisfaction_rate == pytest.approx(1 / 2)
    assert first.response_median == dt.timedelta(minutes=25)
    assert by_compound[0].label == world.unit.building.compound.name
    assert by_compound[1].indicators.satisfaction_rate == 1.0

    with django_assert_num_queries(1):
        by_assignee = indicators_by(qs, "assignee", now=NOW)
    assert {g.code: g.indicators.orders for g in by_assignee} == {"worker": 2, "other_worker": 1}

    with django_assert_num_queries(1):
        by_category = indicators_by(qs, "category", now=NOW)
    assert {g.code: g.indicators.orders for g in by_category} == {
        "repair.corridor_light": 2,
        "personal.home_repair": 1,
    }
    with pytest.raises(ValueError):
        indicators_by(qs, "status", now=NOW)


def test_the_whole_set_is_one_query(world, django_assert_num_queries):
    _closed(world, 10, 20, 100, rating_overall=5)
    with django_assert_num_queries(1):
        indicators(Ticket.objects.all(), now=NOW)
