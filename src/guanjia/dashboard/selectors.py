"""Reads of the manager's dashboard. Every one starts from tickets.access.ticket_scope and
aggregates in SQL: the number of queries does not grow with the number of orders."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from guanjia.people.access import AnyUser
from guanjia.tickets import lifecycle
from guanjia.tickets.access import ticket_scope
from guanjia.tickets.indicators import GroupIndicators, Indicators, indicators, indicators_by
from guanjia.tickets.models import Ticket
from guanjia.tickets.selectors import overdue_q

RANGES = (7, 30, 90)
DEFAULT_RANGE = 30
OVERDUE_SHOWN = 20


def day_start(day: dt.date) -> dt.datetime:
    """Midnight of `day` in the site's time zone (Asia/Shanghai), as an aware datetime."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@dataclass(frozen=True)
class Today:
    new: int  # ordered since midnight
    open: int  # open now, paused included
    overdue: int  # open with a deadline missed (overdue_q)
    resolved: int  # resolved since midnight


def today_figures(user: AnyUser, *, now: dt.datetime) -> Today:
    """Today's figures in one query. The WHERE keeps to the rows that can count (today's and the
    open ones), so the street's history is not scanned."""
    midnight = day_start(timezone.localdate(now))
    new = Q(created_at__gte=midnight)
    resolved = Q(resolved_at__gte=midnight)
    open_ = Q(status__in=lifecycle.OPEN)
    row = (
        ticket_scope(user)
        .filter(new | resolved | open_)
        .order_by()
        .aggregate(
            new=Count("id", filter=new),
            open=Count("id", filter=open_),
            overdue=Count("id", filter=overdue_q(now)),
            resolved=Count("id", filter=resolved),
        )
    )
    return Today(**{k: v or 0 for k, v in row.items()})


def overdue_orders(user: AnyUser, *, now: dt.datetime, limit: int = OVERDUE_SHOWN) -> list[Ticket]:
    """The overdue orders, the longest overdue (by its resolve deadline) first: one query."""
    return list(
        ticket_scope(user)
        .filter(overdue_q(now))
        .select_related("category", "compound", "building", "unit", "assignee")
        .order_by("resolve_due", "created_at", "id")[:limit]
    )


def window(user: AnyUser, *, since: dt.datetime) -> QuerySet[Ticket]:
    """The orders of the range: those created since `since` that the user may see."""
    return ticket_scope(user).filter(created_at__gte=since)


@dataclass(frozen=True)
class Report:
    total: Indicators
    compounds: list[GroupIndicators]
    assignees: list[GroupIndicators]
    categories: list[GroupIndicators]


def range_report(user: AnyUser, *, since: dt.datetime, now: dt.datetime) -> Report:
    """The indicators of the range: the street's, and per compound, assignee and category (four
    queries, whatever the number of orders)."""
    qs = window(user, since=since)
    return Report(
        total=indicators(qs, now=now),
        compounds=indicators_by(qs, "compound", now=now),
        assignees=[g for g in indicators_by(qs, "assignee", now=now) if g.key is not None],
        categories=indicators_by(qs, "category", now=now),
    )


@dataclass(frozen=True)
class DayCount:
    day: dt.date
    created: int
    resolved: int


def orders_per_day(user: AnyUser, *, first: dt.date, last: dt.date) -> list[DayCount]:
    """Orders created and resolved per local day from `first` to `last`, days without any
    included: two GROUP BY queries."""
    tz = timezone.get_current_timezone()
    since = day_start(first)
    scope = ticket_scope(user)
    created = dict(
        scope.filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .order_by()
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    resolved = dict(
        scope.filter(resolved_at__gte=since)
        .annotate(day=TruncDate("resolved_at", tzinfo=tz))
        .order_by()
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    days = (last - first).days + 1
    return [
        DayCount(d, created.get(d, 0), resolved.get(d, 0))
        for d in (first + dt.timedelta(days=i) for i in range(days))
    ]
