"""SLA deadlines: pure arithmetic over datetimes, no database.

Minutes count on the category's calendar (guanjia.sla.calendar): every minute for 24×7
categories, working minutes (working hours of working days, holidays and 调休 included) for the
others.
"""

import datetime as dt
from dataclasses import dataclass, replace

from guanjia.sla.calendar import ALWAYS, Calendar, deadline_add, time_add, working_time_between


@dataclass(frozen=True)
class Deadlines:
    accept_due: dt.datetime | None
    arrive_due: dt.datetime | None
    resolve_due: dt.datetime | None


def deadlines_from(
    start: dt.datetime,
    *,
    accept_minutes: int,
    arrive_minutes: int | None,
    resolve_minutes: int,
    calendar: Calendar = ALWAYS,
) -> Deadlines:
    """Deadlines counted from `start`. No arrive deadline for categories without a site visit."""
    return Deadlines(
        accept_due=deadline_add(start, accept_minutes, calendar),
        arrive_due=deadline_add(start, arrive_minutes, calendar) if arrive_minutes else None,
        resolve_due=deadline_add(start, resolve_minutes, calendar),
    )


def deadlines_shift(
    deadlines: Deadlines, delta: dt.timedelta, calendar: Calendar = ALWAYS
) -> Deadlines:
    """Move every deadline by `delta` of the calendar's time (a pause's length), so paused time
    never counts."""

    def move(due: dt.datetime | None) -> dt.datetime | None:
        return time_add(due, delta, calendar) if due else None

    return replace(
        deadlines,
        accept_due=move(deadlines.accept_due),
        arrive_due=move(deadlines.arrive_due),
        resolve_due=move(deadlines.resolve_due),
    )


def deadlines_resume(
    deadlines: Deadlines, paused_at: dt.datetime, now: dt.datetime, calendar: Calendar = ALWAYS
) -> Deadlines:
    """Deadlines after a pause from `paused_at` to `now`: moved by the paused working time (all
    of it on a 24×7 calendar), so the working time left to each deadline is what it was."""
    return deadlines_shift(deadlines, working_time_between(paused_at, now, calendar), calendar)
