"""Delivering the outbox: at least once, each channel of a notification sent once it is recorded.

One round (`notification_deliver_batch`):

1. Claim a batch in one short transaction: the oldest undelivered notifications whose
   `next_attempt_at` has come, locked with SKIP LOCKED on PostgreSQL (SQLite's IMMEDIATE
   transaction serialises claimers instead); each gets a lease (`next_attempt_at` = now + LEASE),
   so a second worker skips it and a crashed worker's claim is taken up again when it runs out.
2. For each notification, each channel not yet recorded as delivered is sent, and the result is
   recorded at once in its own small transaction (NotificationDelivery, unique per notification
   and channel). The in-app channel is the record itself: it makes the notification available
   in the recipient's inbox.
3. When every channel is done, the notification is marked delivered; otherwise it is tried again
   after a backoff (1, 2, 4 … minutes, at most an hour) until MAX_ATTEMPTS rounds.

At least once: a crash after a send and before its record sends that channel again after the
lease. Receivers can drop such repeats by the notification's id, passed to every backend as `ref`.
"""

import datetime as dt
import logging
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Min, Q
from django.utils import timezone, translation

from guanjia.core.phones import phone_mask
from guanjia.notifications import backends
from guanjia.notifications.models import Notification, NotificationDelivery
from guanjia.notifications.texts import (
    EMAIL,
    INAPP,
    ROBOT,
    SMS,
    kind_spec,
    notification_subject,
    notification_text,
)

logger = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=5)
MAX_BACKOFF = dt.timedelta(hours=1)
_PHONE = re.compile(r"1\d{10}")


@dataclass(frozen=True)
class DeliveryRound:
    claimed: int
    delivered: int


def _max_attempts() -> int:
    return int(settings.GUANJIA["NOTIFY"]["MAX_ATTEMPTS"])


def _enabled() -> set[str]:
    channels = set(settings.GUANJIA["NOTIFY"]["CHANNELS"])
    if not settings.GUANJIA["NOTIFY"]["ROBOT_URL"]:
        channels.discard(ROBOT)
    return channels


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failed round: 1, 2, 4 … minutes, at most an hour."""
    return min(dt.timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def notification_claim(*, batch: int, now: dt.datetime) -> list[int]:
    """Claim up to `batch` due notifications for this worker (see the module's docstring)."""
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(delivered_at__isnull=True, attempts__lt=_max_attempts())
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by("id")
            .values_list("pk", flat=True)[:batch]
        )
        if ids:
            Notification.objects.filter(pk__in=ids).update(next_attempt_at=now + LEASE)
    return ids


def notification_channels(n: Notification, *, robot_first: bool) -> list[str]:
    """The channels `n` goes out on: those its kind wants, enabled here, with an address.
    The group robot posts once per event: only the first of the notifications one change queued
    for several people of a role (`robot_first`)."""
    spec = kind_spec(n.kind)
    if spec.text is None:
        return []
    enabled = _enabled()
    user: Any = n.recipient
    wanted = [INAPP] if n.recipient_id else []
    wanted += [c for c in (SMS, EMAIL, ROBOT) if c in spec.channels]
    out = []
    for channel in wanted:
        if channel not in enabled:
            continue
        if channel == SMS and not (n.phone or (user is not None and user.phone)):
            continue
        if channel == EMAIL and (user is None or not user.email):
            continue
        if channel == ROBOT and not robot_first:
            continue
        out.append(channel)
    return out


def _robot_firsts(notifications: list[Notification]) -> set[int]:
    robot_kinds = {n.kind for n in notifications if ROBOT in kind_spec(n.kind).channels}
    if not robot_kinds or ROBOT not in _enabled():
        return set()
    mine = [n for n in notifications if n.kind in robot_kinds]
    rows = (
        Notification.objects.filter(ticket_id__in={n.ticket_id for n in mine}, kind__in=robot_kinds)
        .values("ticket_id", "kind", "created_at")
        .annotate(first=Min("id"))
    )
    return {r["first"] for r in rows}


