"""The escalation ladder: pure decisions, then the sweep on the database."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings
from django.test.utils import override_settings

from guanjia.core.worker import PERIODIC_JOBS
from guanjia.notifications.models import Notification
from guanjia.sla.calendar import ALWAYS, SHANGHAI, Calendar
from guanjia.testing import factories as f
from guanjia.tickets import escalation as esc
from guanjia.tickets.models import Ticket, TicketEvent
from guanjia.tickets.sla import Deadlines
from guanjia.tickets.tasks import tickets_escalate
from guanjia.tickets.tests.moves import T0, advance, at, move

if TYPE_CHECKING:
    from guanjia.testing.factories import World

# Corridor light: accept 10, arrive 30, resolve 120 minutes, 24×7.
WINDOWS = esc.Windows(accept=10, arrive=30, resolve=120)
DUE = Deadlines(at(10), at(30), at(120))


def steps(status: str = "new", now: dt.datetime = T0, **kwargs: Any) -> list[tuple[str, str]]:
    kwargs.setdefault("deadlines", DUE)
    kwargs.setdefault("windows", WINDOWS)
    kwargs.setdefault("calendar", ALWAYS)
    kwargs.setdefault("taken", ())
    return [(s.deadline, s.step) for s in esc.escalation_steps(status=status, now=now, **kwargs)]


def taken(*pairs: tuple[str, str], deadlines: Deadlines = DUE) -> set[esc.StepKey]:
    due = {"accept": deadlines.accept_due, "arrive": deadlines.arrive_due}
    due["resolve"] = deadlines.resolve_due
    return {(name, esc.due_text(due[name]), step) for name, step in pairs}  # type: ignore[arg-type]


# --- pure decisions -------------------------------------------------------------------------------


def test_nothing_before_eighty_percent() -> None:
    assert steps(now=at(7.99)) == []


def test_warn_at_eighty_percent_of_the_window() -> None:
    assert steps(now=at(8)) == [("accept", "warn")]


def test_overdue_and_remind_at_the_deadline() -> None:
    done = taken(("accept", "warn"))
    assert steps(now=at(9.9), taken=done) == []
    assert steps(now=at(10), taken=done) == [("accept", "overdue"), ("accept", "remind")]


def test_supervise_at_half_the_window_again() -> None:
    done = taken(("accept", "warn"), ("accept", "overdue"), ("accept", "remind"))
    assert steps(now=at(14.9), taken=done) == []
    assert steps(now=at(15), taken=done) == [("accept", "supervise")]
    done |= taken(("accept", "supervise"))
    assert steps(now=at(1000), taken=done) == []


def test_catching_up_takes_every_missed_step_once_in_order() -> None:
    assert steps(now=at(60)) == [
        ("accept", "warn"),
        ("accept", "overdue"),
        ("accept", "remind"),
        ("accept", "supervise"),
    ]
    assert steps(now=at(60), taken=taken(("accept", "warn"))) == [
        ("accept", "overdue"),
        ("accept", "remind"),
        ("accept", "supervise"),
    ]


def test_the_nearest_open_deadline_by_state() -> None:
    late = at(500)
    assert steps("dispatched", late)[0][0] == "accept"
    assert steps("accepted", late)[0][0] == "arrive"
    assert steps("on_site", late)[0][0] == "resolve"
    # No site visit: from accepted straight to the resolve deadline.
    assert steps("accepted", late, deadlines=Deadlines(at(10), None, at(120)))[0][0] == "resolve"
    # The arrive window is its own: 80% of 30 minutes.
    assert steps("accepted", at(23.9)) == []
    assert steps("accepted", at(24)) == [("arrive", "warn")]
    assert steps("on_site", at(96)) == [("resolve", "warn")]


@pytest.mark.parametrize("status", ["paused", "resolved", "closed", "cancelled"])
def test_paused_and_finished_orders_do_not_escalate(status: str) -> None:
    assert steps(status, at(10_000)) == []
    assert (
        esc.escalation_next_at(status=status, deadlines=DUE, windows=WINDOWS, calendar=ALWAYS)
        is None
    )


def test_a_moved_deadline_climbs_the_ladder_afresh() -> None:
    old = taken(*(("accept", s) for s in esc.LADDER))
    assert steps(now=at(60), taken=old) == []
    reopened = Deadlines(at(70), at(90), at(180))
    assert steps(now=at(68), deadlines=reopened, taken=old) == [("accept", "warn")]


def test_next_at_is_the_first_step_not_taken() -> None:
    def next_at(**kwargs: Any) -> dt.datetime | None:
        return esc.escalation_next_at(
            status="new", deadlines=DUE, windows=WINDOWS, calendar=ALWAYS, **kwargs
        )

    assert next_at() == at(8)
    assert next_at(taken=taken(("accept", "warn"))) == at(10)
    assert next_at(taken=taken(*(("accept", s) for s in esc.LADDER[:3]))) == at(15)
    assert next_at(taken=taken(*(("accept", s) for s in esc.LADDER))) is None


def test_thresholds_are_configurable() -> None:
    half = esc.Thresholds(warn=0.5, supervise=2.0)
    assert steps(now=at(5), thresholds=half) == [("accept", "warn")]
    done = taken(*(("accept", s) for s in esc.LADDER[:3]))
    assert steps(now=at(19.9), taken=done, thresholds=half) == []
    assert steps(now=at(20), taken=done, thresholds=half) == [("accept", "supervise")]


def test_working_calendar_thresholds_count_working_time() -> None:
    # Friday 6 March 2026, 17:00 local: 60 working minutes end Monday 09:00.
    start = dt.datetime(2026, 3, 6, 17, 0, tzinfo=SHANGHAI)
    due = dt.datetime(2026, 3, 9, 9, 0, tzinfo=SHANGHAI)
    ladder = esc.escalation_steps(
        status="new",
        deadlines=Deadlines(due, None, due),
        windows=esc.Windows(60, 0, 60),
        calendar=Calendar(),
        taken=(),
        now=dt.datetime(2026, 3, 9, 12, 0, tzinfo=SHANGHAI),
    )
    when = {s.step: s.threshold_at.astimezone(SHANGHAI).time() for s in ladder}
    assert start < ladder[0].threshold_at
    # warn: 12 working minutes before Monday 09:00; supervise: 30 working minutes after it.
    assert when == {
        "warn": dt.time(8, 48),
        "overdue": dt.time(9, 0),
        "remind": dt.time(9, 0),
        "supervise": dt.time(9, 30),
    }


# --- the sweep on the database --------------------------------------------------------------------

pytestmark = pytest.mark.django_db


def ladder_events(ticket: Ticket) -> list[tuple[str, str, dt.datetime]]:
    rows = TicketEvent.objects.filter(ticket=ticket, type__in=esc.LADDER).order_by("id")
    return [(e.type, e.payload["deadline"], e.at) for e in rows]


def notified(ticket: Ticket, kind: str) -> list[str]:
    rows = Notification.objects.filter(ticket=ticket, kind=kind).order_by("id")
    return [n.recipient.username for n in rows if n.recipient]


def test_create_stores_when_the_ladder_first_looks(world: World) -> None:
    t = f.ticket(world.unit, now=T0)
    assert t.next_escalation_at == at(8)
    assert Ticket.objects.get(pk=t.pk).next_escalation_at == at(8)


def test_an_untouched_order_climbs_on_time_once(world: World) -> None:
    t = f.ticket(world.unit, now=T0)
    assert esc.escalation_sweep(now=at(7)) == 0
    assert esc.escalation_sweep(now=at(8)) == 1
    assert esc.escalation_sweep(now=at(8)) == 0  # idempotent
    assert esc.escalation_sweep(now=at(9)) == 0
    e = TicketEvent.objects.get(ticket=t, type="warn")
    assert (e.actor_id, e.from_status, e.to_status, e.at) == (None, "new", "new", at(8))
    assert e.payload["deadline"] == "accept"
    assert dt.datetime.fromisoformat(e.payload["due"]) == at(10)
    # Nobody has it yet: whoever dispatches is warned (the manager may dispatch too).
    desk = ["dispatcher", "manager"]
    assert notified(t, "ticket_warn") == desk
    assert Ticket.objects.get(pk=t.pk).next_escalation_at == at(10)

    assert esc.escalation_sweep(now=at(10)) == 2
    assert esc.escalation_sweep(now=at(15)) == 1
    assert esc.escalation_sweep(now=at(15)) == 0
    assert esc.escalation_sweep(now=at(500)) == 0
    assert ladder_events(t) == [
        ("warn", "accept", at(8)),
        ("overdue", "accept", at(10)),
        ("remind", "accept", at(10)),
        ("supervise", "accept", at(15)),
    ]
    assert notified(t, "ticket_overdue") == desk
    assert notified(t, "ticket_remind") == desk
    assert notified(t, "ticket_supervise") == ["manager"]
    after = Ticket.objects.get(pk=t.pk)
    assert after.next_escalation_at is None
    assert after.version == t.version  # the sweep changes nothing a user edits


def test_the_handler_is_warned_and_chased(world: World) -> None:
    t = advance(
        f.ticket(world.unit, now=T0), "dispatched", dispatcher=world.dispatcher, worker=world.worker
    )
    esc.escalation_sweep(now=at(8))
    esc.escalation_sweep(now=at(10))
    assert notified(t, "ticket_warn") == ["worker"]
    assert notified(t, "ticket_overdue") == ["worker"]
    assert notified(t, "ticket_remind") == ["worker"]
    esc.escalation_sweep(now=at(15))
    assert notified(t, "ticket_supervise") == ["manager"]


def test_catch_up_after_downtime(world: World) -> None:
    t = f.ticket(world.unit, now=T0)
    assert esc.escalation_sweep(now=at(300)) == 4
    assert esc.escalation_sweep(now=at(300)) == 0
    assert ladder_events(t) == [
        ("warn", "accept", at(300)),
        ("overdue", "accept", at(300)),
        ("remind", "accept", at(300)),
        ("supervise", "accept", at(300)),
    ]
    thresholds = [
        dt.datetime.fromisoformat(e.payload["threshold_at"])
        for e in TicketEvent.objects.filter(ticket=t, type__in=esc.LADDER).order_by("id")
    ]
    assert thresholds == [at(8), at(10), at(10), at(15)]


def test_the_next_deadline_escalates_after_the_move(world: World) -> None:
    t = advance(
        f.ticket(world.unit, now=T0), "accepted", dispatcher=world.dispatcher, worker=world.worker
    )
    # Accepted in time: the arrive deadline (30 minutes) is next, warned at 24.
    assert Ticket.objects.get(pk=t.pk).next_escalation_at == at(24)
    assert esc.escalation_sweep(now=at(24)) == 1
    assert ladder_events(t) == [("warn", "arrive", at(24))]
    move(t, "arrive", world.worker, now=at(25))
    assert Ticket.objects.get(pk=t.pk).next_escalation_at == at(96)


def test_paused_orders_do_not_escalate_and_resume_moves_the_ladder(world: World) -> None:
    t = f.ticket(world.unit, now=T0)
    move(t, "pause", world.dispatcher, reason="等配件", now=at(5))
    assert Ticket.objects.get(pk=t.pk).next_escalation_at is None
    assert esc.escalation_sweep(now=at(60)) == 0
    move(t, "resume", world.dispatcher, now=at(65))
    t.refresh_from_db()
    assert t.accept_due == at(70)
    assert t.next_escalation_at == at(68)
    assert esc.escalation_sweep(now=at(68)) == 1


def test_resolved_orders_stop(world: World) -> None:
    t = advance(
        f.ticket(world.unit, now=T0), "resolved", dispatcher=world.dispatcher, worker=world.worker
    )
    assert Ticket.objects.get(pk=t.pk).next_escalation_at is None
    assert esc.escalation_sweep(now=at(10_000)) == 0


def test_a_reopened_order_escalates_afresh(world: World) -> None:
    t = f.ticket(world.unit, now=T0)
    assert esc.escalation_sweep(now=at(20)) == 4
    advance(t, "resolved", dispatcher=world.dispatcher, worker=world.worker, now=at(21))
    move(t, "reopen", world.dispatcher, reason="灯又灭了", now=at(60))
    assert esc.escalation_sweep(now=at(68)) == 1
    assert ladder_events(t)[-1] == ("warn", "accept", at(68))


def test_a_concurrent_change_wins_and_the_sweep_retries(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = f.ticket(world.unit, now=T0)
    real = esc._taken

    def user_moves_first(ticket_id: int) -> set[esc.StepKey]:
        # A dispatcher's change lands between the sweep's read and its write.
        Ticket.objects.filter(pk=ticket_id).update(version=999)
        return real(ticket_id)

    monkeypatch.setattr(esc, "_taken", user_moves_first)
    assert esc.escalation_sweep(now=at(8)) == 0
    assert ladder_events(t) == []
    assert not Notification.objects.filter(ticket=t, kind="ticket_warn").exists()
    assert Ticket.objects.get(pk=t.pk).next_escalation_at == at(8)
    monkeypatch.setattr(esc, "_taken", real)
    assert esc.escalation_sweep(now=at(9)) == 1


def test_the_sweep_is_batched(world: World) -> None:
    for i in range(3):
        f.ticket(world.unit, phone=f"1390000{i:04d}", now=T0)
    assert esc.escalation_sweep(now=at(8), batch=2) == 2
    assert esc.escalation_sweep(now=at(8), batch=2) == 1
    assert esc.escalation_sweep(now=at(8), batch=2) == 0


@override_settings(GUANJIA={**settings.GUANJIA, "ESCALATION_WARN": 0.5})
def test_settings_move_the_thresholds(world: World) -> None:
    t = f.ticket(world.unit, now=T0)
    assert t.next_escalation_at == at(5)
    assert esc.escalation_sweep(now=at(5)) == 1


def test_the_worker_runs_the_sweep_every_minute(world: World) -> None:
    job = next(j for j in PERIODIC_JOBS if j.name == "tickets.escalate")
    assert job.interval == dt.timedelta(minutes=1)
    f.ticket(world.unit, now=T0 - dt.timedelta(hours=1))
    assert tickets_escalate.call() == 4
    assert tickets_escalate.call() == 0


def test_supervised_last_week(world: World) -> None:
    late = f.ticket(world.unit, now=T0)
    f.ticket(world.unit, phone="13900000001", now=at(12))  # warned and overdue only
    esc.escalation_sweep(now=at(25))
    other = f.ticket(world.other_unit, now=T0)
    esc.escalation_sweep(now=at(25))
    week = esc.supervised_last_week(street=world.street, week=T0.date())
    assert [(t.pk, t.supervised_at) for t in week] == [(late.pk, at(25))]
    assert not esc.supervised_last_week(street=world.street, week=T0.date() + dt.timedelta(days=7))
    assert [t.pk for t in esc.supervised_last_week(street=world.other_street, week=T0.date())] == [
        other.pk
    ]
