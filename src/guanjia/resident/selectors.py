"""Reads for the residents' pages: the place lists of the order form, and an order as its tracking
link shows it (a timeline in plain words, who comes and when, the photos it may show)."""

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.org.models import Building, Compound, Unit
from guanjia.org.selectors import buildings_of, units_of
from guanjia.people.models import Resident, User
from guanjia.tickets import lifecycle
from guanjia.tickets.models import Ticket, TicketEvent, TicketPhoto

_TOKEN_MAX = Ticket._meta.get_field("tracking_token").max_length or 40
# Photos a token holder may see: their own, and the handler's record of the work.
TRACKING_PHOTO_KINDS = ("report", "before", "after")


def compounds_public() -> QuerySet[Compound]:
    """Every compound, for the order form (names of places are not personal data)."""
    return Compound.objects.select_related("street").order_by("street__name", "name", "id")


def buildings_public(compound_id: int | None) -> list[Building]:
    compound = Compound.objects.filter(pk=compound_id).first() if compound_id else None
    return list(buildings_of(compound)) if compound is not None else []


def units_public(building_id: int | None) -> list[Unit]:
    building = Building.objects.filter(pk=building_id).first() if building_id else None
    return list(units_of(building)) if building is not None else []


def tracking_get(token: str) -> Ticket | None:
    """The order behind a tracking link, or None (unknown, malformed)."""
    if not token or len(token) > _TOKEN_MAX or "\x00" in token:
        return None
    return (
        Ticket.objects.select_related(
            "category", "compound", "building", "unit", "street", "reporter", "duplicate_of"
        )
        .filter(tracking_token=token)
        .first()
    )


def tracking_photo(ticket: Ticket, photo_id: int) -> TicketPhoto | None:
    """A photo of this order (never of another) that its tracking link may show."""
    return TicketPhoto.objects.filter(
        pk=photo_id, ticket=ticket, kind__in=TRACKING_PHOTO_KINDS
    ).first()


def tracking_photos(ticket: Ticket) -> list[TicketPhoto]:
    return list(
        TicketPhoto.objects.filter(ticket=ticket, kind__in=TRACKING_PHOTO_KINDS).order_by(
            "created_at", "id"
        )
    )


def handler_label(user: User | None) -> str:
    """How a resident sees a handler: trade and display name (电工 李师傅), never a phone."""
    if user is None:
        return _("a worker")
    profile = getattr(user, "staff", None)
    parts = []
    if profile is not None and profile.vendor_id is not None:
        parts.append(profile.vendor.name)
    if profile is not None and profile.title:
        parts.append(profile.title)
    parts.append(user.display_name or _("worker"))
    return " ".join(parts)


@dataclass(frozen=True)
class Step:
    at: dt.datetime
    text: str
    done: bool = True


def _arrival_text(ticket: Ticket, now: dt.datetime) -> str | None:
    if ticket.arrive_due is None or ticket.on_site_at is not None:
        return None
    if ticket.status not in (lifecycle.DISPATCHED, lifecycle.ACCEPTED):
        return None
    minutes = math.ceil((ticket.arrive_due - now).total_seconds() / 60)
    local = timezone.localtime(ticket.arrive_due)
    if minutes <= 0:
        return _("Expected by %(time)s; please wait a little, we are chasing it.") % {
            "time": f"{local:%H:%M}"
        }
    return _("Expected to arrive within %(minutes)d minutes (by %(time)s)") % {
        "minutes": minutes,
        "time": f"{local:%H:%M}",
    }


