"""`{% notification_bell %}`: the header's bell with the unread count (one COUNT when signed in,
no query for strangers)."""

from typing import Any

from django import template

from guanjia.notifications.selectors import BELL_CAP, notification_unread_count

register = template.Library()


def bell_context(user: Any) -> dict[str, Any]:
    if user is None or not user.is_authenticated:
        return {"show": False}
    unread = notification_unread_count(user)
    return {
        "show": True,
        "unread": unread,
        "shown": f"{BELL_CAP}+" if unread > BELL_CAP else str(unread),
    }


@register.inclusion_tag("notifications/_bell.html", takes_context=True)
def notification_bell(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    return bell_context(getattr(request, "user", None))
