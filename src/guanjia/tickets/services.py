"""Writes to orders. Every change of a ticket goes through `ticket_create` or `ticket_transition`.

Each runs in one transaction that changes the ticket (compare-and-set on `version`), appends one
TicketEvent and queues its notifications, so the three commit together or not at all.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.catalog.models import DispatchMode, HandlerKind, ServiceCategory
from guanjia.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from guanjia.core.phones import phone_normalize
from guanjia.notifications.services import notification_queue, notify_role
from guanjia.org.models import Building, Compound, Household, Street, Unit
from guanjia.people import roles
from guanjia.people.access import AnyUser
from guanjia.people.models import Resident, User
from guanjia.people.selectors import (
    handler_on_duty,
    handler_open_workload,
    handler_profile,
    handler_qualified,
)
from guanjia.sla.calendar import Calendar
from guanjia.sla.selectors import calendar_for
from guanjia.tickets import lifecycle
from guanjia.tickets.access import ticket_capacities
from guanjia.tickets.attributes import attributes_clean
from guanjia.tickets.escalation import ticket_escalation_next_at
from guanjia.tickets.events import event_write
from guanjia.tickets.models import Channel, Ticket, TicketFollower
from guanjia.tickets.numbering import ticket_number_next
from guanjia.tickets.sla import Deadlines, deadlines_from, deadlines_resume

MAX_DESCRIPTION = 2000
MAX_REASON = 500


@dataclass
class Warning:
    code: str
    message: str


@dataclass
class TransitionResult:
    ticket: Ticket
    warnings: list[Warning] = field(default_factory=list)


@dataclass(frozen=True)
class Rating:
    overall: int
    speed: int | None = None
    service: int | None = None
    comment: str = ""


def _text(value: str | None, limit: int, field_name: str) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise InvalidInput(
            _("Too long: at most %(limit)d characters.") % {"limit": limit},
            code="too_long",
            field=field_name,
        )
    return value


def _calendar(category: ServiceCategory, street_id: int) -> Calendar:
    """The calendar the category's clocks run on in this street (24×7: no query)."""
    return calendar_for(kind=category.calendar, street_id=street_id)


def _category_deadlines(category: ServiceCategory, start: dt.datetime, street_id: int) -> Deadlines:
    return deadlines_from(
        start,
        accept_minutes=category.accept_minutes,
        arrive_minutes=category.arrive_minutes if category.site_visit else None,
        resolve_minutes=category.resolve_minutes,
        calendar=_calendar(category, street_id),
    )


def _place_clean(
    *, street: Street, compound: Compound, building: Building | None, unit: Unit | None
) -> None:
    if compound.street_id != street.pk:
        raise InvalidInput(
            _("This compound is not in this street."), code="bad_place", field="compound"
        )
    if building is not None and building.compound_id != compound.pk:
        raise InvalidInput(
            _("Building %(building)s is not in %(compound)s.")
            % {"building": building.name, "compound": compound.name},
            code="bad_place",
            field="building",
        )
    if unit is not None:
        if building is None:
            raise InvalidInput(
                _("Choose the building of this unit."), code="bad_place", field="unit"
            )
        if unit.building_id != building.pk:
            raise InvalidInput(
                _("Unit %(unit)s is not in building %(building)s.")
                % {"unit": unit.name, "building": building.name},
                code="bad_place",
                field="unit",
            )


