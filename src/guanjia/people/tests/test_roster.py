"""The duty roster: the on-duty rules (people/duty.py), the services that write shifts, leave and
covers, and what dispatch makes of them (leave removes, a cover adds)."""

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import translation

from guanjia.core.errors import InvalidInput
from guanjia.dispatch import engine
from guanjia.dispatch.models import AutoDispatch, StreetDispatchSettings
from guanjia.dispatch.selectors import dispatch_candidates
from guanjia.people import duty
from guanjia.people.models import Cover, Leave, Shift, StaffProfile, User
from guanjia.people.selectors import (
    handler_on_duty,
    roster_week,
    staff_with_workload,
)
from guanjia.people.services import (
    cover_create,
    leave_create,
    leave_delete,
    shift_create,
)
from guanjia.testing import factories as f
from guanjia.testing.factories import World

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
MONDAY = dt.date(2026, 11, 30)
TUESDAY = MONDAY + dt.timedelta(days=1)
MONDAY_10 = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)
DAY = (0, dt.time(8), dt.time(18))  # Monday 08:00–18:00
NIGHT = (0, dt.time(22), dt.time(6))  # Monday 22:00 – Tuesday 06:00


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute))


# The rules, on plain data ---------------------------------------------------------------------


def test_a_day_shift_runs_from_its_start_until_its_end() -> None:
    assert duty.on_duty_at(at(MONDAY, 8), shifts=[DAY])
    assert duty.on_duty_at(at(MONDAY, 17, 59), shifts=[DAY])
    assert not duty.on_duty_at(at(MONDAY, 18), shifts=[DAY])
    assert not duty.on_duty_at(at(TUESDAY, 10), shifts=[DAY])


def test_a_night_shift_belongs_to_the_day_it_starts() -> None:
    assert duty.on_duty_at(at(MONDAY, 23), shifts=[NIGHT])
    assert duty.on_duty_at(at(TUESDAY, 5), shifts=[NIGHT])
    assert not duty.on_duty_at(at(TUESDAY, 6), shifts=[NIGHT])
    assert duty.shift_days([NIGHT], at(TUESDAY, 5)) == [MONDAY]
    # Leave on Monday takes the whole night away, its hours after midnight too; leave on
    # Tuesday leaves Monday's night alone.
    assert not duty.on_duty_at(at(TUESDAY, 5), shifts=[NIGHT], leave=[(MONDAY, MONDAY)])
    assert duty.on_duty_at(at(TUESDAY, 5), shifts=[NIGHT], leave=[(TUESDAY, TUESDAY)])


def test_leave_covers_its_first_and_last_day() -> None:
    leave = [(MONDAY, MONDAY + dt.timedelta(days=7))]
    assert not duty.on_duty_at(at(MONDAY, 10), shifts=[DAY], leave=leave)
    assert not duty.on_duty_at(at(MONDAY + dt.timedelta(days=7), 10), shifts=[DAY], leave=leave)
    assert duty.on_duty_at(at(MONDAY + dt.timedelta(days=14), 10), shifts=[DAY], leave=leave)


def test_no_shifts_means_any_hour_except_on_leave() -> None:
    assert duty.on_duty_at(at(MONDAY, 3), shifts=[])
    assert not duty.on_duty_at(at(MONDAY, 3), shifts=[], leave=[(MONDAY, MONDAY)])
    assert duty.on_duty_at(at(TUESDAY, 3), shifts=[], leave=[(MONDAY, MONDAY)])


def test_a_cover_moves_the_shift_from_one_person_to_another() -> None:
    covered = duty.on_duty_at(at(MONDAY, 10), shifts=[DAY], covered_days=frozenset({MONDAY}))
    assert not covered
    taken = [duty.CoverTaken(MONDAY, (DAY,))]
    assert duty.on_duty_at(at(MONDAY, 10), shifts=[], covers=taken)  # no own shifts
    tuesday_only = [(1, dt.time(8), dt.time(18))]
    assert duty.on_duty_at(at(MONDAY, 10), shifts=tuesday_only, covers=taken)
    assert not duty.on_duty_at(at(MONDAY, 19), shifts=tuesday_only, covers=taken)
    # A cover is for its day only.
    week_later = at(MONDAY + dt.timedelta(days=7), 10)
    assert not duty.on_duty_at(week_later, shifts=tuesday_only, covers=taken)


