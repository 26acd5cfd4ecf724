"""Writes of the workers' pages. Moves of an order go through tickets.services.ticket_transition
and photos through tickets.photos.ticket_photo_add; this module only logs phone reveals."""

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core.errors import Forbidden, NotFound
from guanjia.people.models import User
from guanjia.tickets import lifecycle
from guanjia.tickets.access import ticket_capacities
from guanjia.tickets.selectors import ticket_get
from guanjia.workbench.models import ContactReveal

security_log = logging.getLogger("guanjia.security")


@transaction.atomic
def contact_reveal(
    *, user: User, number: str, ip: str | None, now: dt.datetime | None = None
) -> tuple[str, ContactReveal]:
    """The full contact phone of an order, for its current handler only, while it is open.

    An order the user cannot see is 404; one they see (the grab pool) but do not handle is 403.
    Every reveal writes a ContactReveal row and a line to the `guanjia.security` log (neither
    carries the number)."""
    now = now or timezone.now()
    ticket = ticket_get(user, number)
    if lifecycle.ASSIGNEE not in ticket_capacities(user, ticket):
        raise Forbidden(
            _("Only the handler of this order can see the resident's number."), code="forbidden"
        )
    if ticket.status not in lifecycle.OPEN:
        raise Forbidden(
            _("This order is finished; the resident's number is no longer shown."),
            code="ticket_closed",
        )
    if not ticket.contact_phone:
        raise NotFound(_("This order has no phone number."), code="no_phone")
    row = ContactReveal.objects.create(
        street_id=ticket.street_id, user=user, ticket=ticket, at=now, ip=ip
    )
    security_log.info(
        "contact reveal user=%s ticket=%s ip=%s", user.username, ticket.number, ip or "-"
    )
    return ticket.contact_phone, row
