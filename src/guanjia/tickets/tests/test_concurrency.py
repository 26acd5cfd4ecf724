"""Concurrent changes are compare-and-set on Ticket.version: of two racing moves exactly one wins.

The races run in real threads, each with its own database connection, so these tests are
transactional (each thread commits for real). On SQLite the settings take the write lock at BEGIN
(IMMEDIATE) with a 20 s busy timeout, so the loser waits and then sees the new version instead of
failing with "database is locked".
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from django.db import connection, connections

from guanjia.core.errors import Conflict, GuanjiaError
from guanjia.notifications.models import Notification
from guanjia.org.models import Household
from guanjia.people.models import Resident, User
from guanjia.testing import factories as f
from guanjia.tickets import services
from guanjia.tickets.models import Ticket, TicketEvent
from guanjia.tickets.services import ticket_create, ticket_transition
from guanjia.tickets.tests.moves import T0, at, refused

if TYPE_CHECKING:
    from guanjia.testing.factories import World

ROUNDS = 10


def race(*jobs: Callable[[], Any]) -> list[str]:
    """Run the jobs at the same moment, one thread each; return 'ok' or what each one raised."""
    start = threading.Barrier(len(jobs))
    results: list[str] = [""] * len(jobs)

    def run(i: int, job: Callable[[], Any]) -> None:
        try:
            start.wait(timeout=10)
            job()
            results[i] = "ok"
        except GuanjiaError as e:
            results[i] = e.code
        except Exception as e:  # reported to the test, which then fails
            results[i] = f"{type(e).__name__}: {e}"
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_race_and_exactly_one_wins(world: World) -> None:
    second = f.user("dispatcher", world.street, "second_dispatcher")
    for i in range(ROUNDS):
        t = f.ticket(world.unit, phone=f"1390000{i:04d}", now=at(i))

        def dispatch(actor: User, worker: User, t: Ticket = t) -> Any:
            return ticket_transition(
                ticket=t, action="dispatch", actor=actor, assignee=worker, version=t.version
            )

        results = race(
            lambda t=t: dispatch(world.dispatcher, world.worker, t),
            lambda t=t: dispatch(second, world.other_worker, t),
        )
        assert sorted(results) == ["ok", "stale_version"], results
        t.refresh_from_db()
        winner = world.worker if results[0] == "ok" else world.other_worker
        assert (t.status, t.version, t.assignee) == ("dispatched", 2, winner)
        dispatches = list(t.events.filter(type="dispatch"))
        assert len(dispatches) == 1
        assert dispatches[0].payload["assignee"] == winner.username
        assert list(
            Notification.objects.filter(ticket=t, kind="ticket_dispatch").values_list(
                "recipient", flat=True
            )
        ) == [winner.pk]


@pytest.mark.django_db(transaction=True)
def test_both_read_the_same_version_and_the_update_decides(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Force the worst interleaving: both transactions have read version 1 before either writes.
    Only PostgreSQL can get there; SQLite's IMMEDIATE transactions queue whole writers."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers at BEGIN IMMEDIATE")
    both_read = threading.Barrier(2)
    handler = services._HANDLERS["dispatch"]

    def dispatch_after_both_read(t: Ticket, c: Any) -> Any:
        both_read.wait(timeout=10)
        return handler(t, c)

    monkeypatch.setitem(services._HANDLERS, "dispatch", dispatch_after_both_read)
    for i in range(ROUNDS // 2):
        t = f.ticket(world.unit, phone=f"1390000{i:04d}", now=at(i))
        results = race(
            *[
                lambda w=w, t=t: ticket_transition(
                    ticket=t, action="dispatch", actor=world.dispatcher, assignee=w, version=1
                )
                for w in (world.worker, world.other_worker)
            ]
        )
        assert sorted(results) == ["ok", "stale_version"], results
        assert t.events.filter(type="dispatch").count() == 1


@pytest.mark.django_db(transaction=True)
def test_racing_moves_without_a_version_still_apply_once(world: World) -> None:
    """Callers that pass no version still cannot both win: the second sees the new status."""
    for i in range(ROUNDS // 2):
        t = f.ticket(world.unit, phone=f"1390000{i:04d}", now=at(i))
        results = race(
            *[
                lambda w=w, t=t: ticket_transition(
                    ticket=t, action="dispatch", actor=world.dispatcher, assignee=w
                )
                for w in (world.worker, world.other_worker)
            ]
        )
        assert sorted(results) in (
            ["ok", "stale_version"],
            ["ok", "transition_not_allowed"],
        ), results
        assert t.events.filter(type="dispatch").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_race_to_grab_and_one_gets_it(world: World) -> None:
    rival = f.handler(world.street, "personal.home_repair", username="rival")
    for i in range(ROUNDS // 2):
        t = f.ticket(world.unit, code="personal.home_repair", phone=f"1390000{i:04d}", now=at(i))
        results = race(
            *[
                lambda w=w, t=t: ticket_transition(ticket=t, action="grab", actor=w, version=1)
                for w in (world.worker, rival)
            ]
        )
        assert sorted(results) == ["ok", "stale_version"], results
        t.refresh_from_db()
        assert t.status == "accepted"
        assert t.events.filter(type="grab").count() == 1
        assert t.events.get(type="grab").actor == t.assignee


@pytest.mark.django_db(transaction=True)
def test_concurrent_orders_get_distinct_numbers(world: World) -> None:
    category = f.category("repair.corridor_light")
    compound = world.unit.building.compound
    for day in range(3):
        jobs = [
            lambda i=i, day=day: ticket_create(
                category=category,
                compound=compound,
                channel="form",
                description="楼道灯不亮",
                contact_phone=f"138{day}{i:07d}",
                now=at(0, days=day),
            )
            for i in range(4)
        ]
        assert race(*jobs) == ["ok"] * 4
    numbers = sorted(Ticket.objects.values_list("number", flat=True))
    assert numbers == [
        f"SHUANGGANG-202605{25 + day}-{seq:04d}" for day in range(3) for seq in range(1, 5)
    ]


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_orders_from_one_phone_make_one_resident(world: World) -> None:
    category = f.category("repair.corridor_light")
    compound = world.unit.building.compound
    jobs = [
        lambda i=i: ticket_create(
            category=category,
            compound=compound,
            building=world.unit.building,
            unit=world.unit,
            room="301",
            channel="wechat",
            description=f"楼道灯不亮（第{i}次反映）",
            contact_phone="13911112222",
            now=T0,
        )
        for i in range(4)
    ]
    assert race(*jobs) == ["ok"] * 4
    assert Resident.objects.filter(phone="13911112222").count() == 1
    assert Household.objects.filter(unit=world.unit, room="301").count() == 1
    reporters = set(Ticket.objects.values_list("reporter__phone", flat=True))
    assert reporters == {"13911112222"}


@pytest.mark.django_db
def test_a_stale_version_is_refused_and_writes_nothing(world: World) -> None:
    t = f.ticket(world.unit, now=T0)
    seen = t.version
    ticket_transition(ticket=t, action="pause", actor=world.dispatcher, reason="等通知", now=T0)
    notifications = Notification.objects.count()
    events = TicketEvent.objects.count()
    refused(t, "resume", world.dispatcher, Conflict, "stale_version", version=seen)
    refused(t, "extend", world.manager, Conflict, "stale_version", version=seen + 5, reason="x")
    assert (Notification.objects.count(), TicketEvent.objects.count()) == (notifications, events)
    current = Ticket.objects.get(pk=t.pk)
    assert (current.status, current.version) == ("paused", seen + 1)
    r = ticket_transition(
        ticket=t, action="resume", actor=world.dispatcher, version=current.version, now=at(5)
    )
    assert (r.ticket.status, r.ticket.version) == ("new", seen + 2)
