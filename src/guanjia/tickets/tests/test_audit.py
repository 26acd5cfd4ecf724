"""The audit log is append-only in the database itself (tickets/migrations/0002).

UPDATE and DELETE on TicketEvent fail whoever sends them (the ORM or raw SQL), unless a row sits in
EventPurgeGuard inside the same transaction: the retention purge's way through. The test suite's
flush between transactional tests must still empty the table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from guanjia.testing import factories as f
from guanjia.tickets.models import EventPurgeGuard, Ticket, TicketEvent
from guanjia.tickets.services import ticket_transition
from guanjia.tickets.tests.moves import T0

if TYPE_CHECKING:
    from guanjia.testing.factories import World


def _ticket_with_events(world: World) -> Ticket:
    t = f.ticket(world.unit, now=T0)
    ticket_transition(ticket=t, action="dispatch", actor=world.dispatcher, assignee=world.worker)
    return t


def _refused(sql: str, params: list[object]) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.django_db
def test_the_orm_cannot_change_or_delete_an_event(world: World) -> None:
    t = _ticket_with_events(world)
    e = t.events.order_by("id").first()
    assert e is not None
    with pytest.raises(DatabaseError), transaction.atomic():
        TicketEvent.objects.filter(pk=e.pk).update(note="改过了")
    e.to_status = "closed"
    with pytest.raises(DatabaseError), transaction.atomic():
        e.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        e.delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        TicketEvent.objects.all().delete()
    assert list(t.events.order_by("id").values_list("type", "to_status", "note")) == [
        ("create", "new", ""),
        ("dispatch", "dispatched", ""),
    ]


@pytest.mark.django_db
def test_raw_sql_cannot_change_or_delete_an_event(world: World) -> None:
    t = _ticket_with_events(world)
    pk = t.events.order_by("id").values_list("pk", flat=True).first()
    _refused("UPDATE tickets_ticketevent SET note = %s WHERE id = %s", ["改过了", pk])
    _refused("UPDATE tickets_ticketevent SET actor_id = NULL", [])
    _refused("DELETE FROM tickets_ticketevent WHERE id = %s", [pk])
    _refused("DELETE FROM tickets_ticketevent", [])
    assert t.events.count() == 2
    assert t.events.filter(note="").count() == 2


@pytest.mark.django_db
def test_appending_still_works(world: World) -> None:
    t = _ticket_with_events(world)
    ticket_transition(ticket=t, action="accept", actor=world.worker)
    assert list(t.events.order_by("id").values_list("type", flat=True)) == [
        "create",
        "dispatch",
        "accept",
    ]


@pytest.mark.django_db
def test_the_purge_guard_lets_changes_through_inside_its_transaction(world: World) -> None:
    purged = _ticket_with_events(world)
    kept = _ticket_with_events(world)
    with transaction.atomic():
        EventPurgeGuard.objects.create(reason="retention")
        TicketEvent.objects.filter(ticket=kept).update(note="")  # anonymising is a change too
        deleted, _by_model = TicketEvent.objects.filter(ticket=purged).delete()
        EventPurgeGuard.objects.all().delete()
    assert deleted == 2
    assert purged.events.count() == 0
    assert kept.events.count() == 2
    # The guard left with its transaction: the log is closed again.
    assert not EventPurgeGuard.objects.exists()
    with pytest.raises(DatabaseError), transaction.atomic():
        TicketEvent.objects.filter(ticket=kept).delete()
    assert kept.events.count() == 2


@pytest.mark.django_db
def test_a_guard_rolled_back_with_its_transaction_opens_nothing(world: World) -> None:
    t = _ticket_with_events(world)
    with pytest.raises(RuntimeError), transaction.atomic():
        EventPurgeGuard.objects.create(reason="retention")
        raise RuntimeError("purge aborted")
    assert not EventPurgeGuard.objects.exists()
    with pytest.raises(DatabaseError), transaction.atomic():
        t.events.all().delete()
    assert t.events.count() == 2


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_audit_log(world: World) -> None:
    _ticket_with_events(world)
    assert TicketEvent.objects.count() == 2
    call_command("flush", interactive=False, verbosity=0)
    assert TicketEvent.objects.count() == 0
    assert Ticket.objects.count() == 0
    assert not EventPurgeGuard.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_leaves_events_behind_for_the_flush(world: World) -> None:
    # Committed for real; the flush at the end of this test must get rid of them.
    _ticket_with_events(world)
    assert TicketEvent.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_next_transactional_test_starts_empty_and_still_protected(world: World) -> None:
    assert TicketEvent.objects.count() == 0
    assert Ticket.objects.count() == 0
    assert not EventPurgeGuard.objects.exists()
    t = _ticket_with_events(world)
    with pytest.raises(DatabaseError), transaction.atomic():
        t.events.all().delete()
    assert t.events.count() == 2
