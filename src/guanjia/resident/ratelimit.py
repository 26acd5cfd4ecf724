"""Rate limits on the residents' anonymous pages, per client address (SECURITY.md, Input): orders
placed, one-time codes sent, and wrong codes typed on "My orders".

Counted in Django's cache, in fixed one-hour windows: a deployment with several processes
configures a shared cache (database or Redis) so that they count together. Requests without a
usable address share one bucket: better a shared limit than none.
"""

import time

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 3600

ORDERS = "resident-orders"
CODES_SENT = "resident-codes"
CODES_WRONG = "resident-codes-wrong"

# Per hour and address, unless settings.GUANJIA names another number.
_LIMITS = {
    ORDERS: ("RESIDENT_ORDERS_PER_HOUR", 10),
    CODES_SENT: ("RESIDENT_CODES_PER_HOUR", 10),
    CODES_WRONG: ("RESIDENT_WRONG_CODES_PER_HOUR", 20),
}


def _key(bucket: str, ip: str, now: float) -> str:
    return f"guanjia:{bucket}:{ip}:{int(now // WINDOW_SECONDS)}"


def rate_limit(bucket: str) -> int:
    setting, default = _LIMITS[bucket]
    return int(settings.GUANJIA.get(setting, default))


def rate_exceeded(bucket: str, ip: str | None, *, now: float | None = None) -> bool:
    """Whether this address has already used the hour's allowance of `bucket`."""
    now = time.time() if now is None else now
    return int(cache.get(_key(bucket, ip or "-", now), 0)) >= rate_limit(bucket)


def rate_count(bucket: str, ip: str | None, *, now: float | None = None) -> None:
    """Count one use of `bucket` by this address."""
    now = time.time() if now is None else now
    key = _key(bucket, ip or "-", now)
    if not cache.add(key, 1, timeout=WINDOW_SECONDS + 60):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=WINDOW_SECONDS + 60)


def order_limit() -> int:
    return rate_limit(ORDERS)


def order_rate_exceeded(ip: str | None, *, now: float | None = None) -> bool:
    """Whether this address has already placed the hour's allowance of orders."""
    return rate_exceeded(ORDERS, ip, now=now)


def order_rate_count(ip: str | None, *, now: float | None = None) -> None:
    """Count one order from this address."""
    rate_count(ORDERS, ip, now=now)
