"""The dispatcher's and hotline operator's console: one live queue, the order page with its
actions, and order entry on a caller's behalf. Thin: selectors read, ticket services write."""

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guanjia.catalog.selectors import catalog_active
from guanjia.console import followup, selectors
from guanjia.console.forms import (
    MAX_ID,
    ActionForm,
    FollowUpForm,
    OrderEntryForm,
    QueueFilterForm,
)
from guanjia.console.intake_selectors import drafts_context, ticket_intake_context
from guanjia.console.qr import qr_svg
from guanjia.console.services import CallResult, followup_record
from guanjia.core.errors import Conflict, Forbidden, GuanjiaError, NotFound
from guanjia.dispatch.selectors import dispatch_decision
from guanjia.org.selectors import buildings_of, units_of
from guanjia.people import roles
from guanjia.people.access import contact_visible, name_for, phone_for
from guanjia.people.models import User
from guanjia.people.selectors import handlers_for_category
from guanjia.resident.forms import SPOT_SUGGESTIONS
from guanjia.resident.qrcodes import building_code
from guanjia.resident.views import _emergency_numbers
from guanjia.tickets import lifecycle
from guanjia.tickets.access import ticket_capacities
from guanjia.tickets.intake import ticket_intake
from guanjia.tickets.models import Ticket
from guanjia.tickets.selectors import (
    composite_children,
    composite_progress,
    ticket_detail_of,
    ticket_get,
    ticket_possible_duplicates,
)
from guanjia.tickets.services import Rating, TransitionResult, ticket_transition

security_log = logging.getLogger("guanjia.security")

REFRESH_SECONDS = 20
# The moves a console offers, and the permission each needs before the lifecycle table is asked.
ACTION_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "dispatch": (roles.DISPATCH,),
    "transfer": (roles.DISPATCH,),
    "pause": (roles.DISPATCH,),
    "resume": (roles.DISPATCH,),
    "cancel": (roles.DISPATCH,),
    "merge": (roles.DISPATCH,),
    "extend": (roles.EXTEND,),
    "reopen": (roles.DISPATCH, roles.CALLBACK),
    "rate": (roles.CALLBACK,),
    # A consultation is answered at the desk: the dispatcher or operator it was sent to accepts
    # and resolves it here (no permission beyond being its handler; the table checks that).
    "accept": (),
    "arrive": (),
    "resolve": (),
}


def _may(user: Any, ticket: Ticket, perms: tuple[str, ...]) -> bool:
    if not perms:
        return ticket.assignee_id is not None and ticket.assignee_id == user.pk
    return any(user.has_perm(p) for p in perms)


def console_view(permission: str) -> Callable[[Callable[..., HttpResponse]], Any]:
    """Signed in (strangers go to the login with ?next=), then the permission (403)."""

    def wrap(view: Callable[..., HttpResponse]) -> Any:
        return login_required(permission_required(permission, raise_exception=True)(view))

    return wrap


# The queue -----------------------------------------------------------------------------------


def _filters(request: HttpRequest) -> tuple[QueueFilterForm, selectors.QueueFilters]:
    form = QueueFilterForm(request.GET)
    if not form.is_valid():
        return form, selectors.QueueFilters()
    d = form.cleaned_data
    status = d["status"] if d["status"] in selectors.QUEUE_STATUSES else None
    return form, selectors.QueueFilters(
        compound_id=d["compound"],
        category=d["category"] or None,
        status=status,
        overdue=d["overdue"],
    )


@require_GET
@console_view(roles.VIEW_STREET_TICKETS)
def queue(request: HttpRequest) -> HttpResponse:
    """One queue of open orders, urgent first then by the nearest deadline; htmx refreshes the
    table alone every REFRESH_SECONDS."""
    now = timezone.now()
    form, filters = _filters(request)
    rows, more = selectors.queue_rows(request.user, filters, now=now)
    context: dict[str, Any] = {
        "rows": rows,
        "more": more,
        "cap": selectors.QUEUE_CAP,
        "grid": selectors.compound_open_counts(request.user, now=now),
        "filters": filters,
        "query": urlencode({k: v for k, v in request.GET.items() if v}),
        "refresh": REFRESH_SECONDS,
        "now": now,
    }
    context.update(drafts_context(request.user))  # messages triage was not sure of (待确认)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "console/_queue.html", context)
    context.update(
        {
            "form": form,
            "compounds": selectors.console_compounds(request.user),
            "categories": catalog_active(),
            "statuses": [(s, lifecycle.status_label(s)) for s in selectors.QUEUE_STATUSES],
        }
    )
    return render(request, "console/queue.html", context)


