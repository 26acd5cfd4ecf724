"""Reads for dispatch: the engine's input built from the street's data in a fixed number of
queries, whatever the number of candidates."""

import datetime as dt

from django.db.models import Count, Max, Prefetch, Q
from django.utils import timezone

from guanjia.catalog.models import ServiceCategory
from guanjia.dispatch import engine
from guanjia.dispatch.models import DispatchRule, StreetDispatchSettings
from guanjia.org.models import Compound
from guanjia.people.models import StaffProfile, Vendor
from guanjia.people.selectors import duty_prefetches, handler_on_duty
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
