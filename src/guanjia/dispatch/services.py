"""Writes for dispatch: automatic assignment of a new order and the life-safety page, and a
dispatcher's backlog plan applied.

The first two run inside ticket_create's transaction, so an order, its automatic dispatch and the
notifications they cause commit together or not at all.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from guanjia.catalog.models import DispatchMode
from guanjia.dispatch import engine
from guanjia.dispatch.models import AutoDispatch, StreetDispatchSettings
from guanjia.dispatch.selectors import (
    dispatch_candidates,
    dispatch_order_in,
    street_dispatch_settings,
)
from guanjia.notifications.models import Notification
from guanjia.people.models import User
from guanjia.people.selectors import duty_prefetches
from guanjia.tickets.models import Ticket

LIFE_SAFETY_PAGE = "life_safety_page"


def auto_dispatch_due(dispatch: StreetDispatchSettings, now: dt.datetime) -> bool:
    """Whether the street assigns new orders by itself at `now`: always, or while no dispatcher
    is at the desk."""
    if dispatch.mode == AutoDispatch.ALWAYS:
        return True
    if dispatch.mode == AutoDispatch.OUTSIDE_HOURS:
        return not dispatch.dispatcher_at_desk(timezone.localtime(now).time())
    return False


def dispatch_auto(*, ticket: Ticket, now: dt.datetime) -> engine.Decision | None:
    """Page and assign a new order as the street's rules say; called at the end of ticket_create.

    - A life-safety category pages every qualified staff member on duty at once
      (`life_safety_page`), whatever the auto-dispatch setting.
    - When auto-dispatch is due (see auto_dispatch_due) and the category is not a grab pool, the
      engine's pick is dispatched by the system; with no pick the order stays new, in the
      dispatchers' queue (they already heard of it).

    Returns the engine's decision, or None when there was nothing to decide.
    """
    category = ticket.category
    dispatch = street_dispatch_settings(ticket.street_id)
    auto = auto_dispatch_due(dispatch, now) and category.dispatch_mode != DispatchMode.GRAB
    if not auto and not category.life_safety:
        return None
    candidates = dispatch_candidates(
        street_id=ticket.street_id,
        category=category,
        compound_id=ticket.compound_id,
        now=now,
        cap=dispatch.workload_cap,
    )
    if category.life_safety:
        _page(ticket, [c for c in candidates if c.qualified and c.on_duty and not c.is_vendor], now)
    # The timeline keeps the reasons in the site's language, whoever's request created the order.
    with translation.override(settings.LANGUAGE_CODE):
        decision = engine.decide(dispatch_order_in(ticket), candidates)
        note = _auto_note(decision.pick) if decision.pick is not None else ""
    if auto and decision.pick is not None:
        _dispatch(ticket, decision.pick, note, now)
    return decision


def _page(ticket: Ticket, on_duty: list[engine.CandidateIn], now: dt.datetime) -> None:
    Notification.objects.bulk_create(
        Notification(
            street_id=ticket.street_id,
            ticket=ticket,
            recipient_id=c.user_id,
            kind=LIFE_SAFETY_PAGE,
            payload={"number": ticket.number},
            created_at=now,
        )
        for c in on_duty
    )


def _dispatch(ticket: Ticket, pick: engine.Ranked, note: str, now: dt.datetime) -> None:
    # Imported here: tickets.services calls this module at the end of ticket_create.
    from guanjia.tickets.services import ticket_transition

    assignee = User.objects.get(pk=pick.candidate.user_id)
    ticket_transition(
        ticket=ticket,
        action="dispatch",
        actor=None,
        version=ticket.version,
        assignee=assignee,
        note=note,
        now=now,
    )
    ticket.refresh_from_db()


def _auto_note(pick: engine.Ranked) -> str:
    return (_("Auto-dispatch: %(reasons)s") % {"reasons": pick.explanation})[:500]


@dataclass(frozen=True)
class PlannedDispatch:
    """One ticked row of a backlog plan: the order, the version the preview saw, the worker."""

    ticket_id: int
    version: int
    assignee_id: int


@dataclass(frozen=True)
class BacklogApplied:
    dispatched: tuple[Ticket, ...]
    skipped: tuple[int, ...]  # ticket ids changed meanwhile (or no longer this user's to send)


def backlog_apply(
    *, actor: User, rows: Sequence[PlannedDispatch], now: dt.datetime | None = None
) -> BacklogApplied:
    """Dispatch the rows of a backlog plan the dispatcher kept, each through ticket_transition
    with the version the preview saw: an order that changed since (dispatched by someone else,
    cancelled, merged) is skipped, never overwritten, and so is one whose worker may no longer
    take it. Each dispatch is its own transaction, so one skipped row leaves the others done;
    sending the same rows twice dispatches nothing the second time."""
    from guanjia.core.errors import GuanjiaError
    from guanjia.tickets.access import ticket_scope
    from guanjia.tickets.services import ticket_transition

    now = now or timezone.now()
    ids = {r.ticket_id for r in rows}
    tickets = {
        t.pk: t
        for t in ticket_scope(actor)
        .filter(pk__in=ids)
        .select_related("category", "compound", "street")
    }
    # The workers with their profiles and duty rows loaded once for every row they appear in.
    users = {
        u.pk: u
        for u in User.objects.filter(pk__in={r.assignee_id for r in rows})
        .select_related("staff")
        .prefetch_related(*duty_prefetches(now, through="staff__"))
    }
    with translation.override(settings.LANGUAGE_CODE):
        note = _("Planned with the backlog")
    dispatched, skipped = [], []
    for row in rows:
        t, assignee = tickets.get(row.ticket_id), users.get(row.assignee_id)
        if t is None or assignee is None or t.version != row.version:
            skipped.append(row.ticket_id)
            continue
        try:
            result = ticket_transition(
                ticket=t,
                action="dispatch",
                actor=actor,
                version=row.version,
                assignee=assignee,
                note=note,
                now=now,
            )
        except GuanjiaError:
            skipped.append(row.ticket_id)
            continue
        dispatched.append(result.ticket)
    return BacklogApplied(dispatched=tuple(dispatched), skipped=tuple(skipped))
