"""How the dashboard writes its figures: rates as whole percentages, durations in minutes or
hours; a figure with nothing behind it is a dash, never 0."""

import datetime as dt

from django import template
from django.utils.translation import gettext as _

register = template.Library()

NONE = "—"


@register.filter
def percent(value: float | None) -> str:
    if value is None:
        return NONE
    return f"{round(value * 100)}%"


@register.filter
def span(value: dt.timedelta | None) -> str:
    if value is None:
        return NONE
    minutes = round(value.total_seconds() / 60)
    if minutes < 60:
        return _("%(m)d min") % {"m": minutes}
    if minutes < 48 * 60:
        return _("%(h)d h %(m)d min") % {"h": minutes // 60, "m": minutes % 60}
    return _("%(d)d days") % {"d": minutes // (24 * 60)}


@register.filter
def bar(value: int, largest: int) -> int:
    """The width of a bar in percent of the largest one."""
    return round(100 * value / largest) if largest else 0
