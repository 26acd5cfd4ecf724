"""Reads for dispatch: the engine's input built from the street's data in a fixed number of
queries, whatever the number of candidates."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Max, Prefetch, Q
from django.utils import timezone

from guanjia.catalog.models import HandlerKind, ServiceCategory
from guanjia.dispatch import backlog, engine, planner
from guanjia.dispatch.models import DispatchRule, StreetDispatchSettings
from guanjia.org.models import Compound
from guanjia.people.models import StaffProfile, Vendor
from guanjia.people.selectors import (
    duty_prefetches,
    handler_on_duty,
    handler_on_leave,
    handlers_loaded,
)
from guanjia.tickets.models import OPEN_STATUSES, Ticket


def street_dispatch_settings(street_id: int) -> StreetDispatchSettings:
    """The street's settings, or the defaults (auto-dispatch off, cap 10) when it has none."""
    found = StreetDispatchSettings.objects.filter(street_id=street_id).first()
    return found or StreetDispatchSettings(street_id=street_id)


def dispatch_designations(
    *, street_id: int, category_id: int, compound_id: int | None
) -> dict[int, str]:
    """User id → primary/backup for this category here. A rule for the compound beats the
    street-wide one."""
    rules = list(
        DispatchRule.objects.filter(street_id=street_id, category_id=category_id).filter(
            Q(compound_id=compound_id) | Q(compound__isnull=True)
        )
    )
    rules.sort(key=lambda r: r.compound_id is None)  # the compound's own rule first
    if not rules:
        return {}
    rule = rules[0]
    found = {rule.primary_id: engine.PRIMARY}
    if rule.backup_id is not None and rule.backup_id != rule.primary_id:
        found[rule.backup_id] = engine.BACKUP
    return found


def _float(value: object) -> float | None:
    return float(value) if value is not None else None  # type: ignore[arg-type]


def dispatch_order_in(ticket: Ticket) -> engine.OrderIn:
    c = ticket.category
    return engine.OrderIn(
        category=c.code,
        mode=c.dispatch_mode,
        handler_kind=c.handler_kind,
        frequency=c.frequency,
        compound_id=ticket.compound_id,
        latitude=_float(ticket.compound.latitude if ticket.compound else None),
        longitude=_float(ticket.compound.longitude if ticket.compound else None),
        urgent=ticket.urgent,
        life_safety=c.life_safety,
    )


def dispatch_candidates(
    *,
    street_id: int,
    category: ServiceCategory,
    compound_id: int | None,
    now: dt.datetime,
    cap: int,
) -> list[engine.CandidateIn]:
    """Every active handler of the street qualified for `category`, as the engine's input.

    A fixed number of queries: the profiles with their open workload, last assignment and
    assignments today counted in one aggregate; their shifts, leave and covers near `now`
    (people.selectors.duty_prefetches: leave removes, a cover adds); their compounds; the
    dedicated-handler rule.
    """
    day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    skilled = StaffProfile.skills.through.objects.filter(servicecategory_id=category.pk).values(
        "staffprofile_id"
    )
    contracted = Vendor.categories.through.objects.filter(servicecategory_id=category.pk).values(
        "vendor_id"
    )
    assigned = "user__assigned_tickets"
    profiles = (
        StaffProfile.objects.filter(street_id=street_id, active=True, user__is_active=True)
        .filter(
            Q(vendor__isnull=True, pk__in=skilled)
            | Q(vendor__active=True, vendor_id__in=contracted)
        )
        .select_related("user", "vendor")
        .annotate(
            open_orders=Count(assigned, filter=Q(user__assigned_tickets__status__in=OPEN_STATUSES)),
            last_assigned_at=Max(f"{assigned}__dispatched_at"),
            assigned_today=Count(
                assigned, filter=Q(user__assigned_tickets__dispatched_at__gte=day_start)
            ),
        )
        .prefetch_related(
            *duty_prefetches(now), Prefetch("compounds", queryset=Compound.objects.only("id"))
        )
        .order_by("user__username")
    )
    designations = dispatch_designations(
        street_id=street_id, category_id=category.pk, compound_id=compound_id
    )
    today = timezone.localdate(now)
    candidates = []
    for p in profiles:
        qualified = p.vendor is None or p.vendor.under_contract(today)
        candidates.append(
            engine.CandidateIn(
                user_id=p.user_id,
                username=p.user.username,
                display_name=p.user.display_name,
                is_vendor=p.vendor_id is not None,
                qualified=qualified,
                on_duty=handler_on_duty(p, now),
                on_leave=handler_on_leave(p, now),
                open_orders=p.open_orders,  # type: ignore[attr-defined]
                cap=cap,
                compounds=frozenset(c.pk for c in p.compounds.all()),
                designation=designations.get(p.user_id, ""),
                latitude=_float(p.base_latitude),
                longitude=_float(p.base_longitude),
                last_assigned_at=p.last_assigned_at,  # type: ignore[attr-defined]
                assigned_today=p.assigned_today,  # type: ignore[attr-defined]
            )
        )
    return candidates


