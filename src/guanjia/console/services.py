"""Writes of the console that are not a move of the lifecycle table: the outcome of a call-back
(回访). A rating heard on the phone still goes through tickets.services.ticket_transition."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.console import followup
from guanjia.core.errors import Conflict, Forbidden, InvalidInput
from guanjia.people.models import User
from guanjia.tickets import lifecycle
from guanjia.tickets.access import ticket_capacities
from guanjia.tickets.events import event_write
from guanjia.tickets.models import Ticket, TicketEvent
from guanjia.tickets.services import Rating, Warning, ticket_transition


@dataclass
class CallResult:
    ticket: Ticket
    event: TicketEvent
    warnings: list[Warning] = field(default_factory=list)


def _already(e: TicketEvent) -> Conflict:
    who = (e.actor.display_name or e.actor.username) if e.actor is not None else _("System")
    return Conflict(
        _("This call-back was already recorded by %(name)s at %(time)s (%(outcome)s).")
        % {
            "name": who,
            "time": f"{timezone.localtime(e.at):%m-%d %H:%M}",
            "outcome": followup.OUTCOMES.get(e.payload.get("outcome"), ""),
        },
        code="already_called",
    )


@transaction.atomic
def followup_record(
    *,
    ticket: Ticket,
    actor: User,
    outcome: str,
    version: int,
    rating: Rating | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> CallResult:
    """Record one call-back on a finished order, as `actor` (who needs the call-back permission in
    the order's street), and append one "followup" event saying how it went.

    - Reached: the rating heard. An order not rated yet is rated through ticket_transition as
      the operator (the "rate" event is theirs; a low rating reopens it, as the resident's own
      would); a rated order keeps the resident's rating and the event keeps the one heard.
    - No answer / refused: only the event (the list hides the order for a day / for good).

    Safe to repeat: a call already recorded since the order was resolved (reached or refused),
    or a no-answer within RETRY_HOURS, is a 409 naming who recorded it and when; a changed order
    (version) is a 409 stale_version; an order the rule does not call is a 409 not_due.
    """
    now = now or timezone.now()
    if outcome not in followup.OUTCOMES:
        raise InvalidInput(_("Unknown outcome."), code="bad_outcome", field="outcome")
    current = Ticket.objects.select_for_update().select_related("category").get(pk=ticket.pk)
    if lifecycle.OPERATOR not in ticket_capacities(actor, current):
        raise Forbidden(_("You may not do this to this order."), code="not_permitted")
    calls = list(
        TicketEvent.objects.filter(
            ticket=current, type=followup.EVENT, at__gte=current.resolved_at or now
        )
        .select_related("actor")
        .order_by("-at", "-id")
    )
    final = next((e for e in calls if e.payload.get("outcome") in followup.FINAL), None)
    if final is not None:
        raise _already(final)
    recent = dt.timedelta(hours=followup.RETRY_HOURS)
    if outcome != followup.REACHED and calls and calls[0].at >= now - recent:
        raise _already(calls[0])
    if version != current.version:
        raise Conflict(
            _("Someone else changed this order first; reload it and try again."),
            code="stale_version",
        )
    # A resolved order takes a rating on the phone whatever the rule; a rated one only if sampled.
    if (
        current.status != lifecycle.RESOLVED
        and not Ticket.objects.filter(pk=current.pk).filter(followup.callable_filter(now)).exists()
    ):
        raise Conflict(_("This order is not due for a call-back."), code="not_due")
    payload: dict[str, Any] = {"outcome": outcome}
    warnings: list[Warning] = []
    if outcome == followup.REACHED:
        if rating is None:
            raise InvalidInput(
                _("Please give the overall rating."), code="required", field="overall"
            )
        if not 1 <= rating.overall <= 5:
            raise InvalidInput(_("Ratings go from 1 to 5."), code="bad_rating", field="overall")
        payload["overall"] = rating.overall
        if current.status == lifecycle.RESOLVED:
            result = ticket_transition(
                ticket=current, action="rate", actor=actor, version=version, rating=rating, now=now
            )
            current, warnings = result.ticket, result.warnings
            payload["reopened"] = current.status != lifecycle.CLOSED
        else:
            # The resident's own rating stands; what they said on the phone is the event's.
            note = note or rating.comment
    event = event_write(
        ticket=current,
        type=followup.EVENT,
        at=now,
        actor=actor,
        from_status=current.status,
        to_status=current.status,
        note=note.strip(),
        payload=payload,
    )
    return CallResult(ticket=current, event=event, warnings=warnings)
