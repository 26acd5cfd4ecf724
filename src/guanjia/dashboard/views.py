"""The manager's dashboard (/dashboard/): today's figures, the overdue list, the indicators per
compound, worker and service over a range of days, and orders per day as a server-drawn SVG.
Thin: the selectors aggregate in SQL, charts.py draws."""

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from guanjia.console.views import console_view
from guanjia.dashboard import charts, selectors
from guanjia.people import roles


def _range(request: HttpRequest) -> int:
    try:
        days = int(request.GET.get("days", selectors.DEFAULT_RANGE))
    except ValueError:
        return selectors.DEFAULT_RANGE
    return days if days in selectors.RANGES else selectors.DEFAULT_RANGE


@require_GET
@console_view(roles.VIEW_STREET_TICKETS)
def index(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    days = _range(request)
    today = timezone.localdate(now)
    first = today - dt.timedelta(days=days - 1)
    since = selectors.day_start(first)
    report = selectors.range_report(request.user, since=since, now=now)
    context: dict[str, Any] = {
        "now": now,
        "days": days,
        "ranges": selectors.RANGES,
        "first": first,
        "today": selectors.today_figures(request.user, now=now),
        "overdue": selectors.overdue_orders(request.user, now=now),
        "overdue_cap": selectors.OVERDUE_SHOWN,
        "report": report,
        "largest_category": max((g.indicators.orders for g in report.categories), default=0),
        "chart": charts.daily_chart(
            selectors.orders_per_day(request.user, first=first, last=today)
        ),
    }
    return render(request, "dashboard/index.html", context)
