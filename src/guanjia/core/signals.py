"""Receivers that feed the security log and end sessions; the rules live in lockout.py and
sessions.py. Connected in CoreConfig.ready()."""

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest

from guanjia.core.client_address import client_address
from guanjia.core.lockout import login_attempt_record
from guanjia.core.models import LoginReason
from guanjia.core.sessions import user_session_forget, user_session_remember, user_sessions_end


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    login_attempt_record(
        username=str(credentials.get("username") or ""),
        ip=client_address(request),
        success=False,
        reason=LoginReason.BAD_CREDENTIALS,
    )


def on_logged_in(
    sender: Any, request: HttpRequest | None, user: AbstractBaseUser, **kwargs: Any
) -> None:
    ip = client_address(request)
    login_attempt_record(username=user.get_username(), ip=ip, success=True, reason=LoginReason.OK)
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        user_session_remember(user=user, session_key=session.session_key, ip=ip)


def on_logged_out(
    sender: Any, request: HttpRequest | None, user: AbstractBaseUser | None, **kwargs: Any
) -> None:
    session = getattr(request, "session", None)
    user_session_forget(session_key=session.session_key if session is not None else None)


def on_user_saved(sender: Any, instance: AbstractBaseUser, **kwargs: Any) -> None:
    # Deactivating an account ends its sessions at once, not at their next request. (Fixture
    # loading saves raw rows: nothing to end there.)
    if not instance.is_active and not kwargs.get("raw"):
        user_sessions_end(instance)


def on_user_deleted(sender: Any, instance: AbstractBaseUser, **kwargs: Any) -> None:
    user_sessions_end(instance)
