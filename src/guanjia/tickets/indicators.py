"""The service indicators of DOMAIN.md, each defined once as an aggregate expression in SQL.

`indicators(qs)` computes them over any set of orders in one query; `indicators_by(qs, field)`
does the same per compound, assignee or category in one GROUP BY query. Pages, reports and
assessments read them from here and never recount in Python.

Definitions (cancelled orders — withdrawn or merged — count nowhere):
- 响应时间  accepted_at − created_at over accepted orders: median and P90 (percentile_cont).
- 到场时间  on_site_at − created_at over orders with an arrival: median and P90.
- 及时签收率  accepted by accept_due, of the orders whose accept outcome is known (accepted, or
  accept_due passed while the clock runs).
- 按期办结率  resolved by resolve_due, of the orders whose resolve outcome is known (resolved, or
  resolve_due passed and not paused). Pauses already moved resolve_due (tickets/sla.py).
- 回退率  returned (退单) at least once, of all orders.
- 重办率  reopened at least once, of the orders resolved at least once.
- 满意率  rated 4 or 5 overall, of the rated orders.
- 解决率  resolved, of the orders due (resolve_due passed, not paused).
A rate with nothing to divide by is None ("—"), never 0.

Percentiles: PostgreSQL's percentile_cont. SQLite has none built in, so the same linear
interpolation is registered on the connection as an aggregate function (`guanjia_percentile`):
the database still groups and filters, the durations never become model instances.
"""

import datetime as dt
import math
from dataclasses import dataclass, fields
from typing import Any

from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    F,
    FloatField,
    Q,
    QuerySet,
)
from django.db.models.functions import Cast, NullIf
from django.utils import timezone

from guanjia.tickets import lifecycle
from guanjia.tickets.models import Ticket

RUNNING = (lifecycle.NEW, lifecycle.DISPATCHED, lifecycle.ACCEPTED, lifecycle.ON_SITE)
SATISFIED = 4  # of 5: 满意
GROUP_FIELDS = {
    "compound": ("compound_id", "compound__name"),
    "assignee": ("assignee_id", "assignee__username", "assignee__display_name"),
    "category": ("category_id", "category__code", "category__name"),
}


class _PercentileAggregate:
    """SQLite's stand-in for percentile_cont: linear interpolation between the closest ranks."""

    def __init__(self) -> None:
        self.values: list[float] = []
        self.fraction = 0.5

    def step(self, value: float | None, fraction: float) -> None:
        self.fraction = fraction
        if value is not None:
            self.values.append(value)

    def finalize(self) -> float | None:
        return percentile_cont(self.values, self.fraction)


def percentile_cont(values: list[float], fraction: float) -> float | None:
    """SQL's percentile_cont: the value at rank fraction × (n − 1), interpolated."""
    if not values:
        return None
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