# The order page ------------------------------------------------------------------------------


def _ticket_or_404(request: HttpRequest, number: str) -> Ticket:
    try:
        return ticket_get(request.user, number)
    except NotFound as e:
        raise Http404 from e


def _allowed_actions(ticket: Ticket, user: Any) -> list[str]:
    """The console's moves the lifecycle table lets this user make on the order now."""
    caps = ticket_capacities(user, ticket)
    allowed = []
    for action, perms in ACTION_PERMISSIONS.items():
        if not _may(user, ticket, perms):
            continue
        try:
            lifecycle.move_target(
                action,
                ticket.status,
                caps,
                paused_from=ticket.paused_from,
                site_visit=ticket.category.site_visit,
            )
        except GuanjiaError:
            continue
        if action == "reopen" and ticket.resolved_at is None:
            continue
        allowed.append(action)
    return allowed


@require_GET
@console_view(roles.VIEW_STREET_TICKETS)
def ticket(request: HttpRequest, number: str) -> HttpResponse:
    """The order with its full timeline, contact, photos, deadlines and the actions open now."""
    t = _ticket_or_404(request, number)
    now = timezone.now()
    detail = ticket_detail_of(t)
    if t.contact_phone and contact_visible(request.user):
        # The page shows the full number (the role has contact access): say who saw whose.
        security_log.info(
            "contact shown user=%s ticket=%s page=console", request.user.get_username(), t.number
        )
    actions = _allowed_actions(t, request.user)
    suggestions: list[Any] = []
    handlers: list[User] = []
    if "dispatch" in actions or "transfer" in actions:
        decision = dispatch_decision(t, now=now)
        pick = decision.pick.candidate.user_id if decision.pick is not None else None
        suggestions = [
            {
                "ranked": r,
                "auto": r.candidate.user_id == pick,
                "warnings": [selectors.warning_label(w) for w in r.warnings],
            }
            for r in decision.ranked[:3]
        ]
        handlers = [
            u for u in handlers_for_category(t.street_id, t.category) if u.pk != t.assignee_id
        ]
    children = composite_children(t)
    context = {
        "t": t,
        # 一件事: the children and how many are done, shown on the parent.
        "children": children,
        "progress": composite_progress(t) if children else None,
        "clock": selectors.ticket_clock(t, now, selectors.Thresholds.from_settings()),
        "timeline": selectors.staff_timeline(detail.events),
        "photos": detail.photos,
        "contact_phone": phone_for(request.user, t.contact_phone),
        "contact_full": contact_visible(request.user),
        "actions": actions,
        "suggestions": suggestions,
        "handlers": handlers,
        "duplicates": ticket_possible_duplicates(request.user, t, now=now)
        if "merge" in actions
        else [],
        "status_label": lifecycle.status_label(t.status),
        "assign_action": next((a for a in ("dispatch", "transfer") if a in actions), ""),
        "rating_fields": [
            ("overall", _("Overall")),
            ("speed", _("Speed")),
            ("service", _("Service")),
        ],
        "stars": range(5, 0, -1),
        "own_actions": [
            (a, lifecycle.action_label(a)) for a in ("accept", "arrive", "resolve") if a in actions
        ],
        "reason_actions": [
            (a, lifecycle.action_label(a), lifecycle.MOVES[a].needs_reason)
            for a in ("pause", "resume", "extend", "reopen", "cancel")
        ],
    }
    context.update(ticket_intake_context(request.user, t, actions))
    return render(request, "console/ticket.html", context)


