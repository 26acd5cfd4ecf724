"""The one place that writes TicketEvent rows."""

import datetime as dt
from typing import Any

from guanjia.people.models import User
from guanjia.tickets.models import Ticket, TicketEvent


def event_write(
    *,
    ticket: Ticket,
    type: str,
    at: dt.datetime,
    actor: User | None = None,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    payload: dict[str, Any] | None = None,
) -> TicketEvent:
    """Append one event. Callers run inside the transaction of the change it records."""
    return TicketEvent.objects.create(
        street_id=ticket.street_id,
        ticket=ticket,
        type=type,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        at=at,
        note=note[:500],
        payload=payload or {},
    )
