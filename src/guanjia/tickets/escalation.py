"""The escalation ladder: 预警 warn → 超时 overdue → 催办 remind → 督办 supervise.

It runs on the nearest open deadline: accept until the order is accepted, then arrive (where the
category has a site visit) until the handler is on site, then resolve until it is resolved. With
W the deadline's window (the category's minutes, on its calendar):

- warn       when WARN·W has passed (settings.GUANJIA["ESCALATION_WARN"], 0.8): W·(1−0.8) before
- overdue    at the deadline; `remind` (催办, the handler is chased) follows it at once, as its own
             step, so that the audit trail shows both the fact and the chase
- supervise  when SUPERVISE·W has passed (1.5: half the window again after the deadline); the
             managers (tickets.extend_ticket) take it up

Steps are keyed by (deadline name, deadline value, step): a step is never taken twice for the
same deadline, and a moved deadline (reopen, extension) climbs the ladder afresh. A paused or
finished order does not escalate.

Catch-up: after the worker was down, every step whose threshold has passed is taken in one go, in
ladder order, with `at` = the time of the sweep (when the system acted and people were told);
the payload's `threshold_at` says when each step was due.

`escalation_steps` and `escalation_next_at` are pure; `ticket_escalate` and `escalation_sweep`
record the steps.
"""

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from guanjia.notifications.services import notification_queue, notify_role
from guanjia.org.models import Street
from guanjia.people import roles
from guanjia.sla.calendar import Calendar, time_add
from guanjia.sla.selectors import calendar_for
from guanjia.tickets import lifecycle
from guanjia.tickets.events import event_write
from guanjia.tickets.models import Ticket, TicketEvent
from guanjia.tickets.sla import Deadlines

logger = logging.getLogger(__name__)

WARN = "warn"
OVERDUE = "overdue"
REMIND = "remind"
SUPERVISE = "supervise"
LADDER = (WARN, OVERDUE, REMIND, SUPERVISE)

ACCEPT = "accept"
ARRIVE = "arrive"
RESOLVE = "resolve"

# (deadline name, deadline as UTC ISO text, step)
StepKey = tuple[str, str, str]


@dataclass(frozen=True)
class Windows:
    """The category's minutes for each deadline (on its calendar)."""

    accept: int
    arrive: int
    resolve: int


@dataclass(frozen=True)
class Thresholds:
    warn: float = 0.8
    supervise: float = 1.5

    @classmethod
    def from_settings(cls) -> "Thresholds":
        g = settings.GUANJIA
        return cls(
            warn=cast(float, g["ESCALATION_WARN"]), supervise=cast(float, g["ESCALATION_SUPERVISE"])
        )


@dataclass(frozen=True)
class Step:
    step: str
    deadline: str
    due: dt.datetime
    threshold_at: dt.datetime

    @property
    def key(self) -> StepKey:
        return (self.deadline, due_text(self.due), self.step)


def due_text(due: dt.datetime) -> str:
    return due.astimezone(dt.UTC).isoformat()


def open_deadline(status: str, deadlines: Deadlines) -> tuple[str, dt.datetime] | None:
    """The deadline the ladder runs on now, or None (paused, finished, or no such deadline)."""
    if status in (lifecycle.NEW, lifecycle.DISPATCHED):
        pair = (ACCEPT, deadlines.accept_due)
    elif status == lifecycle.ACCEPTED and deadlines.arrive_due is not None:
        pair = (ARRIVE, deadlines.arrive_due)
    elif status in (lifecycle.ACCEPTED, lifecycle.ON_SITE):
        pair = (RESOLVE, deadlines.resolve_due)
    else:
        return None
    name, due = pair
    return (name, due) if due is not None else None


def _ladder(
    name: str, due: dt.datetime, windows: Windows, calendar: Calendar, thresholds: Thresholds
) -> list[Step]:
    window = dt.timedelta(minutes=getattr(windows, name))
    warn_at = time_add(due, -window * (1 - thresholds.warn), calendar)
    supervise_at = time_add(due, window * (thresholds.supervise - 1), calendar)
    return [
        Step(WARN, name, due, min(warn_at, due)),
        Step(OVERDUE, name, due, due),
        Step(REMIND, name, due, due),
        Step(SUPERVISE, name, due, max(supervise_at, due)),
    ]


def escalation_steps(
    *,
    status: str,
    deadlines: Deadlines,
    windows: Windows,
    calendar: Calendar,
    taken: Iterable[StepKey],
    now: dt.datetime,
    thresholds: Thresholds | None = None,
) -> list[Step]:
    """The steps due at `now` and not yet taken, in ladder order (several when catching up)."""
    current = open_deadline(status, deadlines)
    if current is None:
        return []
    done = set(taken)
    ladder = _ladder(*current, windows, calendar, thresholds or Thresholds())
    return [s for s in ladder if s.threshold_at <= now and s.key not in done]


def escalation_next_at(
    *,
    status: str,
    deadlines: Deadlines,
    windows: Windows,
    calendar: Calendar,
    taken: Iterable[StepKey] = (),
    thresholds: Thresholds | None = None,
) -> dt.datetime | None:
    """When the next step not yet taken is due (None: nothing left). With `taken` empty this is
    a lower bound, which is what the services store: the sweep then finds the true one."""
    current = open_deadline(status, deadlines)
    if current is None:
        return None
    done = set(taken)
    ladder = _ladder(*current, windows, calendar, thresholds or Thresholds())
    pending = [s.threshold_at for s in ladder if s.key not in done]
    return min(pending) if pending else None


# --- recording ------------------------------------------------------------------------------------


def ticket_windows(ticket: Ticket) -> Windows:
    c = ticket.category
    return Windows(accept=c.accept_minutes, arrive=c.arrive_minutes, resolve=c.resolve_minutes)


