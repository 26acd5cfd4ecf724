"""What each kind of notification says, to whom, and through which channels.

Kinds are queued by tickets/services.py (`ticket_<action>`, `resident_<action>`, `ticket_new`,
`ticket_urgent`, `ticket_returned`, `ticket_low_rating`, `ticket_withdrawn`), the escalation
ladder (`ticket_warn`, `ticket_overdue`, `ticket_remind`, `ticket_supervise`) and dispatch
(`life_safety_page`). Texts are rendered when delivered or shown, in the site's language for SMS,
e-mail and the group robot, in the reader's own on the inbox page.

Residents hear only when someone takes their order (`resident_accept`, or `resident_grab`),
arrives, and resolves it (with the rating link), or when it is cancelled or merged (the moves in
tickets.services.RESIDENT_HEARS); `resident_dispatch` and `resident_close` are no longer queued
and stay silent for rows written before. Texts carry no resident's name or phone: the group
robot posts to a chat, and SMS and e-mail leave the building.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from guanjia.notifications.models import Notification

INAPP = "inapp"
SMS = "sms"
EMAIL = "email"
ROBOT = "robot"
CHANNELS = (INAPP, SMS, EMAIL, ROBOT)


@dataclass(frozen=True)
class Facts:
    """What a text may say about the order, read from the ticket when it is rendered."""

    number: str
    category: str
    place: str
    worker: str
    arrive_by: str
    accept_by: str
    rating: str
    link: str


Text = Callable[[Facts], str]


@dataclass(frozen=True)
class KindSpec:
    text: Text | None  # None: nobody is told (no channel)
    channels: frozenset[str]


def _spec(text: Text | None, *channels: str) -> KindSpec:
    return KindSpec(text, frozenset(channels))


def _resident_accept(f: Facts) -> str:
    if f.arrive_by:
        return _(
            "Your report of “%(category)s”: %(worker)s has taken it and expects to arrive by "
            "%(time)s. Order %(number)s."
        ) % {"category": f.category, "worker": f.worker, "time": f.arrive_by, "number": f.number}
    return _("Your report of “%(category)s”: %(worker)s has taken it. Order %(number)s.") % {
        "category": f.category,
        "worker": f.worker,
        "number": f.number,
    }


def _new_for_worker(f: Facts) -> str:
    if f.accept_by:
        return _("New order %(number)s: %(category)s at %(place)s. Please accept by %(time)s.") % {
            "number": f.number,
            "category": f.category,
            "place": f.place,
            "time": f.accept_by,
        }
    return _("New order %(number)s: %(category)s at %(place)s.") % {
        "number": f.number,
        "category": f.category,
        "place": f.place,
    }


def _about(f: Facts) -> dict[str, str]:
    return {"number": f.number, "category": f.category, "place": f.place}


SPECS: dict[str, KindSpec] = {
    # Residents, by SMS to the contact phone and followers' phones.
    "resident_grab": _spec(_resident_accept, SMS),
    "resident_accept": _spec(_resident_accept, SMS),
    "resident_arrive": _spec(
        lambda f: (
            _("Your report of “%(category)s”: %(worker)s has arrived.")
            % {"category": f.category, "worker": f.worker}
        ),
        SMS,
    ),
    "resident_resolve": _spec(
        lambda f: (
            _("Your report of “%(category)s” has been dealt with. Please rate it: %(link)s")
            % {"category": f.category, "link": f.link}
        ),
        SMS,
    ),
    "resident_cancel": _spec(
        lambda f: (
            _("Your order %(number)s (%(category)s) has been cancelled. Details: %(link)s")
            % {"number": f.number, "category": f.category, "link": f.link}
        ),
        SMS,
    ),
    "resident_merge": _spec(
        lambda f: (
            _(
                "Your report of “%(category)s” is handled together with an earlier report of the "
                "same problem. Progress: %(link)s"
            )
            % {"category": f.category, "link": f.link}
        ),
        SMS,
    ),
    "resident_dispatch": _spec(None),
    "resident_close": _spec(None),
    # The handler.
    "ticket_dispatch": _spec(_new_for_worker, INAPP, SMS),
    "ticket_transfer": _spec(_new_for_worker, INAPP, SMS),
    "ticket_reopen": _spec(
        lambda f: _("Order %(number)s is back with you: %(category)s at %(place)s.") % _about(f),
        INAPP,
        SMS,
    ),
    "ticket_rate": _spec(
        lambda f: _("Order %(number)s is back with you: %(category)s at %(place)s.") % _about(f),
        INAPP,
        SMS,
    ),
    "ticket_withdrawn": _spec(
        lambda f: _("Order %(number)s (%(category)s at %(place)s) is no longer yours.") % _about(f),
        INAPP,
        SMS,
    ),
    "life_safety_page": _spec(
        lambda f: (
            _("Emergency: %(category)s at %(place)s, order %(number)s. Respond now.") % _about(f)
        ),
        INAPP,
        SMS,
        ROBOT,
    ),
    # Triage read danger in a message it could not turn into an order by itself (managers).
    "intake_urgent_draft": _spec(
        lambda f: (
            _(
                "Urgent message waiting for a dispatcher: %(category)s at %(place)s. "
                "Open the console now."
            )
            % {"category": f.category, "place": f.place or "?"}
        ),
        INAPP,
        SMS,
    ),
    # The handler, or the dispatchers while nobody has the order.
    "ticket_warn": _spec(
        lambda f: _("Order %(number)s (%(category)s at %(place)s) is nearly due.") % _about(f),
        INAPP,
    ),
    "ticket_overdue": _spec(
        lambda f: _("Order %(number)s (%(category)s at %(place)s) is overdue.") % _about(f),
        INAPP,
    ),
    "ticket_remind": _spec(
        lambda f: (
            _("Reminder: please deal with order %(number)s (%(category)s at %(place)s) now.")
            % _about(f)
        ),
        INAPP,
        SMS,
    ),
    # The dispatchers.
    "ticket_new": _spec(
        lambda f: (
            _("New order %(number)s waits for dispatch: %(category)s at %(place)s.") % _about(f)
        ),
        INAPP,
        ROBOT,
    ),
    "ticket_returned": _spec(
        lambda f: (
            _("Order %(number)s (%(category)s at %(place)s) was returned and waits for dispatch.")
            % _about(f)
        ),
        INAPP,
        ROBOT,
    ),
    # The managers.
    "ticket_urgent": _spec(
        lambda f: _("Urgent order %(number)s: %(category)s at %(place)s.") % _about(f),
        INAPP,
        SMS,
        EMAIL,
        ROBOT,
    ),
    "ticket_supervise": _spec(
        lambda f: (
            _("Supervise: order %(number)s (%(category)s at %(place)s) is well past its deadline.")
            % _about(f)
        ),
        INAPP,
        EMAIL,
        ROBOT,
    ),
    "ticket_low_rating": _spec(
        lambda f: (
            _("Order %(number)s was rated %(rating)s of 5 and reopened.")
            % {"number": f.number, "rating": f.rating}
        ),
        INAPP,
        EMAIL,
        ROBOT,
    ),
}


def _fallback(kind: str) -> KindSpec:
    return _spec(
        lambda f: _("Order %(number)s: %(kind)s") % {"number": f.number, "kind": kind}, INAPP
    )


def kind_spec(kind: str) -> KindSpec:
    return SPECS.get(kind) or _fallback(kind)


def _when(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%m-%d %H:%M") if value else ""


def tracking_link(token: str) -> str:
    return settings.GUANJIA["NOTIFY"]["SITE_URL"] + reverse("resident:track", args=[token])


def notification_facts(n: Notification) -> Facts:
    """Facts from the notification's ticket (select_related ticket's category, compound,
    building and assignee to avoid queries)."""
    t: Any = n.ticket
    number = str(n.payload.get("number", ""))
    if t is None:  # news that is not an order yet: what the payload says
        category, place = str(n.payload.get("category", "")), str(n.payload.get("place", ""))
        return Facts(number, category, place, "", "", "", "", "")
    category = t.category
    name = category.name_en if translation.get_language() == "en" and category.name_en else None
    # A department matter (交办) may name no compound.
    place = (
        (t.compound.name if t.compound_id else "")
        + (t.building.name if t.building_id else "")
        + (t.spot or "")
    )
    return Facts(
        number=t.number,
        category=name or category.name,
        place=place,
        worker=str(t.assignee) if t.assignee_id else _("the handler"),
        arrive_by=_when(t.arrive_due) if t.arrive_due and not t.on_site_at else "",
        accept_by=_when(t.accept_due) if not t.accepted_at else "",
        rating=str(t.rating_overall or ""),
        link=tracking_link(t.tracking_token),
    )


def notification_text(n: Notification) -> str:
    """What the notification says, in the active language ("" when it says nothing)."""
    spec = kind_spec(n.kind)
    if spec.text is None:
        return ""
    return spec.text(notification_facts(n))


def notification_subject(n: Notification) -> str:
    return _("Guanjia: order %(number)s") % {"number": n.payload.get("number", "")}