@transaction.atomic
def ticket_create(
    *,
    category: ServiceCategory,
    compound: Compound | None,
    channel: str,
    street: Street | None = None,
    resolve_due: dt.datetime | None = None,
    description: str = "",
    contact_phone: str = "",
    contact_name: str = "",
    building: Building | None = None,
    unit: Unit | None = None,
    room: str = "",
    spot: str = "",
    urgent: bool = False,
    attributes: dict[str, Any] | None = None,
    created_by: User | None = None,
    external_ref: str = "",
    external_deadline: dt.datetime | None = None,
    parent: Ticket | None = None,
    contact_optional: bool = False,
    now: dt.datetime | None = None,
) -> Ticket:
    """Take an order. The place must hang together (unit in building in compound in the street);
    deadlines come from the category; the reporter is the resident with the contact phone (created
    on first order). Staff may order on a caller's behalf only with `create_for_others`.

    A department matter (channel assignment, tickets/assignments.py) may have no compound: it then
    names its `street`, needs no phone, gets `resolve_due` as its deadline, and is neither
    announced to the dispatchers nor auto-dispatched (the leader dispatches it at once).

    `contact_optional` is for orders read from a group chat (triage): the group that sent the
    message hears the ticket number, and the sender may have left no phone."""
    now = now or timezone.now()
    assignment = channel == Channel.ASSIGNMENT
    if compound is not None:
        street = compound.street
    elif street is None or not assignment:
        raise InvalidInput(_("Choose the compound."), code="required", field="compound")
    if not category.active:
        raise InvalidInput(
            _("This service is not available."), code="inactive_category", field="category"
        )
    if channel not in Channel.values:
        raise InvalidInput(_("Unknown channel."), code="bad_channel", field="channel")
    if compound is not None:
        _place_clean(street=street, compound=compound, building=building, unit=unit)
    elif building is not None or unit is not None:
        raise InvalidInput(_("Choose the compound."), code="required", field="compound")
    description = _text(description, MAX_DESCRIPTION, "description")
    contact_name = _text(contact_name, 50, "contact_name")
    room = _text(room, 20, "room")
    spot = _text(spot, 100, "spot")
    external_ref = _text(external_ref, 100, "external_ref")
    if not description and not attributes:
        raise InvalidInput(_("Please describe the problem."), code="required", field="description")
    if parent is not None and parent.street_id != street.pk:
        raise InvalidInput(
            _("Choose another order of this street."), code="bad_parent", field="parent"
        )
    if external_deadline is not None and timezone.is_naive(external_deadline):
        raise InvalidInput(
            _("The deadline needs a time zone."),
            code="naive_datetime",
            field="external_deadline",
        )
    clean_attributes = attributes_clean(category, attributes or {})
    if created_by is not None and created_by.is_authenticated:
        if created_by.street_id not in (None, street.pk):
            raise NotFound(_("No such compound."), code="not_found", field="compound")
    try:
        phone = phone_normalize(contact_phone) if contact_phone else ""
    except InvalidInput as e:
        e.field = "contact_phone"  # name the argument the caller gave, as every other check does
        raise
    if (
        not phone
        and not assignment
        and not contact_optional
        and (created_by is None or not created_by.has_perm(roles.CREATE_FOR_OTHERS))
    ):
        raise InvalidInput(
            _("Please leave a phone number."), code="required", field="contact_phone"
        )

    household = None
    if unit is not None and room:
        household, _created = Household.objects.get_or_create(
            unit=unit, room=room, defaults={"street": street, "compound": compound}
        )
    reporter = None
    if phone:
        reporter, _created = Resident.objects.get_or_create(
            street=street, phone=phone, defaults={"name": contact_name, "household": household}
        )
        updates = []
        if household is not None and reporter.household_id is None:
            reporter.household = household
            updates.append("household")
        if contact_name and not reporter.name:
            reporter.name = contact_name
            updates.append("name")
        if updates:
            reporter.save(update_fields=updates)

    deadlines = _category_deadlines(category, now, street.pk)
    if resolve_due is not None:
        if not assignment:
            raise InvalidInput(
                _("Only assigned matters take a deadline."), code="bad_deadline", field="deadline"
            )
        if timezone.is_naive(resolve_due):
            raise InvalidInput(
                _("The deadline needs a time zone."), code="naive_datetime", field="deadline"
            )
        if resolve_due <= now:
            raise InvalidInput(
                _("The deadline must be in the future."), code="deadline_past", field="deadline"
            )
        accept_due = deadlines.accept_due
        if accept_due is not None and accept_due > resolve_due:
            accept_due = resolve_due
        deadlines = Deadlines(accept_due, None, resolve_due)
    ticket = Ticket(
        street=street,
        number=ticket_number_next(street=street, day=timezone.localdate(now)),
        category=category,
        channel=channel,
        urgent=urgent or category.life_safety,
        reporter=reporter,
        created_by=created_by if created_by is not None and created_by.is_authenticated else None,
        contact_name=contact_name,
        contact_phone=phone,
        household=household,
        compound=compound,
        building=building,
        unit=unit,
        room=room,
        spot=spot,
        description=description,
        attributes=clean_attributes,
        created_at=now,
        updated_at=now,
        accept_due=deadlines.accept_due,
        arrive_due=deadlines.arrive_due,
        resolve_due=deadlines.resolve_due,
        external_ref=external_ref,
        external_deadline=external_deadline,
        parent=parent,
    )
    ticket.next_escalation_at = ticket_escalation_next_at(ticket, _calendar(category, street.pk))
    ticket.save(force_insert=True)
    event_write(
        ticket=ticket,
        type="create",
        at=now,
        actor=ticket.created_by,
        to_status=ticket.status,
        payload={"channel": channel, "urgent": ticket.urgent},
    )
    if assignment:
        return ticket  # the leader dispatches it in this same transaction
    notify_role(ticket=ticket, permission=roles.DISPATCH, kind="ticket_new", at=now)
    if ticket.urgent:
        notify_role(ticket=ticket, permission=roles.EXTEND, kind="ticket_urgent", at=now)
    # Life-safety pages and auto-dispatch happen here, in the order's own transaction.
    from guanjia.dispatch.services import dispatch_auto  # dispatch builds on tickets

    dispatch_auto(ticket=ticket, now=now)
    return ticket