def _send(channel: str, n: Notification, text: str) -> None:
    ref = str(n.pk)
    user: Any = n.recipient
    if channel == SMS:
        backends.sms_backend().send(n.phone or user.phone, text, ref=ref)
    elif channel == EMAIL:
        backends.email_send(user.email, notification_subject(n), text)
    elif channel == ROBOT:
        robot = backends.robot_backend()
        if robot is None:
            raise backends.DeliveryFailed("robot: no URL configured")
        robot.send(text, ref=ref)
    # INAPP: nothing leaves; the record makes it available.


def delivery_record(
    *, notification_id: int, channel: str, now: dt.datetime, error: str | None
) -> None:
    """Record one attempt of one channel (and, for the in-app channel, make it available)."""
    with transaction.atomic():
        row, _created = NotificationDelivery.objects.get_or_create(
            notification_id=notification_id, channel=channel
        )
        NotificationDelivery.objects.filter(pk=row.pk).update(
            attempts=F("attempts") + 1,
            delivered_at=now if error is None else None,
            last_error=(error or "")[:200],
        )
        if channel == INAPP and error is None:
            Notification.objects.filter(pk=notification_id, available_at__isnull=True).update(
                available_at=now
            )


def _error_text(e: Exception) -> str:
    return _PHONE.sub(lambda m: phone_mask(m.group()), f"{type(e).__name__}: {e}")[:200]


def _deliver_one(n: Notification, done: set[str], *, robot_first: bool, now: dt.datetime) -> bool:
    channels = notification_channels(n, robot_first=robot_first)
    errors = []
    with translation.override(settings.LANGUAGE_CODE):
        text = notification_text(n) if channels else ""
    for channel in channels:
        if channel in done:
            continue
        try:
            _send(channel, n, text)
        except Exception as e:
            error = _error_text(e)
            errors.append(f"{channel}: {error}")
            delivery_record(notification_id=n.pk, channel=channel, now=now, error=error)
            continue
        delivery_record(notification_id=n.pk, channel=channel, now=now, error=None)
    if errors:
        _failed(n, "; ".join(errors), now)
        return False
    Notification.objects.filter(pk=n.pk).update(
        delivered_at=now, attempts=n.attempts + 1, last_error="", next_attempt_at=None
    )
    return True


def _failed(n: Notification, error: str, now: dt.datetime) -> None:
    """Count a failed round and set when to try again (or give up after the last attempt)."""
    attempts = n.attempts + 1
    Notification.objects.filter(pk=n.pk).update(
        attempts=attempts, last_error=error[:200], next_attempt_at=now + backoff(attempts)
    )
    level = logging.ERROR if attempts >= _max_attempts() else logging.WARNING
    logger.log(level, "notification %s (%s) attempt %s: %s", n.pk, n.kind, attempts, error)


def notification_deliver_batch(
    *, batch: int = 200, now: dt.datetime | None = None
) -> DeliveryRound:
    """One round of delivery (see the module's docstring)."""
    now = now or timezone.now()
    ids = notification_claim(batch=batch, now=now)
    if not ids:
        return DeliveryRound(0, 0)
    notifications = list(
        Notification.objects.filter(pk__in=ids)
        .select_related(
            "recipient",
            "ticket__category",
            "ticket__compound",
            "ticket__building",
            "ticket__assignee",
        )
        .order_by("id")
    )
    done: dict[int, set[str]] = {}
    for nid, channel in NotificationDelivery.objects.filter(
        notification_id__in=ids, delivered_at__isnull=False
    ).values_list("notification_id", "channel"):
        done.setdefault(nid, set()).add(channel)
    firsts = _robot_firsts(notifications)
    delivered = 0
    for n in notifications:
        try:
            ok = _deliver_one(n, done.get(n.pk, set()), robot_first=n.pk in firsts, now=now)
        except Exception as e:
            # A notification that cannot even be rendered must not hold up the others.
            logger.exception("notification %s (%s) could not be delivered", n.pk, n.kind)
            _failed(n, _error_text(e), now)
            ok = False
        delivered += int(ok)
    return DeliveryRound(claimed=len(ids), delivered=delivered)
