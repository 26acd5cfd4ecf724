"""The dashboard's chart drawn on the server as inline SVG: pure arithmetic, no database, no
script. The template only writes out the coordinates computed here."""

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from guanjia.dashboard.selectors import DayCount

WIDTH, HEIGHT = 760, 220
LEFT, RIGHT, TOP, BOTTOM = 36, 22, 12, 28


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class Label:
    x: float
    text: str


@dataclass(frozen=True)
class Point:
    x: float
    y_created: float
    y_resolved: float
    day: dt.date
    created: int
    resolved: int


@dataclass(frozen=True)
class DailyChart:
    width: int
    height: int
    left: int
    right: float  # x of the plot's right edge
    top: int
    bottom: float  # y of the baseline
    created_line: str  # polyline points
    resolved_line: str
    points: list[Point]
    ticks: list[Tick]
    labels: list[Label]
    total_created: int
    total_resolved: int


def _nice_max(value: int) -> int:
    """A round upper bound for the axis: 4, 5, 10, 20, 25, 50, 100…"""
    if value <= 4:
        return 4
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        top = int(step * magnitude)
        if top >= value:
            return top
    return 10 * magnitude  # pragma: no cover - the loop always returns


def daily_chart(days: Sequence[DayCount]) -> DailyChart:
    """Created and resolved orders per day as two lines over a shared axis."""
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    top = _nice_max(max([max(d.created, d.resolved) for d in days] or [0]))
    n = len(days)

    def x(i: int) -> float:
        return round(LEFT + (plot_w * i / (n - 1) if n > 1 else plot_w / 2), 1)

    def y(v: int) -> float:
        return round(TOP + plot_h - plot_h * v / top, 1)

    points = [
        Point(x(i), y(d.created), y(d.resolved), d.day, d.created, d.resolved)
        for i, d in enumerate(days)
    ]
    every = max(1, math.ceil(n / 8))
    labels = [
        Label(p.x, f"{p.day.month}/{p.day.day}")
        for i, p in enumerate(points)
        if i % every == 0 or i == n - 1
    ]
    if len(labels) > 1 and labels[-1].x - labels[-2].x < 40:
        labels.pop(-2)
    return DailyChart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=WIDTH - RIGHT,
        top=TOP,
        bottom=TOP + plot_h,
        created_line=" ".join(f"{p.x},{p.y_created}" for p in points),
        resolved_line=" ".join(f"{p.x},{p.y_resolved}" for p in points),
        points=points,
        ticks=[Tick(y(v), str(v)) for v in sorted({0, top // 2, top})],
        labels=labels,
        total_created=sum(d.created for d in days),
        total_resolved=sum(d.resolved for d in days),
    )