def _workload_cap(street_id: int) -> int:
    """The street's workload cap (its dispatch settings; DEFAULT_WORKLOAD_CAP without them)."""
    from guanjia.dispatch.selectors import street_dispatch_settings  # dispatch builds on tickets

    return street_dispatch_settings(street_id).workload_cap


def _assignee_check(*, ticket: Ticket, assignee: User | None, now: dt.datetime) -> list[Warning]:
    """An assignee must be able to handle the category (422 otherwise). Workload, shift and
    compound only warn: a dispatcher knows things the system does not."""
    if assignee is None:
        raise InvalidInput(
            _("Choose whom to send this order to."), code="required", field="assignee"
        )
    profile = handler_profile(assignee)
    if profile is None or profile.street_id != ticket.street_id:
        raise InvalidInput(
            _("%(name)s cannot take orders here.") % {"name": assignee},
            code="assignee_not_handler",
            field="assignee",
        )
    if not handler_qualified(profile, ticket.category, timezone.localdate(now)):
        raise InvalidInput(
            _("%(name)s does not handle “%(category)s”.")
            % {"name": assignee, "category": ticket.category.name},
            code="assignee_not_qualified",
            field="assignee",
        )
    warnings = []
    load = handler_open_workload(assignee)
    if load >= _workload_cap(ticket.street_id):
        warnings.append(
            Warning(
                "over_workload",
                _("%(name)s already has %(count)d open orders.")
                % {"name": assignee, "count": load},
            )
        )
    if not handler_on_duty(profile, now):
        warnings.append(Warning("off_duty", _("%(name)s is not on duty now.") % {"name": assignee}))
    if (
        ticket.compound_id is not None
        and profile.vendor_id is None
        and not profile.compounds.filter(pk=ticket.compound_id).exists()
    ):
        if profile.compounds.exists():
            warnings.append(
                Warning(
                    "other_compound",
                    _("%(name)s does not usually serve %(compound)s.")
                    % {"name": assignee, "compound": ticket.compound},
                )
            )
    return warnings


