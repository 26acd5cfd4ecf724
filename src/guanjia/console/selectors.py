"""Reads of the dispatcher's and operator's console. Every one starts from tickets.access's
ticket_scope (through tickets.selectors where one fits): what a user may not see does not exist."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Count, DateTimeField, F, OuterRef, Q, QuerySet, Subquery, When
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.catalog.models import FollowUp, ServiceCategory
from guanjia.console import followup
from guanjia.core.errors import InvalidInput
from guanjia.core.phones import phone_normalize
from guanjia.dispatch import engine
from guanjia.org.models import Compound
from guanjia.people.access import AnyUser, user_street_filter
from guanjia.people.models import Resident, User
from guanjia.tickets import lifecycle
from guanjia.tickets.access import ticket_scope
from guanjia.tickets.escalation import Thresholds, open_deadline
from guanjia.tickets.models import Channel, Ticket, TicketEvent
from guanjia.tickets.selectors import overdue_q
from guanjia.tickets.sla import Deadlines

# The queue shows at most this many orders; a street with more open orders than a dispatcher can
# read narrows it with the filters (the overdue ones always come first).
QUEUE_CAP = 200
PAST_ORDERS_SHOWN = 10
# Statuses a dispatcher filters by: the open ones, and resolved (waiting for a call-back, 回访).
QUEUE_STATUSES = (*sorted(lifecycle.OPEN), lifecycle.RESOLVED)

GREEN, AMBER, RED, STOPPED = "green", "amber", "red", "stopped"


@dataclass(frozen=True)
class QueueFilters:
    compound_id: int | None = None
    category: str | None = None
    status: str | None = None
    overdue: bool = False


@dataclass(frozen=True)
class Clock:
    """The clock of an order's nearest open deadline: green, amber past the warning share of its
    window (the escalation ladder's 预警), red once overdue (超时); stopped when paused or done."""

    colour: str
    deadline: str  # accept, arrive, resolve, or "" when stopped
    due: dt.datetime | None
    minutes_left: int  # negative once overdue

    @property
    def label(self) -> str:
        if self.colour == STOPPED or self.due is None:
            return _("Clock stopped")
        name = {"accept": _("accept"), "arrive": _("arrive"), "resolve": _("resolve")}[
            self.deadline
        ]
        if self.minutes_left < 0:
            return _("%(deadline)s overdue by %(time)s") % {
                "deadline": name,
                "time": _duration(-self.minutes_left),
            }
        return _("%(deadline)s in %(time)s") % {
            "deadline": name,
            "time": _duration(self.minutes_left),
        }


def _duration(minutes: int) -> str:
    if minutes < 60:
        return _("%(m)d min") % {"m": minutes}
    if minutes < 48 * 60:
        return _("%(h)d h %(m)d min") % {"h": minutes // 60, "m": minutes % 60}
    return _("%(d)d days") % {"d": minutes // (24 * 60)}


def ticket_clock(ticket: Ticket, now: dt.datetime, thresholds: Thresholds) -> Clock:
    """The order's clock from the fields already loaded (no query). The amber line is drawn on
    the wall clock; the escalation sweep, which pages people, uses the category's calendar."""
    current = open_deadline(
        ticket.status, Deadlines(ticket.accept_due, ticket.arrive_due, ticket.resolve_due)
    )
    if current is None:
        return Clock(STOPPED, "", None, 0)
    name, due = current
    window = dt.timedelta(minutes=getattr(ticket.category, f"{name}_minutes") or 0)
    left = due - now
    minutes = int(left.total_seconds() // 60)
    if left <= dt.timedelta(0):
        return Clock(RED, name, due, minutes)
    if now >= due - window * (1 - thresholds.warn):
        return Clock(AMBER, name, due, minutes)
    return Clock(GREEN, name, due, minutes)


@dataclass(frozen=True)
class QueueRow:
    ticket: Ticket
    clock: Clock
    age: str


def _open_due() -> Case:
    """The nearest open deadline in SQL, as escalation.open_deadline picks it in Python."""
    return Case(
        When(status__in=(lifecycle.NEW, lifecycle.DISPATCHED), then=F("accept_due")),
        When(status=lifecycle.ACCEPTED, arrive_due__isnull=False, then=F("arrive_due")),
        When(status__in=(lifecycle.ACCEPTED, lifecycle.ON_SITE), then=F("resolve_due")),
        default=None,
        output_field=DateTimeField(),
    )


def queue_rows(
    user: AnyUser, filters: QueueFilters, *, now: dt.datetime, limit: int = QUEUE_CAP
) -> tuple[list[QueueRow], bool]:
    """The open orders the user may see, urgent first, then by the nearest open deadline (paused
    ones last); at most `limit`, and whether there were more. One query, whatever the length."""
    qs = ticket_scope(user)
    f = filters
    if f.status:
        qs = qs.filter(status=f.status)
    else:
        qs = qs.filter(status__in=lifecycle.OPEN)
    if f.compound_id is not None:
        qs = qs.filter(compound_id=f.compound_id)
    if f.category:
        qs = qs.filter(category__code=f.category)
    if f.overdue:
        qs = qs.filter(overdue_q(now))
    qs = (
        qs.select_related("category", "compound", "building", "unit", "assignee")
        .annotate(open_due=_open_due())
        .order_by("-urgent", F("open_due").asc(nulls_last=True), "created_at", "id")
    )
    rows = list(qs[: limit + 1])
    thresholds = Thresholds.from_settings()
    shown = [
        QueueRow(
            t,
            ticket_clock(t, now, thresholds),
            _duration(max(0, int((now - t.created_at).total_seconds() // 60))),
        )
        for t in rows[:limit]
    ]
    return shown, len(rows) > limit


@dataclass(frozen=True)
class CompoundCount:
    compound_id: int
    name: str
    open: int
    overdue: int


def compound_open_counts(user: AnyUser, *, now: dt.datetime) -> list[CompoundCount]:
    """Open and overdue orders per compound of the user's streets: one aggregate query."""
    rows = (
        ticket_scope(user)
        .filter(status__in=lifecycle.OPEN)
        .values("compound_id", "compound__name")
        .annotate(open=Count("id"), overdue=Count("id", filter=overdue_q(now)))
        .order_by("-overdue", "-open", "compound__name")
    )
    return [
        CompoundCount(r["compound_id"], r["compound__name"], r["open"], r["overdue"]) for r in rows
    ]


def console_compounds(user: AnyUser) -> QuerySet[Compound]:
    return Compound.objects.filter(user_street_filter(user)).order_by("name", "id")


@dataclass(frozen=True)
class Caller:
    phone: str
    residents: list[Resident]
    orders: list[Ticket]


def caller_lookup(user: AnyUser, raw_phone: str) -> Caller | None:
    """Who is calling: the residents with this phone in the user's streets (with their
    households) and their latest orders. None when the text is not a phone number yet."""
    try:
        phone = phone_normalize(raw_phone)
    except InvalidInput:
        return None
    residents = list(
        Resident.objects.filter(user_street_filter(user), phone=phone).select_related(
            "household__unit__building__compound", "household__compound"
        )
    )
    orders = list(
        ticket_scope(user)
        .filter(Q(reporter__in=[r.pk for r in residents]) | Q(contact_phone=phone))
        .select_related("category", "compound", "building", "unit")
        .order_by("-created_at", "-id")[:PAST_ORDERS_SHOWN]
    )
    return Caller(phone=phone, residents=residents, orders=orders)


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    title: str
    actor: str
    detail: str
    system: bool


_WARNINGS = {
    engine.OVER_WORKLOAD: gettext_lazy("over the workload cap"),
    engine.OFF_DUTY: gettext_lazy("off duty"),
    engine.OTHER_COMPOUND: gettext_lazy("another compound"),
}


def _who(user: User | None) -> str:
    return (user.display_name or user.username) if user is not None else ""


def staff_timeline(events: list[TicketEvent]) -> list[TimelineEntry]:
    """The order's history as staff read it: every event, with who, what changed and why."""
    usernames = set()
    for e in events:
        for key in ("assignee", "previous_assignee"):
            if e.payload.get(key):
                usernames.add(str(e.payload[key]))
    names = {
        u.username: _who(u) for u in User.objects.filter(username__in=usernames).only("username")
    }
    services = _reclassified_services(events)
    entries = []
    for e in events:
        p = e.payload
        parts = []
        if e.from_status and e.to_status and e.from_status != e.to_status:
            parts.append(
                f"{lifecycle.status_label(e.from_status)} → {lifecycle.status_label(e.to_status)}"
            )
        if p.get("previous_assignee"):
            parts.append(_("from %(name)s") % {"name": names.get(p["previous_assignee"], "")})
        if p.get("assignee"):
            parts.append(_("to %(name)s") % {"name": names.get(p["assignee"], p["assignee"])})
        if p.get("original"):
            parts.append(_("into %(number)s") % {"number": p["original"]})
        if p.get("duplicate"):
            parts.append(_("duplicate %(number)s") % {"number": p["duplicate"]})
        if e.type == followup.EVENT and p.get("outcome") in followup.OUTCOMES:
            parts.append(str(followup.OUTCOMES[p["outcome"]]))
        if e.type == "reclassify":
            old = p.get("old") or {}
            parts.extend(
                f"{services.get(str(old.get(k)), old.get(k)) or '—'} → "
                f"{services.get(str(v), v) or '—'}"
                for k, v in (p.get("new") or {}).items()
            )
        if p.get("overall"):
            parts.append(_("rating %(overall)s/5") % {"overall": p["overall"]})
        if p.get("warnings"):
            parts.append(
                _("warned: %(warnings)s")
                % {"warnings": "、".join(str(_WARNINGS.get(w, w)) for w in p["warnings"])}
            )
        if e.type == "create" and e.actor_id and p.get("channel") in Channel.values:
            parts.append(str(Channel(p["channel"]).label))
        if e.note:
            parts.append(e.note)
        entries.append(
            TimelineEntry(
                at=e.at,
                title=_("Call-back")
                if e.type == followup.EVENT
                else lifecycle.action_label(e.type),
                actor=_who(e.actor) if e.actor_id else _event_source(e),
                detail=" · ".join(str(x) for x in parts),
                system=e.actor_id is None,
            )
        )
    return entries


def _reclassified_services(events: list[TicketEvent]) -> dict[str, str]:
    """Service names for the codes a correction (reclassify) mentions: a query only if any."""
    codes = {
        str(e.payload[side]["category"])
        for e in events
        if e.type == "reclassify"
        for side in ("old", "new")
        if "category" in (e.payload.get(side) or {})
    }
    if not codes:
        return {}
    return dict(ServiceCategory.objects.filter(code__in=codes).values_list("code", "name"))


def _event_source(e: TicketEvent) -> str:
    """Who made a move without an account: the channel an order came in by, else the system."""
    channel = e.payload.get("channel") if e.type == "create" else None
    if channel in Channel.values:
        return str(Channel(channel).label)
    if e.payload.get("by") == lifecycle.REPORTER:
        return _("the resident")
    return _("System")


def warning_label(code: str) -> str:
    return str(_WARNINGS.get(code, code))


def poster_compound(user: AnyUser, compound_id: int) -> Compound | None:
    """A compound of the user's streets with its street (for the hotline), or None."""
    return console_compounds(user).select_related("street").filter(pk=compound_id).first()


# The call-back list (回访) shows at most this many orders; each call takes one off it.
FOLLOWUP_CAP = 100


@dataclass(frozen=True)
class FollowUpRow:
    ticket: Ticket
    reason: str
    tried_at: dt.datetime | None  # the last unanswered call, if any


def followup_rows(
    user: AnyUser, *, now: dt.datetime, limit: int = FOLLOWUP_CAP
) -> tuple[list[FollowUpRow], bool]:
    """The orders due for a call-back (console/followup.py has the rule): unrated ones first,
    the one closest to closing by itself first; then the sampled ratings, lowest first. At most
    `limit`, and whether there were more; one query, nothing counted."""
    last_try = (
        TicketEvent.objects.filter(
            ticket=OuterRef("pk"), type=followup.EVENT, at__gte=OuterRef("resolved_at")
        )
        .order_by("-at", "-id")
        .values("at")[:1]
    )
    qs = (
        ticket_scope(user)
        .filter(followup.due_filter(now))
        .select_related("category", "compound", "building", "unit", "assignee")
        .annotate(
            unrated=Case(When(followup.UNRATED, then=0), default=1),
            tried_at=Subquery(last_try),
        )
        .order_by("unrated", F("rating_overall").asc(nulls_first=True), "resolved_at", "id")
    )
    rows = list(qs[: limit + 1])
    shown = [
        FollowUpRow(t, _followup_reason(t), t.tried_at)  # type: ignore[attr-defined]
        for t in rows[:limit]
    ]
    return shown, len(rows) > limit


def _followup_reason(t: Ticket) -> str:
    if t.status == lifecycle.RESOLVED:
        return _("Not rated yet")
    if t.rating_overall is not None and t.rating_overall <= followup.LOW_RATING_MAX:
        return _("Low rating")
    if t.category.follow_up == FollowUp.ALL:
        return _("Every order of this service")
    return _("Sample check")