class Percentile(Aggregate):
    """percentile_cont(fraction) WITHIN GROUP (ORDER BY expression): continuous percentile of
    durations (output a DurationField)."""

    function = "percentile_cont"
    name = "Percentile"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        extra.setdefault("output_field", DurationField())
        super().__init__(expression, fraction=repr(float(fraction)), **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        connection.ensure_connection()
        connection.connection.create_aggregate("guanjia_percentile", 2, _PercentileAggregate)
        clone = self.copy()
        clone.template = "guanjia_percentile(%(expressions)s, %(fraction)s)"
        return clone.as_sql(compiler, connection, **extra_context)


def _rate(numerator: Q, denominator: Q) -> Any:
    """count(numerator ∧ denominator) / count(denominator), NULL when the denominator is 0."""
    return Cast(Count("id", filter=numerator & denominator), FloatField()) / NullIf(
        Count("id", filter=denominator), 0
    )


def _duration(end: str) -> Any:
    return F(end) - F("created_at")


def _expressions(now: dt.datetime) -> dict[str, Any]:
    """Every indicator as an aggregate expression; `now` decides what is due."""
    counted = ~Q(status=lifecycle.CANCELLED)
    response = _duration("accepted_at")
    arrival = _duration("on_site_at")
    accepted = Q(accepted_at__isnull=False)
    arrived = Q(on_site_at__isnull=False)
    resolved = Q(resolved_at__isnull=False)
    accept_known = (
        counted
        & Q(accept_due__isnull=False)
        & (accepted | Q(accept_due__lt=now, status__in=RUNNING))
    )
    due = counted & Q(resolve_due__lt=now) & ~Q(status=lifecycle.PAUSED)
    resolve_known = counted & Q(resolve_due__isnull=False) & (resolved | due)
    ever_resolved = counted & (resolved | Q(reopen_count__gt=0))
    rated = counted & Q(rating_overall__isnull=False)
    return {
        "orders": Count("id", filter=counted),
        "response_median": Percentile(response, 0.5, filter=counted & accepted),
        "response_p90": Percentile(response, 0.9, filter=counted & accepted),
        "arrival_median": Percentile(arrival, 0.5, filter=counted & arrived),
        "arrival_p90": Percentile(arrival, 0.9, filter=counted & arrived),
        "on_time_accept_rate": _rate(Q(accepted_at__lte=F("accept_due")), accept_known),
        "on_time_accept_of": Count("id", filter=accept_known),
        "on_time_resolve_rate": _rate(Q(resolved_at__lte=F("resolve_due")), resolve_known),
        "on_time_resolve_of": Count("id", filter=resolve_known),
        "return_rate": _rate(Q(return_count__gt=0), counted),
        "reopen_rate": _rate(Q(reopen_count__gt=0), ever_resolved),
        "reopen_of": Count("id", filter=ever_resolved),
        "satisfaction_rate": _rate(Q(rating_overall__gte=SATISFIED), rated),
        "rated": Count("id", filter=rated),
        "resolution_rate": _rate(resolved, due),
        "due": Count("id", filter=due),
    }


def _as_duration(value: Any) -> dt.timedelta | None:
    # The Percentile's DurationField output converts on both backends; be lenient about numbers.
    if value is None or isinstance(value, dt.timedelta):
        return value
    return dt.timedelta(microseconds=float(value))


@dataclass(frozen=True)
class Indicators:
    orders: int
    response_median: dt.timedelta | None  # 响应时间
    response_p90: dt.timedelta | None
    arrival_median: dt.timedelta | None  # 到场时间
    arrival_p90: dt.timedelta | None
    on_time_accept_rate: float | None  # 及时签收率
    on_time_accept_of: int
    on_time_resolve_rate: float | None  # 按期办结率
    on_time_resolve_of: int
    return_rate: float | None  # 回退率
    reopen_rate: float | None  # 重办率
    reopen_of: int
    satisfaction_rate: float | None  # 满意率
    rated: int
    resolution_rate: float | None  # 解决率
    due: int

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Indicators":
        values: dict[str, Any] = {f.name: row.get(f.name) for f in fields(cls)}
        for name in ("response_median", "response_p90", "arrival_median", "arrival_p90"):
            values[name] = _as_duration(values[name])
        for name, value in values.items():
            if name.endswith(("_of", "orders", "rated", "due")) and value is None:
                values[name] = 0
        return cls(**values)


@dataclass(frozen=True)
class GroupIndicators:
    key: int | None  # the compound's, assignee's or category's id (None: no assignee)
    label: str
    code: str  # the category's code, the assignee's username; "" for a compound
    indicators: Indicators


def indicators(qs: QuerySet[Ticket], *, now: dt.datetime | None = None) -> Indicators:
    """The indicators over the orders of `qs` (already scoped and filtered): one query."""
    row = qs.order_by().aggregate(**_expressions(now or timezone.now()))
    return Indicators.from_row(row)


def indicators_by(
    qs: QuerySet[Ticket], field: str, *, now: dt.datetime | None = None
) -> list[GroupIndicators]:
    """The indicators per compound, assignee or category: one GROUP BY query, busiest first."""
    if field not in GROUP_FIELDS:
        raise ValueError(f"cannot group indicators by {field!r}")
    columns = GROUP_FIELDS[field]
    rows = (
        qs.order_by()
        .values(*columns)
        .annotate(**_expressions(now or timezone.now()))
        .order_by("-orders", columns[1])
    )
    result = []
    for row in rows:
        if field == "compound":
            label, code = row["compound__name"], ""
        elif field == "assignee":
            code = row["assignee__username"] or ""
            label = row["assignee__display_name"] or code
        else:
            label, code = row["category__name"], row["category__code"]
        result.append(
            GroupIndicators(
                key=row[columns[0]],
                label=label or "",
                code=code,
                indicators=Indicators.from_row(row),
            )
        )
    return result
