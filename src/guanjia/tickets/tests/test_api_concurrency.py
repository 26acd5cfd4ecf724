"""Races through the JSON API, in real threads with their own connections (SQLite and
PostgreSQL): an Idempotency-Key makes two simultaneous creates one order, and of two dispatchers
sending the same version exactly one wins."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from django.db import connections

from guanjia.core.models import IdempotencyRecord
from guanjia.testing import factories as f
from guanjia.testing.api import Api
from guanjia.tickets.models import Ticket, TicketEvent
from guanjia.tickets.tests.test_api import order

if TYPE_CHECKING:
    from guanjia.testing.factories import World

ROUNDS = 5


def race(*calls: Callable[[], Any]) -> list[Any]:
    """Start the calls at one moment, one thread each; return their responses."""
    start = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        try:
            start.wait(timeout=10)
            results[i] = call()
        except Exception as e:  # reported to the test, which then fails
            results[i] = e
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_creates_with_one_key_at_once_make_one_order(world: World) -> None:
    first, second = Api(world.dispatcher), Api(world.dispatcher)
    for i in range(ROUNDS):
        body = order(world, room=f"{i + 1}01")
        key = f"same-{i}"
        a, b = race(
            lambda body=body, key=key: first.post("/tickets", body, HTTP_IDEMPOTENCY_KEY=key),
            lambda body=body, key=key: second.post("/tickets", body, HTTP_IDEMPOTENCY_KEY=key),
        )
        assert not isinstance(a, Exception) and not isinstance(b, Exception), (a, b)
        # Decided: the later one waits for the first and gets its answer (never a 409).
        assert (a.status_code, b.status_code) == (201, 201), (a.content, b.content)
        assert a.json() == b.json()
        replayed = [r.get("Idempotent-Replayed") for r in (a, b)]
        assert sorted(replayed, key=str) == sorted([None, "true"], key=str)
        assert Ticket.objects.filter(room=f"{i + 1}01").count() == 1
    assert IdempotencyRecord.objects.count() == ROUNDS


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_race_through_the_api_and_exactly_one_wins(world: World) -> None:
    second = f.user("dispatcher", world.street, "second_dispatcher")
    one, two = Api(world.dispatcher), Api(second)
    for i in range(ROUNDS):
        t = f.ticket(world.unit, phone=f"1390000{i:04d}")
        path = f"/tickets/{t.number}/transitions"
        a, b = race(
            lambda path=path: one.post(
                path, {"action": "dispatch", "version": 1, "assignee": "worker"}
            ),
            lambda path=path: two.post(
                path, {"action": "dispatch", "version": 1, "assignee": "other_worker"}
            ),
        )
        assert not isinstance(a, Exception) and not isinstance(b, Exception), (a, b)
        assert sorted([a.status_code, b.status_code]) == [200, 409], (a.content, b.content)
        loser = a if a.status_code == 409 else b
        assert loser.json()["code"] == "stale_version"
        t.refresh_from_db()
        winner = "worker" if a.status_code == 200 else "other_worker"
        assert (t.status, t.version, t.assignee.username if t.assignee else None) == (
            "dispatched",
            2,
            winner,
        )
        assert TicketEvent.objects.filter(ticket=t, type="dispatch").count() == 1
