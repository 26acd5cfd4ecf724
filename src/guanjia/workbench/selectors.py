"""Reads for the workers' pages. Every one starts from tickets.access.ticket_scope (through the
tickets selectors): an order a worker may not see does not exist here either."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, DateTimeField, F, Q, QuerySet, When
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from guanjia.catalog.models import DispatchMode
from guanjia.core.errors import GuanjiaError
from guanjia.people.models import User
from guanjia.tickets import lifecycle
from guanjia.tickets.access import ticket_capacities, ticket_scope
from guanjia.tickets.models import Ticket, TicketEvent

TASKS_SHOWN = 50
POOL_SHOWN = 20
# The moves a handler makes from these pages, in the order the buttons appear.
HANDLER_ACTIONS = ("grab", "accept", "arrive", "resolve", "pause", "resume", "return")


@dataclass(frozen=True)
class Clock:
    """The nearest open deadline of an order, in words: 接单还剩25分钟, 到场已超时1小时5分钟."""

    text: str
    overdue: bool
    due: dt.datetime | None


def _related(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return qs.select_related("category", "compound", "building", "unit")


def _next_due() -> Case:
    """The nearest deadline still to meet: accept, then arrive (where there is a visit), then
    resolve."""
    return Case(
        When(accepted_at__isnull=True, accept_due__isnull=False, then=F("accept_due")),
        When(on_site_at__isnull=True, arrive_due__isnull=False, then=F("arrive_due")),
        default=F("resolve_due"),
        output_field=DateTimeField(),
    )


def worker_tasks(user: User) -> list[Ticket]:
    """The user's open orders, the nearest deadline first (paused ones, whose clocks stand
    still, last). One query."""
    qs = ticket_scope(user).filter(assignee=user, status__in=lifecycle.OPEN)
    qs = qs.annotate(next_due=_next_due()).order_by(
        Case(When(status=lifecycle.PAUSED, then=1), default=0),
        F("next_due").asc(nulls_last=True),
        "id",
    )
    return list(_related(qs)[:TASKS_SHOWN])


def grab_pool(user: User) -> list[Ticket]:
    """Orders of the 抢单 categories in the user's skills that nobody has taken yet, oldest
    first. One query (the pool is part of the user's scope)."""
    qs = ticket_scope(user).filter(
        Q(assignee__isnull=True),
        status=lifecycle.NEW,
        category__dispatch_mode=DispatchMode.GRAB,
    )
    return list(_related(qs).order_by("created_at", "id")[:POOL_SHOWN])


def task_events(ticket: Ticket) -> list[TicketEvent]:
    return list(
        TicketEvent.objects.filter(ticket=ticket).select_related("actor").order_by("at", "id")
    )


def task_place(ticket: Ticket) -> str:
    """Compound building unit room, or the public spot: 大乐园小区 3幢 1单元 201 · 大门."""
    parts = [ticket.compound.name if ticket.compound is not None else ""]
    if ticket.building is not None:
        parts.append(ticket.building.name)
    if ticket.unit is not None:
        parts.append(ticket.unit.name)
    if ticket.room:
        parts.append(ticket.room)
    text = " ".join(parts)
    return f"{text} · {ticket.spot}" if ticket.spot else text


def category_name(ticket: Ticket) -> str:
    category = ticket.category
    if translation.get_language() == "en" and category.name_en:
        return category.name_en
    return category.name


def _duration(seconds: float) -> str:
    minutes = max(1, int(seconds // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": minutes}


def task_clock(ticket: Ticket, now: dt.datetime) -> Clock:
    """How long is left to the order's nearest open deadline, or how late it is."""
    if ticket.status == lifecycle.PAUSED:
        return Clock(_("Paused: the clock stands still"), False, None)
    if ticket.status not in lifecycle.OPEN:
        return Clock("", False, None)
    due: dt.datetime | None
    if ticket.accepted_at is None and ticket.accept_due is not None:
        step, due = pgettext("deadline", "accept"), ticket.accept_due
    elif ticket.on_site_at is None and ticket.arrive_due is not None:
        step, due = pgettext("deadline", "arrive"), ticket.arrive_due
    else:
        step, due = pgettext("deadline", "complete"), ticket.resolve_due
    if due is None:
        return Clock("", False, None)
    left = (due - now).total_seconds()
    if left >= 0:
        return Clock(
            _("%(step)s: %(time)s left") % {"step": step, "time": _duration(left)}, False, due
        )
    return Clock(
        _("%(step)s: overdue by %(time)s") % {"step": step, "time": _duration(-left)}, True, due
    )


def task_actions(user: User, ticket: Ticket) -> list[str]:
    """The moves of HANDLER_ACTIONS the lifecycle table lets this user make now (the service
    checks again when one is made)."""
    capacities = ticket_capacities(user, ticket)
    allowed = []
    for action in HANDLER_ACTIONS:
        try:
            lifecycle.move_target(
                action,
                ticket.status,
                capacities,
                paused_from=ticket.paused_from,
                site_visit=ticket.category.site_visit,
            )
        except GuanjiaError:
            continue
        if action == "grab" and ticket.category.dispatch_mode != DispatchMode.GRAB:
            continue
        allowed.append(action)
    return allowed


def task_visible(user: User, ticket: Ticket) -> bool:
    return ticket_scope(user).filter(pk=ticket.pk).exists()
