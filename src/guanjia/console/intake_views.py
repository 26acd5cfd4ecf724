"""The console's triage pages: a draft (confirm as an order, or discard), the paste box for a
batch of group messages, the triage accuracy page, and the correction of an order's service or
place. Thin: intake_selectors read, triage and ticket services write."""

from __future__ import annotations

import itertools
import logging
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guanjia.catalog.selectors import catalog_active
from guanjia.console import intake_selectors
from guanjia.console.forms import MAX_ID
from guanjia.console.intake_forms import (
    PASTE_MAX_CHARS,
    PASTE_MAX_LINES,
    DraftConfirmForm,
    DraftDiscardForm,
    PasteForm,
    ReclassifyForm,
    paste_external_id,
    paste_token,
)
from guanjia.console.views import console_view
from guanjia.core.errors import Conflict, Forbidden, GuanjiaError, InvalidInput, NotFound
from guanjia.org.models import Street
from guanjia.people import roles
from guanjia.people.access import contact_visible, streets_visible
from guanjia.people.models import User
from guanjia.tickets.selectors import ticket_get
from guanjia.tickets.services import ticket_reclassify
from guanjia.triage.api import caller_street
from guanjia.triage.models import IntakeMessage
from guanjia.triage.runtime import street_gazetteer
from guanjia.triage.services import (
    Intake,
    intake_draft_confirm,
    intake_draft_discard,
    intake_receive_many,
    triage_corrections_record,
)

security_log = logging.getLogger("guanjia.security")


def _stale_message() -> str:
    return _("Someone else has handled this message meanwhile; it has been reloaded. Check it.")


def _staff(request: HttpRequest) -> User:
    """The signed-in account (every view here is behind console_view)."""
    return cast(User, request.user)


# Drafts --------------------------------------------------------------------------------------


def _row_or_404(request: HttpRequest, message_id: int) -> intake_selectors.MessageRow:
    row = (
        intake_selectors.intake_message(request.user, message_id) if message_id <= MAX_ID else None
    )
    if row is None:
        raise Http404
    return row


def _draft_form(row: intake_selectors.MessageRow) -> DraftConfirmForm:
    m = row.message
    place = intake_selectors.draft_place(m)
    return DraftConfirmForm(
        street_id=m.street_id,
        initial={
            "version": m.version,
            "category": row.guess.category,
            "compound": place.compound.pk if place.compound else None,
            "building": place.building.pk if place.building else None,
            "unit": place.unit.pk if place.unit else None,
            "room": row.guess.room if place.unit else "",
            # As the role may see it; a masked number sent back unchanged means the guessed one.
            "contact_phone": row.guess.phone,
            "urgent": row.guess.urgent,
            "description": row.text,
        },
    )


def _draft_page(
    request: HttpRequest, row: intake_selectors.MessageRow, form: DraftConfirmForm
) -> HttpResponse:
    def value(name: str) -> Any:
        return form.data.get(name) if form.is_bound else form.initial.get(name)

    m = row.message
    if m.guess.get("phone") and contact_visible(request.user):
        security_log.info(
            "contact shown user=%s message=%s page=console-draft",
            request.user.get_username(),
            m.pk,
        )
    context = {
        "row": row,
        "m": m,
        "form": form,
        "categories": catalog_active(),
        "chosen_category": value("category"),
        "reasons": [
            (str(intake_selectors.FIELD_LABELS.get(k, k)), why)
            for k, why in (m.guess.get("reasons") or {}).items()
        ],
        "is_draft": m.status == IntakeMessage.Status.DRAFT,
        "room": "",
        **intake_selectors.place_context(
            m.street_id, value("compound"), value("building"), value("unit")
        ),
    }
    return render(request, "console/intake_draft.html", context)


@require_GET
@console_view(roles.CREATE_FOR_OTHERS)
def draft(request: HttpRequest, message_id: int) -> HttpResponse:
    """A message triage was not sure of, with its guesses in an order form to check and send; or,
    once handled, what became of it."""
    row = _row_or_404(request, message_id)
    return _draft_page(request, row, _draft_form(row))


