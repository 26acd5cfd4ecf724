"""The duty roster (排班, /console/roster/): a week of the street's staff and their shifts, with
leave (请假) and covers (顶班). Managers change it; dispatchers read it. Thin: people.selectors
read, people.services write (and check), and dispatch reads the same rows to know who is on duty.
"""

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guanjia.console.roster_forms import CoverForm, LeaveForm, ShiftForm, WeekForm
from guanjia.console.views import console_view
from guanjia.core.errors import GuanjiaError
from guanjia.people import roles, services
from guanjia.people.models import Cover, Leave, Shift, StaffProfile
from guanjia.people.selectors import roster_item, roster_staff, roster_week, week_monday

FORMS: dict[str, type[forms.Form]] = {"shift": ShiftForm, "leave": LeaveForm, "cover": CoverForm}


def _monday(data: Any) -> dt.date:
    form = WeekForm(data)
    chosen = form.cleaned_data["week"] if form.is_valid() else None
    return week_monday(chosen or timezone.localdate())


def _page(monday: dt.date) -> str:
    return f"{reverse('console:roster')}?week={monday.isoformat()}"


def _render(
    request: HttpRequest, monday: dt.date, bound: dict[str, forms.Form] | None = None
) -> HttpResponse:
    week = roster_week(request.user, monday)
    bound = bound or {}
    context = {
        "week": week,
        "today": timezone.localdate(),
        "previous": monday - dt.timedelta(days=7),
        "next": monday + dt.timedelta(days=7),
        "this_week": week_monday(timezone.localdate()),
        "can_edit": request.user.has_perm(roles.ROSTER_EDIT),
        "staff": [row.profile for row in week.rows],
        "forms": {what: bound.get(what) or cls(prefix=what) for what, cls in FORMS.items()},
        "errors": [e for f in bound.values() for errs in f.errors.values() for e in errs],
    }
    return render(request, "console/roster.html", context, status=422 if bound else 200)


@require_GET
@console_view(roles.ROSTER_VIEW)
def roster(request: HttpRequest) -> HttpResponse:
    return _render(request, _monday(request.GET))


def _staff(request: HttpRequest, pk: int) -> StaffProfile:
    """A staff member of the user's roster; anyone else does not exist here (404)."""
    found = roster_staff(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _write(request: HttpRequest, what: str, d: dict[str, Any]) -> str:
    """Run the service for `what`; the message to show."""
    staff = _staff(request, d["staff"])
    if what == "shift":
        services.shift_create(staff=staff, weekday=d["weekday"], start=d["start"], end=d["end"])
        return _("Shift added for %(name)s.") % {"name": staff.user}
    if what == "leave":
        services.leave_create(
            staff=staff,
            start=d["start"],
            end=d["end"],
            reason=d["reason"],
            actor=request.user,  # type: ignore[arg-type]
        )
        return _("Leave recorded for %(name)s.") % {"name": staff.user}
    substitute = _staff(request, d["substitute"])
    services.cover_create(
        staff=staff,
        substitute=substitute,
        day=d["day"],
        reason=d["reason"],
        actor=request.user,  # type: ignore[arg-type]
    )
    return _("%(substitute)s covers %(name)s's shift on %(day)s.") % {
        "substitute": substitute.user,
        "name": staff.user,
        "day": d["day"],
    }


@require_POST
@console_view(roles.ROSTER_EDIT)
def roster_add(request: HttpRequest, what: str) -> HttpResponse:
    """Add a weekly shift, leave or a cover; a refusal is shown beside the form, nothing
    written."""
    form_class = FORMS.get(what)
    if form_class is None:
        raise Http404
    monday = _monday(request.POST)
    form = form_class(request.POST, prefix=what)
    if not form.is_valid():
        return _render(request, monday, {what: form})
    try:
        message = _write(request, what, form.cleaned_data)
    except GuanjiaError as e:
        form.add_error(e.field if e.field in form.fields else None, str(e))
        return _render(request, monday, {what: form})
    messages.success(request, message)
    return HttpResponseRedirect(_page(monday))


@require_POST
@console_view(roles.ROSTER_EDIT)
def roster_delete(request: HttpRequest, what: str, pk: int) -> HttpResponse:
    """Remove a weekly shift, withdraw leave or a cover (404 outside the user's street)."""
    item = roster_item(request.user, what, pk)
    if isinstance(item, Shift):
        services.shift_delete(shift=item)
        messages.success(request, _("Shift removed."))
    elif isinstance(item, Leave):
        services.leave_delete(leave=item)
        messages.success(request, _("Leave withdrawn."))
    elif isinstance(item, Cover):
        services.cover_delete(cover=item)
        messages.success(request, _("Cover withdrawn."))
    else:
        raise Http404
    return HttpResponseRedirect(_page(_monday(request.POST)))
