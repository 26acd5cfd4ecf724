"""Messages in, orders or drafts out; drafts confirmed by a dispatcher; corrections recorded.

The one rule: a message becomes an order by itself only when triage is sure (confidence at or
above the street's threshold) and knows the compound; otherwise it waits as a draft with the
guesses filled in. A message about the same place and problem as an order still open joins that
order instead of making another. An urgent order pages the manager (tickets.services does it for
every urgent order), and is dispatched like any other.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.catalog.models import ORDERABLE, ServiceCategory
from guanjia.core.errors import Conflict, InvalidInput
from guanjia.notifications.services import notify_street_role
from guanjia.org.models import Building, Compound, Street, Unit
from guanjia.people import roles
from guanjia.people.models import User
from guanjia.tickets.events import event_write
from guanjia.tickets.lifecycle import Status
from guanjia.tickets.models import Channel, Ticket
from guanjia.tickets.services import ticket_create
from guanjia.triage.engine import Triage, triage_many
from guanjia.triage.models import IntakeMessage, IntakeSettings, RobotSignature, TriageCorrection
from guanjia.triage.phones import phones_masked
from guanjia.triage.robot import MAX_SKEW
from guanjia.triage.runtime import current_model, street_gazetteer

MAX_TEXT = 2000
CHANNELS = (Channel.WECHAT.value, Channel.HOTLINE.value, Channel.FORM.value, Channel.API.value)
JOIN_WINDOW = dt.timedelta(hours=48)
OPEN = (Status.NEW, Status.DISPATCHED, Status.ACCEPTED, Status.ON_SITE, Status.PAUSED)
CORRECTABLE = ("category", "urgent", "compound", "building", "unit", "room", "phone")


@dataclass(frozen=True)
class Intake:
    message: IntakeMessage
    ticket: Ticket | None

    @property
    def kind(self) -> str:
        return {"ordered": "order", "joined": "joined"}.get(self.message.status, "draft")


def intake_settings(street: Street) -> IntakeSettings:
    found = IntakeSettings.objects.filter(street=street).first()
    return found if found is not None else IntakeSettings(street=street)


def _clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("The message is empty."), code="required", field="text")
    if len(text) > MAX_TEXT:
        raise InvalidInput(
            _("The message is longer than %(n)d characters.") % {"n": MAX_TEXT},
            code="too_long",
            field="text",
        )
    return text


@dataclass(frozen=True)
class _Place:
    compound: Compound | None
    building: Building | None
    unit: Unit | None


def _place(street: Street, guess: Triage) -> _Place:
    if guess.compound is None:
        return _Place(None, None, None)
    compound = Compound.objects.filter(street=street, name=guess.compound).first()
    building = unit = None
    if compound is not None and guess.building:
        building = Building.objects.filter(compound=compound, name=guess.building).first()
        if building is not None and guess.unit:
            unit = Unit.objects.filter(building=building, name=guess.unit).first()
    return _Place(compound, building, unit)


def _open_twin(street: Street, place: _Place, guess: Triage, now: dt.datetime) -> Ticket | None:
    """An order still open about the same problem at the same place, taken recently: the same
    compound and service, and the same building, unit and room wherever both the message and
    the order name one (5幢1单元's corridor light is not 5幢2单元's). An urgent message joins
    only an urgent order: danger must not be absorbed into an ordinary one, unseen."""
    if place.compound is None:
        return None
    twins = Ticket.objects.filter(
        street=street,
        compound=place.compound,
        category__code=guess.category,
        status__in=OPEN,
        created_at__gte=now - JOIN_WINDOW,
    )
    # NULL is never IN (...): an order that names no building is matched explicitly.
    if place.building is not None:
        twins = twins.filter(Q(building=place.building) | Q(building__isnull=True))
    if place.unit is not None:
        twins = twins.filter(Q(unit=place.unit) | Q(unit__isnull=True))
        if guess.room:
            twins = twins.filter(Q(room=guess.room) | Q(room=""))
    if guess.urgent:
        twins = twins.filter(urgent=True)
    return twins.order_by("-created_at").first()


def intake_receive_many(
    *,
    street: Street,
    texts: list[str],
    channel: str,
    sender: str = "",
    received_at: dt.datetime | None = None,
    external_ids: list[str] | None = None,
    actor: User | None = None,
    now: dt.datetime | None = None,
) -> list[Intake]:
    """Triage `texts` (one model call) and take each in its own transaction, in order, so that
    a later message can join the order an earlier one made."""
    if channel not in CHANNELS:
        raise InvalidInput(_("Unknown channel."), code="bad_channel", field="channel")
    now = now or timezone.now()
    received_at = received_at or now
    if timezone.is_naive(received_at):
        raise InvalidInput(
            _("The time needs a time zone."), code="naive_datetime", field="received_at"
        )
    cleaned = [_clean_text(t) for t in texts]
    ids = external_ids or [""] * len(cleaned)
    guesses = triage_many(cleaned, gazetteer=street_gazetteer(street), model=current_model())
    threshold = intake_settings(street).confidence_threshold
    return [
        _once(
            street=street,
            channel=channel,
            external_id=external_id[:100],
            take=functools.partial(
                _take_once,
                street=street,
                text=text,
                guess=guess,
                channel=channel,
                sender=sender[:100],
                received_at=received_at,
                external_id=external_id[:100],
                actor=actor,
                threshold=threshold,
                now=now,
            ),
        )
        for text, guess, external_id in zip(cleaned, guesses, ids, strict=True)
    ]


def intake_receive(
    *,
    street: Street,
    text: str,
    channel: str,
    sender: str = "",
    received_at: dt.datetime | None = None,
    external_id: str = "",
    actor: User | None = None,
    now: dt.datetime | None = None,
) -> Intake:
    """Take one message: an order when triage is sure, else a draft; a repeat joins."""
    return intake_receive_many(
        street=street,
        texts=[text],
        channel=channel,
        sender=sender,
        received_at=received_at,
        external_ids=[external_id],
        actor=actor,
        now=now,
    )[0]


def _once(*, street: Street, channel: str, external_id: str, take: Callable[[], Intake]) -> Intake:
    """`take` in its own transaction, once per external id: a robot delivering the same message
    again, even at the same moment, gets the message taken the first time (the database's
    unique constraint decides a race, and the loser's order is rolled back with its message)."""
    if external_id:
        seen = IntakeMessage.objects.filter(
            street=street, channel=channel, external_id=external_id
        ).first()
        if seen is not None:
            return Intake(seen, seen.ticket)
    try:
        with transaction.atomic():
            return take()
    except IntegrityError:
        seen = IntakeMessage.objects.filter(
            street=street, channel=channel, external_id=external_id
        ).first()
        if seen is None or not external_id:
            raise
        return Intake(seen, seen.ticket)


def _take_once(
    *,
    street: Street,
    text: str,
    guess: Triage,
    channel: str,
    sender: str,
    received_at: dt.datetime,
    external_id: str,
    actor: User | None,
    threshold: float,
    now: dt.datetime,
) -> Intake:
    place = _place(street, guess)
    message = IntakeMessage(
        street=street,
        channel=channel,
        text=text,
        sender=sender,
        external_id=external_id,
        received_at=received_at,
        guess=guess.as_dict(reasons=True),
        model_version=guess.model_version,
        category=guess.category,
        confidence=guess.confidence,
        urgent=guess.urgent,
        status=IntakeMessage.Status.DRAFT,
    )
    category = ServiceCategory.objects.filter(ORDERABLE, code=guess.category, active=True).first()
    confident = guess.confidence >= threshold and category is not None
    if confident and place.compound is not None:
        # Two messages about one problem at the same moment: the second waits here for the
        # first's order and joins it, instead of both making one.
        Compound.objects.select_for_update().filter(pk=place.compound.pk).first()
    # Joining is triage acting alone, as making an order is: only when it is sure of the problem.
    twin = _open_twin(street, place, guess, now) if confident else None
    if twin is not None:
        message.status = IntakeMessage.Status.JOINED
        message.ticket = twin
        message.save(force_insert=True)
        event_write(
            ticket=twin,
            type="message_joined",
            at=now,
            actor=actor,
            note=phones_masked(text)[:200],  # events carry no contact data of their own
            payload={"message": message.pk, "channel": channel},
        )
        return Intake(message, twin)
    sure = confident and place.compound is not None
    if not sure:
        message.save(force_insert=True)
        if guess.urgent:  # danger must not wait unseen under the chatter: page the managers
            where = " ".join(x for x in (guess.compound, guess.building, guess.unit) if x)
            notify_street_role(
                street_id=street.pk,
                permission=roles.EXTEND,
                kind="intake_urgent_draft",
                payload={
                    "message": message.pk,
                    "category": category.name if category is not None else guess.category,
                    "place": where,
                },
                at=now,
            )
        return Intake(message, None)
    ticket = ticket_create(
        category=category,  # type: ignore[arg-type]
        compound=place.compound,
        building=place.building,
        unit=place.unit if place.building is not None else None,
        room=guess.room or "",
        channel=channel,
        description=phones_masked(text)[:1000],
        contact_phone=guess.phone or "",
        urgent=guess.urgent,
        created_by=actor,
        contact_optional=True,
        now=now,
    )
    message.status = IntakeMessage.Status.ORDERED
    message.ticket = ticket
    message.save(force_insert=True)
    return Intake(message, ticket)


def _check_version(message: IntakeMessage, version: int) -> None:
    if message.version != version or message.status != IntakeMessage.Status.DRAFT:
        raise Conflict(
            _("Someone else has handled this message; reload to see it."), code="stale_version"
        )


def _corrections(
    message: IntakeMessage, final: dict[str, Any], actor: User, now: dt.datetime
) -> None:
    rows = []
    for name in CORRECTABLE:
        guessed = message.guess.get(name)
        if name not in final or final[name] == guessed:
            continue
        rows.append(
            TriageCorrection(
                street_id=message.street_id,
                message=message,
                field=name,
                guessed="" if guessed is None else str(guessed),
                corrected="" if final[name] is None else str(final[name]),
                corrected_by=actor,
                at=now,
            )
        )
    TriageCorrection.objects.bulk_create(rows)


@transaction.atomic
def intake_draft_confirm(
    *,
    message_id: int,
    version: int,
    actor: User,
    category: ServiceCategory,
    compound: Compound,
    building: Building | None = None,
    unit: Unit | None = None,
    room: str = "",
    contact_phone: str = "",
    urgent: bool = False,
    description: str = "",
    now: dt.datetime | None = None,
) -> Intake:
    """A dispatcher confirms a draft with the fields as corrected: the order is taken and every
    field that differs from the guess is stored as a correction (training data)."""
    now = now or timezone.now()
    message = IntakeMessage.objects.select_for_update().get(pk=message_id)
    _check_version(message, version)
    if compound.street_id != message.street_id:
        raise InvalidInput(
            _("Choose a compound of this street."), code="bad_place", field="compound"
        )
    ticket = ticket_create(
        category=category,
        compound=compound,
        building=building,
        unit=unit,
        room=room,
        channel=message.channel,
        # Workers read the description: every number in it masked, the one kept as the contact
        # shown in full only to roles that may see it (a worker's reveal is logged).
        description=phones_masked(description or message.text)[:1000],
        contact_phone=contact_phone,
        urgent=urgent,
        created_by=actor,
        contact_optional=True,
        now=now,
    )
    final = {
        "category": category.code,
        "urgent": urgent,
        "compound": compound.name,
        "building": building.name if building else None,
        "unit": unit.name if unit else None,
        "room": room or None,
        "phone": ticket.contact_phone or None,
    }
    _corrections(message, final, actor, now)
    message.status = IntakeMessage.Status.ORDERED
    message.ticket = ticket
    message.handled_by = actor
    message.handled_at = now
    message.version += 1
    message.save(update_fields=["status", "ticket", "handled_by", "handled_at", "version"])
    return Intake(message, ticket)


@transaction.atomic
def intake_draft_discard(
    *,
    message_id: int,
    version: int,
    actor: User,
    category: str = "",
    now: dt.datetime | None = None,
) -> IntakeMessage:
    """A dispatcher drops a draft that is no order (thanks, chatter, a question answered in the
    group). `category`, when given, is what the message really was (a correction to learn)."""
    now = now or timezone.now()
    message = IntakeMessage.objects.select_for_update().get(pk=message_id)
    _check_version(message, version)
    if category:
        if not ServiceCategory.objects.filter(code=category).exists():
            raise InvalidInput(_("Unknown service."), code="unknown_category", field="category")
        _corrections(message, {"category": category}, actor, now)
    message.status = IntakeMessage.Status.DISCARDED
    message.handled_by = actor
    message.handled_at = now
    message.version += 1
    message.save(update_fields=["status", "handled_by", "handled_at", "version"])
    return message


def triage_corrections_record(
    *, ticket: Ticket, actor: User, changes: dict[str, Any], now: dt.datetime | None = None
) -> int:
    """Record that a dispatcher changed fields of an order triage made (called in the same
    transaction as the change). Returns how many corrections were stored."""
    now = now or timezone.now()
    message = (
        IntakeMessage.objects.filter(ticket=ticket, status=IntakeMessage.Status.ORDERED)
        .order_by("pk")
        .first()
    )
    if message is None:
        return 0
    before = TriageCorrection.objects.filter(message=message).count()
    _corrections(message, changes, actor, now)
    return TriageCorrection.objects.filter(message=message).count() - before


@transaction.atomic
def robot_signature_take(*, street: Street, sign: str, message_id: str, now: dt.datetime) -> bool:
    """A group robot's (valid) signature may carry one platform message: True the first time it
    is seen, and again when the platform retries the same message id; False when it comes back
    with another message or none (a captured request replayed with a body of someone's choice:
    the platform does not sign the body). Signatures older than the replay window are dropped."""
    RobotSignature.objects.filter(at__lt=now - 2 * MAX_SKEW).delete()
    try:
        with transaction.atomic():
            RobotSignature.objects.create(street=street, sign=sign, message_id=message_id, at=now)
        return True
    except IntegrityError:
        return bool(message_id) and (
            RobotSignature.objects.filter(street=street, sign=sign, message_id=message_id).exists()
        )
