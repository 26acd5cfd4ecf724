"""Reads of the console's triage pages: the drafts waiting in the queue, one draft with its
guesses as places of the street, the messages behind an order, and the triage accuracy figures.
Every read is limited to the user's streets (people.access.user_street_filter): another street's
message does not exist for them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.catalog.models import ServiceCategory
from guanjia.catalog.selectors import catalog_active
from guanjia.console.forms import MAX_ID
from guanjia.console.intake_forms import ReclassifyForm
from guanjia.org.models import Building, Compound, Unit
from guanjia.org.selectors import buildings_of, units_of
from guanjia.people import roles
from guanjia.people.access import AnyUser, contact_visible, phone_for, user_street_filter
from guanjia.tickets import lifecycle
from guanjia.tickets.models import Channel, Ticket, TicketEvent
from guanjia.triage.models import IntakeMessage, TriageCorrection
from guanjia.triage.phones import phones_masked

# The queue shows at most this many drafts (newest first); a dispatcher works through them from
# the top and the older ones come up as the newer are handled.
DRAFTS_CAP = 30
MESSAGES_PER_ORDER = 10
ACCURACY_DAYS = 30
RECENT_CORRECTIONS = 20
# The fields the accuracy page measures, in the order it shows them.
ACCURACY_FIELDS = ("category", "compound", "building", "unit", "urgent", "phone")
FIELD_LABELS = {
    "category": gettext_lazy("Service"),
    "compound": gettext_lazy("Compound"),
    "building": gettext_lazy("Building"),
    "unit": gettext_lazy("Unit"),
    "room": gettext_lazy("Room"),
    "urgent": gettext_lazy("Urgent"),
    "phone": gettext_lazy("Phone"),
}
# The moves that show a person had an order made by triage in front of them and could have
# corrected it (a dispatcher dispatching, transferring or reclassifying it).
REVIEW_EVENTS = ("dispatch", "transfer", "reclassify", "merge", "cancel")
# An order made by triage without a person: what a reviewer could correct on the order page.
AUTO_CHECKED = ("category", "compound", "building", "unit")


@dataclass(frozen=True)
class Guess:
    """What triage read in a message, ready to show."""

    category: str  # the code
    category_name: str
    confidence: float
    urgent: bool
    compound: str
    building: str
    unit: str
    room: str
    phone: str  # masked for roles without contact access

    @property
    def place(self) -> str:
        return f"{self.compound} {self.building}{self.unit}{self.room}".strip()

    @property
    def percent(self) -> int:
        return round(self.confidence * 100)


def _names(codes: set[str]) -> dict[str, str]:
    """Service names by code: one query for a page."""
    if not codes:
        return {}
    return dict(ServiceCategory.objects.filter(code__in=codes).values_list("code", "name"))


def text_for(user: AnyUser, text: str) -> str:
    """A message as this user may read it: every phone number in it masked (138****5678) for a
    role without contact access, as the phone fields are."""
    return text if contact_visible(user) else phones_masked(text)


def _guess(user: AnyUser, message: IntakeMessage, names: dict[str, str]) -> Guess:
    g: dict[str, Any] = message.guess or {}
    code = str(g.get("category") or message.category)
    phone = str(g.get("phone") or "")
    return Guess(
        category=code,
        category_name=names.get(code, code),
        confidence=float(g.get("confidence", message.confidence)),
        urgent=bool(g.get("urgent", message.urgent)),
        compound=str(g.get("compound") or ""),
        building=str(g.get("building") or ""),
        unit=str(g.get("unit") or ""),
        room=str(g.get("room") or ""),
        phone=phone_for(user, phone) if phone else "",
    )


@dataclass(frozen=True)
class MessageRow:
    message: IntakeMessage
    guess: Guess
    text: str  # the message, its phone numbers masked for roles without contact access
    sender: str  # likewise: a hotline's sender is often a number

    @property
    def channel(self) -> str:
        code = self.message.channel
        return str(Channel(code).label) if code in Channel.values else code


def messages_visible(user: AnyUser) -> QuerySet[IntakeMessage]:
    return IntakeMessage.objects.filter(user_street_filter(user))


def intake_drafts(user: AnyUser, *, limit: int | None = None) -> tuple[list[MessageRow], bool]:
    """The drafts of the user's streets, the urgent ones first (a fire read at 51% is a draft, and
    must not wait under the chatter), then newest first; at most `limit` (DRAFTS_CAP), and
    whether there were more. Two queries whatever the length (the drafts, the service names)."""
    limit = limit or DRAFTS_CAP
    rows = list(
        messages_visible(user)
        .filter(status=IntakeMessage.Status.DRAFT)
        .order_by("-urgent", "-received_at", "-id")[: limit + 1]
    )
    return intake_rows(user, rows[:limit]), len(rows) > limit


def intake_message(user: AnyUser, message_id: int) -> MessageRow | None:
    """One message of the user's streets with its guesses, or None."""
    message = (
        messages_visible(user).select_related("ticket", "handled_by").filter(pk=message_id).first()
    )
    return intake_rows(user, [message])[0] if message is not None else None


