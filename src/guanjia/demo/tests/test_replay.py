"""The bulk-written history is what the real services would have written.

A small history, with the uncommon lives made common, is played twice: once move by move through
tickets.services (ticket_create, ticket_transition, ticket_photo_add) and rolled back, once
through the simulator and history_write. Tickets, events, notifications, residents, households,
followers, photos and counters must agree. When a service changes what it writes, this test
says which row the simulator must follow.
"""

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from guanjia.catalog.models import ServiceCategory
from guanjia.demo import simulator as sim
from guanjia.demo.history import _picture, history_write, world_from_db
from guanjia.demo.tests.conftest import NOW
from guanjia.notifications.models import Notification
from guanjia.org.models import Building, Compound, Household, Street, Unit
from guanjia.people.models import Resident, User
from guanjia.tickets.models import Ticket, TicketCounter, TicketEvent, TicketFollower, TicketPhoto
from guanjia.tickets.photos import ticket_photo_add
from guanjia.tickets.services import Rating, ticket_create, ticket_transition

TICKET_FIELDS = [
    f.attname
    for f in Ticket._meta.concrete_fields
    if f.attname not in {"id", "tracking_token", "reporter_id", "household_id", "duplicate_of_id"}
]


class _Rollback(Exception):
    pass


def _replay(world: sim.World, orders: list[sim.Order], plans: list[list[sim.Step]]) -> None:
    """Every planned move up to NOW, in the simulator's order, through the real services."""
    users = {u.pk: u for u in User.objects.all()}
    categories = {c.pk: c for c in ServiceCategory.objects.all()}
    compounds = {c.pk: c for c in Compound.objects.select_related("street")}
    buildings = {b.pk: b for b in Building.objects.all()}
    units = {u.pk: u for u in Unit.objects.all()}
    photo = _picture(0)[0]
    tickets: dict[int, Ticket] = {}
    queue = sorted(
        (step.at, i, j, step)
        for i, steps in enumerate(plans)
        for j, step in enumerate(steps)
        if step.at <= NOW
    )
    for _at, i, _j, step in queue:
        o = orders[i]
        if step.action == "create":
            tickets[i] = ticket_create(
                category=categories[o.category.pk],
                compound=compounds[o.compound.pk],
                channel=o.channel,
                description=o.description,
                contact_phone=o.phone,
                contact_name=o.contact_name,
                building=buildings[o.building.pk] if o.building else None,
                unit=units[o.unit.pk] if o.unit else None,
                room=o.room,
                spot=o.spot,
                urgent=o.urgent,
                attributes=o.attributes,
                created_by=users[o.created_by] if o.created_by else None,
                now=step.at,
            )
            continue
        ticket = Ticket.objects.get(pk=tickets[i].pk)
        actor = users[step.actor] if step.actor else None
        if step.action == "photo":
            ticket_photo_add(ticket=ticket, kind="after", upload=photo, actor=actor, now=step.at)
            continue
        resident = None
        if step.capacity == "reporter":
            resident = Resident.objects.get(street_id=ticket.street_id, phone=o.phone)
        r = step.rating
        ticket_transition(
            ticket=ticket,
            action=step.action,
            actor=actor,
            assignee=users[step.assignee] if step.assignee else None,
            reason=step.reason,
            note=step.note,
            rating=Rating(r.overall, r.speed, r.service, r.comment) if r else None,
            deadline=step.deadline,
            original=tickets[step.original] if step.original is not None else None,
            resident=resident,
            now=step.at,
        )


