"""Working calendars: pure arithmetic over working time, no database.

A calendar is either 24×7 (every minute counts) or working time: working periods on working days.
A working day is a Monday to Friday that is not a public holiday, or a make-up working day (调休:
a Saturday or Sunday declared a working day). `deadline_add` and `working_time_between` are each
other's inverse over the working minutes of the calendar.
"""

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

TWENTY_FOUR_SEVEN = "24x7"
WORKING = "working"

Period = tuple[dt.time, dt.time]

# 08:30–12:00 and 13:30–17:30: a street office's counter hours (7.5 h a day).
DEFAULT_HOURS: tuple[Period, ...] = (
    (dt.time(8, 30), dt.time(12, 0)),
    (dt.time(13, 30), dt.time(17, 30)),
)

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Far enough to find the next working period after any holiday run; a loop guard, not a rule.
_MAX_DAYS = 366 * 5


@dataclass(frozen=True)
class Calendar:
    """`always` is a 24×7 calendar; otherwise `hours` are the working periods of a working day
    (local time of `tz`, sorted, not overlapping), `holidays` days off on weekdays and `workdays`
    make-up working days on weekends. A date in both counts as a working day."""

    always: bool = False
    hours: tuple[Period, ...] = DEFAULT_HOURS
    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    workdays: frozenset[dt.date] = field(default_factory=frozenset)
    tz: dt.tzinfo = SHANGHAI

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5


ALWAYS = Calendar(always=True)


def hours_parse(value: object) -> tuple[Period, ...]:
    """Working periods from their stored form [["08:30", "12:00"], ...]. Raises ValueError when
    a period is empty, reversed or overlaps the one before."""
    if not isinstance(value, list | tuple) or not value:
        raise ValueError("hours: a list of [start, end] pairs")
    periods: list[Period] = []
    for item in value:
        if not isinstance(item, list | tuple) or len(item) != 2:
            raise ValueError("hours: a list of [start, end] pairs")
        start, end = (dt.time.fromisoformat(str(x)) for x in item)
        if end <= start or (periods and start < periods[-1][1]):
            raise ValueError("hours: periods must be in order and not overlap")
        periods.append((start, end))
    return tuple(periods)


def _periods(cal: Calendar, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    if not cal.is_working_day(day):
        return []
    return [
        (dt.datetime.combine(day, a, cal.tz), dt.datetime.combine(day, b, cal.tz))
        for a, b in cal.hours
    ]


def deadline_add(start: dt.datetime, minutes: float, calendar: Calendar) -> dt.datetime:
    """The moment when `minutes` of working time have passed since `start` (aware). A negative
    `minutes` counts backwards. Landing exactly on the end of a period gives that end, not the
    start of the next one."""
    return time_add(start, dt.timedelta(minutes=minutes), calendar)


def time_add(start: dt.datetime, amount: dt.timedelta, calendar: Calendar) -> dt.datetime:
    """`deadline_add` with a timedelta (exact to the microsecond)."""
    if start.tzinfo is None:
        raise ValueError("start must be aware")
    if calendar.always:
        return start + amount
    zero = dt.timedelta(0)
    if amount == zero:
        return start
    local = start.astimezone(calendar.tz)
    day = local.date()
    if amount > zero:
        left = amount
        for _ in range(_MAX_DAYS):
            for a, b in _periods(calendar, day):
                if b <= local:
                    continue
                begin = max(a, local)
                if begin + left <= b:
                    return (begin + left).astimezone(start.tzinfo)
                left -= b - begin
            day += dt.timedelta(days=1)
    else:
        left = -amount
        for _ in range(_MAX_DAYS):
            for a, b in reversed(_periods(calendar, day)):
                if a >= local:
                    continue
                end = min(b, local)
                if end - left >= a:
                    return (end - left).astimezone(start.tzinfo)
                left -= end - a
            day -= dt.timedelta(days=1)
    raise ValueError("calendar has no working time within five years")


def working_time_between(a: dt.datetime, b: dt.datetime, calendar: Calendar) -> dt.timedelta:
    """Working time from `a` to `b` (negative when `b` is before `a`)."""
    if a.tzinfo is None or b.tzinfo is None:
        raise ValueError("datetimes must be aware")
    if calendar.always:
        return b - a
    if b < a:
        return -working_time_between(b, a, calendar)
    la, lb = a.astimezone(calendar.tz), b.astimezone(calendar.tz)
    total = dt.timedelta(0)
    day = la.date()
    while day <= lb.date():
        for p, q in _periods(calendar, day):
            lo, hi = max(p, la), min(q, lb)
            if hi > lo:
                total += hi - lo
        day += dt.timedelta(days=1)
    return total


def working_minutes_between(a: dt.datetime, b: dt.datetime, calendar: Calendar) -> float:
    """`working_time_between` in minutes."""
    return working_time_between(a, b, calendar) / dt.timedelta(minutes=1)