def intake_rows(user: AnyUser, messages: list[IntakeMessage]) -> list[MessageRow]:
    """The messages with their guesses as this user may read them (one query for the names)."""
    names = _names({str(m.guess.get("category") or m.category) for m in messages})
    return [
        MessageRow(m, _guess(user, m, names), text_for(user, m.text), text_for(user, m.sender))
        for m in messages
    ]


def ticket_messages(user: AnyUser, ticket: Ticket) -> list[MessageRow]:
    """The messages an order came from (the one that made it first, then those that joined)."""
    messages = list(
        IntakeMessage.objects.filter(ticket=ticket)
        .select_related("handled_by")  # the page names who checked each one
        .order_by("received_at", "pk")[:MESSAGES_PER_ORDER]
    )
    return intake_rows(user, messages)


def street_compounds(street_id: int) -> QuerySet[Compound]:
    return Compound.objects.filter(street_id=street_id).order_by("name", "id")


@dataclass(frozen=True)
class DraftPlace:
    """A draft's guessed place as rows of the street (None where triage found nothing or the
    org has changed since)."""

    compound: Compound | None
    building: Building | None
    unit: Unit | None


def draft_place(message: IntakeMessage) -> DraftPlace:
    g = message.guess or {}
    compound = building = unit = None
    if g.get("compound"):
        compound = Compound.objects.filter(street_id=message.street_id, name=g["compound"]).first()
    if compound is not None and g.get("building"):
        building = Building.objects.filter(compound=compound, name=g["building"]).first()
    if building is not None and g.get("unit"):
        unit = Unit.objects.filter(building=building, name=g["unit"]).first()
    return DraftPlace(compound, building, unit)


def place_context(
    street_id: int, compound_id: Any, building_id: Any, unit_id: Any
) -> dict[str, Any]:
    """The compound → building → unit selects (console/_place.html) with the chosen rows."""

    def as_id(value: Any) -> int | None:
        try:
            number = int(value) if value else None
        except (TypeError, ValueError):
            return None
        return number if number is not None and 0 < number <= MAX_ID else None

    compounds = street_compounds(street_id)
    compound_pk, building_pk = as_id(compound_id), as_id(building_id)
    compound = compounds.filter(pk=compound_pk).first() if compound_pk else None
    building = (
        buildings_of(compound).filter(pk=building_pk).first()
        if compound is not None and building_pk
        else None
    )
    return {
        "compounds": compounds,
        "buildings": list(buildings_of(compound)) if compound is not None else [],
        "units": list(units_of(building)) if building is not None else [],
        "chosen": {
            "compound": compound.pk if compound is not None else None,
            "building": building.pk if building is not None else None,
            "unit": as_id(unit_id) if building is not None else None,
        },
    }


def drafts_context(user: AnyUser) -> dict[str, Any]:
    """The queue's drafts section, for those who may turn drafts into orders."""
    if not user.has_perm(roles.CREATE_FOR_OTHERS):
        return {"show_drafts": False}
    drafts, more = intake_drafts(user)
    return {"show_drafts": True, "drafts": drafts, "drafts_more": more, "drafts_cap": len(drafts)}


def ticket_intake_context(user: AnyUser, ticket: Ticket, actions: list[str]) -> dict[str, Any]:
    """The order page's triage parts: the messages it came from, and the form that corrects its
    service and place (a dispatcher, an open order that is not an assigned matter)."""
    context: dict[str, Any] = {"intake_messages": ticket_messages(user, ticket)}
    may_fix = (
        user.has_perm(roles.DISPATCH)
        and ticket.status in lifecycle.OPEN
        and ticket.channel != Channel.ASSIGNMENT
    )
    context["reclassify"] = may_fix
    if may_fix:
        context.update(
            form=ReclassifyForm(street_id=ticket.street_id),
            reclassify_categories=catalog_active(),
            room=ticket.room,
            **place_context(
                ticket.street_id, ticket.compound_id, ticket.building_id, ticket.unit_id
            ),
        )
    return context


# Accuracy ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldAccuracy:
    field: str
    label: str
    checked: int
    corrected: int

    @property
    def accuracy(self) -> float | None:
        return 1 - self.corrected / self.checked if self.checked else None

    @property
    def percent(self) -> str:
        value = self.accuracy
        return "—" if value is None else f"{value * 100:.1f}%"


