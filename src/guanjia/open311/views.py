"""Open311 GeoReport v2 endpoints: thin views over open311/selectors.py and services.py.

Every view takes the format from the path suffix (.json or .xml; anything else is 404), accepts
`jurisdiction_id`, ignores parameters it does not know, and answers errors in the standard's
shape (`[{"code": 404, "description": "..."}]`, XML `errors/error`) with 404 for unknown
resources, 403 for a missing or bad key, and 400 for everything else.
"""

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from guanjia.core.errors import Forbidden, GuanjiaError, NotFound
from guanjia.open311 import documents, selectors
from guanjia.open311.renderers import FORMATS, render
from guanjia.open311.services import open311_request_submit
from guanjia.org.models import Street

logger = logging.getLogger(__name__)

View = Callable[..., HttpResponse]


def _status(error: GuanjiaError) -> int:
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Forbidden):
        return 403
    return 400


def _error(fmt: str, error: GuanjiaError, status: int | None = None) -> HttpResponse:
    status = status or _status(error)
    return render(fmt, "errors", documents.error_document(error, status), status=status)


def _has_nul(params: QueryDict) -> bool:
    return any("\x00" in k or any("\x00" in v for v in vs) for k, vs in params.lists())


def open311_endpoint(*methods: str) -> Callable[[View], View]:
    """Check the format and the method, and turn domain errors into Open311 errors."""

    def wrap(view: View) -> View:
        @functools.wraps(view)
        def inner(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
            if fmt not in FORMATS:
                unknown = NotFound(_("Unknown format: use .json or .xml."), code="unknown_format")
                return _error("json", unknown)
            allowed = {*methods, "HEAD"} if "GET" in methods else set(methods)
            if request.method not in allowed:
                error = GuanjiaError(_("Method not allowed."), code="method_not_allowed")
                response = _error(fmt, error, 405)
                response["Allow"] = ", ".join(sorted(allowed))
                return response
            # PostgreSQL cannot hold a NUL character, not even to compare with: refuse it here.
            if any("\x00" in str(v) for v in kwargs.values()):
                return _error(fmt, NotFound(_("Unknown resource."), code="not_found"))
            if _has_nul(request.GET) or (request.method == "POST" and _has_nul(request.POST)):
                error = GuanjiaError(_("Parameters may not contain NUL characters."), code="nul")
                return _error(fmt, error)
            try:
                return view(request, *args, fmt=fmt, **kwargs)
            except GuanjiaError as e:
                if e.field:
                    logger.info("open311 %s refused: %s (%s)", request.path, e.code, e.field)
                return _error(fmt, e)

        # Requests are authenticated by api_key alone (no cookie counts), so there is nothing
        # for a cross-site form to ride on.
        return csrf_exempt(inner)

    return wrap


def _street(request: HttpRequest) -> Street:
    params = request.POST if request.method == "POST" else request.GET
    jurisdiction = selectors.param(params, "jurisdiction_id")
    if jurisdiction is None and request.method == "POST":
        jurisdiction = selectors.param(request.GET, "jurisdiction_id")
    return selectors.street_for_jurisdiction(jurisdiction)


@open311_endpoint("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    # Discovery describes the server, so it needs no jurisdiction even where there are several;
    # one given is still checked, and names the hotline to contact.
    jurisdiction = selectors.param(request.GET, "jurisdiction_id")
    street = None
    if jurisdiction is not None:
        street = selectors.street_for_jurisdiction(jurisdiction)
    else:
        only = list(Street.objects.order_by("pk")[:2])
        street = only[0] if len(only) == 1 else None
    base = request.build_absolute_uri(reverse("open311:services", kwargs={"fmt": fmt}))
    url = base.rsplit("/", 1)[0]
    return render(fmt, "discovery", documents.discovery_document(url=url, street=street))


@open311_endpoint("GET")
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    _street(request)
    categories = list(selectors.services_active())
    return render(fmt, "services", documents.services_document(categories))


@open311_endpoint("GET")
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    _street(request)
    category = selectors.service_get(code)
    return render(fmt, "service_definition", documents.definition_document(category))


@open311_endpoint("GET", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    street = _street(request)
    if request.method == "POST":
        submitted = open311_request_submit(street=street, params=request.POST)
        document = documents.created_document(
            submitted.ticket,
            notices=submitted.notices,
            account_id=selectors.param(request.POST, "account_id"),
        )
        # 200, not 201: the reference clients (Bloomington's) accepted 200 only.
        return render(fmt, "service_requests", document)
    f = selectors.requests_filter_parse(request.GET, now=timezone.now())
    tickets = selectors.requests_list(street, f)
    return render(fmt, "service_requests", documents.requests_document(tickets))


@open311_endpoint("GET")
def request_detail(request: HttpRequest, number: str, fmt: str) -> HttpResponse:
    street = _street(request)
    ticket = selectors.request_get(street, number)
    return render(fmt, "service_requests", documents.requests_document([ticket]))


@open311_endpoint("GET")
def token(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    street = _street(request)
    ticket = selectors.request_get(street, token)
    return render(fmt, "service_requests", documents.tokens_document(ticket))