def _transition_kwargs(
    request: HttpRequest, action: str, t: Ticket, data: dict[str, Any]
) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"reason": data["reason"] or "", "note": data["note"] or ""}
    if action in ("dispatch", "transfer"):
        kwargs["assignee"] = (
            User.objects.filter(pk=data["assignee"]).first() if data["assignee"] else None
        )
    elif action == "merge":
        number = (data["original"] or "").strip()
        if not number:
            raise GuanjiaError(_("Type the number of the original order."), code="required")
        try:
            kwargs["original"] = ticket_get(request.user, number)
        except NotFound as e:
            raise GuanjiaError(
                _("No order %(number)s here.") % {"number": number}, code="not_found"
            ) from e
    elif action == "extend":
        kwargs["deadline"] = data["deadline"]
    elif action == "rate":
        if data["overall"] is None:
            raise GuanjiaError(_("Please give the overall rating."), code="required")
        kwargs["rating"] = Rating(
            overall=data["overall"],
            speed=data["speed"],
            service=data["service"],
            comment=data["comment"] or "",
        )
    return kwargs


@require_POST
@console_view(roles.VIEW_STREET_TICKETS)
def act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """One move on the order through ticket_transition; the outcome is said on the order page."""
    perms = ACTION_PERMISSIONS.get(action)
    if perms is None:
        raise Http404
    t = _ticket_or_404(request, number)
    if not _may(request.user, t, perms):
        raise PermissionDenied
    page = reverse("console:ticket", args=[t.number])
    form = ActionForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(
                request, f"{form.fields[field].label or field}: {' '.join(map(str, errors))}"
            )
        return HttpResponseRedirect(page)
    try:
        kwargs = _transition_kwargs(request, action, t, form.cleaned_data)
        result: TransitionResult | CallResult
        if action == "rate":
            # A rating taken at the desk is a call-back (回访): recorded as one.
            result = followup_record(
                ticket=t,
                actor=request.user,  # type: ignore[arg-type]
                outcome=followup.REACHED,
                version=form.cleaned_data["version"],
                rating=kwargs["rating"],
            )
        else:
            result = ticket_transition(
                ticket=t,
                action=action,
                actor=request.user,
                version=form.cleaned_data["version"],
                **kwargs,
            )
    except Forbidden as e:
        raise PermissionDenied(str(e)) from e
    except Conflict as e:
        if e.code == "stale_version":
            messages.error(
                request,
                _(
                    "Someone else changed this order meanwhile; it has been reloaded. "
                    "Check it and try again."
                ),
            )
        else:
            messages.error(request, str(e))
        return HttpResponseRedirect(page)
    except GuanjiaError as e:
        messages.error(request, str(e))
        return HttpResponseRedirect(page)
    messages.success(
        request,
        _("%(action)s: done. The order is now “%(status)s”.")
        % {
            "action": lifecycle.action_label(action),
            "status": lifecycle.status_label(result.ticket.status),
        },
    )
    for w in result.warnings:
        messages.warning(request, w.message)
    return HttpResponseRedirect(page)


# Order entry ---------------------------------------------------------------------------------


def _entry_context(request: HttpRequest, form: OrderEntryForm, **extra: Any) -> dict[str, Any]:
    def chosen(name: str) -> int | None:
        value = form.data.get(name) if form.is_bound else form.initial.get(name)
        try:
            number = int(value) if value else None
        except (TypeError, ValueError):
            return None
        return number if number is not None and 0 < number <= MAX_ID else None

    compounds = selectors.console_compounds(request.user)
    compound_id, building_id = chosen("compound"), chosen("building")
    compound = compounds.filter(pk=compound_id).first() if compound_id else None
    building = (
        buildings_of(compound).filter(pk=building_id).first()
        if compound is not None and building_id
        else None
    )
    return {
        "form": form,
        "compounds": compounds,
        "buildings": list(buildings_of(compound)) if compound is not None else [],
        "units": list(units_of(building)) if building is not None else [],
        "chosen": {
            "compound": chosen("compound"),
            "building": chosen("building"),
            "unit": chosen("unit"),
        },
        "spots": SPOT_SUGGESTIONS,
        "categories": catalog_active(),
        # The caller's panel as the lookup left it (a re-shown form keeps it).
        "caller": selectors.caller_lookup(request.user, str(form.data.get("phone") or ""))
        if form.is_bound
        else None,
        **extra,
    }