def ticket_transition(
    *,
    ticket: Ticket,
    action: str,
    actor: AnyUser | None,
    version: int | None = None,
    assignee: User | None = None,
    reason: str = "",
    note: str = "",
    rating: Rating | None = None,
    deadline: dt.datetime | None = None,
    original: Ticket | None = None,
    resident: Resident | None = None,
    now: dt.datetime | None = None,
) -> TransitionResult:
    """Make one move of the lifecycle table (tickets/lifecycle.py) on `ticket`.

    `version`, when given, must be the version the caller last saw (409 otherwise). The move is
    compare-and-set: of two concurrent moves from the same version exactly one wins. `actor` None
    is the system; `resident` is a resident acting through the tracking link (a page may pass its
    anonymous request.user beside it: that is never the system).
    """
    now = now or timezone.now()
    # The account recorded on the event; capacities are worked out from `actor` as given.
    account = actor if isinstance(actor, User) and actor.is_authenticated else None
    with transaction.atomic():
        current = Ticket.objects.select_related("category", "street", "compound").get(pk=ticket.pk)
        if version is not None and version != current.version:
            raise Conflict(
                _("Someone else changed this order first; reload it and try again."),
                code="stale_version",
            )
        reason = _text(reason, MAX_REASON, "reason")
        note = _text(note, MAX_REASON, "note")
        capacities = ticket_capacities(actor, current, resident=resident)
        low_rating = rating is not None and rating.overall <= settings.GUANJIA["REOPEN_RATING_MAX"]
        target = lifecycle.move_target(
            action,
            current.status,
            capacities,
            paused_from=current.paused_from,
            site_visit=current.category.site_visit,
            low_rating=low_rating,
        )
        if lifecycle.MOVES[action].needs_reason and not reason:
            raise InvalidInput(_("Please give a reason."), code="reason_required", field="reason")
        _children_check(current, action, capacities)
        handler = _HANDLERS[action]
        changes, warnings, payload = handler(
            current,
            _Context(
                actor=account,
                assignee=assignee,
                reason=reason,
                rating=rating,
                deadline=deadline,
                original=original,
                now=now,
                capacities=capacities,
                target=target,
            ),
        )
        from_status = current.status
        previous_assignee_id = current.assignee_id
        changes["status"] = target
        changes["updated_at"] = now
        changes["next_escalation_at"] = _escalation_next_at(current, changes)
        won = Ticket.objects.filter(pk=current.pk, version=current.version).update(
            version=F("version") + 1, **changes
        )
        if not won:
            raise Conflict(
                _("Someone else changed this order first; reload it and try again."),
                code="stale_version",
            )
        current.refresh_from_db()
        if warnings:
            payload["warnings"] = [w.code for w in warnings]
        if account is None and lifecycle.SYSTEM not in capacities:
            # A resident through the tracking link has no account: say so, or the timeline would
            # show the move as the system's own.
            payload["by"] = lifecycle.REPORTER
        event_write(
            ticket=current,
            type=action,
            at=now,
            actor=account,
            from_status=from_status,
            to_status=target,
            note=reason or note,
            payload=payload,
        )
        _notify(current, action, target, now, payload, previous_assignee_id)
        if current.parent_id is not None and target in _FINISHED and from_status != target:
            _parent_complete(parent_id=current.parent_id, now=now)
        return TransitionResult(ticket=current, warnings=warnings)


# Moves that finish a ticket: a composite parent (一件事) may make them only once every child is
# finished; and the statuses in which a child counts as finished.
_FINISHING = frozenset({"resolve", "close", "rate"})
_FINISHED = frozenset({lifecycle.RESOLVED, lifecycle.CLOSED, lifecycle.CANCELLED})


def _children_check(t: Ticket, action: str, capacities: frozenset[str]) -> None:
    """The closure rule of composite requests, in the one transition path: a parent is not
    resolved or closed while a child is open (409 children_open); the system resolves nothing
    but such a parent. Only department matters have children, so other orders cost no query."""
    by_system = action == "resolve" and capacities == frozenset({lifecycle.SYSTEM})
    if not by_system and (action not in _FINISHING or t.channel != Channel.ASSIGNMENT):
        return
    children = Ticket.objects.filter(parent=t)
    if by_system and not children.exists():
        raise Forbidden(_("You may not do this to this order."), code="not_permitted")
    still_open = children.filter(status__in=lifecycle.OPEN).count()
    if still_open:
        raise Conflict(
            _("%(count)d sub-tasks of this matter are still open.") % {"count": still_open},
            code="children_open",
        )


def _parent_complete(*, parent_id: int, now: dt.datetime) -> None:
    """When the last child of a composite request finishes, the system resolves the parent (one
    event) — if its lead has accepted it; otherwise the lead resolves it after accepting."""
    parent = Ticket.objects.select_related("category").get(pk=parent_id)
    if parent.status not in {lifecycle.ACCEPTED, lifecycle.ON_SITE}:
        return
    if Ticket.objects.filter(parent=parent, status__in=lifecycle.OPEN).exists():
        return
    if parent.category.site_visit and parent.status != lifecycle.ON_SITE:
        return
    ticket_transition(ticket=parent, action="resolve", actor=None, now=now)


