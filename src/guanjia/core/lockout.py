"""Sign-in lockout: after too many wrong passwords for one username, or from one address, within
a window, further attempts are refused without looking at the password.

A successful sign-in resets the count for its username and its address. Refused attempts are
logged but not counted, so the lock lifts on time even while someone keeps knocking.
"""

import datetime as dt
import logging
import math

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone

from guanjia.core.models import LoginAttempt, LoginReason

security_log = logging.getLogger("guanjia.security")


def _limits() -> tuple[int, dt.timedelta]:
    conf = settings.GUANJIA
    return (
        int(conf.get("LOGIN_MAX_FAILURES", 5)),
        dt.timedelta(minutes=int(conf.get("LOGIN_LOCKOUT_MINUTES", 15))),
    )


def _key_locked_until(key: Q, *, now: dt.datetime) -> dt.datetime | None:
    max_failures, window = _limits()
    start = now - window
    recent = LoginAttempt.objects.filter(key, at__gte=start, at__lte=now)
    last_success = recent.filter(success=True).aggregate(last=Max("at"))["last"]
    failures = recent.filter(success=False).exclude(reason=LoginReason.LOCKED)
    if last_success is not None:
        failures = failures.filter(at__gt=last_success)
    times = list(failures.order_by("-at").values_list("at", flat=True)[:max_failures])
    if len(times) < max_failures:
        return None
    # Locked until the oldest of the counted failures leaves the window.
    return times[-1] + window


def login_locked_until(
    *, username: str, ip: str | None, now: dt.datetime | None = None
) -> dt.datetime | None:
    """When sign-in for `username` from `ip` opens again, or None when it is open now."""
    now = now or timezone.now()
    until = []
    if username:
        until.append(_key_locked_until(Q(username=username[:150]), now=now))
    if ip:
        until.append(_key_locked_until(Q(ip=ip), now=now))
    locked = [u for u in until if u is not None and u > now]
    return max(locked) if locked else None


def lockout_minutes(until: dt.datetime, now: dt.datetime | None = None) -> int:
    """Whole minutes left, rounded up, at least one."""
    now = now or timezone.now()
    return max(1, math.ceil((until - now).total_seconds() / 60))


def login_attempt_record(
    *,
    username: str,
    ip: str | None,
    success: bool,
    reason: str,
    now: dt.datetime | None = None,
) -> LoginAttempt:
    """Write one row of the sign-in log and the same line to the `guanjia.security` logger."""
    attempt = LoginAttempt.objects.create(
        username=(username or "")[:150],
        ip=ip,
        at=now or timezone.now(),
        success=success,
        reason=reason,
    )
    level = logging.INFO if success else logging.WARNING
    security_log.log(level, "login %s username=%r ip=%s", reason, attempt.username, ip or "-")
    return attempt
