"""Write a simulated history (demo/simulator.py) into the database in bulk.

The simulator works on plain data; `world_from_db` gives it the street as the database has it
(places, categories, handlers with their skills and shifts, who is notified of what), and
`history_write` stores what it played: households, residents, tickets, events, notifications,
followers, photos and the day counters, a few bulk inserts per table.
"""

import datetime as dt
import io
import secrets
from pathlib import Path

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from PIL import Image, ImageDraw

from guanjia.catalog.models import ServiceCategory
from guanjia.demo import simulator as sim
from guanjia.demo.accounts import PEOPLE
from guanjia.dispatch.selectors import street_dispatch_settings
from guanjia.notifications.models import Notification
from guanjia.notifications.services import users_with_permission
from guanjia.org.models import Building, Compound, Household, Street, Unit
from guanjia.people import roles
from guanjia.people.models import Resident, StaffProfile, User
from guanjia.sla.selectors import calendar_for
from guanjia.tickets.escalation import Thresholds, Windows, escalation_next_at
from guanjia.tickets.models import (
    PhotoKind,
    Ticket,
    TicketCounter,
    TicketEvent,
    TicketFollower,
    TicketPhoto,
)
from guanjia.tickets.photos import PHOTO_DIR
from guanjia.tickets.sla import Deadlines

BATCH = 1000
KINDS = {p.username: p.kind for p in PEOPLE}


def world_from_db(street: Street) -> sim.World:
    """The street as the simulator needs it. Handlers not in the demo roster count as fixers."""
    categories = {
        c.code: sim.Category(
            code=c.code,
            pk=c.pk,
            site_visit=c.site_visit,
            after_photo=c.after_photo_required,
            life_safety=c.life_safety,
            accept_minutes=c.accept_minutes,
            arrive_minutes=c.arrive_minutes,
            resolve_minutes=c.resolve_minutes,
            mode=c.dispatch_mode,
            follow_up=c.follow_up,
            preferred_time=any(a.get("code") == "preferred_time" for a in c.attributes),
            calendar=calendar_for(kind=c.calendar, street_id=street.pk),
        )
        for c in ServiceCategory.objects.filter(active=True)
    }
    pk_codes = {c.pk: c.code for c in categories.values()}
    handlers = []
    profiles = (
        StaffProfile.objects.filter(street=street, active=True, user__is_active=True)
        .select_related("user", "vendor")
        .prefetch_related("skills", "compounds", "shifts", "vendor__categories")
        .order_by("user__username")
    )
    for p in profiles:
        if p.vendor is not None:
            skills = {pk_codes[c.pk] for c in p.vendor.categories.all() if c.pk in pk_codes}
        else:
            skills = {pk_codes[c.pk] for c in p.skills.all() if c.pk in pk_codes}
        handlers.append(
            sim.Handler(
                pk=p.user.pk,
                username=p.user.username,
                kind="vendor" if p.vendor is not None else KINDS.get(p.user.username, "fixer"),
                skills=frozenset(skills),
                compounds=frozenset(c.pk for c in p.compounds.all()),
                is_vendor=p.vendor is not None,
                shifts=tuple((s.weekday, s.start, s.end) for s in p.shifts.all()),
            )
        )
    units: dict[int, list[sim.Unit]] = {}
    for u in Unit.objects.filter(street=street).order_by("sort_key", "name"):
        units.setdefault(u.building_id, []).append(sim.Unit(u.pk, u.name))
    buildings: dict[int, list[sim.Building]] = {}
    for b in Building.objects.filter(street=street).order_by("sort_key", "name"):
        if units.get(b.pk):
            buildings.setdefault(b.compound_id, []).append(
                sim.Building(b.pk, b.name, tuple(units[b.pk]))
            )
    compounds = tuple(
        sim.Compound(
            pk=c.pk,
            name=c.name,
            alias=(c.aliases or [c.name])[0],
            households=c.households,
            buildings=tuple(buildings[c.pk]),
        )
        for c in Compound.objects.filter(street=street).order_by("name")
        if buildings.get(c.pk)
    )
    users = {u.username: u.pk for u in User.objects.filter(street=street)}
    return sim.World(
        street_code=street.code,
        tz=timezone.get_default_timezone(),
        categories=categories,
        handlers=tuple(handlers),
        compounds=compounds,
        dispatcher=users["dispatcher"],
        operator=users["operator"],
        manager=users["manager"],
        dispatch_holders=tuple(u.pk for u in users_with_permission(street.pk, roles.DISPATCH)),
        extend_holders=tuple(u.pk for u in users_with_permission(street.pk, roles.EXTEND)),
        usernames={pk: name for name, pk in users.items()},
        auto_close_hours=settings.GUANJIA["AUTO_CLOSE_HOURS"],
        reopen_days=settings.GUANJIA["REOPEN_DAYS"],
        reopen_rating_max=settings.GUANJIA["REOPEN_RATING_MAX"],
        workload_cap=street_dispatch_settings(street.pk).workload_cap,
    )


