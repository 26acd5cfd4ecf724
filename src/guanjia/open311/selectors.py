"""Reads behind the Open311 calls: jurisdictions, services, and the public list of requests.

Requests are read for anyone (the standard makes them public), so the queries load what the
public document shows and the documents (open311/documents.py) leave out what it must not.
"""

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.catalog.models import ORDERABLE, ServiceCategory
from guanjia.core.errors import InvalidInput, NotFound
from guanjia.org.models import Street
from guanjia.tickets import lifecycle
from guanjia.tickets.models import OPEN_STATUSES, Channel, Ticket

MAX_RANGE = dt.timedelta(days=90)
MAX_PAGE_SIZE = 1000
MAX_PAGE = 100_000  # far beyond any 90-day window; keeps the offset a sane integer
CLOSED_STATUSES = (lifecycle.CLOSED, lifecycle.CANCELLED)
# <STREET CODE>-YYYYMMDD-NNNN (tickets/numbering.py); anything else cannot be an order of ours.
_NUMBER_SHAPE = re.compile(r"^[A-Z0-9_-]{1,40}-\d{8}-\d{4,6}$")
# "+08:00" arrives as " 08:00" from clients that forget to encode the plus sign.
_UNENCODED_PLUS = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")


def param(params: Mapping[str, str], name: str) -> str | None:
    """A parameter's value; sent empty (or blank) counts as not sent."""
    value = params.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def street_for_jurisdiction(jurisdiction_id: str | None) -> Street:
    """The street a call is about: the one named, or the only one this server serves."""
    if jurisdiction_id is not None:
        street = Street.objects.filter(code=jurisdiction_id).first()
        if street is None:
            raise NotFound(_("Unknown jurisdiction_id."), code="unknown_jurisdiction")
        return street
    streets = list(Street.objects.order_by("pk")[:2])
    if len(streets) == 1:
        return streets[0]
    if not streets:
        raise NotFound(_("This server serves no jurisdiction yet."), code="unknown_jurisdiction")
    raise InvalidInput(
        _("jurisdiction_id is required: this server serves several jurisdictions."),
        code="jurisdiction_required",
    )


def services_active() -> QuerySet[ServiceCategory]:
    return ServiceCategory.objects.filter(ORDERABLE, active=True).order_by("sort_order", "code")


def service_get(code: str) -> ServiceCategory:
    category = services_active().filter(code=code).first()
    if category is None:
        raise NotFound(_("Unknown service_code."), code="unknown_service")
    return category


def number_is_wellformed(number: str) -> bool:
    return bool(_NUMBER_SHAPE.match(number))


def _requests_base(street: Street) -> QuerySet[Ticket]:
    # One query for a whole page: the places and the category by join, the media link and a
    # merged order's original by annotation; nothing is fetched per row.
    return (
        # Department matters (交办, 一件事) are the government's own work, not public requests.
        Ticket.objects.filter(street=street)
        .exclude(channel=Channel.ASSIGNMENT)
        .select_related("street", "category", "compound", "building", "unit")
        .annotate(
            open311_media_url=F("open311__media_url"),
            duplicate_number=F("duplicate_of__number"),
        )
        .only(
            "number",
            "status",
            "description",
            "spot",
            "created_at",
            "updated_at",
            "resolve_due",
            "street__name",
            "category__code",
            "category__name",
            "category__name_en",
            "category__group",
            "compound__name",
            "compound__latitude",
            "compound__longitude",
            "building__name",
            "unit__name",
        )
    )


def request_get(street: Street, number: str) -> Ticket:
    """One order of the street by its number; unknown or malformed is NotFound."""
    found = None
    if number_is_wellformed(number):
        found = _requests_base(street).filter(number=number).first()
    if found is None:
        raise NotFound(_("Unknown service_request_id."), code="unknown_request")
    return found


@dataclass(frozen=True)
class RequestFilter:
    numbers: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    statuses: frozenset[str] = frozenset()  # of "open", "closed"; empty means both
    page: int = 1
    page_size: int = MAX_PAGE_SIZE