def tracking_timeline(ticket: Ticket, *, now: dt.datetime | None = None) -> list[Step]:
    """The order's history as a resident reads it. The escalation ladder's internal steps, the
    handlers' reasons for returning an order and other staff notes stay out of it."""
    now = now or timezone.now()
    events = list(TicketEvent.objects.filter(ticket=ticket).order_by("at", "id"))
    usernames = {
        str(e.payload.get("assignee")) for e in events if e.payload.get("assignee") is not None
    }
    handlers = {
        u.username: u
        for u in User.objects.filter(username__in=usernames).select_related(
            "staff", "staff__vendor"
        )
    }
    if ticket.assignee_id is not None and ticket.assignee is not None:
        handlers.setdefault(ticket.assignee.username, ticket.assignee)
    current = ticket.assignee

    def who(event: TicketEvent) -> str:
        name = event.payload.get("assignee")
        return handler_label(handlers.get(str(name)) if name else current)

    steps: list[Step] = []
    for e in events:
        text = _event_text(e, who)
        if text:
            steps.append(Step(at=e.at, text=text))
    arrival = _arrival_text(ticket, now)
    if arrival:
        steps.append(Step(at=ticket.arrive_due or now, text=arrival, done=False))
    elif ticket.status == lifecycle.NEW:
        steps.append(Step(at=now, text=_("We are finding someone to send"), done=False))
    return steps


def _event_text(e: TicketEvent, who: Callable[[TicketEvent], str]) -> str | None:
    kind = e.type
    if kind == "create":
        return _("Order received")
    if kind in ("dispatch", "transfer"):
        return _("Dispatched to %(handler)s") % {"handler": who(e)}
    if kind == "grab":
        return _("%(handler)s took the order") % {"handler": who(e)}
    if kind == "accept":
        return _("%(handler)s accepted the order") % {"handler": who(e)}
    if kind == "arrive":
        return _("%(handler)s arrived") % {"handler": who(e)}
    if kind == "resolve":
        return _("Done. Please tell us how it went.")
    if kind == "return":
        return _("Being sent to another worker")
    if kind == "pause":
        return _("On hold for now")
    if kind == "resume":
        return _("Work resumed")
    if kind == "extend":
        return _("More time is needed; the deadline was moved")
    if kind == "rate":
        if e.to_status == lifecycle.DISPATCHED:
            return _("Thank you for your rating; we are sending someone again")
        return _("Rated by you; the order is closed")
    if kind == "close":
        return _("Closed")
    if kind == "reopen":
        return _("Reopened: we are sending someone again")
    if kind == "cancel":
        return _("Cancelled")
    if kind == "merge":
        return _("Handled together with an earlier report of the same problem")
    if kind == "photo":
        if e.payload.get("kind") == "report":
            return _("Your photo was received")
        if e.payload.get("kind") == "after":
            return _("Photo of the finished work added")
        return _("Photo of the work added")
    return None


def reopen_open_until(ticket: Ticket) -> dt.datetime | None:
    """Until when the resident may still reopen this order (None: not reopenable now)."""
    if ticket.status not in (lifecycle.RESOLVED, lifecycle.CLOSED) or ticket.resolved_at is None:
        return None
    return ticket.resolved_at + dt.timedelta(days=settings.GUANJIA["REOPEN_DAYS"])


# "My orders" ----------------------------------------------------------------------------------

MY_ORDERS_PAGE = 10


@dataclass(frozen=True)
class MyOrdersPage:
    orders: list[Ticket]
    # (created_at, id) of the last order shown when there are older ones, else None.
    next_key: tuple[dt.datetime, int] | None


def my_orders(
    phone: str, *, before: tuple[dt.datetime, int] | None = None, size: int = MY_ORDERS_PAGE
) -> MyOrdersPage:
    """The orders a verified phone reported or is the contact of, in every street, newest first,
    a page at a time (keyset: older than `before`). Nobody else's: the number must match."""
    if not phone:
        return MyOrdersPage([], None)
    residents = list(Resident.objects.filter(phone=phone).values_list("pk", flat=True))
    rows = Ticket.objects.filter(Q(reporter__in=residents) | Q(contact_phone=phone))
    if before is not None:
        at, pk = before
        rows = rows.filter(Q(created_at__lt=at) | Q(created_at=at, id__lt=pk))
    page = list(
        rows.select_related("category", "compound", "building", "unit").order_by(
            "-created_at", "-id"
        )[: size + 1]
    )
    more = len(page) > size
    page = page[:size]
    return MyOrdersPage(page, (page[-1].created_at, page[-1].pk) if more and page else None)
