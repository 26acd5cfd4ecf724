"""Outbox atomicity (SECURITY.md, Data): a state change, its audit row and its notifications
commit together or not at all."""

from typing import Any

import pytest
from django.db import transaction

from guanjia.notifications.models import Notification
from guanjia.testing import factories as f
from guanjia.tickets import services
from guanjia.tickets.models import Ticket, TicketEvent
from guanjia.tickets.services import ticket_transition


class Boom(Exception):
    pass


def _counts(ticket: Ticket) -> tuple[str, int, int]:
    ticket.refresh_from_db()
    return (
        ticket.status,
        TicketEvent.objects.filter(ticket=ticket).count(),
        Notification.objects.filter(ticket=ticket).count(),
    )


def test_an_exception_after_the_change_leaves_no_change_event_or_notification(world: Any) -> None:
    ticket = f.ticket(world.unit)
    before = _counts(ticket)
    with pytest.raises(Boom), transaction.atomic():
        result = ticket_transition(
            ticket=ticket, action="dispatch", actor=world.dispatcher, assignee=world.worker
        )
        # Inside the transaction all three are there...
        assert result.ticket.status == "dispatched"
        assert Notification.objects.filter(ticket=ticket, kind="ticket_dispatch").exists()
        raise Boom
    # ...and none of them after it rolled back.
    assert _counts(ticket) == before
    assert not Notification.objects.filter(ticket=ticket, kind="ticket_dispatch").exists()
    assert not TicketEvent.objects.filter(ticket=ticket, type="dispatch").exists()


def test_a_failing_audit_write_leaves_no_change_or_notification(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket = f.ticket(world.unit)
    before = _counts(ticket)

    def broken(**kwargs: Any) -> None:
        raise Boom

    monkeypatch.setattr(services, "event_write", broken)
    with pytest.raises(Boom):
        ticket_transition(
            ticket=ticket, action="dispatch", actor=world.dispatcher, assignee=world.worker
        )
    assert _counts(ticket) == before


def test_a_failing_notification_write_leaves_no_change_or_event(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket = f.ticket(world.unit)
    before = _counts(ticket)

    def broken(**kwargs: Any) -> None:
        raise Boom

    monkeypatch.setattr(services, "notification_queue", broken)
    with pytest.raises(Boom):
        ticket_transition(
            ticket=ticket, action="dispatch", actor=world.dispatcher, assignee=world.worker
        )
    assert _counts(ticket) == before


def test_an_order_that_fails_to_queue_its_notifications_is_not_taken(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: Any) -> None:
        raise Boom

    monkeypatch.setattr(services, "notify_role", broken)
    with pytest.raises(Boom):
        f.ticket(world.unit)
    assert not Ticket.objects.exists()
    assert not TicketEvent.objects.exists()
    assert not Notification.objects.exists()
