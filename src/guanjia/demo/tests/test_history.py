"""A loaded demo history hangs together: every order's events replay to its status through the
lifecycle table, and its timestamps, counters, deadlines, ratings and number agree with them."""

import datetime as dt
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from django.utils import timezone

from guanjia.demo import simulator
from guanjia.demo.history import world_from_db
from guanjia.demo.loader import demo_load
from guanjia.demo.tests.conftest import NOW
from guanjia.notifications.models import Notification
from guanjia.org.models import Street
from guanjia.people.models import Resident
from guanjia.sla.calendar import deadline_add
from guanjia.sla.selectors import calendar_for
from guanjia.tickets import lifecycle
from guanjia.tickets.models import Ticket, TicketCounter, TicketEvent, TicketPhoto

DAYS = 6
ORDERS = 260

TRANSITIONS = set(lifecycle.MOVES)
ASSIGNING = {"dispatch", "transfer", "grab"}


@pytest.fixture
def loaded(db: None, media: Path) -> Street:
    from guanjia.catalog.defaults import catalog_install_defaults
    from guanjia.catalog.models import ServiceCategory

    if not ServiceCategory.objects.exists():
        catalog_install_defaults(ServiceCategory)
    demo_load(now=NOW, days=DAYS, orders=ORDERS)
    return Street.objects.get(code="shuanggang")


def _events() -> dict[int, list[TicketEvent]]:
    by_ticket: dict[int, list[TicketEvent]] = defaultdict(list)
    for e in TicketEvent.objects.select_related("actor").order_by("id"):
        by_ticket[e.ticket_id].append(e)
    return by_ticket


def test_events_replay_to_each_orders_state(loaded: Street) -> None:
    events = _events()
    tickets = list(Ticket.objects.select_related("category", "assignee"))
    assert len(tickets) >= ORDERS * 0.9
    for t in tickets:
        trail = events[t.pk]
        assert trail[0].type == "create" and trail[0].to_status == lifecycle.NEW
        assert trail[0].at == t.created_at
        assert [e.at for e in trail] == sorted(e.at for e in trail), t.number
        assert all(e.at <= NOW for e in trail)
        status, paused_from = lifecycle.NEW, ""
        assignee: str | None = None
        moves = Counter[str]()
        last_move = t.created_at
        stamps: dict[str, dt.datetime | None] = {}
        rating = None
        for e in trail[1:]:
            if e.type in ("merge_in", "photo"):
                assert e.from_status == e.to_status == status, (t.number, e.type)
                continue
            assert e.type in TRANSITIONS, e.type
            assert e.from_status == status, (t.number, e.type, e.from_status, status)
            target = lifecycle.move_target(
                e.type,
                status,
                lifecycle.MOVES[e.type].who,
                paused_from=paused_from,
                site_visit=t.category.site_visit,
                low_rating=bool(e.payload.get("reopened")),
            )
            assert target == e.to_status, (t.number, e.type)
            if e.type == "pause":
                paused_from = status
            elif e.type == "resume":
                paused_from = ""
            if e.type in ASSIGNING:
                assignee = e.payload["assignee"]
                stamps["dispatched_at"] = e.at
            if e.type == "grab":
                stamps["accepted_at"] = e.at
            if e.type == "return":
                assignee = None
            if e.type == "rate":
                rating = e.payload["overall"]
            if target == lifecycle.DISPATCHED and e.type in {"reopen", "rate"}:
                stamps.update(dispatched_at=e.at, resolved_at=None, closed_at=None)
            for action, stamp in (
                ("accept", "accepted_at"),
                ("arrive", "on_site_at"),
                ("resolve", "resolved_at"),
                ("cancel", "cancelled_at"),
                ("merge", "cancelled_at"),
            ):
                if e.type == action:
                    stamps[stamp] = e.at
            if target == lifecycle.CLOSED:
                stamps["closed_at"] = e.at
            status = target
            moves[e.type] += 1
            last_move = e.at
        assert status == t.status, t.number
        assert t.paused_from == paused_from
        assert t.version == 1 + sum(moves.values())
        assert t.updated_at == last_move
        assert t.return_count == moves["return"]
        reopened_by_rating = sum(1 for e in trail if e.payload.get("reopened"))
        assert t.reopen_count == moves["reopen"] + reopened_by_rating
        assert (t.assignee.username if t.assignee else None) == assignee
        assert t.rating_overall == rating
        for stamp, value in stamps.items():
            assert getattr(t, stamp) == value, (t.number, stamp)
        assert (t.closed_at is not None) == (t.status == lifecycle.CLOSED)
        assert (t.cancelled_at is not None) == (t.status == lifecycle.CANCELLED)
        assert (t.resolved_at is not None) == (t.status in {lifecycle.RESOLVED, lifecycle.CLOSED})
        assert (t.duplicate_of_id is not None) == (moves["merge"] == 1)
        ordered = [
            t.created_at,
            t.dispatched_at,
            t.accepted_at,
            t.on_site_at,
            t.resolved_at,
            t.closed_at,
        ]
        present = [s for s in ordered if s is not None]
        assert present == sorted(present), t.number


