"""Calendars as the SLA arithmetic needs them."""

import datetime as dt

from django.utils import timezone

from guanjia.sla.calendar import ALWAYS, TWENTY_FOUR_SEVEN, Calendar, hours_parse
from guanjia.sla.models import DayKind, WorkCalendar


def calendar_for(*, kind: str, street_id: int | None) -> Calendar:
    """The calendar a category's clocks run on in a street: 24×7 costs no query; working time is
    the street's own calendar, else the default one (no street), else Monday–Friday with the
    default hours and no holidays."""
    if kind == TWENTY_FOUR_SEVEN:
        return ALWAYS
    row = (
        WorkCalendar.objects.filter(street_id=street_id).first() if street_id else None
    ) or WorkCalendar.objects.filter(street__isnull=True).first()
    tz = timezone.get_default_timezone()
    if row is None:
        return Calendar(tz=tz)
    holidays: set[dt.date] = set()
    workdays: set[dt.date] = set()
    for date, day_kind in row.days.values_list("date", "kind"):
        (workdays if day_kind == DayKind.WORKDAY else holidays).add(date)
    return Calendar(
        hours=hours_parse(row.hours),
        holidays=frozenset(holidays),
        workdays=frozenset(workdays),
        tz=tz,
    )
