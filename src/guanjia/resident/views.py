"""The residents' pages: order in three screens without an account, then follow the order by its
tracking link. Plain forms that work without JavaScript; htmx and a small script only help."""

import datetime as dt
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from guanjia.catalog.models import ORDERABLE, Frequency, ServiceCategory, ServiceGroup
from guanjia.catalog.selectors import catalog_for_residents
from guanjia.core.client_address import client_address
from guanjia.core.cursors import cursor_decode, cursor_encode
from guanjia.core.errors import GuanjiaError
from guanjia.core.forms import MAX_ID
from guanjia.core.phones import phone_mask
from guanjia.org.models import Building, Compound, Street, Unit
from guanjia.resident import selectors, services
from guanjia.resident.forms import (
    SPOT_SUGGESTIONS,
    CancelForm,
    MyCodeForm,
    MyPhoneForm,
    OrderForm,
    PlaceForm,
    RatingForm,
    ReopenForm,
)
from guanjia.resident.icons import icon_for
from guanjia.resident.qrcodes import building_by_code
from guanjia.resident.ratelimit import (
    CODES_SENT,
    CODES_WRONG,
    order_rate_count,
    order_rate_exceeded,
    rate_count,
    rate_exceeded,
)
from guanjia.resident.services import resident_order
from guanjia.tickets import lifecycle
from guanjia.tickets.models import Ticket
from guanjia.tickets.photos import ticket_photo_file
from guanjia.tickets.services import Rating, ticket_transition
from guanjia.tickets.views import photo_response

PLACE_COOKIE = "gj_place"
PLACE_COOKIE_SALT = "guanjia.resident.place"
PLACE_COOKIE_AGE = 365 * 24 * 3600
PLACE_FIELDS = ("compound", "building", "unit", "room", "spot")
REFRESH_SECONDS = 30


@dataclass(frozen=True)
class Tile:
    code: str
    name: str
    life_safety: bool
    icon: str
    common: bool


@dataclass(frozen=True)
class TileGroup:
    code: str
    label: str
    tiles: list[Tile]


def _category_name(category: ServiceCategory) -> str:
    if translation.get_language() == "en" and category.name_en:
        return category.name_en
    return category.name


def _tile_groups() -> list[TileGroup]:
    """The catalog's groups with their tiles, common services first within each group."""
    groups = []
    for g in catalog_for_residents():
        ordered = sorted(g.categories, key=lambda c: c.frequency != Frequency.HIGH)
        tiles = [
            Tile(
                c.code,
                _category_name(c),
                c.life_safety,
                icon_for(c.code, c.group),
                c.frequency == Frequency.HIGH,
            )
            for c in ordered
        ]
        groups.append(TileGroup(code=g.code, label=g.label, tiles=tiles))
    return groups


@dataclass(frozen=True)
class TileSection:
    label: str
    note: str
    groups: list[TileGroup]


# 三有 (basic, free) then 三管 (personal, may be paid), as residents know them.
_BASIC = (ServiceGroup.SECURITY, ServiceGroup.REPAIR, ServiceGroup.CLEANING)
_PERSONAL = (ServiceGroup.HOUSEKEEPING, ServiceGroup.CARE, ServiceGroup.HOME_REPAIR)


def _tile_sections() -> list[TileSection]:
    """三有, then 三管 (the groups with common services first), then anything else."""
    groups = _tile_groups()

    def common_first(group: TileGroup) -> bool:
        return not any(t.common for t in group.tiles)

    basic = [g for g in groups if g.code in _BASIC]
    personal = sorted((g for g in groups if g.code in _PERSONAL), key=common_first)
    other = [g for g in groups if g.code not in _BASIC and g.code not in _PERSONAL]
    sections = [
        TileSection(_("Everyday services"), _("free"), basic),
        TileSection(_("Personal services"), _("some are paid"), personal),
        TileSection("", "", other),  # its one group names itself
    ]
    return [s for s in sections if s.groups]


def _category_or_404(code: str) -> ServiceCategory:
    category = ServiceCategory.objects.filter(ORDERABLE, code=code, active=True).first()
    if category is None:
        raise Http404
    return category