def test_deadlines_come_from_the_category(loaded: Street) -> None:
    for t in Ticket.objects.select_related("category"):
        c = t.category
        if t.reopen_count:
            continue  # a reopened order's clock starts again
        if c.calendar != "24x7":
            # Working minutes on the street's calendar (paused working time is not recorded).
            if t.paused_seconds:
                continue
            cal = calendar_for(kind=c.calendar, street_id=t.street_id)
            assert t.accept_due == deadline_add(t.created_at, c.accept_minutes, cal)
            if not t.events.filter(type="extend").exists():
                assert t.resolve_due == deadline_add(t.created_at, c.resolve_minutes, cal)
            continue
        paused = dt.timedelta(seconds=t.paused_seconds)
        assert t.accept_due == t.created_at + dt.timedelta(minutes=c.accept_minutes) + paused
        if c.site_visit:
            assert t.arrive_due == t.created_at + dt.timedelta(minutes=c.arrive_minutes) + paused
        else:
            assert t.arrive_due is None
        if not t.events.filter(type="extend").exists():
            resolve = t.created_at + dt.timedelta(minutes=c.resolve_minutes) + paused
            assert t.resolve_due == resolve


def test_numbers_run_per_local_day_and_the_counters_continue_them(loaded: Street) -> None:
    by_day: dict[dt.date, list[Ticket]] = defaultdict(list)
    for t in Ticket.objects.order_by("created_at", "id"):
        by_day[timezone.localdate(t.created_at)].append(t)
    counters = dict(TicketCounter.objects.values_list("day", "value"))
    assert set(counters) == set(by_day)
    for day, tickets in by_day.items():
        assert [t.number for t in tickets] == [
            f"SHUANGGANG-{day:%Y%m%d}-{n:04d}" for n in range(1, len(tickets) + 1)
        ]
        assert counters[day] == len(tickets)


def test_orders_are_rated_closed_and_left_open_as_a_real_desk_leaves_them(loaded: Street) -> None:
    status = Counter(Ticket.objects.values_list("status", flat=True))
    assert status[lifecycle.NEW] >= 10  # the dispatcher's queue
    for open_state in (lifecycle.DISPATCHED, lifecycle.ACCEPTED, lifecycle.ON_SITE):
        assert status[open_state] >= 1, open_state
    finished = Ticket.objects.filter(resolved_at__isnull=False)
    rated = finished.filter(rated_at__isnull=False).count()
    assert 0.45 < rated / finished.count() < 0.75
    # Unrated orders closed themselves 48 hours after resolution.
    for t in Ticket.objects.filter(status=lifecycle.CLOSED, rated_at__isnull=True):
        assert t.closed_at is not None and t.resolved_at is not None
        assert (
            dt.timedelta(hours=48)
            <= t.closed_at - t.resolved_at
            < dt.timedelta(hours=48, minutes=1)
        )
    # What is still resolved and unrated is not yet due for the auto-close.
    for t in Ticket.objects.filter(status=lifecycle.RESOLVED, rated_at__isnull=True):
        assert t.resolved_at is not None and NOW - t.resolved_at < dt.timedelta(hours=48)


def test_photos_residents_and_notifications_agree_with_the_orders(loaded: Street) -> None:
    for photo in TicketPhoto.objects.select_related("ticket"):
        assert photo.uploaded_by_id == photo.ticket.assignee_id or photo.ticket.reopen_count
        event = TicketEvent.objects.get(type="photo", payload__photo=photo.pk)
        assert event.ticket_id == photo.ticket_id and event.at == photo.created_at
    for t in Ticket.objects.filter(category__after_photo_required=True, resolved_at__isnull=False):
        assert t.photos.filter(kind="after").exists(), t.number
    for t in Ticket.objects.select_related("reporter"):
        assert t.reporter is not None and t.reporter.phone == t.contact_phone
    firsts = {r.pk: r.created_at for r in Resident.objects.filter(street=loaded).only("created_at")}
    for reporter, first in Ticket.objects.order_by("reporter", "created_at").values_list(
        "reporter", "created_at"
    ):
        assert firsts[reporter] <= first
    assert not Notification.objects.filter(delivered_at__isnull=True).exists()
    new_orders = Ticket.objects.count()
    assert Notification.objects.filter(kind="ticket_new").count() == 2 * new_orders


def test_the_same_seed_draws_the_same_history(demo_street: Street) -> None:
    world = world_from_db(demo_street)

    def draw() -> list[tuple[object, ...]]:
        orders, plans = simulator.plan(world, now=NOW, days=3, count=80, seed=11)
        return [
            (o.created_at, o.category.code, o.phone, [(s.at, s.action, s.actor) for s in p])
            for o, p in zip(orders, plans, strict=True)
        ]

    assert draw() == draw()


def test_the_demos_late_orders_escalate_when_the_worker_runs(loaded: Street) -> None:
    from guanjia.tickets.escalation import LADDER, escalation_sweep

    due = Ticket.objects.filter(next_escalation_at__lte=NOW)
    assert due.exists()  # leave_open draws a couple already past their accept deadline
    assert (
        not Ticket.objects.exclude(status__in=lifecycle.OPEN)
        .filter(next_escalation_at__isnull=False)
        .exists()
    )
    taken = escalation_sweep(now=NOW, batch=1000)
    assert taken > 0
    assert TicketEvent.objects.filter(type__in=LADDER).count() == taken
    assert escalation_sweep(now=NOW, batch=1000) == 0
    assert not Ticket.objects.filter(next_escalation_at__lte=NOW).exists()