def _next_draft(request: HttpRequest) -> str:
    rows, _more = intake_selectors.intake_drafts(request.user, limit=1)
    if rows:
        return reverse("console:intake-draft", args=[rows[0].message.pk])
    return reverse("console:queue")


@require_POST
@console_view(roles.CREATE_FOR_OTHERS)
def draft_confirm(request: HttpRequest, message_id: int) -> HttpResponse:
    """确认派单: the draft becomes an order with the fields as corrected; every field that
    differs from the guess is stored as a correction. Then the new order's page."""
    row = _row_or_404(request, message_id)
    form = DraftConfirmForm(request.POST, street_id=row.message.street_id)
    if not form.is_valid():
        return _draft_page(request, row, form)
    d = form.cleaned_data
    assert form.place_compound is not None
    phone = (d["contact_phone"] or "").strip()
    guessed = str(row.message.guess.get("phone") or "")
    if guessed and phone == row.guess.phone:
        phone = guessed
    try:
        intake = intake_draft_confirm(
            message_id=row.message.pk,
            version=d["version"],
            actor=_staff(request),
            category=d["category"],
            compound=form.place_compound,
            building=form.place_building,
            unit=form.place_unit,
            room=d["room"] or "",
            contact_phone=phone,
            urgent=d["urgent"],
            description=d["description"],
        )
    except Conflict:
        messages.error(request, _stale_message())
        return HttpResponseRedirect(reverse("console:intake-draft", args=[row.message.pk]))
    except GuanjiaError as e:
        field = {"contact_phone": "contact_phone", "address": None}.get(e.field or "", e.field)
        form.add_error(field if field in form.fields else None, str(e))
        return _draft_page(request, row, form)
    assert intake.ticket is not None
    messages.success(request, _("Order %(number)s taken.") % {"number": intake.ticket.number})
    return HttpResponseRedirect(reverse("console:ticket", args=[intake.ticket.number]))


@require_POST
@console_view(roles.CREATE_FOR_OTHERS)
def draft_discard(request: HttpRequest, message_id: int) -> HttpResponse:
    """不是工单: the draft is dropped; what it really was, when given, is a correction. Then the
    next draft, so a dispatcher works through the list from the keyboard."""
    row = _row_or_404(request, message_id)
    form = DraftDiscardForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a service from the list."))
        return HttpResponseRedirect(reverse("console:intake-draft", args=[row.message.pk]))
    try:
        intake_draft_discard(
            message_id=row.message.pk,
            version=form.cleaned_data["version"],
            actor=_staff(request),
            category=form.cleaned_data["category"],
        )
    except Conflict:
        messages.error(request, _stale_message())
        return HttpResponseRedirect(reverse("console:intake-draft", args=[row.message.pk]))
    except GuanjiaError as e:
        messages.error(request, str(e))
        return HttpResponseRedirect(reverse("console:intake-draft", args=[row.message.pk]))
    messages.success(request, _("The message was set aside: not an order."))
    return HttpResponseRedirect(_next_draft(request))


# The paste box -------------------------------------------------------------------------------


def _paste_street(request: HttpRequest, code: str) -> Street:
    return caller_street(_staff(request), code or None)


def _place_names(street: Street | None) -> list[str]:
    if street is None:
        return []
    names: list[str] = []
    for c in street_gazetteer(street).compounds:
        names.append(c.name)
        names.extend(c.aliases)
    return names