@dataclass
class _Context:
    actor: User | None
    assignee: User | None
    reason: str
    rating: Rating | None
    deadline: dt.datetime | None
    original: Ticket | None
    now: dt.datetime
    capacities: frozenset[str]
    target: str


_Changes = tuple[dict[str, Any], list[Warning], dict[str, Any]]


def _dispatch(t: Ticket, c: _Context) -> _Changes:
    warnings = _assignee_check(ticket=t, assignee=c.assignee, now=c.now)
    assert c.assignee is not None
    return (
        {"assignee": c.assignee, "dispatched_at": c.now},
        warnings,
        {"assignee": c.assignee.username},
    )


def _grab(t: Ticket, c: _Context) -> _Changes:
    assert c.actor is not None
    if t.category.dispatch_mode != DispatchMode.GRAB:
        raise Conflict(_("This service is not taken from the pool."), code="not_grabbable")
    profile = handler_profile(c.actor)
    if (
        profile is None
        or profile.street_id != t.street_id
        or not handler_qualified(profile, t.category, timezone.localdate(c.now))
    ):
        raise InvalidInput(
            _("You do not handle “%(category)s”.") % {"category": t.category.name},
            code="assignee_not_qualified",
        )
    cap = _workload_cap(t.street_id)
    if handler_open_workload(c.actor) >= cap:
        raise Conflict(
            _("You already have %(count)d open orders; finish some first.") % {"count": cap},
            code="over_workload",
        )
    return (
        {"assignee": c.actor, "dispatched_at": c.now, "accepted_at": c.now},
        [],
        {"assignee": c.actor.username},
    )


def _accept(t: Ticket, c: _Context) -> _Changes:
    return {"accepted_at": c.now}, [], {}


def _arrive(t: Ticket, c: _Context) -> _Changes:
    return {"on_site_at": c.now}, [], {}


def _resolve(t: Ticket, c: _Context) -> _Changes:
    if t.category.after_photo_required and not t.photos.filter(kind="after").exists():
        raise InvalidInput(
            _("Add a photo of the finished work first."), code="after_photo_required"
        )
    return {"resolved_at": c.now}, [], {}


def _return(t: Ticket, c: _Context) -> _Changes:
    previous = t.assignee.username if t.assignee else None
    return (
        {
            "assignee": None,
            "accepted_at": None,
            "on_site_at": None,
            "return_count": F("return_count") + 1,
        },
        [],
        {"previous_assignee": previous},
    )


def _transfer(t: Ticket, c: _Context) -> _Changes:
    if c.assignee is not None and c.assignee.pk == t.assignee_id:
        raise InvalidInput(
            _("This order is already with %(name)s.") % {"name": c.assignee},
            code="same_assignee",
            field="assignee",
        )
    warnings = _assignee_check(ticket=t, assignee=c.assignee, now=c.now)
    assert c.assignee is not None
    previous = t.assignee.username if t.assignee else None
    return (
        {"assignee": c.assignee, "dispatched_at": c.now, "accepted_at": None, "on_site_at": None},
        warnings,
        {"assignee": c.assignee.username, "previous_assignee": previous},
    )


def _pause(t: Ticket, c: _Context) -> _Changes:
    return {"paused_from": t.status, "paused_at": c.now}, [], {}


def _escalation_next_at(t: Ticket, changes: dict[str, Any]) -> dt.datetime | None:
    """When the ladder next looks at the order once `changes` are made (a lower bound: the
    escalation sweep knows which steps were already taken)."""
    after = Ticket(
        status=changes["status"],
        category=t.category,
        accept_due=changes.get("accept_due", t.accept_due),
        arrive_due=changes.get("arrive_due", t.arrive_due),
        resolve_due=changes.get("resolve_due", t.resolve_due),
    )
    return ticket_escalation_next_at(after, _calendar(t.category, t.street_id))


def _resume(t: Ticket, c: _Context) -> _Changes:
    paused_for = c.now - (t.paused_at or c.now)
    # Working-calendar categories move by the paused working time only.
    moved = deadlines_resume(
        Deadlines(t.accept_due, t.arrive_due, t.resolve_due),
        t.paused_at or c.now,
        c.now,
        _calendar(t.category, t.street_id),
    )
    return (
        {
            "paused_from": "",
            "paused_at": None,
            "paused_seconds": F("paused_seconds") + int(paused_for.total_seconds()),
            "accept_due": moved.accept_due,
            "arrive_due": moved.arrive_due,
            "resolve_due": moved.resolve_due,
        },
        [],
        {"paused_seconds": int(paused_for.total_seconds())},
    )