@dataclass(frozen=True)
class CorrectionRow:
    correction: TriageCorrection
    text: str
    label: str
    guessed: str
    corrected: str
    who: str


@dataclass(frozen=True)
class Accuracy:
    since: dt.datetime
    handled: int  # messages taken in the window (ordered, joined or discarded)
    by_person: int  # drafts a person confirmed or discarded
    automatic: int  # orders and joins made by triage alone
    fields: list[FieldAccuracy]
    versions: list[tuple[str, int]]  # model version, messages read with it
    recent: list[CorrectionRow]


def _shown(user: AnyUser, field: str, value: str, names: dict[str, str]) -> str:
    if not value:
        return "—"
    if field == "category":
        return names.get(value, value)
    if field == "phone":
        return phone_for(user, value)
    if field == "urgent":
        return _("yes") if value == "True" else _("no")
    return value


def triage_accuracy(user: AnyUser, *, now: dt.datetime) -> Accuracy:
    """How often triage was right over the last ACCURACY_DAYS days, per field.

    A field of a message counts as checked by a person when: a dispatcher confirmed the draft
    (every field); discarded it (the service only); or had the order triage made alone in front
    of them (dispatched, transferred, reclassified, merged or cancelled it by hand: the service
    and the place, the fields the order page corrects); and always when a correction of the field
    was stored. Corrected: at least one correction of the field. Accuracy = 1 − corrected/checked.
    Joined messages take the order's fields and are not counted as checked unless corrected.

    Four queries whatever the volume: the figures (one aggregate), the model versions, the last
    corrections and the service names they mention.
    """
    since = now - dt.timedelta(days=ACCURACY_DAYS)
    S = IntakeMessage.Status
    handled = messages_visible(user).filter(
        received_at__gte=since, status__in=(S.ORDERED, S.JOINED, S.DISCARDED)
    )
    corrections = TriageCorrection.objects.filter(message=OuterRef("pk"))
    reviewed = TicketEvent.objects.filter(
        ticket=OuterRef("ticket"), type__in=REVIEW_EVENTS, actor__isnull=False
    )
    annotated = handled.annotate(
        reviewed=Exists(reviewed),
        **{f"fix_{name}": Exists(corrections.filter(field=name)) for name in ACCURACY_FIELDS},
    )
    confirmed = Q(handled_by__isnull=False, status=S.ORDERED)
    discarded = Q(handled_by__isnull=False, status=S.DISCARDED)
    auto_reviewed = Q(handled_by__isnull=True, status=S.ORDERED, reviewed=True)
    aggregates: dict[str, Any] = {
        "handled": Count("pk"),
        "by_person": Count("pk", filter=Q(handled_by__isnull=False)),
    }
    for name in ACCURACY_FIELDS:
        checked = confirmed | Q(**{f"fix_{name}": True})
        if name == "category":
            checked |= discarded
        if name in AUTO_CHECKED:
            checked |= auto_reviewed
        aggregates[f"checked_{name}"] = Count("pk", filter=checked)
        aggregates[f"corrected_{name}"] = Count("pk", filter=Q(**{f"fix_{name}": True}))
    figures = annotated.aggregate(**aggregates)
    fields = [
        FieldAccuracy(
            field=name,
            label=str(FIELD_LABELS[name]),
            checked=figures[f"checked_{name}"],
            corrected=figures[f"corrected_{name}"],
        )
        for name in ACCURACY_FIELDS
    ]
    versions = [
        (r["model_version"] or "—", r["n"])
        for r in handled.values("model_version")
        .annotate(n=Count("pk"))
        .order_by("-n", "model_version")
    ]
    recent = list(
        TriageCorrection.objects.filter(user_street_filter(user))
        .select_related("message", "message__ticket", "corrected_by")
        .order_by("-at", "-pk")[:RECENT_CORRECTIONS]
    )
    names = _names(
        {c.guessed for c in recent if c.field == "category"}
        | {c.corrected for c in recent if c.field == "category"}
    )
    return Accuracy(
        since=since,
        handled=figures["handled"],
        by_person=figures["by_person"],
        automatic=figures["handled"] - figures["by_person"],
        fields=fields,
        versions=versions,
        recent=[
            CorrectionRow(
                correction=c,
                text=text_for(user, c.message.text),
                label=str(FIELD_LABELS.get(c.field, c.field)),
                guessed=_shown(user, c.field, c.guessed, names),
                corrected=_shown(user, c.field, c.corrected, names),
                who=(c.corrected_by.display_name or c.corrected_by.username)
                if c.corrected_by is not None
                else "",
            )
            for c in recent
        ],
    )