def dispatch_decision(ticket: Ticket, *, now: dt.datetime) -> engine.Decision:
    """What the engine makes of `ticket` now, its current handler left out (a transfer's
    suggestions are about someone else)."""
    settings = street_dispatch_settings(ticket.street_id)
    candidates = [
        c
        for c in dispatch_candidates(
            street_id=ticket.street_id,
            category=ticket.category,
            compound_id=ticket.compound_id,
            now=now,
            cap=settings.workload_cap,
        )
        if c.user_id != ticket.assignee_id
    ]
    return engine.decide(dispatch_order_in(ticket), candidates)


# The backlog plan (the console's "plan the backlog") -------------------------------------------

# At most this many orders are planned at once, the most pressing first (urgent, then the nearest
# accept deadline); the planner takes 2,000 × 300 in well under a second.
BACKLOG_CAP = 2000


@dataclass(frozen=True)
class Backlog:
    """The live backlog as the planner's input, and the rows behind its ids."""

    problem: planner.Problem
    tickets: dict[int, Ticket]  # by id: the orders planned, place and service loaded
    workers: dict[int, StaffProfile]  # by user id: the handlers on duty
    no_place: tuple[Ticket, ...]  # orders without a position: never planned
    more: bool  # the street had more than `limit` unassigned orders


def _position(lat: object, lon: object) -> backlog.LatLon | None:
    if lat is None or lon is None:
        return None
    return float(lat), float(lon)  # type: ignore[arg-type]


def backlog_input(*, street_id: int, now: dt.datetime, limit: int = BACKLOG_CAP) -> Backlog:
    """The street's unassigned open orders (new, for staff or vendors) and its handlers on duty
    now (leave and covers applied), with their open workload, the street's workload cap as
    capacity, their position and skills, as dispatch/backlog.py maps them. A fixed number of
    queries, whatever the size of the backlog or the staff."""
    from guanjia.tickets import lifecycle

    settings = street_dispatch_settings(street_id)
    found = list(
        Ticket.objects.filter(
            street_id=street_id,
            status=lifecycle.NEW,
            assignee__isnull=True,
            category__handler_kind__in=(HandlerKind.STAFF, HandlerKind.VENDOR),
        )
        .select_related("category", "compound", "building", "unit")
        .order_by("-urgent", F("accept_due").asc(nulls_last=True), "pk")[: limit + 1]
    )
    more = len(found) > limit
    found = found[:limit]
    today = timezone.localdate(now)
    where = Q(street_id=street_id) & (Q(vendor__isnull=True) | Q(vendor__active=True))
    profiles = [
        p
        for p in handlers_loaded(where, now=now).prefetch_related(
            Prefetch("compounds", queryset=Compound.objects.only("id", "latitude", "longitude"))
        )
        if (p.vendor is None or p.vendor.under_contract(today)) and handler_on_duty(p, now)
    ]
    placed = [
        (t, pos)
        for t in found
        if t.compound is not None
        and (pos := _position(t.compound.latitude, t.compound.longitude)) is not None
    ]
    origin = backlog.middle(pos for _t, pos in placed) or (0.0, 0.0)
    orders = []
    for t, pos in placed:
        x, y = backlog.project(pos, origin)
        overdue = t.accept_due is not None and t.accept_due < now
        orders.append(
            planner.Order(
                id=t.pk,
                category=t.category.code,
                x=x,
                y=y,
                priority=backlog.order_priority(
                    urgent=t.urgent, life_safety=t.category.life_safety, overdue=overdue
                ),
            )
        )
    workers = []
    for p in profiles:
        served = backlog.middle(
            pos
            for c in p.compounds.all()
            if (pos := _position(c.latitude, c.longitude)) is not None
        )
        stand = _position(p.base_latitude, p.base_longitude) or served or origin
        x, y = backlog.project(stand, origin)
        skills = (p.vendor.categories if p.vendor is not None else p.skills).all()
        workers.append(
            planner.Worker(
                id=p.user_id,
                skills=frozenset(c.code for c in skills),
                x=x,
                y=y,
                open_orders=p.open_workload,  # type: ignore[attr-defined]
                capacity=settings.workload_cap,
            )
        )
    planned = {t.pk for t, _pos in placed}
    return Backlog(
        problem=planner.Problem(
            service_minutes=backlog.SERVICE_MINUTES,
            speed_m_per_min=backlog.SPEED_M_PER_MIN,
            workers=tuple(workers),
            orders=tuple(orders),
        ),
        tickets={t.pk: t for t, _pos in placed},
        workers={p.user_id: p for p in profiles},
        no_place=tuple(t for t in found if t.pk not in planned),
        more=more,
    )