@require_http_methods(["GET", "POST"])
@console_view(roles.CREATE_FOR_OTHERS)
def new(request: HttpRequest) -> HttpResponse:
    """Take an order on a caller's behalf, from the keyboard alone. Possible duplicates (same
    compound and service, open, 48 h) are shown before saving; a second submit saves anyway."""
    if request.method == "GET":
        form = OrderEntryForm(initial={"phone": request.GET.get("phone", "")})
        return render(request, "console/new.html", _entry_context(request, form))
    form = OrderEntryForm(request.POST)
    if not form.is_valid():
        return render(request, "console/new.html", _entry_context(request, form))
    data = form.cleaned_data
    now = timezone.now()
    key = form.duplicate_key()
    assert form.place_compound is not None
    if data.get("confirm") != key:
        probe = Ticket(
            compound_id=form.place_compound.pk,
            category_id=data["category"].pk,
            building_id=form.place_building.pk if form.place_building else None,
        )
        duplicates = ticket_possible_duplicates(request.user, probe, now=now)
        if duplicates:
            data_copy = request.POST.copy()
            data_copy["confirm"] = key
            form.data = data_copy
            return render(
                request,
                "console/new.html",
                _entry_context(request, form, duplicates=duplicates),
            )
    try:
        intake = ticket_intake(
            caller=request.user,  # type: ignore[arg-type]
            category=data["category"].code,
            compound=form.place_compound.pk,
            building=form.place_building.pk if form.place_building else None,
            unit=form.place_unit.pk if form.place_unit else None,
            room=data.get("room") or "",
            address=data.get("spot") or "",
            description=data["description"],
            contact_name=data["contact_name"],
            contact_phone=data["phone"],
            urgent=data["urgent"],
            channel=data["channel"],
            now=now,
        )
    except GuanjiaError as e:
        field = {"contact_phone": "phone", "address": "spot"}.get(e.field or "", e.field)
        form.add_error(field if field in form.fields else None, str(e))
        return render(request, "console/new.html", _entry_context(request, form))
    t = intake.ticket
    messages.success(request, _("Order %(number)s taken.") % {"number": t.number})
    return HttpResponseRedirect(reverse("console:ticket", args=[t.number]))


@require_GET
@console_view(roles.CREATE_FOR_OTHERS)
def lookup(request: HttpRequest) -> HttpResponse:
    """htmx: the caller's households and past orders by phone; the first household known fills
    the place and name fields (out of band) so the operator only checks them."""
    caller = selectors.caller_lookup(request.user, request.GET.get("phone", ""))
    context: dict[str, Any] = {"caller": caller, "typed": request.GET.get("phone", "")}
    resident = caller.residents[0] if caller and caller.residents else None
    if resident is not None and resident.household is not None:
        h = resident.household
        building = h.unit.building
        context.update(
            {
                "prefill": True,
                "oob": True,
                "resident": resident,
                "compounds": selectors.console_compounds(request.user),
                "buildings": list(buildings_of(building.compound)),
                "units": list(units_of(building)),
                "chosen": {
                    "compound": building.compound_id,
                    "building": building.pk,
                    "unit": h.unit_id,
                },
                "room": h.room,
                "form": OrderEntryForm(),
            }
        )
    elif resident is not None:
        context.update({"resident": resident})
    return render(request, "console/_lookup.html", context)


# Print pages ---------------------------------------------------------------------------------


@require_GET
@console_view(roles.VIEW_STREET_TICKETS)
def print_ticket(request: HttpRequest, number: str) -> HttpResponse:
    """The 派工单 (work order sheet) of one order, for A4: what the console page shows, the
    contact as the viewer may see it, blank lines to fill in on site, and a QR code that opens
    the order on the handler's phone."""
    t = _ticket_or_404(request, number)
    detail = ticket_detail_of(t)
    if t.contact_phone and contact_visible(request.user):
        security_log.info(
            "contact shown user=%s ticket=%s page=print", request.user.get_username(), t.number
        )
    worker_url = request.build_absolute_uri(reverse("workbench:task", args=[t.number]))
    context = {
        "t": t,
        "status_label": lifecycle.status_label(t.status),
        "timeline": selectors.staff_timeline(detail.events),
        "contact_name": name_for(request.user, t.contact_name),
        "contact_phone": phone_for(request.user, t.contact_phone),
        "worker_url": worker_url,
        "qr": qr_svg(worker_url, label=_("QR code: open this order on the handler's phone")),
        "printed_at": timezone.now(),
    }
    return render(request, "console/print_ticket.html", context)


