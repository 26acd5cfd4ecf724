"""Working-time arithmetic across weekends, holidays, 调休 and the year end; and its properties."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guanjia.sla.calendar import (
    ALWAYS,
    SHANGHAI,
    Calendar,
    deadline_add,
    hours_parse,
    time_add,
    working_minutes_between,
    working_time_between,
)
from guanjia.sla.holidays import CN_2026

HOLIDAYS = frozenset(d for d, kind, _note in CN_2026 if kind == "holiday")
WORKDAYS = frozenset(d for d, kind, _note in CN_2026 if kind == "workday")
CN = Calendar(holidays=HOLIDAYS, workdays=WORKDAYS)
PLAIN = Calendar()  # Monday to Friday, no holidays


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


def test_within_a_morning() -> None:
    assert deadline_add(local(2026, 3, 2, 9, 0), 30, CN) == local(2026, 3, 2, 9, 30)


def test_over_lunch() -> None:
    assert deadline_add(local(2026, 3, 2, 11, 45), 30, CN) == local(2026, 3, 2, 13, 45)


def test_landing_on_the_end_of_a_period_stays_there() -> None:
    assert deadline_add(local(2026, 3, 2, 11, 0), 60, CN) == local(2026, 3, 2, 12, 0)
    assert deadline_add(local(2026, 3, 2, 17, 0), 30, CN) == local(2026, 3, 2, 17, 30)


def test_before_opening_starts_at_opening() -> None:
    assert deadline_add(local(2026, 3, 2, 6, 0), 10, CN) == local(2026, 3, 2, 8, 40)


def test_friday_evening_to_monday() -> None:
    # 2026-03-06 is a Friday.
    assert deadline_add(local(2026, 3, 6, 17, 0), 60, CN) == local(2026, 3, 9, 9, 0)
    assert deadline_add(local(2026, 3, 7, 10, 0), 30, CN) == local(2026, 3, 9, 9, 0)


def test_a_working_day_is_seven_and_a_half_hours() -> None:
    assert working_minutes_between(local(2026, 3, 2), local(2026, 3, 3), CN) == 450
    assert working_minutes_between(local(2026, 3, 2), local(2026, 3, 9), CN) == 5 * 450


def test_national_day_week_is_skipped_and_its_saturday_is_worked() -> None:
    # 2026-09-30 (Wed) evening: 1–7 October off, 10 October (Sat) a make-up working day.
    assert deadline_add(local(2026, 9, 30, 17, 0), 60, CN) == local(2026, 10, 8, 9, 0)
    assert deadline_add(local(2026, 10, 9, 17, 0), 60, CN) == local(2026, 10, 10, 9, 0)
    assert working_minutes_between(local(2026, 10, 1), local(2026, 10, 8), CN) == 0
    # Without the calendar's days the same evening runs into 1 October.
    assert deadline_add(local(2026, 9, 30, 17, 0), 60, PLAIN) == local(2026, 10, 1, 9, 0)


def test_spring_festival_and_its_make_up_saturdays() -> None:
    assert CN.is_working_day(dt.date(2026, 2, 14))  # Saturday, worked
    assert not CN.is_working_day(dt.date(2026, 2, 16))  # Monday, 除夕
    assert CN.is_working_day(dt.date(2026, 2, 28))  # Saturday, worked
    # Friday 13 February evening: Saturday 14th is worked, then nothing until Tuesday 24th.
    assert deadline_add(local(2026, 2, 13, 17, 0), 60, CN) == local(2026, 2, 14, 9, 0)
    assert deadline_add(local(2026, 2, 14, 17, 0), 60, CN) == local(2026, 2, 24, 9, 0)


def test_across_the_year_end() -> None:
    # 31 December 2025 (Wed) evening; 1–3 January off, 4 January (Sunday) worked.
    assert deadline_add(local(2025, 12, 31, 17, 0), 60, CN) == local(2026, 1, 4, 9, 0)


def test_backwards() -> None:
    assert deadline_add(local(2026, 3, 9, 9, 0), -60, CN) == local(2026, 3, 6, 17, 0)
    assert deadline_add(local(2026, 3, 2, 13, 45), -30, CN) == local(2026, 3, 2, 11, 45)


def test_always_is_plain_arithmetic() -> None:
    start = local(2026, 10, 1, 3, 7)
    assert deadline_add(start, 1441, ALWAYS) == start + dt.timedelta(minutes=1441)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        deadline_add(dt.datetime(2026, 3, 2, 9), 1, CN)


def test_hours_parse() -> None:
    assert hours_parse([["09:00", "17:00"]]) == ((dt.time(9), dt.time(17)),)
    for bad in ([], [["17:00", "09:00"]], [["09:00", "12:00"], ["11:00", "13:00"]], "x"):
        with pytest.raises(ValueError):
            hours_parse(bad)


# --- properties ----------------------------------------------------------------------------------

moments = st.datetimes(
    min_value=dt.datetime(2025, 12, 1),
    max_value=dt.datetime(2027, 1, 31),
    timezones=st.just(SHANGHAI),
)
minutes = st.integers(min_value=0, max_value=20 * 450)
calendars = st.sampled_from([CN, PLAIN, Calendar(hours=((dt.time(0), dt.time(23, 59)),))])


@settings(max_examples=300, deadline=None)
@given(moments, minutes, calendars)
def test_adding_then_measuring_gives_back_the_minutes(
    start: dt.datetime, m: int, cal: Calendar
) -> None:
    due = deadline_add(start, m, cal)
    assert due >= start
    assert working_minutes_between(start, due, cal) == m


@settings(max_examples=200, deadline=None)
@given(moments, minutes, minutes, calendars)
def test_monotonic(start: dt.datetime, a: int, b: int, cal: Calendar) -> None:
    lo, hi = sorted((a, b))
    assert deadline_add(start, lo, cal) <= deadline_add(start, hi, cal)


@settings(max_examples=200, deadline=None)
@given(moments, moments, calendars)
def test_measuring_is_additive_and_antisymmetric(
    a: dt.datetime, b: dt.datetime, cal: Calendar
) -> None:
    mid = a + (b - a) / 2
    assert working_time_between(a, b, cal) == working_time_between(
        a, mid, cal
    ) + working_time_between(mid, b, cal)
    assert working_time_between(b, a, cal) == -working_time_between(a, b, cal)


@settings(max_examples=200, deadline=None)
@given(moments, st.integers(min_value=-5000, max_value=5000))
def test_always_is_plain_arithmetic_property(start: dt.datetime, m: int) -> None:
    assert deadline_add(start, m, ALWAYS) == start + dt.timedelta(minutes=m)
    assert working_minutes_between(start, start + dt.timedelta(minutes=m), ALWAYS) == m


@settings(max_examples=200, deadline=None)
@given(moments, st.integers(min_value=1, max_value=20 * 450))
def test_subtracting_undoes_adding_within_working_time(start: dt.datetime, m: int) -> None:
    # From a moment inside working time, going back the same working minutes returns to it.
    begin = deadline_add(start, 1, CN)  # inside (or at the end of) a working period
    assert deadline_add(deadline_add(begin, m, CN), -m, CN) == begin


@settings(max_examples=200, deadline=None)
@given(moments, minutes, moments, moments)
def test_a_pause_moves_the_deadline_by_the_paused_working_time(
    start: dt.datetime, m: int, p1: dt.datetime, p2: dt.datetime
) -> None:
    """A pause from p to q, resumed by moving the deadline by the paused working time, leaves
    the working time from the resume to the deadline what it was at the pause."""
    paused_at, resumed_at = sorted((p1, p2))
    due = deadline_add(start, m, CN)
    moved = time_add(due, working_time_between(paused_at, resumed_at, CN), CN)
    assert working_time_between(resumed_at, moved, CN) == working_time_between(paused_at, due, CN)
