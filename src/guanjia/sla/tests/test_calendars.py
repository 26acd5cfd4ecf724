"""Calendars in the database: the 2026 holidays shipped by migration, the lookup, the admin."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest
from django.test import Client

from guanjia.catalog.models import ServiceCategory
from guanjia.sla.calendar import ALWAYS, deadline_add
from guanjia.sla.holidays import CN_2026, holidays_install
from guanjia.sla.models import CalendarDay, DayKind, WorkCalendar
from guanjia.sla.selectors import calendar_for
from guanjia.testing import factories as f
from guanjia.tickets.tests.moves import move

if TYPE_CHECKING:
    from guanjia.testing.factories import World

pytestmark = pytest.mark.django_db


def _install() -> None:
    # A transactional test's flush empties migration data; put it back as the migration does.
    holidays_install(WorkCalendar, CalendarDay, CN_2026)


def test_the_2026_schedule_is_installed_once() -> None:
    _install()
    assert holidays_install(WorkCalendar, CalendarDay, CN_2026) == 0
    cal = WorkCalendar.objects.get(street__isnull=True)
    days = dict(cal.days.values_list("date", "kind"))
    assert days[dt.date(2026, 10, 1)] == DayKind.HOLIDAY
    assert days[dt.date(2026, 2, 14)] == DayKind.WORKDAY
    assert sum(1 for k in days.values() if k == DayKind.WORKDAY) == 6
    assert sum(1 for k in days.values() if k == DayKind.HOLIDAY) == 33


def test_calendar_for_prefers_the_street_and_costs_nothing_for_24x7(
    world: World, django_assert_num_queries: object
) -> None:
    _install()
    with django_assert_num_queries(0):  # type: ignore[operator]
        assert calendar_for(kind="24x7", street_id=world.street.pk) is ALWAYS
    default = calendar_for(kind="working", street_id=world.street.pk)
    assert not default.is_working_day(dt.date(2026, 10, 2))
    assert default.is_working_day(dt.date(2026, 10, 10))
    own = WorkCalendar.objects.create(
        street=world.street, name="双港", hours=[["09:00", "12:00"], ["14:00", "18:00"]]
    )
    CalendarDay.objects.create(calendar=own, date=dt.date(2026, 6, 1), kind=DayKind.HOLIDAY)
    mine = calendar_for(kind="working", street_id=world.street.pk)
    assert mine.hours[0][0] == dt.time(9) and not mine.is_working_day(dt.date(2026, 6, 1))
    assert mine.is_working_day(dt.date(2026, 10, 2))  # the street keeps its own list
    other = calendar_for(kind="working", street_id=world.other_street.pk)
    assert not other.is_working_day(dt.date(2026, 10, 2))


def test_bad_hours_are_refused_by_the_admin_form() -> None:
    from django.core.exceptions import ValidationError

    cal = WorkCalendar(name="x", hours=[["18:00", "09:00"]])
    with pytest.raises(ValidationError):
        cal.full_clean()


def test_admin_lists_and_edits_calendars(world: World) -> None:
    _install()
    admin = f.user("admin", None, "root")
    client = Client()
    client.force_login(admin)
    cal = WorkCalendar.objects.get(street__isnull=True)
    assert client.get("/admin/sla/workcalendar/").status_code == 200
    page = client.get(f"/admin/sla/workcalendar/{cal.pk}/change/")
    assert page.status_code == 200 and "2026-10-10" in page.content.decode()
    assert client.get("/admin/sla/calendarday/").status_code == 200


def test_consultations_run_on_working_days(world: World) -> None:
    _install()
    consult = ServiceCategory.objects.get(code="consult.other")
    assert consult.calendar == "working"
    assert ServiceCategory.objects.get(code="repair.corridor_light").calendar == "24x7"
    # Wednesday 30 September 2026, 17:15 in Shanghai: the holiday week is not counted.
    start = dt.datetime(2026, 9, 30, 9, 15, tzinfo=dt.UTC)
    t = f.ticket(world.unit, code="consult.other", now=start)
    cal = calendar_for(kind="working", street_id=world.street.pk)
    assert t.accept_due == dt.datetime(2026, 10, 8, 0, 45, tzinfo=dt.UTC)  # Thursday 08:45
    assert t.resolve_due == deadline_add(start, consult.resolve_minutes, cal)
    assert t.arrive_due is None


def test_resume_moves_working_deadlines_by_paused_working_time(world: World) -> None:
    _install()
    # Monday 2 March 2026, 10:00 Shanghai; paused 11:00 to Tuesday 11:00: one working day paused.
    monday = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
    t = f.ticket(world.unit, code="consult.other", now=monday)
    before = t.resolve_due
    move(t, "pause", world.dispatcher, reason="等回复", now=monday + dt.timedelta(hours=1))
    move(t, "resume", world.dispatcher, now=monday + dt.timedelta(hours=25))
    t.refresh_from_db()
    cal = calendar_for(kind="working", street_id=world.street.pk)
    assert t.resolve_due == deadline_add(before, 450, cal)
    assert t.paused_seconds == 24 * 3600


def test_resume_moves_round_the_clock_deadlines_by_the_whole_pause(world: World) -> None:
    start = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
    t = f.ticket(world.unit, now=start)
    before = t.resolve_due
    move(t, "pause", world.dispatcher, reason="等配件", now=start + dt.timedelta(hours=1))
    move(t, "resume", world.dispatcher, now=start + dt.timedelta(hours=25))
    t.refresh_from_db()
    assert t.resolve_due == before + dt.timedelta(hours=24)
