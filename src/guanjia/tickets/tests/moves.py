"""Helpers for the ticket tests: a fixed clock, and moves that check their own audit trail."""

import datetime as dt
import json
from typing import Any

import pytest

from guanjia.core.errors import GuanjiaError
from guanjia.notifications.models import Notification
from guanjia.people.models import User
from guanjia.tickets.models import PhotoKind, Ticket, TicketEvent, TicketPhoto
from guanjia.tickets.services import TransitionResult, ticket_transition

# Monday 25 May 2026, 10:00 in Shanghai.
T0 = dt.datetime(2026, 5, 25, 2, 0, tzinfo=dt.UTC)


def at(minutes: float = 0, *, hours: float = 0, days: float = 0) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes, hours=hours, days=days)


def move(ticket: Ticket, action: str, actor: User | None, **kwargs: Any) -> TransitionResult:
    """Make a move and check what every move must leave behind: the version bumped by one and
    exactly one new TicketEvent with the right type, statuses, actor and time, carrying no contact
    data of the ticket."""
    kwargs.setdefault("now", T0)
    before = Ticket.objects.get(pk=ticket.pk)
    events_before = TicketEvent.objects.filter(ticket=ticket).count()
    result = ticket_transition(ticket=ticket, action=action, actor=actor, **kwargs)
    after = Ticket.objects.get(pk=ticket.pk)
    assert after.version == before.version + 1
    assert after.status == result.ticket.status
    events = list(TicketEvent.objects.filter(ticket=ticket).order_by("id"))
    assert len(events) == events_before + 1
    e = events[-1]
    assert (e.type, e.from_status, e.to_status) == (action, before.status, after.status)
    assert e.actor_id == (actor.pk if actor else None)
    assert e.at == kwargs["now"]
    assert e.street_id == after.street_id
    contact_free(e, after)
    return result


def contact_free(event: TicketEvent, ticket: Ticket) -> None:
    text = json.dumps(event.payload, ensure_ascii=False) + event.note
    for secret in (ticket.contact_phone, ticket.contact_name):
        if secret:
            assert secret not in text, f"{event.type} event carries contact data"
    if ticket.reporter is not None and ticket.reporter.name:
        assert ticket.reporter.name not in text


def refused(
    ticket: Ticket,
    action: str,
    actor: User | None,
    error: type[GuanjiaError],
    code: str | None = None,
    **kwargs: Any,
) -> GuanjiaError:
    """A move that must fail and leave the ticket, its events and notifications as they were."""
    kwargs.setdefault("now", T0)
    before = Ticket.objects.filter(pk=ticket.pk).values().get()
    events = TicketEvent.objects.count()
    notifications = Notification.objects.count()
    with pytest.raises(error) as e:
        ticket_transition(ticket=ticket, action=action, actor=actor, **kwargs)
    if code is not None:
        assert e.value.code == code
    assert Ticket.objects.filter(pk=ticket.pk).values().get() == before
    assert TicketEvent.objects.count() == events
    assert Notification.objects.count() == notifications
    return e.value


def after_photo(ticket: Ticket, by: User | None = None) -> TicketPhoto:
    return TicketPhoto.objects.create(
        street=ticket.street,
        ticket=ticket,
        kind=PhotoKind.AFTER,
        file="photos/after.jpg",
        width=800,
        height=600,
        uploaded_by=by,
        created_at=T0,
    )


def advance(
    ticket: Ticket,
    to: str,
    *,
    dispatcher: User,
    worker: User,
    now: dt.datetime = T0,
) -> Ticket:
    """Take a fresh order along the main path (dispatch, accept, arrive, resolve) up to `to`,
    one minute per step."""
    path = ["dispatched", "accepted", "on_site", "resolved"]
    for step, status in enumerate(path[: path.index(to) + 1]):
        when = now + dt.timedelta(minutes=step)
        if status == "dispatched":
            ticket = move(ticket, "dispatch", dispatcher, assignee=worker, now=when).ticket
        elif status == "accepted":
            ticket = move(ticket, "accept", worker, now=when).ticket
        elif status == "on_site":
            ticket = move(ticket, "arrive", worker, now=when).ticket
        else:
            if ticket.category.after_photo_required:
                after_photo(ticket, worker)
            ticket = move(ticket, "resolve", worker, now=when).ticket
    return ticket