@require_GET
@console_view(roles.DISPATCH)
def print_posters(request: HttpRequest) -> HttpResponse:
    """The compounds of the street, each with a link to its buildings' QR posters."""
    compounds = selectors.console_compounds(request.user).annotate(
        buildings_count=Count("buildings")
    )
    return render(request, "console/print_posters.html", {"compounds": compounds})


@require_GET
@console_view(roles.DISPATCH)
def print_compound_posters(request: HttpRequest, compound_id: int) -> HttpResponse:
    """One A4 poster per building of the compound, for the stairwell: a large QR code of the
    building's /r/<code> link (ordering with the place filled in), a few words in large type for
    elderly residents, the street's hotline and the emergency numbers."""
    compound = (
        selectors.poster_compound(request.user, compound_id) if compound_id <= MAX_ID else None
    )
    if compound is None:
        raise Http404
    posters = []
    for building in buildings_of(compound):
        url = request.build_absolute_uri(reverse("resident:qr", args=[building_code(building)]))
        label = _("QR code to order for %(place)s") % {"place": f"{compound.name}{building.name}"}
        posters.append({"building": building, "url": url, "qr": qr_svg(url, label=label)})
    context = {
        "compound": compound,
        "posters": posters,
        "hotline": compound.street.hotline,
        "emergency": _emergency_numbers(),
    }
    return render(request, "console/print_compound_posters.html", context)


# Call-backs (回访) ------------------------------------------------------------------------------


@require_GET
@console_view(roles.CALLBACK)
def followup_list(request: HttpRequest) -> HttpResponse:
    """The finished orders whose residents should be called now (console/followup.py): all the
    unrated ones and a sample of the rated ones, each with the number as the caller may see it
    and the outcome buttons."""
    now = timezone.now()
    rows, more = selectors.followup_rows(request.user, now=now)
    if rows and contact_visible(request.user):
        security_log.info(
            "contact shown user=%s orders=%d page=followup", request.user.get_username(), len(rows)
        )
    items = [
        {
            "row": r,
            "t": r.ticket,
            "name": name_for(request.user, r.ticket.contact_name),
            "phone": phone_for(request.user, r.ticket.contact_phone),
        }
        for r in rows
    ]
    context = {
        "items": items,
        "more": more,
        "cap": selectors.FOLLOWUP_CAP,
        "contact_full": contact_visible(request.user),
        "stars": range(5, 0, -1),
        "retry_hours": followup.RETRY_HOURS,
        "low": followup.LOW_RATING_MAX,
        "now": now,
    }
    return render(request, "console/followup.html", context)


@require_POST
@console_view(roles.CALLBACK)
def followup_call(request: HttpRequest, number: str) -> HttpResponse:
    """Record one call's outcome; the list comes back with what happened said at the top."""
    t = _ticket_or_404(request, number)
    page = reverse("console:followup")
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        for name, errors in form.errors.items():
            label = form.fields[name].label or name
            messages.error(
                request,
                _("%(number)s: %(message)s")
                % {"number": t.number, "message": f"{label} {' '.join(map(str, errors))}"},
            )
        return HttpResponseRedirect(page)
    d = form.cleaned_data
    rating = Rating(overall=d["overall"], comment=d["comment"] or "") if d["overall"] else None
    try:
        result = followup_record(
            ticket=t,
            actor=request.user,  # type: ignore[arg-type]
            outcome=d["outcome"],
            version=d["version"],
            rating=rating,
            note="" if t.status == lifecycle.RESOLVED else d["comment"] or "",
        )
    except Forbidden as e:
        raise PermissionDenied(str(e)) from e
    except GuanjiaError as e:
        messages.error(request, _("%(number)s: %(message)s") % {"number": t.number, "message": e})
        return HttpResponseRedirect(page)
    messages.success(
        request,
        _("%(number)s: call-back recorded (%(outcome)s).")
        % {"number": t.number, "outcome": followup.OUTCOMES[d["outcome"]]},
    )
    if result.event.payload.get("reopened"):
        messages.warning(
            request,
            _("The rating was low: the order went back to its handler."),
        )
    elif rating is not None and rating.overall <= settings.GUANJIA["REOPEN_RATING_MAX"]:
        messages.warning(
            request,
            _(
                "The resident is not satisfied: reopen the order from its page if the work "
                "must be redone."
            ),
        )
    return HttpResponseRedirect(page)
