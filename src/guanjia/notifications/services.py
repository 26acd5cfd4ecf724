"""Queue notifications in the caller's transaction (outbox); the worker delivers them
(notifications/delivery.py). Readers mark their in-app notifications read here."""

import datetime as dt
from typing import Any

from django.contrib.auth.models import Permission
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core.errors import NotFound
from guanjia.notifications.models import Notification
from guanjia.people.models import User


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
    return notify_street_role(
        street_id=ticket.street_id,
        permission=permission,
        kind=kind,
        payload={"number": ticket.number},
        at=at,
        ticket=ticket,
    )


def notify_street_role(
    *,
    street_id: int,
    permission: str,
    kind: str,
    payload: dict[str, Any],
    at: dt.datetime,
    ticket: Any = None,
) -> int:
    """Tell everyone of the street who holds `permission`; `ticket` may be None for news that
    is not an order yet (an urgent message waiting as a draft), its facts then in `payload`."""
    users = users_with_permission(street_id, permission)
    Notification.objects.bulk_create(
        Notification(
            street_id=street_id,
            ticket=ticket,
            recipient=u,
            kind=kind,
            payload=payload,
            created_at=at,
        )
        for u in users
    )
    return len(users)


def notification_read(*, user: User, notification_id: int, now: dt.datetime | None = None) -> None:
    """Mark one of the user's own notifications read (another's: NotFound, as if it did not
    exist). Reading twice keeps the first time."""
    mine = Notification.objects.filter(
        pk=notification_id, recipient=user, available_at__isnull=False
    )
    if not mine.exists():
        raise NotFound(_("No such notification."), code="not_found")
    mine.filter(read_at__isnull=True).update(read_at=now or timezone.now())


def notification_read_all(*, user: User, now: dt.datetime | None = None) -> int:
    """Mark every notification the user can see read; returns how many were unread."""
    return Notification.objects.filter(
        recipient=user, available_at__isnull=False, read_at__isnull=True
    ).update(read_at=now or timezone.now())
