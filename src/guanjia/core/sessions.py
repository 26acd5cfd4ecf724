"""Which sessions a user holds, so they can be ended when the account is switched off."""

import datetime as dt
import logging
from importlib import import_module

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone

from guanjia.core.models import UserSession

security_log = logging.getLogger("guanjia.security")


def user_session_remember(
    *, user: AbstractBaseUser, session_key: str, ip: str | None, now: dt.datetime | None = None
) -> None:
    """Note a session opened by signing in; forget this user's ones too old to be alive."""
    now = now or timezone.now()
    UserSession.objects.update_or_create(
        session_key=session_key, defaults={"user_id": user.pk, "ip": ip, "created_at": now}
    )
    expired = now - dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    UserSession.objects.filter(user_id=user.pk, created_at__lt=expired).delete()


def user_session_forget(*, session_key: str | None) -> None:
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def user_sessions_end(user: AbstractBaseUser) -> int:
    """End every session `user` opened by signing in, whatever the session store. Returns how
    many."""
    keys = list(UserSession.objects.filter(user_id=user.pk).values_list("session_key", flat=True))
    if not keys:
        return 0
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in keys:
        store().delete(key)
    UserSession.objects.filter(session_key__in=keys).delete()
    security_log.info("ended %d sessions of user %s", len(keys), user.pk)
    return len(keys)
