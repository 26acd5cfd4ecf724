"""A resident's order from the public form (the ticket in one transaction, then its photos), and
the one-time codes of "My orders" (sent by SMS, checked, purged)."""

import datetime as dt
import logging
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from guanjia.catalog.models import ServiceCategory
from guanjia.core.errors import GuanjiaError, InvalidInput
from guanjia.notifications.backends import sms_backend
from guanjia.org.models import Building, Compound, Unit
from guanjia.resident.models import PhoneCode
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


# One-time codes ("My orders") -------------------------------------------------------------------

logger = logging.getLogger("guanjia.resident")

PHONE_CODE_DIGITS = 6
PHONE_CODE_TTL = dt.timedelta(minutes=10)
PHONE_CODE_MAX_ATTEMPTS = 5
# A number gets one code a minute and five a day; rows are kept a day to count them.
PHONE_CODE_INTERVAL = dt.timedelta(seconds=60)
PHONE_CODES_PER_DAY = 5
PHONE_CODE_KEEP = dt.timedelta(days=1)


def phone_digest(phone: str) -> str:
    """A keyed digest of a normalised phone: finds a number's codes without storing it."""
    return salted_hmac("guanjia.resident.phone", phone, algorithm="sha256").hexdigest()


def _code_hash(salt: str, phone: str, code: str) -> str:
    value = f"{salt}:{phone}:{code}"
    return salted_hmac("guanjia.resident.phone_code", value, algorithm="sha256").hexdigest()


def phone_is_mobile(phone: str) -> bool:
    """Whether a normalised number is a mobile (SMS reaches mobiles only, not landlines)."""
    return len(phone) == 11 and phone.startswith("1")


@dataclass(frozen=True)
class CodeSent:
    code_id: int
    expires_at: dt.datetime


@transaction.atomic
def _phone_code_create(*, phone: str, code: str, now: dt.datetime) -> PhoneCode:
    digest = phone_digest(phone)
    recent = PhoneCode.objects.filter(
        phone_digest=digest, created_at__gt=now - dt.timedelta(days=1)
    )
    last = recent.order_by("-created_at").values_list("created_at", flat=True).first()
    if last is not None and now - last < PHONE_CODE_INTERVAL:
        wait = int((PHONE_CODE_INTERVAL - (now - last)).total_seconds()) + 1
        raise InvalidInput(
            _("A code was just sent to this number. Please wait %(seconds)d seconds.")
            % {"seconds": wait},
            code="code_too_soon",
            field="phone",
        )
    if recent.count() >= PHONE_CODES_PER_DAY:
        raise InvalidInput(
            _("This number has had %(count)d codes today. Please try again tomorrow.")
            % {"count": PHONE_CODES_PER_DAY},
            code="code_day_limit",
            field="phone",
        )
    # Only the newest code of a number is good.
    PhoneCode.objects.filter(phone_digest=digest, spent_at__isnull=True).update(spent_at=now)
    salt = secrets.token_hex(16)
    return PhoneCode.objects.create(
        phone_digest=digest,
        salt=salt,
        code_hash=_code_hash(salt, phone, code),
        created_at=now,
        expires_at=now + PHONE_CODE_TTL,
    )


def phone_code_send(*, phone: str, now: dt.datetime | None = None) -> CodeSent:
    """Send a fresh one-time code by SMS to a normalised mobile number.

    The rule: one code a minute and five a day per number; a new code replaces the number's
    older ones. Whether the number has orders plays no part (no enumeration). The code is sent
    at once through the SMS backend, not through the notification outbox, so that it is never
    stored in clear and arrives while the resident waits; only its salted HMAC is kept. A failed
    send removes the row again (the resident may try at once) and raises InvalidInput.
    """
    now = now or timezone.now()
    if not phone_is_mobile(phone):
        raise InvalidInput(
            _("Only a mobile number can receive a code by SMS."),
            code="not_mobile",
            field="phone",
        )
    code = f"{secrets.randbelow(10**PHONE_CODE_DIGITS):0{PHONE_CODE_DIGITS}d}"
    row = _phone_code_create(phone=phone, code=code, now=now)
    minutes = int(PHONE_CODE_TTL.total_seconds() // 60)
    with translation.override(settings.LANGUAGE_CODE):
        text = _(
            "Your code for My orders is %(code)s, valid for %(minutes)d minutes. "
            "If you did not ask for it, ignore this message."
        ) % {"code": code, "minutes": minutes}
    try:
        sms_backend().send(phone, text, ref=f"code-{row.pk}")
    except Exception:
        logger.exception("one-time code %s could not be sent", row.pk)
        PhoneCode.objects.filter(pk=row.pk).delete()
        raise InvalidInput(
            _("The text message could not be sent. Please try again in a moment."),
            code="sms_failed",
            field="phone",
        ) from None
    return CodeSent(code_id=row.pk, expires_at=row.expires_at)


# The outcomes of a check.
CODE_OK = "ok"
CODE_WRONG = "wrong"
CODE_EXPIRED = "expired"  # past its ten minutes, replaced, already used, or never sent
CODE_DEAD = "dead"  # too many wrong guesses


@dataclass(frozen=True)
class CodeCheck:
    outcome: str
    remaining: int = 0  # guesses left after a wrong one

    @property
    def ok(self) -> bool:
        return self.outcome == CODE_OK


@transaction.atomic
def phone_code_check(*, phone: str, code: str, now: dt.datetime | None = None) -> CodeCheck:
    """Check a typed code against the newest code sent to `phone`.

    The rule: good for ten minutes and one success; five wrong guesses kill it. The comparison
    is constant-time. The outcome is returned, not raised, so that a wrong guess is counted
    (an exception would roll the count back).
    """
    now = now or timezone.now()
    row = (
        PhoneCode.objects.select_for_update()
        .filter(phone_digest=phone_digest(phone), spent_at__isnull=True)
        .order_by("-created_at", "-id")
        .first()
    )
    if row is None or row.expires_at <= now:
        return CodeCheck(CODE_EXPIRED)
    if row.attempts >= PHONE_CODE_MAX_ATTEMPTS:
        return CodeCheck(CODE_DEAD)
    if constant_time_compare(row.code_hash, _code_hash(row.salt, phone, code)):
        PhoneCode.objects.filter(pk=row.pk).update(spent_at=now)
        return CodeCheck(CODE_OK)
    attempts = row.attempts + 1
    PhoneCode.objects.filter(pk=row.pk).update(attempts=attempts)
    if attempts >= PHONE_CODE_MAX_ATTEMPTS:
        return CodeCheck(CODE_DEAD)
    return CodeCheck(CODE_WRONG, remaining=PHONE_CODE_MAX_ATTEMPTS - attempts)


def phone_codes_purge(*, now: dt.datetime | None = None, batch: int = 1000) -> int:
    """Delete codes older than a day (all long expired; kept that long only to count a day's
    sends), a batch at a time in short transactions. Returns how many."""
    cutoff = (now or timezone.now()) - PHONE_CODE_KEEP
    removed = 0
    while True:
        ids = list(
            PhoneCode.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return removed
        removed += PhoneCode.objects.filter(pk__in=ids).delete()[0]