def ticket_deadlines(ticket: Ticket) -> Deadlines:
    return Deadlines(ticket.accept_due, ticket.arrive_due, ticket.resolve_due)


def ticket_escalation_next_at(
    ticket: Ticket, calendar: Calendar, taken: Iterable[StepKey] = ()
) -> dt.datetime | None:
    """`escalation_next_at` of a ticket as it stands (its status and deadlines)."""
    return escalation_next_at(
        status=ticket.status,
        deadlines=ticket_deadlines(ticket),
        windows=ticket_windows(ticket),
        calendar=calendar,
        taken=taken,
        thresholds=Thresholds.from_settings(),
    )


def _taken(ticket_id: int) -> set[StepKey]:
    rows = TicketEvent.objects.filter(ticket_id=ticket_id, type__in=LADDER).values_list(
        "type", "payload"
    )
    return {(p.get("deadline", ""), p.get("due", ""), kind) for kind, p in rows}


def _notify(ticket: Ticket, step: Step, now: dt.datetime) -> None:
    """warn, overdue, remind: the handler (the dispatchers while nobody has it); supervise: the
    managers."""
    kind = f"ticket_{step.step}"
    if step.step == SUPERVISE:
        notify_role(ticket=ticket, permission=roles.EXTEND, kind=kind, at=now)
    elif ticket.assignee_id is not None:
        notification_queue(
            ticket=ticket,
            recipient=ticket.assignee,
            kind=kind,
            at=now,
            payload={"deadline": step.deadline, "due": due_text(step.due)},
        )
    else:
        notify_role(ticket=ticket, permission=roles.DISPATCH, kind=kind, at=now)


def ticket_escalate(
    *, ticket_id: int, now: dt.datetime, calendars: dict[tuple[str, int], Calendar] | None = None
) -> int:
    """Take the ladder steps due on one order, each one TicketEvent (actor None, status unchanged)
    and its notifications, all in one short transaction, and store when the next step is due.

    Compare-and-set on (version, next_escalation_at): if a user changed the order meanwhile (or
    another sweep got there first) nothing is written and the next sweep tries again. The sweep
    does not bump `version`: it changes no field a user edits, so it never makes a user's page
    stale. Returns how many steps it took."""
    ticket = Ticket.objects.select_related("category", "assignee").get(pk=ticket_id)
    cache = calendars if calendars is not None else {}
    key = (ticket.category.calendar, ticket.street_id)
    if key not in cache:
        cache[key] = calendar_for(kind=key[0], street_id=ticket.street_id)
    calendar = cache[key]
    taken = _taken(ticket.pk)
    thresholds = Thresholds.from_settings()
    steps = escalation_steps(
        status=ticket.status,
        deadlines=ticket_deadlines(ticket),
        windows=ticket_windows(ticket),
        calendar=calendar,
        taken=taken,
        now=now,
        thresholds=thresholds,
    )
    next_at = ticket_escalation_next_at(ticket, calendar, taken | {s.key for s in steps})
    with transaction.atomic():
        won = Ticket.objects.filter(
            pk=ticket.pk, version=ticket.version, next_escalation_at=ticket.next_escalation_at
        ).update(next_escalation_at=next_at)
        if not won:
            return 0
        for s in steps:
            event_write(
                ticket=ticket,
                type=s.step,
                at=now,
                from_status=ticket.status,
                to_status=ticket.status,
                payload={
                    "deadline": s.deadline,
                    "due": due_text(s.due),
                    "threshold_at": due_text(s.threshold_at),
                },
            )
            _notify(ticket, s, now)
    return len(steps)


def escalation_pending(*, now: dt.datetime) -> bool:
    """Whether some order still has a step due (the sweep's batch did not reach it)."""
    return Ticket.objects.filter(next_escalation_at__lte=now).exists()


def escalation_sweep(*, now: dt.datetime | None = None, batch: int = 200) -> int:
    """Climb the ladder on every order whose next step is due: one indexed query for candidates
    (`next_escalation_at <= now`), then each order in its own short transaction. Idempotent:
    running it twice takes no step twice. Returns how many steps it took."""
    now = now or timezone.now()
    due = list(
        Ticket.objects.filter(next_escalation_at__lte=now)
        .order_by("next_escalation_at", "id")
        .values_list("pk", flat=True)[:batch]
    )
    calendars: dict[tuple[str, int], Calendar] = {}
    taken = 0
    for pk in due:
        try:
            taken += ticket_escalate(ticket_id=pk, now=now, calendars=calendars)
        except Ticket.DoesNotExist:
            continue
    return taken


# --- 通报 -----------------------------------------------------------------------------------------


def supervised_last_week(*, street: Street, week: dt.date) -> QuerySet[Ticket]:
    """通报: the street's orders that reached 督办 (supervise) in the week (Monday to Sunday, local
    time) containing `week`, each annotated with `supervised_at`, the first time it did."""
    monday = week - dt.timedelta(days=week.weekday())
    start = dt.datetime.combine(monday, dt.time(), timezone.get_default_timezone())
    end = dt.datetime.combine(
        monday + dt.timedelta(days=7), dt.time(), timezone.get_default_timezone()
    )
    steps = TicketEvent.objects.filter(street=street, type=SUPERVISE, at__gte=start, at__lt=end)
    first = steps.filter(ticket=OuterRef("pk")).order_by("at", "id").values("at")[:1]
    return (
        Ticket.objects.filter(street=street, pk__in=steps.values("ticket_id"))
        .annotate(supervised_at=Subquery(first))
        .select_related("category", "assignee", "compound")
        .order_by("supervised_at", "id")
    )
