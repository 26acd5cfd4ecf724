"""A rate limit on anonymous ordering, per client address (SECURITY.md, Input).

Counted in Django's cache, in fixed one-hour windows: a deployment with several processes
configures a shared cache (database or Redis) so that they count together.
"""

import time

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 3600


def _key(ip: str, now: float) -> str:
    return f"guanjia:resident-orders:{ip}:{int(now // WINDOW_SECONDS)}"


def order_limit() -> int:
    return int(settings.GUANJIA.get("RESIDENT_ORDERS_PER_HOUR", 10))


def order_rate_exceeded(ip: str | None, *, now: float | None = None) -> bool:
    """Whether this address has already placed the hour's allowance of orders. Requests without
    a usable address share one bucket: better a shared limit than none."""
    now = time.time() if now is None else now
    return int(cache.get(_key(ip or "-", now), 0)) >= order_limit()


def order_rate_count(ip: str | None, *, now: float | None = None) -> None:
    """Count one order from this address."""
    now = time.time() if now is None else now
    key = _key(ip or "-", now)
    if not cache.add(key, 1, timeout=WINDOW_SECONDS + 60):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=WINDOW_SECONDS + 60)
