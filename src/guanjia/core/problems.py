"""Errors of the JSON API as problem details (RFC 9457, `application/problem+json`).

One shape for every refusal: `type` (a URN naming the code), `title` (the status in words),
`status`, `code` (stable, for programs), `detail` (for people, in the request's language), and
`field` or `errors` (per-field problems) where input was wrong. Services raise
core.errors.GuanjiaError; the handlers here turn those, ninja's validation and authentication
errors and Django's Http404 and PermissionDenied into problems.
"""

import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from guanjia.core.errors import GuanjiaError

MEDIA_TYPE = "application/problem+json"


class FieldProblem(Schema):
    field: str
    code: str
    message: str


class Problem(Schema):
    type: str
    title: str
    status: int
    code: str
    detail: str
    field: str | None = None
    errors: list[FieldProblem] | None = None


def problems(*statuses: int) -> dict[int, type[Problem]]:
    """The `response=` entries of an operation's refusals: `{201: X, **problems(401, 422)}`."""
    return dict.fromkeys(statuses, Problem)


def _titles() -> dict[int, str]:
    return {
        400: _("Bad request"),
        401: _("Not signed in"),
        403: _("Not allowed"),
        404: _("Not found"),
        405: _("Method not allowed"),
        409: _("Conflict"),
        413: _("Too large"),
        422: _("Invalid input"),
        429: _("Too many requests"),
    }


def problem_response(
    status: int,
    code: str,
    detail: str,
    *,
    field: str | None = None,
    errors: list[dict[str, str]] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": f"urn:guanjia:problem:{code}",
        "title": _titles().get(status, _("Error")),
        "status": status,
        "code": code,
        "detail": detail,
    }
    if field:
        body["field"] = field
    if errors is not None:
        body["errors"] = errors
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=MEDIA_TYPE
    )


# Pydantic's error types, in words a resident's app can show; anything else is "invalid value".
def _validation_message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("This field is not part of the request.")
    if kind == "string_too_long":
        return _("Too long: at most %(limit)d characters.") % {"limit": ctx.get("max_length", 0)}
    if kind == "string_too_short":
        return _("Too short: at least %(limit)d characters.") % {"limit": ctx.get("min_length", 0)}
    if kind in {"less_than_equal", "less_than"}:
        return _("At most %(limit)s.") % {"limit": ctx.get("le", ctx.get("lt"))}
    if kind in {"greater_than_equal", "greater_than"}:
        return _("At least %(limit)s.") % {"limit": ctx.get("ge", ctx.get("gt"))}
    if kind in {"literal_error", "enum"}:
        return _("Choose one of: %(choices)s.") % {"choices": ctx.get("expected", "")}
    if kind == "timezone_aware":
        return _("The time needs a time zone.")
    return _("Invalid value.")


def _field_name(loc: list[Any]) -> str:
    # ninja's locations start with where the value came from and, for bodies, the parameter's
    # name: ("body", "payload", "rating", "overall") → "rating.overall".
    parts = [str(p) for p in loc]
    if parts and parts[0] == "body":
        parts = parts[2:]
    elif parts and parts[0] in {"query", "path", "header", "form", "file", "cookie"}:
        parts = parts[1:]
    return ".".join(parts)


def problem_handlers_install(api: NinjaAPI) -> None:
    @api.exception_handler(GuanjiaError)
    def guanjia_error(request: HttpRequest, exc: GuanjiaError) -> HttpResponse:
        return problem_response(exc.status, exc.code, str(exc.message), field=exc.field)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [
            {
                "field": _field_name(list(e.get("loc", []))),
                "code": str(e.get("type", "invalid")),
                "message": _validation_message(e),
            }
            for e in exc.errors
        ]
        first = errors[0]["field"] if errors else None
        return problem_response(
            422,
            "invalid",
            _("Some fields are not valid."),
            field=first or None,
            errors=errors,
        )

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = problem_response(
            401,
            "not_authenticated",
            _("Sign in, or send an API key as “Authorization: Bearer <key>”."),
        )
        response["WWW-Authenticate"] = 'Bearer realm="guanjia"'
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # ninja's own refusals: an unreadable body (400) and the like.
        codes = {400: "bad_request", 403: "forbidden", 405: "method_not_allowed"}
        detail = _("The request body is not valid JSON.") if exc.status_code == 400 else ""
        return problem_response(
            exc.status_code,
            codes.get(exc.status_code, "error"),
            detail or _titles().get(exc.status_code, _("Error")),
        )

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return problem_response(404, "not_found", _("Not found."))

    @api.exception_handler(PermissionDenied)
    def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return problem_response(403, "forbidden", _("You may not do this."))
