"""A resident's order from the public form: the ticket in one transaction, then its photos."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from guanjia.catalog.models import ServiceCategory
from guanjia.core.errors import GuanjiaError
from guanjia.org.models import Building, Compound, Unit
from guanjia.tickets.models import Channel, Ticket
from guanjia.tickets.photos import ticket_photo_add
from guanjia.tickets.services import ticket_create


@dataclass
class ResidentOrder:
    ticket: Ticket
    # (position, reason) of each photo that could not be kept: the order stands without it.
    photo_problems: list[tuple[int, str]] = field(default_factory=list)


def resident_order(
    *,
    category: ServiceCategory,
    compound: Compound,
    building: Building | None,
    unit: Unit | None,
    room: str,
    spot: str,
    description: str,
    contact_phone: str,
    contact_name: str,
    attributes: dict[str, Any],
    photos: list[bytes],
    now: dt.datetime | None = None,
) -> ResidentOrder:
    """Take an order from someone without an account (the web form).

    The order is written by `ticket_create` in its own transaction (ticket, event, notifications,
    automatic dispatch): all or nothing. Photos go in afterwards through `ticket_photo_add`, which
    re-checks each one as the reporter holding the tracking link; the form already decoded them,
    so a failure here is rare (a full disk, a race on the count). The order then stands without
    that photo and the resident is told which one is missing and why: a lost repair is worse than
    a lost picture.
    """
    now = now or timezone.now()
    ticket = ticket_create(
        category=category,
        compound=compound,
        building=building,
        unit=unit,
        room=room,
        spot=spot,
        channel=Channel.FORM,
        description=description,
        contact_phone=contact_phone,
        contact_name=contact_name,
        attributes=attributes,
        created_by=None,
        now=now,
    )
    result = ResidentOrder(ticket=ticket)
    for index, data in enumerate(photos, start=1):
        try:
            ticket_photo_add(
                ticket=ticket,
                kind="report",
                upload=data,
                actor=AnonymousUser(),
                resident=ticket.reporter,
            )
        except GuanjiaError as e:
            result.photo_problems.append((index, str(e.message)))
    return result