def _emergency_numbers(street: Street | None = None) -> list[tuple[str, str]]:
    numbers = [
        (_("Fire"), "119"),
        (_("Police"), "110"),
        (_("Ambulance"), "120"),
    ]
    gas = settings.GUANJIA.get("GAS_HOTLINE", "")
    if gas:
        numbers.append((_("Gas company emergency line"), gas))
    if street is not None and street.hotline:
        numbers.append((_("Our 24-hour service hotline"), street.hotline))
    return numbers


def _hotlines() -> list[Street]:
    return list(Street.objects.exclude(hotline="").only("name", "hotline")[:5])


def _place_remembered(request: HttpRequest) -> dict[str, str]:
    """The place this device ordered for last (a signed cookie; nothing kept on the server)."""
    try:
        raw = request.get_signed_cookie(PLACE_COOKIE, salt=PLACE_COOKIE_SALT)
        data = json.loads(raw or "")
    except (KeyError, signing.BadSignature, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: str(data[k]) for k in PLACE_FIELDS if data.get(k) not in (None, "")}


def _place_remember(response: HttpResponse, place: dict[str, Any]) -> None:
    value = {k: place[k] for k in PLACE_FIELDS if place.get(k) not in (None, "")}
    response.set_signed_cookie(
        PLACE_COOKIE,
        json.dumps(value, ensure_ascii=False),
        salt=PLACE_COOKIE_SALT,
        max_age=PLACE_COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def _place_text(
    compound: Compound | None, building: Building | None, unit: Unit | None, room: str, spot: str
) -> str:
    if compound is None:
        return ""
    parts = [compound.name]
    if building is not None:
        parts.append(building.name)
    if unit is not None:
        parts.append(unit.name)
    if room:
        parts.append(room)
    text = " ".join(parts)
    return f"{text} · {spot}" if spot else text


def _remembered_place_text(request: HttpRequest) -> str:
    form = PlaceForm(_place_remembered(request))
    if not form.is_valid():
        return ""
    return _place_text(
        form.place_compound,
        form.place_building,
        form.place_unit,
        form.cleaned_data.get("room", ""),
        form.cleaned_data.get("spot", ""),
    )


# Step 1 ------------------------------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Step 1: pick a service."""
    return render(
        request,
        "resident/home.html",
        {
            "sections": _tile_sections(),
            "hotlines": _hotlines(),
            "place_text": _remembered_place_text(request),
            "emergency": _emergency_numbers(),
        },
    )


@require_GET
def qr(request: HttpRequest, code: str) -> HttpResponse:
    """A building's QR poster: step 1 with the place already filled in, remembered on the device."""
    building = building_by_code(code)
    if building is None:
        raise Http404
    place = {"compound": building.compound_id, "building": building.pk}
    response = render(
        request,
        "resident/home.html",
        {
            "sections": _tile_sections(),
            "hotlines": _hotlines(),
            "place_text": _place_text(building.compound, building, None, "", ""),
            "emergency": _emergency_numbers(building.street),
            "from_qr": True,
        },
    )
    _place_remember(response, place)
    return response


# Step 2 ------------------------------------------------------------------------------------------


def _place_context(
    request: HttpRequest, category: ServiceCategory, form: PlaceForm
) -> dict[str, Any]:
    def chosen(name: str) -> int | None:
        value = form.data.get(name) if form.is_bound else form.initial.get(name)
        return _int(str(value) if value else None)

    compound_id, building_id = chosen("compound"), chosen("building")
    compound = (
        Compound.objects.select_related("street").filter(pk=compound_id).first()
        if compound_id
        else None
    )
    return {
        "category": category,
        "category_name": _category_name(category),
        "form": form,
        "compounds": selectors.compounds_public(),
        "buildings": selectors.buildings_public(compound_id),
        "units": selectors.units_public(building_id),
        "chosen": {
            "compound": compound_id,
            "building": building_id,
            "unit": chosen("unit"),
        },
        "spots": SPOT_SUGGESTIONS,
        "emergency": _emergency_numbers(compound.street if compound else None)
        if category.life_safety
        else [],
    }


@require_GET
def place(request: HttpRequest, code: str) -> HttpResponse:
    """Step 2: where. Prefilled with the place this device used last (or its QR poster)."""
    category = _category_or_404(code)
    given = {k: v for k, v in request.GET.items() if k in PLACE_FIELDS}
    form = PlaceForm(initial=given or _place_remembered(request))
    return render(request, "resident/place.html", _place_context(request, category, form))


@require_GET
def buildings(request: HttpRequest) -> HttpResponse:
    """htmx: the building list of a compound (and an empty unit list)."""
    compound_id = _int(request.GET.get("compound"))
    return render(
        request,
        "resident/_buildings.html",
        {
            "buildings": selectors.buildings_public(compound_id),
            "units": [],
            "chosen": {},
            "oob": True,
        },
    )


@require_GET
def units(request: HttpRequest) -> HttpResponse:
    """htmx: the unit list of a building."""
    building_id = _int(request.GET.get("building"))
    return render(
        request,
        "resident/_units.html",
        {"units": selectors.units_public(building_id), "chosen": {}},
    )


def _int(value: str | None) -> int | None:
    """A row id as typed in a URL, or None: not a number, or past what the database holds."""
    try:
        number = int(value) if value else None
    except ValueError:
        return None
    return number if number is not None and 0 < number <= MAX_ID else None


# Step 3 ------------------------------------------------------------------------------------------


def _order_context(category: ServiceCategory, form: OrderForm, place_form: PlaceForm) -> dict:
    data = place_form.cleaned_data if place_form.is_valid() else {}
    return {
        "category": category,
        "category_name": _category_name(category),
        "form": form,
        "place_text": _place_text(
            place_form.place_compound,
            place_form.place_building,
            place_form.place_unit,
            data.get("room", ""),
            data.get("spot", ""),
        ),
        "place_query": {k: data.get(k) or "" for k in PLACE_FIELDS},
        "place_qs": urlencode({k: data.get(k) for k in PLACE_FIELDS if data.get(k)}),
        "emergency": _emergency_numbers(
            place_form.place_compound.street if place_form.place_compound else None
        )
        if category.life_safety
        else [],
        "retention_years": settings.GUANJIA.get("PERSONAL_DATA_RETENTION_YEARS", 3),
        "max_photos": 3,
    }


@require_http_methods(["GET", "POST"])
def order(request: HttpRequest, code: str) -> HttpResponse:
    """Step 3: what is wrong, photos, phone, consent; POST takes the order."""
    category = _category_or_404(code)
    if request.method == "POST":
        return _order_post(request, category)
    given = {k: v for k, v in request.GET.items() if k in PLACE_FIELDS}
    place_form = PlaceForm(given or _place_remembered(request))
    if not place_form.is_valid():
        if not given:  # nothing chosen yet: the place screen, without scolding
            place_form = PlaceForm()
        return render(request, "resident/place.html", _place_context(request, category, place_form))
    form = OrderForm(initial=place_form.cleaned_data, category=category)
    return render(request, "resident/order.html", _order_context(category, form, place_form))


def _order_post(request: HttpRequest, category: ServiceCategory) -> HttpResponse:
    ip = client_address(request)
    if order_rate_exceeded(ip):
        return render(request, "429.html", {"minutes": 60}, status=429)
    form = OrderForm(request.POST, request.FILES, category=category)
    place_form = PlaceForm({k: request.POST.get(k, "") for k in PLACE_FIELDS})
    if form.is_valid():
        try:
            result = resident_order(
                category=category,
                compound=form.place_compound,  # type: ignore[arg-type]
                building=form.place_building,
                unit=form.place_unit,
                room=form.cleaned_data.get("room", ""),
                spot=form.cleaned_data.get("spot", ""),
                description=form.cleaned_data.get("description", ""),
                contact_phone=form.cleaned_data["contact_phone"],
                contact_name=form.cleaned_data.get("contact_name", ""),
                attributes=form.attributes(),
                photos=form.photos,
            )
        except GuanjiaError as e:
            name = (e.field or "").replace("attributes.", "attr_")
            form.add_error(name if name in form.fields else None, str(e.message))
        else:
            order_rate_count(ip)
            for index, problem in result.photo_problems:
                messages.warning(
                    request,
                    _("Your order was taken, but photo %(index)d was not kept: %(problem)s")
                    % {"index": index, "problem": problem},
                )
            response = HttpResponseRedirect(
                reverse("resident:done", args=[result.ticket.tracking_token])
            )
            _place_remember(response, {k: request.POST.get(k, "") for k in PLACE_FIELDS})
            return response
    return render(
        request, "resident/order.html", _order_context(category, form, place_form), status=200
    )


# After ordering -------------------------------------------------------------------------------


def _tracked_or_404(token: str) -> Ticket:
    ticket = selectors.tracking_get(token)
    if ticket is None:
        raise Http404
    return ticket


@require_GET
def done(request: HttpRequest, token: str) -> HttpResponse:
    """The confirmation: the order's number and the link to follow it."""
    ticket = _tracked_or_404(token)
    link = request.build_absolute_uri(reverse("resident:track", args=[token]))
    return render(
        request,
        "resident/done.html",
        {"ticket": ticket, "link": link, "category_name": _category_name(ticket.category)},
    )


def _track_context(request: HttpRequest, ticket: Ticket, **forms: Any) -> dict[str, Any]:
    now = timezone.now()
    status = ticket.status
    reporter = ticket.reporter_id is not None
    until = selectors.reopen_open_until(ticket)
    can_reopen = (
        reporter
        and until is not None
        and now <= until
        and ticket.assignee_id is not None
        and status in (lifecycle.RESOLVED, lifecycle.CLOSED)
    )
    ticket.assignee_label = selectors.handler_label(ticket.assignee)  # type: ignore[attr-defined]
    return {
        "ticket": ticket,
        "category_name": _category_name(ticket.category),
        "status_label": lifecycle.status_label(status),
        "steps": selectors.tracking_timeline(ticket, now=now),
        "photos": selectors.tracking_photos(ticket),
        "token": ticket.tracking_token,
        "refresh": status not in (lifecycle.CLOSED, lifecycle.CANCELLED),
        "refresh_seconds": REFRESH_SECONDS,
        "rating_form": forms.get("rating_form")
        or (RatingForm() if reporter and status == lifecycle.RESOLVED else None),
        "cancel_form": forms.get("cancel_form")
        or (CancelForm() if reporter and status in (lifecycle.NEW, lifecycle.DISPATCHED) else None),
        "reopen_form": forms.get("reopen_form") or (ReopenForm() if can_reopen else None),
        "reopen_until": until,
        "stars": range(5, 0, -1),
        "place_text": _place_text(
            ticket.compound, ticket.building, ticket.unit, ticket.room, ticket.spot
        ),
    }


@require_GET
def track(request: HttpRequest, token: str) -> HttpResponse:
    """The tracking page. htmx asks again every 30 s: the timeline is swapped in place, and when
    the order moved on (its version changed) the whole page reloads to show the right forms."""
    ticket = _tracked_or_404(token)
    if request.htmx:  # type: ignore[attr-defined]
        if request.GET.get("v") != str(ticket.version):
            return HttpResponseClientRefresh()
        return render(request, "resident/_timeline.html", _track_context(request, ticket))
    return render(request, "resident/track.html", _track_context(request, ticket))


@require_GET
def track_photo(request: HttpRequest, token: str, pk: int) -> FileResponse:
    """A photo of this order, to whoever holds its link; any other photo does not exist here."""
    ticket = _tracked_or_404(token)
    photo = selectors.tracking_photo(ticket, pk) if _int(str(pk)) else None
    path = ticket_photo_file(photo) if photo is not None else None
    if path is None:
        raise Http404
    return photo_response(path)


def _act(request: HttpRequest, ticket: Ticket, action: str, **kwargs: Any) -> GuanjiaError | None:
    """One move by the resident holding the tracking link: they act as the order's reporter,
    whoever is signed in on this browser."""
    try:
        ticket_transition(
            ticket=ticket,
            action=action,
            actor=AnonymousUser(),
            resident=ticket.reporter,
            version=_int(request.POST.get("version")),
            **kwargs,
        )
    except GuanjiaError as e:
        return e
    return None


def _after_act(
    request: HttpRequest, ticket: Ticket, error: GuanjiaError | None, done_text: str, **forms: Any
) -> HttpResponse:
    if error is None:
        messages.success(request, done_text)
        return HttpResponseRedirect(reverse("resident:track", args=[ticket.tracking_token]))
    messages.error(request, str(error.message))
    ticket.refresh_from_db()
    return render(request, "resident/track.html", _track_context(request, ticket, **forms))


@require_POST
def rate(request: HttpRequest, token: str) -> HttpResponse:
    ticket = _tracked_or_404(token)
    form = RatingForm(request.POST)
    if not form.is_valid():
        return render(
            request, "resident/track.html", _track_context(request, ticket, rating_form=form)
        )
    d = form.cleaned_data
    rating = Rating(
        overall=d["overall"], speed=d.get("speed"), service=d.get("service"), comment=d["comment"]
    )
    error = _act(request, ticket, "rate", rating=rating)
    return _after_act(request, ticket, error, _("Thank you for your rating."), rating_form=form)


@require_POST
def cancel(request: HttpRequest, token: str) -> HttpResponse:
    ticket = _tracked_or_404(token)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return render(
            request, "resident/track.html", _track_context(request, ticket, cancel_form=form)
        )
    error = _act(request, ticket, "cancel", reason=form.reason_text())
    return _after_act(request, ticket, error, _("Your order was cancelled."), cancel_form=form)


@require_POST
def reopen(request: HttpRequest, token: str) -> HttpResponse:
    ticket = _tracked_or_404(token)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        return render(
            request, "resident/track.html", _track_context(request, ticket, reopen_form=form)
        )
    error = _act(request, ticket, "reopen", reason=form.cleaned_data["reason"])
    return _after_act(request, ticket, error, _("We are sending someone again."), reopen_form=form)


# My orders ---------------------------------------------------------------------------------------
# A phone, a code by SMS, then the orders of that phone. The session holds the number waiting for
# its code (as long as the code lives) and, once the code was right, the verified number for
# 30 minutes; never the code.

MY_PENDING = "gj_my_pending"
MY_PHONE = "gj_my_phone"
MY_VERIFIED_SECONDS = 30 * 60


def _session_phone(request: HttpRequest, key: str) -> str:
    """The number kept under `key` while its time lasts, else "" (and the stale entry dropped)."""
    entry = request.session.get(key)
    if not isinstance(entry, dict):
        return ""
    phone, until = entry.get("phone"), entry.get("until")
    if isinstance(phone, str) and isinstance(until, int | float) and time.time() < until:
        return phone
    request.session.pop(key, None)
    return ""


def _session_keep(request: HttpRequest, key: str, phone: str, until: float) -> None:
    request.session[key] = {"phone": phone, "until": until}


def _my_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "code_minutes": int(services.PHONE_CODE_TTL.total_seconds() // 60),
        "verified_minutes": MY_VERIFIED_SECONDS // 60,
        "hotlines": _hotlines(),
    }
    context.update(extra)
    return context


def _my_list(request: HttpRequest, phone: str) -> HttpResponse:
    before: tuple[dt.datetime, int] | None = None
    raw = request.GET.get("before", "")
    if raw:
        try:
            at, pk = cursor_decode(raw, dt.datetime, int)
            before = (at, pk)
        except GuanjiaError:
            before = None  # a made-up cursor: the first page
    page = selectors.my_orders(phone, before=before)
    for t in page.orders:
        t.category_name = _category_name(t.category)  # type: ignore[attr-defined]
        t.status_label = lifecycle.status_label(t.status)  # type: ignore[attr-defined]
        t.place_text = _place_text(t.compound, t.building, t.unit, t.room, t.spot)  # type: ignore[attr-defined]
    return render(
        request,
        "resident/my.html",
        _my_context(
            request,
            step="list",
            masked=phone_mask(phone),
            orders=page.orders,
            older=cursor_encode(*page.next_key) if page.next_key else "",
            paged=before is not None,
        ),
    )


@never_cache
@require_http_methods(["GET", "POST"])
def my_orders(request: HttpRequest) -> HttpResponse:
    """My orders: the list once verified; else the code form while a code is out; else the phone
    form. POST sends a code (the same answer whether or not the number has orders)."""
    if request.method == "POST":
        return _my_send(request)
    phone = _session_phone(request, MY_PHONE)
    if phone:
        return _my_list(request, phone)
    pending = _session_phone(request, MY_PENDING)
    if pending:
        return render(
            request,
            "resident/my.html",
            _my_context(request, step="code", form=MyCodeForm(), masked=phone_mask(pending)),
        )
    return render(
        request, "resident/my.html", _my_context(request, step="phone", form=MyPhoneForm())
    )


def _my_send(request: HttpRequest) -> HttpResponse:
    ip = client_address(request)
    if rate_exceeded(CODES_SENT, ip):
        return render(request, "429.html", {"minutes": 60}, status=429)
    pending = _session_phone(request, MY_PENDING)
    if request.POST.get("resend") and pending:
        form = MyPhoneForm({"phone": pending})
    else:
        form = MyPhoneForm(request.POST)
    if not form.is_valid():
        return render(request, "resident/my.html", _my_context(request, step="phone", form=form))
    phone = form.cleaned_data["phone"]
    if not services.phone_is_mobile(phone):
        # Landlines take no text messages: say so, and where else to ask.
        return render(
            request,
            "resident/my.html",
            _my_context(request, step="phone", form=form, landline=True),
        )
    try:
        sent = services.phone_code_send(phone=phone)
    except GuanjiaError as e:
        form.add_error("phone", str(e.message))
        return render(request, "resident/my.html", _my_context(request, step="phone", form=form))
    rate_count(CODES_SENT, ip)
    request.session.pop(MY_PHONE, None)
    _session_keep(request, MY_PENDING, phone, sent.expires_at.timestamp())
    messages.success(
        request,
        _("We sent a code to %(phone)s. It is valid for %(minutes)d minutes.")
        % {
            "phone": phone_mask(phone),
            "minutes": int(services.PHONE_CODE_TTL.total_seconds() // 60),
        },
    )
    return HttpResponseRedirect(reverse("resident:my"))


@never_cache
@require_POST
def my_verify(request: HttpRequest) -> HttpResponse:
    """Check the code; right: the number's orders for 30 minutes on this browser."""
    ip = client_address(request)
    if rate_exceeded(CODES_WRONG, ip):
        return render(request, "429.html", {"minutes": 60}, status=429)
    phone = _session_phone(request, MY_PENDING)
    if not phone:
        messages.error(request, _("The code has expired. Please ask for a new one."))
        return HttpResponseRedirect(reverse("resident:my"))
    form = MyCodeForm(request.POST)
    masked = phone_mask(phone)
    if not form.is_valid():
        return render(
            request, "resident/my.html", _my_context(request, step="code", form=form, masked=masked)
        )
    check = services.phone_code_check(phone=phone, code=form.cleaned_data["code"])
    if check.ok:
        request.session.cycle_key()  # a new key for a session that now sees personal data
        request.session.pop(MY_PENDING, None)
        _session_keep(request, MY_PHONE, phone, time.time() + MY_VERIFIED_SECONDS)
        return HttpResponseRedirect(reverse("resident:my"))
    rate_count(CODES_WRONG, ip)
    if check.outcome == services.CODE_WRONG:
        form.add_error(
            "code",
            _("That is not the code. You can try %(count)d more times.")
            % {"count": check.remaining},
        )
        return render(
            request, "resident/my.html", _my_context(request, step="code", form=form, masked=masked)
        )
    request.session.pop(MY_PENDING, None)
    if check.outcome == services.CODE_DEAD:
        messages.error(request, _("Too many wrong codes. Please ask for a new one."))
    else:
        messages.error(request, _("The code has expired. Please ask for a new one."))
    return HttpResponseRedirect(reverse("resident:my"))


@require_POST
def my_leave(request: HttpRequest) -> HttpResponse:
    """Forget the verified number on this browser (a shared phone, a neighbour's)."""
    request.session.pop(MY_PHONE, None)
    request.session.pop(MY_PENDING, None)
    messages.success(request, _("Your orders are hidden again on this phone."))
    return HttpResponseRedirect(reverse("resident:my"))
