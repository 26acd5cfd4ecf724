"""Who is on duty when: weekly shifts, leave (请假) and cover (顶班), over plain data.

Pure (no database): people.selectors.handler_on_duty feeds it a profile's rows, so dispatch
suggestions, auto-dispatch, the dispatcher's warnings, the staff API and the backlog planner all
answer the question the same way.

The rules:
- A shift belongs to the day it starts; `end` before `start` runs past midnight into the next day.
- Leave on a day removes the shifts that start that day (a night shift's hours after midnight
  too). Someone with no shifts at all is on duty at any hour, except on days of leave.
- A cover on a day hands the covered person's shifts starting that day to the substitute: the
  substitute is on duty in those hours, the covered person is not.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

ShiftWindow = tuple[int, dt.time, dt.time]  # weekday (Monday 0), start, end


@dataclass(frozen=True)
class CoverTaken:
    """A cover the person works: the day, and the covered person's weekly shifts."""

    day: dt.date
    shifts: tuple[ShiftWindow, ...]


def shift_days(shifts: Iterable[ShiftWindow], local: dt.datetime) -> list[dt.date]:
    """The days on which the shifts running at `local` (local time) started."""
    t = local.time()
    today = local.date()
    yesterday = today - dt.timedelta(days=1)
    found = []
    for weekday, start, end in shifts:
        if start <= end:
            if weekday == today.weekday() and start <= t < end:
                found.append(today)
        else:
            if weekday == today.weekday() and t >= start:
                found.append(today)
            if weekday == yesterday.weekday() and t < end:
                found.append(yesterday)
    return found


def on_leave(leave: Iterable[tuple[dt.date, dt.date]], day: dt.date) -> bool:
    return any(start <= day <= end for start, end in leave)


def on_duty_at(
    local: dt.datetime,
    *,
    shifts: Sequence[ShiftWindow],
    leave: Sequence[tuple[dt.date, dt.date]] = (),
    covered_days: frozenset[dt.date] = frozenset(),
    covers: Sequence[CoverTaken] = (),
) -> bool:
    """Whether the person is on duty at `local` (local time): one of their own shifts runs, on a
    day they are neither on leave nor covered, or they cover someone's shift running now."""
    if not shifts:
        if not on_leave(leave, local.date()):
            return True
    elif any(
        not on_leave(leave, day) and day not in covered_days for day in shift_days(shifts, local)
    ):
        return True
    return any(
        day == cover.day and not on_leave(leave, day)
        for cover in covers
        for day in shift_days(cover.shifts, local)
    )