def history_write(*, street: Street, history: sim.History, now: dt.datetime) -> None:
    """Store a played history. Runs inside the caller's transaction."""
    household_ids = _households_write(street, history)
    resident_ids = _residents_write(street, history, household_ids)
    ticket_ids = _tickets_write(street, history, resident_ids, household_ids)
    photo_ids = _photos_write(street, history, ticket_ids)
    events = []
    for e in history.events:
        payload = e.payload
        if e.photo is not None:
            payload = {**payload, "photo": photo_ids[e.photo]}
        events.append(
            TicketEvent(
                street_id=street.pk,
                ticket_id=ticket_ids[e.ticket],
                type=e.type,
                from_status=e.from_status,
                to_status=e.to_status,
                actor_id=e.actor,
                at=e.at,
                note=e.note,
                payload=payload,
            )
        )
    TicketEvent.objects.bulk_create(events, batch_size=BATCH)
    # History: everything was delivered a few seconds after it was queued, into the recipients'
    # inboxes too; what is older than a day has been read.
    read_before = now - dt.timedelta(days=1)
    Notification.objects.bulk_create(
        (
            Notification(
                street_id=street.pk,
                ticket_id=ticket_ids[n.ticket],
                recipient_id=n.recipient,
                phone=n.phone,
                kind=n.kind,
                payload={"number": history.tickets[n.ticket].number, **n.payload},
                created_at=n.created_at,
                delivered_at=(delivered := min(now, n.created_at + dt.timedelta(seconds=3))),
                available_at=delivered if n.recipient else None,
                read_at=delivered if n.recipient and n.created_at < read_before else None,
            )
            for n in history.notifications
        ),
        batch_size=BATCH,
    )
    TicketFollower.objects.bulk_create(
        TicketFollower(
            street_id=street.pk,
            ticket_id=ticket_ids[f.ticket],
            resident_id=resident_ids[f.phone],
            source_id=ticket_ids[f.source],
        )
        for f in history.followers
    )
    TicketCounter.objects.bulk_create(
        TicketCounter(street=street, day=day, value=value)
        for day, value in sorted(history.counters.items())
    )
    residents_since_first_order(street)


def _households_write(street: Street, history: sim.History) -> dict[tuple[int, str], int]:
    wanted = dict(history.households)
    for r in history.residents.values():
        if r.household is not None and r.compound is not None:
            wanted.setdefault(r.household, r.compound)
    existing = {
        (h.unit_id, h.room): h.pk
        for h in Household.objects.filter(street=street).only("pk", "unit_id", "room")
    }
    new = [
        Household(street=street, compound_id=compound, unit_id=unit, room=room)
        for (unit, room), compound in sorted(wanted.items())
        if (unit, room) not in existing
    ]
    Household.objects.bulk_create(new, batch_size=BATCH)
    existing.update(((h.unit_id, h.room), h.pk) for h in new)
    return existing


def _residents_write(
    street: Street, history: sim.History, household_ids: dict[tuple[int, str], int]
) -> dict[str, int]:
    residents = [
        Resident(
            street=street,
            phone=r.phone,
            name=r.name,
            household_id=household_ids[r.household] if r.household else None,
        )
        for r in sorted(history.residents.values(), key=lambda r: r.first_order)
    ]
    Resident.objects.bulk_create(residents, batch_size=BATCH)
    return {r.phone: r.pk for r in residents}