# Services --------------------------------------------------------------------------------------


def profile(user: User) -> StaffProfile:
    return StaffProfile.objects.select_related("user").get(user=user)


@pytest.fixture
def staff(world: World) -> tuple[StaffProfile, StaffProfile]:
    """worker on Mondays 08–18, other_worker on Tuesdays 08–18 (both corridor-light skilled)."""
    a, b = profile(world.worker), profile(world.other_worker)
    shift_create(staff=a, weekday=0, start=dt.time(8), end=dt.time(18))
    shift_create(staff=b, weekday=1, start=dt.time(8), end=dt.time(18))
    return a, b


def refused(code: str, **kwargs: Any) -> InvalidInput:
    with pytest.raises(InvalidInput) as e:
        kwargs.pop("service")(**kwargs)
    assert e.value.code == code, e.value
    return e.value


def test_shifts_refuse_an_empty_window_and_an_overlap(staff: Any) -> None:
    a, _b = staff
    refused(
        "empty_shift", service=shift_create, staff=a, weekday=2, start=dt.time(8), end=dt.time(8)
    )
    refused(
        "shift_overlap",
        service=shift_create,
        staff=a,
        weekday=0,
        start=dt.time(17),
        end=dt.time(20),
    )
    # A night shift on Sunday overlaps nothing on Monday's day (it is Sunday's).
    shift_create(staff=a, weekday=6, start=dt.time(22), end=dt.time(6))
    shift_create(staff=a, weekday=0, start=dt.time(18), end=dt.time(22))
    assert Shift.objects.filter(staff=a).count() == 3


def test_leave_is_checked_before_anything_is_written(world: World, staff: Any) -> None:
    a, b = staff
    kw = {"service": leave_create, "staff": a, "actor": world.manager}
    refused("end_before_start", start=TUESDAY, end=MONDAY, reason="病假", **kw)
    refused("required", start=MONDAY, end=MONDAY, reason="  ", **kw)
    refused("too_long", start=MONDAY, end=MONDAY + dt.timedelta(days=400), reason="x", **kw)
    leave = leave_create(staff=a, start=MONDAY, end=TUESDAY, reason="病假", actor=world.manager)
    assert leave.street_id == world.street.pk and leave.created_by == world.manager
    refused("leave_overlap", start=TUESDAY, end=TUESDAY, reason="事假", **kw)
    # Someone covering that day cannot go on leave then.
    leave_delete(leave=leave)
    cover_create(staff=a, substitute=b, day=MONDAY, actor=world.manager)
    refused(
        "covering", service=leave_create, staff=b, start=MONDAY, end=MONDAY, reason="x", actor=None
    )
    assert Leave.objects.count() == 0


def test_a_cover_needs_a_shift_that_day_and_a_free_qualified_colleague(
    world: World, staff: Any
) -> None:
    a, b = staff
    kw = {"service": cover_create, "actor": world.manager}
    with translation.override("zh-hans"):
        e = refused("no_shift", staff=a, substitute=b, day=TUESDAY + dt.timedelta(days=1), **kw)
    assert "没有班" in str(e)  # said in the manager's language
    refused("cover_self", staff=a, substitute=a, day=MONDAY, **kw)
    elsewhere = profile(f.handler(world.other_street, "repair.corridor_light"))
    refused("other_street", staff=a, substitute=elsewhere, day=MONDAY, **kw)
    plumber = profile(f.handler(world.street, "repair.drain"))
    refused("not_qualified", staff=a, substitute=plumber, day=MONDAY, **kw)
    leave_create(staff=b, start=MONDAY, end=MONDAY, reason="事假", actor=None)
    refused("on_leave", staff=a, substitute=b, day=MONDAY, **kw)
    c = profile(f.handler(world.street, "repair.corridor_light", username="third"))
    cover = cover_create(staff=a, substitute=c, day=MONDAY, reason="a 病假", actor=world.manager)
    assert cover.street_id == world.street.pk
    fourth = profile(f.handler(world.street, "repair.corridor_light", username="fourth"))
    refused("already_covered", staff=a, substitute=fourth, day=MONDAY, **kw)
    assert Cover.objects.count() == 1


# What dispatch makes of it ---------------------------------------------------------------------


