"""Official public holidays and make-up working days of mainland China (国务院办公厅 notices).

2026: 国办发明电〔2025〕7号. Each year: (date, kind, note). Only weekdays off and weekend days
worked need listing; ordinary weekends are off anyway, but the whole holiday run is listed so
that the admin shows it.
"""

import datetime as dt
from typing import Any

_D = dt.date

CN_2026: list[tuple[dt.date, str, str]] = [
    *[(_D(2026, 1, d), "holiday", "元旦") for d in (1, 2, 3)],
    (_D(2026, 1, 4), "workday", "元旦调休上班"),
    (_D(2026, 2, 14), "workday", "春节调休上班"),
    *[(_D(2026, 2, d), "holiday", "春节") for d in range(15, 24)],
    (_D(2026, 2, 28), "workday", "春节调休上班"),
    *[(_D(2026, 4, d), "holiday", "清明节") for d in (4, 5, 6)],
    *[(_D(2026, 5, d), "holiday", "劳动节") for d in range(1, 6)],
    (_D(2026, 5, 9), "workday", "劳动节调休上班"),
    *[(_D(2026, 6, d), "holiday", "端午节") for d in (19, 20, 21)],
    (_D(2026, 9, 20), "workday", "国庆节调休上班"),
    *[(_D(2026, 9, d), "holiday", "中秋节") for d in (25, 26, 27)],
    *[(_D(2026, 10, d), "holiday", "国庆节") for d in range(1, 8)],
    (_D(2026, 10, 10), "workday", "国庆节调休上班"),
]


def holidays_install(
    calendar_model: Any, day_model: Any, days: list[tuple[dt.date, str, str]]
) -> int:
    """Add the days to the default calendar (created when missing); never overwrite an edited
    day. Takes the models so a data migration can pass its historical ones."""
    cal = calendar_model.objects.filter(street__isnull=True).order_by("pk").first()
    if cal is None:
        cal = calendar_model.objects.create(
            name="中国大陆法定工作日",
            hours=[["08:30", "12:00"], ["13:30", "17:30"]],
        )
    added = 0
    for date, kind, note in days:
        _obj, created = day_model.objects.get_or_create(
            calendar=cal, date=date, defaults={"kind": kind, "note": note}
        )
        added += int(created)
    return added
