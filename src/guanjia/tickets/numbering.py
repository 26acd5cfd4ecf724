"""Ticket numbers: <STREET CODE>-YYYYMMDD-NNNN, unique across streets, per-day sequence."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F

from guanjia.org.models import Street
from guanjia.tickets.models import TicketCounter


def ticket_number_format(street_code: str, day: dt.date, seq: int) -> str:
    return f"{street_code.upper()}-{day:%Y%m%d}-{seq:04d}"


def ticket_number_next(*, street: Street, day: dt.date) -> str:
    """Take the next number of the day. Must run inside the transaction that creates the ticket,
    so a rolled-back order gives its number back."""
    counters = TicketCounter.objects.filter(street=street, day=day)
    if not counters.update(value=F("value") + 1):
        try:
            with transaction.atomic():
                TicketCounter.objects.create(street=street, day=day, value=1)
        except IntegrityError:
            counters.update(value=F("value") + 1)
    seq = counters.values_list("value", flat=True).get()
    return ticket_number_format(street.code, day, seq)
