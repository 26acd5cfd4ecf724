"""Sign-in forms with the lockout (core/lockout.py) in front of the password check."""

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import ngettext

from guanjia.core.client_address import client_address
from guanjia.core.lockout import lockout_minutes, login_attempt_record, login_locked_until
from guanjia.core.models import LoginReason

# Ids past a signed 64-bit integer exist nowhere (and SQLite cannot compare them): a form or
# URL that names one is answered as for any unknown id.
MAX_ID = 2**63 - 1


class LockoutMixin:
    """Refuse before authenticating while the username or the address is locked out.

    The refusal is a form error with code `locked`; `lockout_minutes` tells the view to answer 429.
    """

    request: Any
    cleaned_data: dict[str, Any]
    lockout_minutes: int | None = None

    def clean(self) -> dict[str, Any]:
        username = str(self.cleaned_data.get("username") or "")
        ip = client_address(self.request)
        now = timezone.now()
        until = login_locked_until(username=username, ip=ip, now=now)
        if until is not None:
            minutes = lockout_minutes(until, now)
            self.lockout_minutes = minutes
            login_attempt_record(
                username=username, ip=ip, success=False, reason=LoginReason.LOCKED, now=now
            )
            raise forms.ValidationError(
                ngettext(
                    "Too many failed sign-in attempts. Try again in %(minutes)d minute.",
                    "Too many failed sign-in attempts. Try again in %(minutes)d minutes.",
                    minutes,
                )
                % {"minutes": minutes},
                code="locked",
            )
        return super().clean()  # type: ignore[misc,no-any-return]


class LockoutAuthenticationForm(LockoutMixin, AuthenticationForm):
    pass


class AdminLockoutAuthenticationForm(LockoutMixin, AdminAuthenticationForm):
    pass