def _snapshot(street: Street) -> dict[str, Any]:
    """Everything a page could compute from, keyed by natural keys (numbers, phones)."""
    numbers = dict(Ticket.objects.values_list("pk", "number"))
    phones = dict(Resident.objects.values_list("pk", "phone"))
    households = {h.pk: (h.unit_id, h.room, h.compound_id) for h in Household.objects.all()}
    tickets = {}
    for t in Ticket.objects.all():
        row = {name: getattr(t, name) for name in TICKET_FIELDS}
        row["reporter"] = phones.get(t.reporter_id) if t.reporter_id else None
        row["household"] = households.get(t.household_id) if t.household_id else None
        row["duplicate_of"] = numbers[t.duplicate_of_id] if t.duplicate_of_id else None
        tickets[t.number] = row
    photo_kinds = dict(TicketPhoto.objects.values_list("pk", "kind"))
    events: dict[str, list[tuple[Any, ...]]] = {}
    for e in TicketEvent.objects.order_by("at", "id"):
        payload = dict(e.payload)
        if "photo" in payload:
            payload["photo"] = photo_kinds[payload["photo"]]  # ids differ, the photo must exist
        events.setdefault(numbers[e.ticket_id], []).append(
            (e.type, e.from_status, e.to_status, e.actor_id, e.at, e.note, payload, e.street_id)
        )
    notifications = Counter(
        (numbers[n.ticket_id], n.recipient_id, n.phone, n.kind, repr(sorted(n.payload.items())))
        for n in Notification.objects.all()
    )
    times = Counter(
        (numbers[n.ticket_id], n.kind, n.created_at) for n in Notification.objects.all()
    )
    return {
        "tickets": tickets,
        "events": events,
        "notifications": notifications,
        "notification_times": times,
        "residents": {
            r.phone: (r.name, households.get(r.household_id) if r.household_id else None)
            for r in Resident.objects.filter(street=street)
        },
        "households": sorted(households.values()),
        "followers": sorted(
            (numbers[f.ticket_id], phones[f.resident_id], numbers[f.source_id or 0])
            for f in TicketFollower.objects.all()
        ),
        "photos": sorted(
            (numbers[p.ticket_id], p.kind, p.uploaded_by_id, p.created_at)
            for p in TicketPhoto.objects.all()
        ),
        "counters": dict(TicketCounter.objects.values_list("day", "value")),
    }


@pytest.mark.slow
def test_bulk_history_equals_the_services_replay(demo_street: Street, media: Path) -> None:
    world = world_from_db(demo_street)
    odds = sim.Odds().scaled(6)
    orders, plans = sim.plan(world, now=NOW, days=5, count=110, seed=3, odds=odds)
    history = sim.play(world, orders, plans, now=NOW)
    kinds = Counter(e.type for e in history.events)
    # The uncommon lives all happen at least once in this small history.
    for action in ("return", "transfer", "pause", "resume", "merge", "reopen", "cancel", "grab"):
        assert kinds[action] >= 1, action
    assert any(e.payload.get("reopened") for e in history.events)
    assert any(e.payload.get("warnings") for e in history.events)
    assert any(e.payload.get("by") == "reporter" for e in history.events)

    try:
        with transaction.atomic():
            _replay(world, orders, plans)
            expected = _snapshot(demo_street)
            raise _Rollback
    except _Rollback:
        pass
    assert not Ticket.objects.exists()

    history_write(street=demo_street, history=history, now=NOW)
    actual = _snapshot(demo_street)

    assert actual["counters"] == expected["counters"]
    assert actual["tickets"].keys() == expected["tickets"].keys()
    for number, row in expected["tickets"].items():
        got = actual["tickets"][number]
        diff = {k: (got[k], v) for k, v in row.items() if got[k] != v}
        assert not diff, f"{number}: (bulk, services) {diff}"
    for number, trail in expected["events"].items():
        assert actual["events"][number] == trail, number
    missing = expected["notifications"] - actual["notifications"]
    extra = actual["notifications"] - expected["notifications"]
    assert not missing and not extra, (missing, extra)
    assert actual["notification_times"] == expected["notification_times"]
    for key in ("residents", "households", "followers", "photos"):
        assert actual[key] == expected[key], key


def test_history_write_leaves_only_delivered_notifications(demo_street: Street) -> None:
    world = world_from_db(demo_street)
    orders, plans = sim.plan(world, now=NOW, days=1, count=30, seed=5)
    history = sim.play(world, orders, plans, now=NOW)
    history_write(street=demo_street, history=history, now=NOW)
    assert Notification.objects.exists()
    latest = max(n.created_at for n in history.notifications)
    assert not Notification.objects.filter(delivered_at__isnull=True).exists()
    assert Notification.objects.filter(delivered_at__gt=NOW).count() == 0
    assert latest <= NOW + dt.timedelta(seconds=0)