def datetime_parse(value: str, name: str) -> dt.datetime:
    """A w3 datetime (2026-05-25T10:00:00+08:00, …Z) or a date; local time when it has no zone."""
    value = _UNENCODED_PLUS.sub(r"\1+\2", value)
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            _("%(name)s is not a date and time like 2026-05-25T10:00:00+08:00.") % {"name": name},
            code="bad_datetime",
            field=name,
        ) from None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _comma_list(value: str | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(dict.fromkeys(item.strip() for item in value.split(",") if item.strip()))


def _positive(value: str | None, name: str, default: int, maximum: int | None = None) -> int:
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1 or (maximum is not None and number > maximum):
        limit = f" (1–{maximum})" if maximum is not None else ""
        raise InvalidInput(
            _("%(name)s must be a positive whole number%(limit)s.")
            % {"name": name, "limit": limit},
            code="bad_number",
            field=name,
        )
    return number


def requests_filter_parse(params: Mapping[str, str], *, now: dt.datetime) -> RequestFilter:
    """The filters of GET requests. `service_request_id` overrides every other filter; otherwise
    the window is at most 90 days (the most recent 90 when no date is given)."""
    page = _positive(param(params, "page"), "page", 1, MAX_PAGE)
    page_size = _positive(param(params, "page_size"), "page_size", MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    # At most a page of ids: more could not be answered anyway.
    numbers = _comma_list(param(params, "service_request_id"))[:MAX_PAGE_SIZE]
    if numbers:
        return RequestFilter(numbers=numbers, page=page, page_size=page_size)
    statuses = frozenset(s.lower() for s in _comma_list(param(params, "status")))
    if statuses - {"open", "closed"}:
        raise InvalidInput(
            _("status is open, closed, or both separated by a comma."),
            code="bad_status",
            field="status",
        )
    start_text, end_text = param(params, "start_date"), param(params, "end_date")
    start = datetime_parse(start_text, "start_date") if start_text else None
    end = datetime_parse(end_text, "end_date") if end_text else None
    if start is None and end is None:
        end = now
    try:
        if start is None:
            assert end is not None
            start = end - MAX_RANGE
        elif end is None:
            end = start + MAX_RANGE
    except OverflowError:  # 90 days before year 1 or after year 9999
        raise InvalidInput(
            _("The dates are out of range."), code="bad_datetime", field="start_date"
        ) from None
    if end < start:
        raise InvalidInput(_("end_date is before start_date."), code="bad_range", field="end_date")
    if end - start > MAX_RANGE:
        raise InvalidInput(
            _("start_date and end_date may be at most 90 days apart."),
            code="range_too_long",
            field="end_date",
        )
    return RequestFilter(
        service_codes=_comma_list(param(params, "service_code"))[:MAX_PAGE_SIZE],
        start=start,
        end=end,
        statuses=statuses,
        page=page,
        page_size=page_size,
    )


def requests_list(street: Street, f: RequestFilter) -> list[Ticket]:
    """One page of the street's orders, newest first, in one query.

    Offset paging on (created_at, id), which the ticket_street_recent and ticket_queue indexes
    serve; the 90-day window and the 1000-row page keep the offset bounded.
    """
    qs = _requests_base(street)
    if f.numbers:
        qs = qs.filter(number__in=[n for n in f.numbers if number_is_wellformed(n)])
    else:
        assert f.start is not None and f.end is not None
        qs = qs.filter(created_at__gte=f.start, created_at__lte=f.end)
        if f.service_codes:
            qs = qs.filter(category__code__in=f.service_codes)
        if f.statuses == {"open"}:
            qs = qs.filter(status__in=OPEN_STATUSES)
        elif f.statuses == {"closed"}:
            qs = qs.filter(status__in=CLOSED_STATUSES)
    offset = (f.page - 1) * f.page_size
    return list(qs.order_by("-created_at", "-id")[offset : offset + f.page_size])
