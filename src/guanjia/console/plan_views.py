"""Plan the backlog (/console/plan/): the morning after a storm, the batch planner shares the
street's unassigned orders among the staff on duty; the dispatcher reads the proposal, unticks
what they disagree with, and applies the rest in one POST. Thin: dispatch.selectors reads,
dispatch.planner plans (the same pure module as `guanjia dispatch-plan`), dispatch.services
dispatches through ticket_transition."""

import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from guanjia.console.views import console_view
from guanjia.dispatch import backlog
from guanjia.dispatch.selectors import BACKLOG_CAP, backlog_input
from guanjia.dispatch.services import PlannedDispatch, backlog_apply
from guanjia.org.models import Street
from guanjia.people import roles
from guanjia.people.access import streets_visible
from guanjia.people.models import StaffProfile, User
from guanjia.tickets.access import ticket_scope
from guanjia.tickets.models import Ticket

REASONS = {
    backlog.NO_PLACE: gettext_lazy("the place has no position on the map"),
    backlog.NOBODY: gettext_lazy("nobody on duty handles this service"),
    backlog.FULL: gettext_lazy("everyone on duty who handles it is at the workload cap"),
    backlog.OUTRANKED: gettext_lazy("the free places went to more pressing or nearer orders"),
}
# The plans applied in this session (their tokens), so that a second submit does nothing.
APPLIED_KEY = "backlog_plans_applied"
APPLIED_KEPT = 20
SKIPPED_SHOWN = 20


@dataclass(frozen=True)
class ProposedRow:
    ticket: Ticket
    worker: StaffProfile
    position: int  # 1: the worker's first new order
    minutes: int
    priority: float

    @property
    def value(self) -> str:
        return f"{self.ticket.pk}:{self.ticket.version}:{self.worker.user_id}"


def _street(request: HttpRequest) -> Street | None:
    user: Any = request.user
    if user.street_id is not None:
        return user.street  # type: ignore[no-any-return]
    code = request.GET.get("street") or request.POST.get("street") or ""
    return streets_visible(user).filter(code=code).first() if code else None


@require_GET
@console_view(roles.DISPATCH)
def plan(request: HttpRequest) -> HttpResponse:
    """The proposal: every assignment with the worker and the estimated minutes until they are
    there, and the orders left over with the reason."""
    street = _street(request)
    if street is None:
        return render(request, "console/plan.html", {"streets": streets_visible(request.user)})
    now = timezone.now()
    data = backlog_input(street_id=street.pk, now=now)
    result = backlog.plan(data.problem)
    priorities = {o.id: o.priority for o in data.problem.orders}
    rows = [
        ProposedRow(
            ticket=data.tickets[int(e.order)],
            worker=data.workers[int(e.worker)],
            position=e.position + 1,
            minutes=round(e.minutes),
            priority=priorities[e.order],
        )
        for e in backlog.estimates(data.problem, result)
    ]
    orders = {o.id: o for o in data.problem.orders}
    left = [
        (data.tickets[int(i)], REASONS[backlog.unassigned_reason(orders[i], data.problem.workers)])
        for i in result.unassigned
    ] + [(t, REASONS[backlog.NO_PLACE]) for t in data.no_place]
    context = {
        "street": street,
        "street_param": "" if getattr(request.user, "street_id", None) else street.code,
        "plan": result,
        "rows": rows,
        "left": left,
        "more": data.more,
        "cap": BACKLOG_CAP,
        "workers_on_duty": len(data.problem.workers),
        "orders_planned": len(data.problem.orders) + len(data.no_place),
        "token": secrets.token_urlsafe(16),
        "now": now,
    }
    return render(request, "console/plan.html", context)


def _rows(values: list[str]) -> list[PlannedDispatch] | None:
    rows = []
    for value in values[:BACKLOG_CAP]:
        parts = value.split(":")
        if len(parts) != 3 or not all(p.isdigit() and len(p) < 19 for p in parts):
            return None
        ticket_id, version, assignee_id = map(int, parts)
        rows.append(PlannedDispatch(ticket_id, version, assignee_id))
    return rows


@require_POST
@console_view(roles.DISPATCH)
def plan_apply(request: HttpRequest) -> HttpResponse:
    """Dispatch the ticked rows (dispatch.services.backlog_apply); say how many were sent and how
    many were skipped because someone else had handled them meanwhile."""
    rows = _rows(request.POST.getlist("row"))
    token = request.POST.get("plan", "")[:64]
    if rows is None or not token:
        return HttpResponseBadRequest()
    street = request.POST.get("street", "")
    page = reverse("console:plan") + (f"?{urlencode({'street': street})}" if street else "")
    applied = list(request.session.get(APPLIED_KEY, []))
    if token in applied:
        messages.info(request, _("This plan was applied already; nothing was sent twice."))
        return HttpResponseRedirect(page)
    user: User = request.user  # type: ignore[assignment]
    result = backlog_apply(actor=user, rows=rows)
    request.session[APPLIED_KEY] = [*applied, token][-APPLIED_KEPT:]
    messages.success(
        request,
        _("Dispatched %(done)d orders, skipped %(skipped)d (already handled by someone else).")
        % {"done": len(result.dispatched), "skipped": len(result.skipped)},
    )
    if result.skipped:
        numbers = ticket_scope(user).filter(pk__in=result.skipped).values_list("number", flat=True)
        messages.warning(
            request, _("Skipped: %(numbers)s.") % {"numbers": "、".join(numbers[:SKIPPED_SHOWN])}
        )
    return HttpResponseRedirect(page)