def test_leave_takes_someone_off_duty_and_a_cover_puts_the_substitute_on(
    world: World, staff: Any
) -> None:
    a, b = staff
    assert handler_on_duty(a, MONDAY_10) and not handler_on_duty(b, MONDAY_10)
    leave_create(staff=a, start=MONDAY, end=MONDAY, reason="病假", actor=world.manager)
    assert not handler_on_duty(a, MONDAY_10)
    cover_create(staff=a, substitute=b, day=MONDAY, actor=world.manager)
    assert handler_on_duty(b, MONDAY_10)
    assert not handler_on_duty(b, MONDAY_10 + dt.timedelta(hours=9))  # the shift's hours only
    # Every reader agrees: the dispatch candidates and the staff list (prefetched rows).
    with translation.override("en"):
        candidates = dispatch_candidates(
            street_id=world.street.pk,
            category=f.category(),
            compound_id=None,
            now=MONDAY_10,
            cap=10,
        )
        found = {c.username: c.on_duty for c in candidates}
    assert found == {"worker": False, "other_worker": True}
    # The suggestion says why: on leave, not merely off duty.
    with translation.override("en"):
        decision = engine.decide(engine.OrderIn(category="repair.corridor_light"), candidates)
    reasons = {r.candidate.username: r.reasons for r in decision.ranked}
    assert "on leave" in reasons["worker"] and "off duty" not in reasons["worker"]
    assert decision.pick is not None and decision.pick.candidate.username == "other_worker"
    listed = {
        p.user.username: handler_on_duty(p, MONDAY_10)
        for p in staff_with_workload(world.manager, now=MONDAY_10)
    }
    assert listed == {"worker": False, "other_worker": True}


def test_a_cover_alone_takes_the_covered_person_off_that_shift(world: World, staff: Any) -> None:
    a, b = staff
    cover_create(staff=a, substitute=b, day=MONDAY, actor=world.manager)
    assert not handler_on_duty(a, MONDAY_10)
    assert handler_on_duty(a, MONDAY_10 + dt.timedelta(days=7))  # next Monday is theirs again


@override_settings(LANGUAGE_CODE="en")
def test_auto_dispatch_picks_the_cover_not_the_person_on_leave(world: World, staff: Any) -> None:
    a, b = staff
    StreetDispatchSettings.objects.create(street=world.street, mode=AutoDispatch.ALWAYS)
    before = f.ticket(world.unit, now=MONDAY_10)
    assert before.assignee == world.worker  # their Monday shift
    leave_create(staff=a, start=MONDAY, end=MONDAY, reason="病假", actor=world.manager)
    cover_create(staff=a, substitute=b, day=MONDAY, actor=world.manager)
    after = f.ticket(world.unit, now=MONDAY_10 + dt.timedelta(minutes=5))
    assert after.status == "dispatched"
    assert after.assignee == world.other_worker


def test_the_roster_week_is_read_in_a_fixed_number_of_queries(world: World, staff: Any) -> None:
    a, b = staff
    leave_create(staff=a, start=MONDAY, end=MONDAY, reason="病假", actor=world.manager)
    cover_create(staff=a, substitute=b, day=MONDAY, actor=world.manager)

    def measured() -> int:
        with CaptureQueriesContext(connection) as q:
            week = roster_week(world.manager, MONDAY)
            [(e.state, e.other) for r in week.rows for d in r.days for e in d.entries]
        return len(q)

    first = measured()
    for i in range(5):
        extra = profile(f.handler(world.street, "repair.corridor_light", username=f"extra{i}"))
        shift_create(staff=extra, weekday=i, start=dt.time(8), end=dt.time(12))
    assert measured() == first == 4
    week = roster_week(world.manager, MONDAY)
    cells = {r.profile.user.username: r.days for r in week.rows}
    monday_a = cells["worker"][0]
    assert monday_a.on_leave and [(e.state, e.other) for e in monday_a.entries] == [
        ("covered", "other_worker")
    ]
    monday_b = cells["other_worker"][0]
    assert [(e.start, e.is_cover, e.other) for e in monday_b.entries] == [
        (dt.time(8), True, "worker")
    ]
    # The other street's staff are not on this roster.
    f.handler(world.other_street, "repair.corridor_light", username="elsewhere")
    names = {r.profile.user.username for r in roster_week(world.manager, MONDAY).rows}
    assert "elsewhere" not in names