def _extend(t: Ticket, c: _Context) -> _Changes:
    if c.deadline is None:
        raise InvalidInput(_("Give the new deadline."), code="required", field="deadline")
    if timezone.is_naive(c.deadline):
        raise InvalidInput(
            _("The deadline needs a time zone."), code="naive_datetime", field="deadline"
        )
    if c.deadline <= c.now or (t.resolve_due and c.deadline <= t.resolve_due):
        raise InvalidInput(
            _("The new deadline must be later than the current one."),
            code="deadline_not_later",
            field="deadline",
        )
    old = t.resolve_due.isoformat() if t.resolve_due else None
    return (
        {"resolve_due": c.deadline},
        [],
        {"old_deadline": old, "deadline": c.deadline.isoformat()},
    )


def _reopen_changes(t: Ticket, c: _Context) -> dict[str, Any]:
    days = settings.GUANJIA["REOPEN_DAYS"]
    if t.resolved_at is None or c.now - t.resolved_at > dt.timedelta(days=days):
        raise Conflict(
            _("Orders can only be reopened within %(days)d days of completion.") % {"days": days},
            code="reopen_window_passed",
        )
    if t.assignee_id is None:
        raise Conflict(_("This order has no handler to send it back to."), code="no_assignee")
    deadlines = _category_deadlines(t.category, c.now, t.street_id)
    return {
        "resolved_at": None,
        "closed_at": None,
        "accepted_at": None,
        "on_site_at": None,
        "dispatched_at": c.now,
        "reopen_count": F("reopen_count") + 1,
        "accept_due": deadlines.accept_due,
        "arrive_due": deadlines.arrive_due,
        "resolve_due": deadlines.resolve_due,
    }


def _rate(t: Ticket, c: _Context) -> _Changes:
    r = c.rating
    if r is None:
        raise InvalidInput(_("Please give a rating."), code="required", field="rating")
    for name, value in (("overall", r.overall), ("speed", r.speed), ("service", r.service)):
        if value is not None and not (isinstance(value, int) and 1 <= value <= 5):
            raise InvalidInput(_("Ratings go from 1 to 5."), code="bad_rating", field=name)
    comment = _text(r.comment, 500, "comment")
    changes: dict[str, Any] = {
        "rating_overall": r.overall,
        "rating_speed": r.speed,
        "rating_service": r.service,
        "rating_comment": comment,
        "rated_at": c.now,
    }
    payload: dict[str, Any] = {"overall": r.overall, "speed": r.speed, "service": r.service}
    if c.target == lifecycle.DISPATCHED:
        changes.update(_reopen_changes(t, c))
        payload["reopened"] = True
    else:
        changes["closed_at"] = c.now
    return changes, [], payload


def _close(t: Ticket, c: _Context) -> _Changes:
    return {"closed_at": c.now}, [], {}


def _reopen(t: Ticket, c: _Context) -> _Changes:
    return _reopen_changes(t, c), [], {}


def _cancel(t: Ticket, c: _Context) -> _Changes:
    return {"cancelled_at": c.now}, [], {}


def _merge(t: Ticket, c: _Context) -> _Changes:
    if c.original is None:
        raise InvalidInput(_("Choose the original order."), code="required", field="original")
    # The caller's copy may be old (a page loaded minutes ago): judge the original as it is now.
    o = Ticket.objects.filter(pk=c.original.pk).first()
    if o is None:
        raise InvalidInput(_("Choose the original order."), code="required", field="original")
    if o.pk == t.pk or o.street_id != t.street_id:
        raise InvalidInput(
            _("Choose another order of this street."), code="bad_original", field="original"
        )
    if o.status not in lifecycle.OPEN and o.status != lifecycle.RESOLVED:
        raise Conflict(_("The original order is already finished."), code="original_finished")
    if o.duplicate_of_id is not None:
        raise InvalidInput(
            _("The original is itself a duplicate."), code="bad_original", field="original"
        )
    moved = 0
    residents = set(t.followers.values_list("resident_id", flat=True))
    if t.reporter_id is not None:
        residents.add(t.reporter_id)
    residents.discard(o.reporter_id)  # type: ignore[arg-type]
    for resident_id in residents:
        _follower, created = TicketFollower.objects.get_or_create(
            ticket=o, resident_id=resident_id, defaults={"street_id": o.street_id, "source": t}
        )
        moved += int(created)
    event_write(
        ticket=o,
        type="merge_in",
        at=c.now,
        actor=c.actor,
        from_status=o.status,
        to_status=o.status,
        payload={"duplicate": t.number, "followers_added": moved},
    )
    return (
        {"duplicate_of": o, "cancelled_at": c.now},
        [],
        {"original": o.number, "followers_added": moved},
    )