def _tickets_write(
    street: Street,
    history: sim.History,
    resident_ids: dict[str, int],
    household_ids: dict[tuple[int, str], int],
) -> list[int]:
    tickets = []
    thresholds = Thresholds.from_settings()
    for t in history.tickets:
        o = t.order
        household = t.household
        tickets.append(
            Ticket(
                street_id=street.pk,
                number=t.number,
                version=t.version,
                category_id=o.category.pk,
                channel=o.channel,
                status=t.status,
                paused_from=t.paused_from,
                urgent=o.urgent,
                reporter_id=resident_ids[o.phone],
                created_by_id=o.created_by,
                contact_name=o.contact_name,
                contact_phone=o.phone,
                household_id=household_ids[household] if household else None,
                compound_id=o.compound.pk,
                building_id=o.building.pk if o.building else None,
                unit_id=o.unit.pk if o.unit else None,
                room=o.room,
                spot=o.spot,
                description=o.description,
                attributes=o.attributes,
                assignee_id=t.assignee,
                created_at=o.created_at,
                updated_at=t.updated_at or o.created_at,
                dispatched_at=t.dispatched_at,
                accepted_at=t.accepted_at,
                on_site_at=t.on_site_at,
                resolved_at=t.resolved_at,
                closed_at=t.closed_at,
                cancelled_at=t.cancelled_at,
                paused_at=t.paused_at,
                paused_seconds=t.paused_seconds,
                accept_due=t.accept_due,
                arrive_due=t.arrive_due,
                resolve_due=t.resolve_due,
                next_escalation_at=_escalation_next_at(t, thresholds),
                return_count=t.return_count,
                reopen_count=t.reopen_count,
                rating_overall=t.rating_overall,
                rating_speed=t.rating_speed,
                rating_service=t.rating_service,
                rating_comment=t.rating_comment,
                rated_at=t.rated_at,
            )
        )
    Ticket.objects.bulk_create(tickets, batch_size=BATCH)
    ids = [t.pk for t in tickets]
    duplicates = []
    for row, obj in zip(history.tickets, tickets, strict=True):
        if row.duplicate_of is not None:
            obj.duplicate_of_id = ids[row.duplicate_of]
            duplicates.append(obj)
    Ticket.objects.bulk_update(duplicates, ["duplicate_of"], batch_size=BATCH)
    return ids


def _escalation_next_at(t: sim.TicketRow, thresholds: Thresholds) -> dt.datetime | None:
    """As tickets.services stores it after the order's last move, so that the demo's late orders
    climb the ladder once the worker runs."""
    c = t.order.category
    return escalation_next_at(
        status=t.status,
        deadlines=Deadlines(t.accept_due, t.arrive_due, t.resolve_due),
        windows=Windows(c.accept_minutes, c.arrive_minutes, c.resolve_minutes),
        calendar=c.calendar,
        thresholds=thresholds,
    )


def _photos_write(street: Street, history: sim.History, ticket_ids: list[int]) -> list[int]:
    """After-photos of finished work: a few drawn pictures, one file per photo, where
    tickets.photos keeps uploads (so its orphan sweep knows them)."""
    if not history.photos:
        return []
    today = timezone.localdate()
    folder = Path(settings.MEDIA_ROOT) / PHOTO_DIR / street.code / f"{today:%Y}" / f"{today:%m}"
    folder.mkdir(parents=True, exist_ok=True)
    pictures = [_picture(i) for i in range(4)]
    photos = []
    for i, p in enumerate(history.photos):
        data, width, height = pictures[i % len(pictures)]
        path = folder / f"{secrets.token_hex(16)}.jpg"
        path.write_bytes(data)
        photos.append(
            TicketPhoto(
                street_id=street.pk,
                ticket_id=ticket_ids[p.ticket],
                kind=PhotoKind.AFTER,
                file=path.relative_to(Path(settings.MEDIA_ROOT)).as_posix(),
                width=width,
                height=height,
                uploaded_by_id=p.uploaded_by,
                created_at=p.created_at,
            )
        )
    TicketPhoto.objects.bulk_create(photos, batch_size=BATCH)
    return [p.pk for p in photos]


def _picture(variant: int) -> tuple[bytes, int, int]:
    """A corridor with its lamp lit: a stand-in for a worker's after-photo."""
    width, height = 480, 640
    wall = [(214, 208, 196), (200, 204, 210), (222, 214, 200), (190, 196, 186)][variant % 4]
    im = Image.new("RGB", (width, height), wall)
    draw = ImageDraw.Draw(im)
    draw.rectangle((0, 470, width, height), fill=(150, 140, 128))  # the stairs
    for step in range(5):
        y = 480 + step * 32
        draw.line((0, y, width, y), fill=(120, 112, 100), width=3)
    x = 160 + variant * 40
    draw.ellipse((x - 70, 40, x + 70, 180), fill=(255, 244, 200))  # the glow
    draw.ellipse((x - 22, 88, x + 22, 132), fill=(255, 255, 240))  # the bulb
    draw.rectangle((x - 4, 0, x + 4, 90), fill=(90, 90, 90))  # the wire
    out = io.BytesIO()
    im.save(out, "JPEG", quality=80)
    return out.getvalue(), width, height


def residents_since_first_order(street: Street) -> None:
    """A resident is known from their first order (auto_now_add set the load's time)."""
    first = (
        Ticket.objects.filter(reporter=OuterRef("pk"))
        .order_by("created_at")
        .values("created_at")[:1]
    )
    Resident.objects.filter(street=street).update(created_at=Subquery(first))
