"""Who is calling the JSON API: an API key (`Authorization: Bearer <key>`) or the browser's
session. Both end in a User, so the one permission layer (roles, streets, ticket scope) decides
what the caller may do either way."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from guanjia.core.errors import Forbidden
from guanjia.people.apikeys import apikey_authenticate
from guanjia.people.models import User

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class ApiKeyAuth(HttpBearer):
    """`Authorization: Bearer <key>`; an unknown or revoked key is no one (401)."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return apikey_authenticate(token)


class SessionAuth(APIKeyCookie):
    """The signed-in browser. Unsafe methods need the CSRF token, as every Django form does:
    a session cookie is sent by the browser on its own, a key is not."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        # The CSRF check waits for authenticate(): strangers get 401, not a CSRF 403.
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise Forbidden(
                _("The CSRF token is missing or wrong; reload the page and try again."),
                code="csrf_failed",
            )
        return user


def api_caller(request: HttpRequest) -> User:
    """The account behind an authenticated API request (key or session)."""
    user = getattr(request, "auth", None)
    assert isinstance(user, User), "API operations run only for authenticated callers"
    return user