_HANDLERS = {
    "dispatch": _dispatch,
    "grab": _grab,
    "accept": _accept,
    "arrive": _arrive,
    "resolve": _resolve,
    "return": _return,
    "transfer": _transfer,
    "pause": _pause,
    "resume": _resume,
    "extend": _extend,
    "rate": _rate,
    "close": _close,
    "reopen": _reopen,
    "cancel": _cancel,
    "merge": _merge,
}


# The moves a reporter (and followers) hear about: the order taken, the handler on site, the work
# done (with the rating link), and the order withdrawn or merged (DESIGN: accept, arrive, resolve).
RESIDENT_HEARS = frozenset({"grab", "accept", "arrive", "resolve", "cancel", "merge"})


def _notify(
    t: Ticket,
    action: str,
    target: str,
    now: dt.datetime,
    payload: dict[str, Any],
    previous_assignee_id: int | None,
) -> None:
    """Who hears of a move: the new handler, the handler who lost the order, the reporter and
    followers, the manager on bad news."""
    if action in {"cancel", "merge", "transfer"} and previous_assignee_id is not None:
        # Someone may be on the way: tell them the order is no longer theirs.
        notification_queue(
            ticket=t,
            recipient=User.objects.filter(pk=previous_assignee_id).first(),
            kind="ticket_withdrawn",
            at=now,
            payload={"action": action},
        )
    if action in {"dispatch", "transfer"} or (
        action in {"reopen", "rate"} and target == lifecycle.DISPATCHED
    ):
        notification_queue(ticket=t, recipient=t.assignee, kind=f"ticket_{action}", at=now)
    if action in RESIDENT_HEARS:
        for phone in _reporter_phones(t):
            notification_queue(ticket=t, phone=phone, kind=f"resident_{action}", at=now)
    if action == "return":
        notify_role(ticket=t, permission=roles.DISPATCH, kind="ticket_returned", at=now)
    if action == "rate" and payload.get("reopened"):
        notify_role(ticket=t, permission=roles.EXTEND, kind="ticket_low_rating", at=now)


def _reporter_phones(t: Ticket) -> list[str]:
    phones = [t.contact_phone] if t.contact_phone else []
    phones += list(
        t.followers.exclude(resident__phone__in=phones).values_list("resident__phone", flat=True)
    )
    return phones


