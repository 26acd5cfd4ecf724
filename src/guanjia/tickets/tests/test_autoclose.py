"""ticket_autoclose_sweep: an unrated order closes itself AUTO_CLOSE_HOURS after resolution."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pytest

from guanjia.notifications.models import Notification
from guanjia.testing import factories as f
from guanjia.tickets.models import Ticket, TicketEvent
from guanjia.tickets.services import Rating, ticket_autoclose_sweep
from guanjia.tickets.tests.moves import T0, advance, at, move

if TYPE_CHECKING:
    from guanjia.testing.factories import World

pytestmark = pytest.mark.django_db


def resolved(world: World, when: dt.datetime, phone: str = "13812342345") -> Ticket:
    """An order resolved at `when` (created three minutes before)."""
    start = when - dt.timedelta(minutes=3)
    t = f.ticket(world.unit, phone=phone, now=start)
    return advance(t, "resolved", dispatcher=world.dispatcher, worker=world.worker, now=start)


def state(t: Ticket) -> tuple[Any, ...]:
    t.refresh_from_db()
    return t.status, t.closed_at


def test_closes_what_was_resolved_48_hours_ago_and_nothing_else(world: World) -> None:
    old = resolved(world, T0)
    young = resolved(world, at(0, hours=47), phone="13900001111")
    rated = resolved(world, T0, phone="13700002222")
    move(rated, "rate", world.operator, rating=Rating(overall=4), now=at(60))
    events = TicketEvent.objects.count()

    assert ticket_autoclose_sweep(now=at(0, hours=48)) == 1

    assert state(old) == ("closed", at(0, hours=48))
    close = old.events.order_by("id").last()
    assert close is not None
    assert (close.type, close.from_status, close.to_status, close.actor) == (
        "close",
        "resolved",
        "closed",
        None,
    )
    assert TicketEvent.objects.count() == events + 1
    # The resident heard at resolution (with the rating link); the close itself is silent.
    assert not Notification.objects.filter(ticket=old, kind="resident_close").exists()
    assert state(young) == ("resolved", None)
    assert state(rated) == ("closed", at(60))
    assert not rated.events.filter(type="close").exists()


def test_running_twice_closes_nothing_more(world: World) -> None:
    old = resolved(world, T0)
    assert ticket_autoclose_sweep(now=at(0, hours=50)) == 1
    version = Ticket.objects.get(pk=old.pk).version
    events = TicketEvent.objects.count()
    assert ticket_autoclose_sweep(now=at(0, hours=50)) == 0
    assert ticket_autoclose_sweep(now=at(0, days=30)) == 0
    assert TicketEvent.objects.count() == events
    assert Ticket.objects.get(pk=old.pk).version == version


def test_the_delay_is_configurable(world: World, settings: Any) -> None:
    t = resolved(world, T0)
    assert ticket_autoclose_sweep(now=at(0, hours=25)) == 0
    settings.GUANJIA = {**settings.GUANJIA, "AUTO_CLOSE_HOURS": 24}
    assert ticket_autoclose_sweep(now=at(59, hours=23)) == 0
    assert ticket_autoclose_sweep(now=at(0, hours=25)) == 1
    assert state(t) == ("closed", at(0, hours=25))


def test_works_in_batches(world: World) -> None:
    tickets = [resolved(world, at(i), phone=f"1390000000{i}") for i in range(3)]
    now = at(0, days=3)
    assert ticket_autoclose_sweep(now=now, batch=2) == 2
    # The oldest resolutions go first.
    assert [state(t)[0] for t in tickets] == ["closed", "closed", "resolved"]
    assert ticket_autoclose_sweep(now=now, batch=2) == 1
    assert ticket_autoclose_sweep(now=now, batch=2) == 0


def test_an_order_reopened_by_a_low_rating_closes_48_hours_after_its_new_resolution(
    world: World,
) -> None:
    t = resolved(world, T0)
    t = move(t, "rate", world.operator, rating=Rating(overall=1), now=at(60)).ticket
    for i, action in enumerate(("accept", "arrive", "resolve")):
        t = move(t, action, world.worker, now=at(70 + i)).ticket
    assert (t.status, t.resolved_at, t.rating_overall) == ("resolved", at(72), 1)
    # The low rating was for the first repair; nobody rated the second one.
    assert ticket_autoclose_sweep(now=at(71, hours=48)) == 0
    assert ticket_autoclose_sweep(now=at(72, hours=48)) == 1
    assert state(t) == ("closed", at(72, hours=48))


def test_an_order_reopened_after_closing_closes_again(world: World) -> None:
    t = resolved(world, T0)
    t = move(t, "rate", world.operator, rating=Rating(overall=5), now=at(60)).ticket
    t = move(t, "reopen", world.operator, reason="又坏了", now=at(0, days=2)).ticket
    for i, action in enumerate(("accept", "arrive", "resolve")):
        t = move(t, action, world.worker, now=at(i, days=2)).ticket
    assert ticket_autoclose_sweep(now=at(2, days=4)) == 1
    assert state(t) == ("closed", at(2, days=4))