@require_http_methods(["GET", "POST"])
@console_view(roles.CREATE_FOR_OTHERS)
def paste(request: HttpRequest) -> HttpResponse:
    """批量粘贴: messages copied from a group, one per line, each triaged like a message from the
    robot: an order, a message joining an order, or a draft, shown line by line.

    A second submit of the same form (a double click, a reload that resends) takes nothing twice:
    each line is stored with an external id made of the form's one-time token, its line number
    and its text, and the triage service returns the message already taken for an id it has seen
    (the database's unique constraint decides between two concurrent submits)."""
    streets = list(streets_visible(request.user)[:50])
    context: dict[str, Any] = {
        "streets": streets if len(streets) > 1 else [],
        "max_lines": PASTE_MAX_LINES,
        "max_chars": PASTE_MAX_CHARS,
    }
    if request.method == "GET":
        form = PasteForm(initial={"token": paste_token()})
        return render(request, "console/intake_paste.html", {**context, "form": form})
    code = str(request.POST.get("street") or "")[:40]
    try:
        street = _paste_street(request, code)
    except InvalidInput as e:
        form = PasteForm(request.POST)
        form.is_valid()
        form.add_error(None, str(e))
        return render(request, "console/intake_paste.html", {**context, "form": form})
    form = PasteForm(request.POST, place_names=_place_names(street))
    if not form.is_valid():
        return render(request, "console/intake_paste.html", {**context, "form": form})
    token = form.cleaned_data["token"]
    user = _staff(request)
    results: list[tuple[Any, Intake]] = []
    try:
        # One triage call per run of lines from the same sender, in the order pasted, so that a
        # later line can join the order an earlier one made.
        for sender, group in itertools.groupby(form.lines, key=lambda line: line.sender):
            lines = list(group)
            intakes = intake_receive_many(
                street=street,
                texts=[line.text for line in lines],
                channel=form.cleaned_data["channel"],
                sender=sender,
                external_ids=[paste_external_id(user.pk, token, line) for line in lines],
                actor=user,
            )
            results.extend(zip(lines, intakes, strict=True))
    except GuanjiaError as e:
        form.add_error(None, str(e))
    rows = intake_selectors.intake_rows(request.user, [i.message for _line, i in results])
    table = [
        {"line": line, "intake": intake, "row": row}
        for (line, intake), row in zip(results, rows, strict=True)
    ]
    counts = {
        kind: sum(1 for _line, i in results if i.kind == kind)
        for kind in ("order", "joined", "draft")
    }
    fresh = PasteForm(initial={"token": paste_token(), "channel": form.cleaned_data["channel"]})
    return render(
        request,
        "console/intake_paste.html",
        {
            **context,
            "form": fresh if table and not form.errors else form,
            "table": table,
            "counts": counts,
            "street": street,
        },
    )


# Accuracy ------------------------------------------------------------------------------------


@require_GET
@console_view(roles.DISPATCH)
def accuracy(request: HttpRequest) -> HttpResponse:
    """分拣准确率: per field, how often a person found triage right over the last 30 days."""
    report = intake_selectors.triage_accuracy(request.user, now=timezone.now())
    return render(request, "console/intake_accuracy.html", {"report": report})


# Correcting an order -------------------------------------------------------------------------


@require_POST
@console_view(roles.DISPATCH)
def reclassify(request: HttpRequest, number: str) -> HttpResponse:
    """Correct an open order's service or place; when triage made the order, what it got wrong is
    stored as corrections in the same transaction."""
    try:
        t = ticket_get(request.user, number)
    except NotFound as e:
        raise Http404 from e
    page = reverse("console:ticket", args=[t.number])
    form = ReclassifyForm(request.POST, street_id=t.street_id)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            text = " ".join(str(x) for x in errors)
            messages.error(request, f"{label}: {text}" if label else text)
        return HttpResponseRedirect(page)
    d = form.cleaned_data
    try:
        with transaction.atomic():
            result = ticket_reclassify(
                ticket=t,
                actor=_staff(request),
                version=d["version"],
                category=d["category"],
                compound=form.place_compound,
                building=form.place_building,
                unit=form.place_unit,
                room=(d["room"] or "").strip(),
            )
            if result.changes:
                triage_corrections_record(
                    ticket=result.ticket, actor=_staff(request), changes=result.changes
                )
    except Forbidden as e:
        raise PermissionDenied(str(e)) from e
    except GuanjiaError as e:  # a stale version, a finished order, a place that does not fit
        messages.error(request, str(e))
        return HttpResponseRedirect(page)
    if result.changes:
        messages.success(request, _("The order's service and place were corrected."))
    else:
        messages.info(request, _("Nothing was changed."))
    return HttpResponseRedirect(page)