def ticket_autoclose_sweep(*, now: dt.datetime | None = None, batch: int = 100) -> int:
    """Close orders resolved more than AUTO_CLOSE_HOURS ago and still unrated.

    Each order closes in its own short transaction (SQLite holds its write lock briefly); running
    the sweep twice closes nothing more. Returns how many it closed.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(hours=settings.GUANJIA["AUTO_CLOSE_HOURS"])
    closed = 0
    # Unrated since this resolution: a rating before it (the low one that reopened the order, or
    # the one before a later reopen) is about an earlier repair.
    unrated = Q(rated_at__isnull=True) | Q(rated_at__lt=F("resolved_at"))
    due = (
        Ticket.objects.filter(unrated, status=lifecycle.RESOLVED, resolved_at__lte=cutoff)
        .order_by("resolved_at", "id")
        .values_list("pk", "version")[:batch]
    )
    for pk, version in list(due):
        try:
            ticket_transition(
                ticket=Ticket(pk=pk), action="close", actor=None, version=version, now=now
            )
            closed += 1
        except Conflict:
            continue  # someone rated or reopened it meanwhile
    return closed


@dataclass(frozen=True)
class Reclassified:
    ticket: Ticket
    # The fields that changed, by their triage names (category code; compound, building and unit
    # names; room), with their new values; empty when nothing changed.
    changes: dict[str, Any]


def _place_names(t: Ticket) -> dict[str, Any]:
    return {
        "compound": t.compound.name if t.compound is not None else None,
        "building": t.building.name if t.building is not None else None,
        "unit": t.unit.name if t.unit is not None else None,
        "room": t.room or None,
    }


@transaction.atomic
def ticket_reclassify(
    *,
    ticket: Ticket,
    actor: User,
    version: int,
    category: ServiceCategory | None = None,
    compound: Compound | None = None,
    building: Building | None = None,
    unit: Unit | None = None,
    room: str | None = None,
    now: dt.datetime | None = None,
) -> Reclassified:
    """A dispatcher corrects the service or the place of an open order (one taken from a group
    message, or typed with the wrong compound).

    `category` None keeps the service; `compound` None keeps the whole place, otherwise the place
    becomes compound, building and unit as given (None clears them) and `room` (None keeps the
    room while the unit stays). The order must be open and at `version` (409 otherwise); one
    TicketEvent "reclassify" records the old and new values. The deadlines stay as they were: the
    clock the resident was promised keeps running (extend it separately if the new service needs
    more time), and so do the assignee and the urgency (transfer if needed)."""
    now = now or timezone.now()
    if not actor.has_perm(roles.DISPATCH) or actor.street_id not in (None, ticket.street_id):
        raise Forbidden(_("Only a dispatcher may correct an order."), code="forbidden")
    current = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("category", "street", "compound", "building", "unit")
        .get(pk=ticket.pk)
    )
    if version != current.version:
        raise Conflict(
            _("Someone else changed this order first; reload it and try again."),
            code="stale_version",
        )
    if current.status not in lifecycle.OPEN:
        raise Conflict(_("Only an open order can be corrected."), code="not_open", field="status")
    if current.channel == Channel.ASSIGNMENT:
        raise InvalidInput(_("An assigned matter keeps its service and place."), code="assignment")
    updates: dict[str, Any] = {}
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    if category is not None and category.pk != current.category_id:
        if not category.active or category.handler_kind == HandlerKind.DEPARTMENT:
            raise InvalidInput(
                _("This service is not available."), code="inactive_category", field="category"
            )
        updates["category"] = category
        old["category"], new["category"] = current.category.code, category.code
    if compound is None and (building is not None or unit is not None):
        raise InvalidInput(_("Choose the compound."), code="required", field="compound")
    if compound is not None:
        _place_clean(street=current.street, compound=compound, building=building, unit=unit)
        if room is None:
            room = current.room if unit is not None and unit.pk == current.unit_id else ""
        room = _text(room, 20, "room")
        if room and unit is None:
            raise InvalidInput(
                _("Please choose the unit of this room."), code="bad_place", field="unit"
            )
        before = _place_names(current)
        after = {
            "compound": compound.name,
            "building": building.name if building is not None else None,
            "unit": unit.name if unit is not None else None,
            "room": room or None,
        }
        if (compound.pk, getattr(building, "pk", None), getattr(unit, "pk", None), room) != (
            current.compound_id,
            current.building_id,
            current.unit_id,
            current.room,
        ):
            household = None
            if unit is not None and room:
                household, _created = Household.objects.get_or_create(
                    unit=unit, room=room, defaults={"street": current.street, "compound": compound}
                )
            updates.update(
                compound=compound, building=building, unit=unit, room=room, household=household
            )
            for name in before:
                if before[name] != after[name]:
                    old[name], new[name] = before[name], after[name]
    if not updates:
        return Reclassified(ticket=current, changes={})
    won = Ticket.objects.filter(pk=current.pk, version=current.version).update(
        version=F("version") + 1, updated_at=now, **updates
    )
    if not won:  # pragma: no cover - the row is locked above; kept for databases without locks
        raise Conflict(
            _("Someone else changed this order first; reload it and try again."),
            code="stale_version",
        )
    current.refresh_from_db()
    event_write(
        ticket=current,
        type="reclassify",
        at=now,
        actor=actor,
        from_status=current.status,
        to_status=current.status,
        payload={"old": old, "new": new},
    )
    return Reclassified(ticket=current, changes=new)
