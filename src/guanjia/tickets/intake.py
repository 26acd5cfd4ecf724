"""Taking an order from a caller who names the place in words (the JSON API, apps).

Resolves the service code and the place (names or ids, within the caller's streets), applies the
rule on whose phone an order carries, then calls services.ticket_create. One transaction.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.catalog.selectors import category_by_code
from guanjia.core.errors import Forbidden, InvalidInput
from guanjia.core.phones import phone_normalize
from guanjia.org.selectors import PlaceRef, building_find, compound_find, unit_find
from guanjia.people import roles
from guanjia.people.models import Resident, User
from guanjia.people.selectors import own_phone
from guanjia.tickets.models import Ticket
from guanjia.tickets.selectors import ticket_possible_duplicates
from guanjia.tickets.services import ticket_create


@dataclass(frozen=True)
class Intake:
    ticket: Ticket
    possible_duplicates: list[Ticket]


@transaction.atomic
def ticket_intake(
    *,
    caller: User,
    category: str,
    compound: PlaceRef,
    channel: str,
    building: PlaceRef | None = None,
    unit: PlaceRef | None = None,
    room: str = "",
    address: str = "",
    description: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    urgent: bool = False,
    attributes: dict[str, Any] | None = None,
    external_ref: str = "",
    external_deadline: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Intake:
    """Take an order for `caller`.

    Staff who take orders for others (tickets.create_for_others) give any contact. Everyone else
    — residents, handlers reporting what they saw — orders with their own phone: another number
    is 403, and an account without a phone cannot order here (422). The resident behind that
    phone is linked to the account on its first order, so the caller sees it afterwards.
    Possible duplicates are listed, never refused.
    """
    now = now or timezone.now()
    service = category_by_code(category)
    if service is None or not service.active:
        raise InvalidInput(_("Unknown service."), code="unknown_category", field="category")
    place = compound_find(caller, compound)
    bld = building_find(place, building) if building is not None else None
    if unit is not None and bld is None:
        raise InvalidInput(_("Choose the building of this unit."), code="bad_place", field="unit")
    un = unit_find(bld, unit) if unit is not None and bld is not None else None

    for_others = caller.has_perm(roles.CREATE_FOR_OTHERS)
    if not for_others:
        mine = own_phone(caller)
        if not mine:
            raise InvalidInput(
                _("Your account has no phone number; please call the service desk."),
                code="phone_required",
                field="contact_phone",
            )
        if contact_phone:
            try:
                given = phone_normalize(contact_phone)
            except InvalidInput as e:
                e.field = "contact_phone"
                raise
            if given != mine:
                raise Forbidden(
                    _("You can only order with your own phone number."),
                    code="not_own_phone",
                    field="contact_phone",
                )
        contact_phone = mine

    ticket = ticket_create(
        category=service,
        compound=place,
        channel=channel,
        description=description,
        contact_phone=contact_phone,
        contact_name=contact_name,
        building=bld,
        unit=un,
        room=room,
        spot=address,
        urgent=urgent,
        attributes=attributes,
        created_by=caller,
        external_ref=external_ref,
        external_deadline=external_deadline,
        now=now,
    )
    if not for_others and ticket.reporter_id is not None:
        linked = Resident.objects.filter(user=caller).exists()
        if not linked:
            Resident.objects.filter(pk=ticket.reporter_id, user__isnull=True).update(user=caller)
    return Intake(
        ticket=ticket, possible_duplicates=ticket_possible_duplicates(caller, ticket, now=now)
    )
