"""The workers' and vendors' pages (/worker/): my tasks and the grab pool, one task with its next
moves, photos of the work, and the resident's number for the handler. Plain forms, no script
but the photo shrinker: they must work on a weak mobile network."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guanjia.core.client_address import client_address
from guanjia.core.errors import Conflict, Forbidden, GuanjiaError, NotFound
from guanjia.core.phones import phone_mask
from guanjia.people import roles
from guanjia.people.access import name_for
from guanjia.people.models import User
from guanjia.tickets import lifecycle
from guanjia.tickets.models import PhotoKind, Ticket
from guanjia.tickets.photos import WORK_STATUSES, ticket_photo_add
from guanjia.tickets.selectors import ticket_get
from guanjia.tickets.services import ticket_transition
from guanjia.workbench import selectors
from guanjia.workbench.forms import ActionForm, PhotoForm
from guanjia.workbench.services import contact_reveal

View = Callable[..., HttpResponse]


def handler_required(view: View) -> View:
    """Signed in (anonymous visitors go to the sign-in page) and allowed to handle orders (403
    otherwise)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.has_perm(roles.HANDLE):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _task_or_404(user: User, number: str) -> Ticket:
    try:
        return ticket_get(user, number)
    except NotFound as e:
        raise Http404 from e


def _row(ticket: Ticket, now: Any) -> dict[str, Any]:
    return {
        "ticket": ticket,
        "place": selectors.task_place(ticket),
        "category": selectors.category_name(ticket),
        "clock": selectors.task_clock(ticket, now),
        "status": lifecycle.status_label(ticket.status),
    }


@handler_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """My open orders, the nearest deadline first, and the grab pool of my skills."""
    user = _user(request)
    now = timezone.now()
    return render(
        request,
        "workbench/home.html",
        {
            "tasks": [_row(t, now) for t in selectors.worker_tasks(user)],
            "pool": [_row(t, now) for t in selectors.grab_pool(user)],
        },
    )


def _task_context(request: HttpRequest, ticket: Ticket, **extra: Any) -> dict[str, Any]:
    user = _user(request)
    now = timezone.now()
    actions = selectors.task_actions(user, ticket)
    photos = list(ticket.photos.all())
    assignee = ticket.assignee_id == user.pk
    needs_after = ticket.category.after_photo_required and not any(
        p.kind == PhotoKind.AFTER for p in photos
    )
    return {
        **_row(ticket, now),
        "actions": actions,
        "events": [
            {
                "at": e.at,
                "label": lifecycle.action_label(e.type),
                "actor": (e.actor.display_name or e.actor.username) if e.actor else "",
                "note": e.note,
            }
            for e in selectors.task_events(ticket)
        ],
        "report_photos": [p for p in photos if p.kind == PhotoKind.REPORT],
        "work_photos": [p for p in photos if p.kind != PhotoKind.REPORT],
        "photo_form": extra.get("photo_form")
        or (PhotoForm() if assignee and ticket.status in WORK_STATUSES else None),
        "needs_after_photo": needs_after,
        "is_assignee": assignee,
        "phone_masked": phone_mask(ticket.contact_phone),
        "contact_name": name_for(user, ticket.contact_name),
        "can_call": assignee and ticket.status in lifecycle.OPEN and bool(ticket.contact_phone),
        "revealed": extra.get("revealed"),
    }


@handler_required
@require_GET
def task(request: HttpRequest, number: str) -> HttpResponse:
    """One order: what, where, the resident's photos, the timeline, the next moves."""
    ticket = _task_or_404(_user(request), number)
    return render(request, "workbench/task.html", _task_context(request, ticket))


def _task_url(number: str) -> str:
    return reverse("workbench:task", args=[number])


def _done_text(action: str) -> str:
    texts = {
        "grab": _("The order is yours."),
        "accept": _("Accepted."),
        "arrive": _("Arrival recorded."),
        "resolve": _("Completed. Thank you!"),
        "pause": _("Paused."),
        "resume": _("Resumed."),
        "return": _("Returned to the dispatcher."),
    }
    return texts[action]


@handler_required
@require_POST
def act(request: HttpRequest, number: str) -> HttpResponse:
    """One move of the order, at the version the worker saw. A stale version is no failure: the
    page reloads with the order as it is now and says so."""
    user = _user(request)
    home_url = reverse("workbench:home")
    try:
        ticket = ticket_get(user, number)
    except NotFound as e:
        if request.POST.get("action") == "grab":
            # Grabbing races: the order left the pool (taken by someone else, or withdrawn). Said
            # alike for every number, so it tells nobody whether an order exists.
            messages.warning(request, _("This order is no longer in the pool."))
            return HttpResponseRedirect(home_url)
        raise Http404 from e
    form = ActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please check what you entered and try again."))
        return HttpResponseRedirect(_task_url(number))
    data = form.cleaned_data
    action = data["action"]
    back = home_url if data.get("back") == "home" else _task_url(number)
    try:
        ticket_transition(
            ticket=ticket,
            action=action,
            actor=user,
            version=data["version"],
            reason=data["reason"],
            note=form.event_note() if action == "resolve" else data["note"],
        )
    except Conflict as e:
        if e.code == "stale_version":
            messages.warning(request, _("This order changed meanwhile; here it is as it is now."))
        else:
            messages.error(request, str(e.message))
        return HttpResponseRedirect(back if selectors.task_visible(user, ticket) else home_url)
    except GuanjiaError as e:
        messages.error(request, str(e.message))
        return HttpResponseRedirect(back)
    messages.success(request, _done_text(action))
    return HttpResponseRedirect(back if selectors.task_visible(user, ticket) else home_url)


@handler_required
@require_POST
def photo(request: HttpRequest, number: str) -> HttpResponse:
    """A photo of the work, before or after. Shrunk on the phone; checked and re-encoded by
    tickets.photos whatever the phone sent."""
    user = _user(request)
    ticket = _task_or_404(user, number)
    form = PhotoForm(request.POST, request.FILES)
    status = 200
    if form.is_valid():
        try:
            ticket_photo_add(
                ticket=ticket,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["photo"],
                actor=user,
            )
        except Forbidden as e:
            raise PermissionDenied(str(e.message)) from e
        except GuanjiaError as e:
            form.add_error("photo", str(e.message))
            status = e.status if e.status == 413 else 200
        else:
            messages.success(request, _("Photo added."))
            return HttpResponseRedirect(_task_url(number))
    ticket.refresh_from_db()
    return render(
        request,
        "workbench/task.html",
        _task_context(request, ticket, photo_form=form),
        status=status,
    )


@handler_required
@require_POST
def call(request: HttpRequest, number: str) -> HttpResponse:
    """The resident's full number with a tel: link, for the order's handler only; logged."""
    user = _user(request)
    try:
        phone, _row_logged = contact_reveal(user=user, number=number, ip=client_address(request))
    except NotFound as e:
        if e.code == "no_phone":
            messages.error(request, str(e.message))
            return HttpResponseRedirect(_task_url(number))
        raise Http404 from e
    except Forbidden as e:
        raise PermissionDenied(str(e.message)) from e
    ticket = _task_or_404(user, number)
    response = render(
        request, "workbench/task.html", _task_context(request, ticket, revealed=phone)
    )
    # The full number stays out of every cache, as the photos do.
    response["Cache-Control"] = "private, no-store"
    return response
