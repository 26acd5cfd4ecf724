"""SLA deadlines: pure arithmetic over datetimes, no database.

Clocks run 24×7 here; the working-day calendar (holidays, 调休) plugs in behind the same two
functions when it lands.
"""

import datetime as dt
from dataclasses import dataclass, replace


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
) -> Deadlines:
    """Deadlines counted from `start`. No arrive deadline for categories without a site visit."""
    return Deadlines(
        accept_due=start + dt.timedelta(minutes=accept_minutes),
        arrive_due=start + dt.timedelta(minutes=arrive_minutes) if arrive_minutes else None,
        resolve_due=start + dt.timedelta(minutes=resolve_minutes),
    )


def deadlines_shift(deadlines: Deadlines, delta: dt.timedelta) -> Deadlines:
    """Move every deadline by `delta` (a pause's length), so paused time never counts."""
    return replace(
        deadlines,
        accept_due=deadlines.accept_due + delta if deadlines.accept_due else None,
        arrive_due=deadlines.arrive_due + delta if deadlines.arrive_due else None,
        resolve_due=deadlines.resolve_due + delta if deadlines.resolve_due else None,
    )
