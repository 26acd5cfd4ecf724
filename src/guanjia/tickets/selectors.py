"""Reads of orders. Every one starts from tickets.access.ticket_scope: what a user may not see
does not exist for them."""

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from guanjia.core.errors import NotFound
from guanjia.people.access import AnyUser
from guanjia.tickets import lifecycle
from guanjia.tickets.access import ticket_scope
from guanjia.tickets.models import Ticket, TicketEvent, TicketPhoto
from guanjia.tickets.photos import ticket_photo_file

# Orders of the same place and service this recent are offered as possible duplicates.
DUPLICATE_WINDOW = dt.timedelta(hours=48)
DUPLICATES_SHOWN = 10
# Open and with a clock running (paused orders have their clocks stopped).
RUNNING = (lifecycle.NEW, lifecycle.DISPATCHED, lifecycle.ACCEPTED, lifecycle.ON_SITE)
_NUMBER_MAX = Ticket._meta.get_field("number").max_length or 60


@dataclass(frozen=True)
class TicketFilters:
    statuses: list[str] = field(default_factory=list)
    category: str | None = None
    compound_id: int | None = None
    assignee: str | None = None
    channel: str | None = None
    urgent: bool | None = None
    overdue: bool | None = None
    created_after: dt.datetime | None = None
    created_before: dt.datetime | None = None
    text: str | None = None


def overdue_q(now: dt.datetime) -> Q:
    """Open, clock running, and a deadline not met: not accepted by accept_due, not on site by
    arrive_due, or not resolved by resolve_due."""
    return Q(status__in=RUNNING) & (
        Q(accepted_at__isnull=True, accept_due__lt=now)
        | Q(on_site_at__isnull=True, arrive_due__lt=now)
        | Q(resolve_due__lt=now)
    )


def _list_related(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return qs.select_related("category", "compound", "building", "unit", "assignee", "duplicate_of")


def ticket_page(
    user: AnyUser,
    filters: TicketFilters,
    *,
    after: tuple[dt.datetime, int] | None,
    limit: int,
    now: dt.datetime,
) -> tuple[list[Ticket], bool]:
    """Up to `limit` orders the user may see, newest first, after the key `after` (created_at,
    id) of the last one shown; and whether there are more. Keyset paging: no OFFSET, no COUNT,
    and every related row comes in the same query."""
    qs = ticket_scope(user)
    f = filters
    if f.statuses:
        qs = qs.filter(status__in=f.statuses)
    if f.category:
        qs = qs.filter(category__code=f.category)
    if f.compound_id is not None:
        qs = qs.filter(compound_id=f.compound_id)
    if f.assignee:
        qs = qs.filter(assignee__username=f.assignee)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.urgent is not None:
        qs = qs.filter(urgent=f.urgent)
    if f.overdue is not None:
        qs = qs.filter(overdue_q(now)) if f.overdue else qs.exclude(overdue_q(now))
    if f.created_after is not None:
        qs = qs.filter(created_at__gte=f.created_after)
    if f.created_before is not None:
        qs = qs.filter(created_at__lt=f.created_before)
    if f.text:
        qs = qs.filter(Q(number__icontains=f.text) | Q(description__icontains=f.text))
    if after is not None:
        created_at, pk = after
        qs = qs.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=pk))
    rows = list(_list_related(qs).order_by("-created_at", "-id")[: limit + 1])
    return rows[:limit], len(rows) > limit


def ticket_get(user: AnyUser, number: str) -> Ticket:
    """The order with this number if the user may see it; 404 otherwise, malformed or not."""
    if not number or len(number) > _NUMBER_MAX or "\x00" in number:
        raise NotFound(_("No such order."), code="not_found")
    found = _list_related(ticket_scope(user).filter(number=number)).first()
    if found is None:
        raise NotFound(_("No such order."), code="not_found")
    return found


@dataclass(frozen=True)
class TicketDetail:
    ticket: Ticket
    events: list[TicketEvent]
    photos: list[TicketPhoto]


def ticket_detail(user: AnyUser, number: str) -> TicketDetail:
    """ticket_get with its timeline (each event with its actor) and photos: three queries."""
    ticket = ticket_get(user, number)
    return ticket_detail_of(ticket)


def ticket_detail_of(ticket: Ticket) -> TicketDetail:
    """The timeline and photos of an order the caller was already allowed to see."""
    events = TicketEvent.objects.filter(ticket=ticket).select_related("actor").order_by("at", "id")
    photos = TicketPhoto.objects.filter(ticket=ticket).order_by("created_at", "id")
    return TicketDetail(ticket=ticket, events=list(events), photos=list(photos))


def ticket_possible_duplicates(user: AnyUser, ticket: Ticket, *, now: dt.datetime) -> list[Ticket]:
    """Open orders of the same compound and service (and building, when given) from the last
    48 hours that the user may see: offered for a person to merge, never refused."""
    if ticket.compound_id is None:
        return []  # a department matter: no place to compare
    qs = ticket_scope(user).filter(
        compound_id=ticket.compound_id,
        category_id=ticket.category_id,
        status__in=lifecycle.OPEN,
        created_at__gte=now - DUPLICATE_WINDOW,
    )
    if ticket.building_id is not None:
        qs = qs.filter(building_id=ticket.building_id)
    qs = qs.exclude(pk=ticket.pk).select_related("building", "unit")
    return list(qs.order_by("-created_at", "-id")[:DUPLICATES_SHOWN])


def ticket_photo_path(user: AnyUser, photo_id: int) -> Path | None:
    """The file of a photo of an order the user may see, or None (missing, or not theirs)."""
    found = (
        TicketPhoto.objects.filter(pk=photo_id, ticket__in=ticket_scope(user).values("pk"))
        .only("file")
        .first()
    )
    return ticket_photo_file(found) if found is not None else None


def composite_children(ticket: Ticket) -> list[Ticket]:
    """The children of a composite request (一件事) with their handlers, in the order opened.
    Only department matters have children: other orders cost no query."""
    if ticket.channel != "assignment":
        return []
    return list(Ticket.objects.filter(parent=ticket).select_related("assignee").order_by("id"))


def composite_progress(ticket: Ticket) -> tuple[int, int]:
    """(done, total) of a composite request's children, in one query. Done is resolved or
    closed; cancelled children do not count."""
    counts = Ticket.objects.filter(parent=ticket).aggregate(
        done=Count("pk", filter=Q(status__in=[lifecycle.RESOLVED, lifecycle.CLOSED])),
        total=Count("pk", filter=~Q(status=lifecycle.CANCELLED)),
    )
    return counts["done"] or 0, counts["total"] or 0
