"""Reads of a user's in-app notifications: the bell's count and the inbox page."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse

from guanjia.notifications.models import Notification
from guanjia.people import roles
from guanjia.people.models import User

BELL_CAP = 99
PAGE_SIZE = 50


def notification_unread_count(user: User) -> int:
    """Unread in-app notifications, counted up to BELL_CAP + 1 (one COUNT, on a partial index)."""
    return (
        Notification.objects.filter(
            recipient=user, read_at__isnull=True, available_at__isnull=False
        )
        .values("pk")[: BELL_CAP + 1]
        .count()
    )


@dataclass(frozen=True)
class Cursor:
    created_at: dt.datetime
    pk: int

    def __str__(self) -> str:
        return f"{int(self.created_at.timestamp() * 1_000_000)}-{self.pk}"

    @classmethod
    def parse(cls, text: str) -> "Cursor | None":
        try:
            micros, pk = (int(part) for part in text.split("-", 1))
            return cls(dt.datetime.fromtimestamp(micros / 1_000_000, tz=dt.UTC), pk)
        except (ValueError, OverflowError, OSError):
            return None


def notification_inbox(
    user: User, *, before: Cursor | None = None, size: int = PAGE_SIZE
) -> tuple[list[Notification], Cursor | None]:
    """The user's notifications, newest first, a page at a time (keyset on created_at, id).
    Returns the page and the cursor of the next one (None at the end)."""
    rows: QuerySet[Notification] = Notification.objects.filter(
        recipient=user, available_at__isnull=False
    ).select_related("ticket__category", "ticket__compound", "ticket__building", "ticket__assignee")
    if before is not None:
        rows = rows.filter(
            Q(created_at__lt=before.created_at) | Q(created_at=before.created_at, pk__lt=before.pk)
        )
    page = list(rows.order_by("-created_at", "-id")[: size + 1])
    more = len(page) > size
    page = page[:size]
    cursor = Cursor(page[-1].created_at, page[-1].pk) if more else None
    return page, cursor


def notification_ticket_url(user: User, number: str) -> str:
    """Where the user works on the order: the console for dispatch roles, the worker's page for
    handlers; "" when neither page exists (yet) or the user has neither."""
    candidates = []
    if user.has_perm(roles.VIEW_STREET_TICKETS):
        candidates.append("console:ticket")
    if user.has_perm(roles.HANDLE):
        candidates.append("workbench:task")
    for name in candidates:
        try:
            return reverse(name, args=[number])
        except NoReverseMatch:
            continue
    return ""
