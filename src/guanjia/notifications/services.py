"""Queue notifications in the caller's transaction (outbox); the worker delivers them."""

import datetime as dt
import logging
from typing import Any

from django.contrib.auth.models import Permission
from django.db.models import Q
from django.utils import timezone

from guanjia.notifications.models import Notification
from guanjia.people.models import User

logger = logging.getLogger(__name__)


def notification_queue(
    *,
    ticket: Any,
    kind: str,
    at: dt.datetime,
    recipient: User | None = None,
    phone: str = "",
    payload: dict[str, Any] | None = None,
) -> Notification | None:
    if recipient is None and not phone:
        return None
    return Notification.objects.create(
        street_id=ticket.street_id,
        ticket=ticket,
        recipient=recipient,
        phone=phone,
        kind=kind,
        payload={"number": ticket.number, **(payload or {})},
        created_at=at,
    )


def users_with_permission(street_id: int, permission: str) -> list[User]:
    """Active accounts of the street holding `permission` through a group or directly."""
    app_label, codename = permission.split(".")
    perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
    if perm is None:
        return []
    return list(
        User.objects.filter(is_active=True, street_id=street_id)
        .filter(Q(groups__permissions=perm) | Q(user_permissions=perm))
        .distinct()
        .order_by("pk")
    )


def notify_role(*, ticket: Any, permission: str, kind: str, at: dt.datetime) -> int:
    users = users_with_permission(ticket.street_id, permission)
    Notification.objects.bulk_create(
        Notification(
            street_id=ticket.street_id,
            ticket=ticket,
            recipient=u,
            kind=kind,
            payload={"number": ticket.number},
            created_at=at,
        )
        for u in users
    )
    return len(users)


def notification_deliver_pending(*, batch: int = 200, now: dt.datetime | None = None) -> int:
    """Deliver queued notifications (at least once). The delivery backend today writes to the log;
    SMS and WeCom backends plug in here. Returns how many were delivered."""
    now = now or timezone.now()
    pending = list(
        Notification.objects.filter(delivered_at__isnull=True, attempts__lt=10).order_by("id")[
            :batch
        ]
    )
    for n in pending:
        logger.info(
            "notify %s ticket=%s recipient=%s", n.kind, n.payload.get("number"), n.recipient_id
        )
    ids = [n.pk for n in pending]
    Notification.objects.filter(pk__in=ids).update(delivered_at=now)
    return len(ids)
