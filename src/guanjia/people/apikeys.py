"""API keys: create, authenticate, revoke.

A key is `gj_` followed by 43 random URL-safe characters (256 bits). Only its SHA-256 is stored;
the caller sees the key once, when it is created.
"""

import datetime as dt
import hashlib
import hmac
import re
import secrets

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core.errors import InvalidInput, NotFound
from guanjia.org.models import Street
from guanjia.people.models import ApiKey, User
from guanjia.people.services import user_create

KEY_PREFIX = "gj_"
# last_used_at is written at most this often per key, so that reads stay reads.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
_KEY_SHAPE = re.compile(r"^gj_[A-Za-z0-9_-]{43}$")
_NAME_SHAPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
SERVICE_ACCOUNT_PREFIX = "key-"


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def apikey_authenticate(raw: str, *, now: dt.datetime | None = None) -> User | None:
    """The active user a key stands for, or None (unknown, malformed or revoked key, inactive
    user). The hash is compared in constant time. A key limited to one street narrows a
    district-level user to it (on the returned object only; nothing is saved)."""
    raw = (raw or "").strip()
    if not _KEY_SHAPE.match(raw):
        return None
    digest = _digest(raw)
    found = None
    candidates = ApiKey.objects.filter(prefix=raw[: ApiKey.PREFIX_LENGTH]).select_related("user")
    for key in candidates:
        if hmac.compare_digest(key.hash, digest):
            found = key
    if found is None or found.revoked_at is not None or not found.user.is_active:
        return None
    now = now or timezone.now()
    if found.last_used_at is None or now - found.last_used_at >= LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=found.pk).update(last_used_at=now)
    user = found.user
    if found.street_id is not None:
        user.street_id = found.street_id
    return user


@transaction.atomic
def apikey_create(
    *,
    name: str,
    role: str,
    user: User | None = None,
    street: Street | None = None,
    now: dt.datetime | None = None,
) -> tuple[ApiKey, str]:
    """Create a key and return it with the raw key (shown once, never stored).

    With `user`, the key acts as that account, which must hold `role`; `street` may then only
    narrow a district-level account to one street. Without `user`, a service account
    `key-<name>` is created with that role and street: no password, no back-office access.
    Administrator keys belong to an existing administrator, never to a new service account.
    """
    name = (name or "").strip()
    if not _NAME_SHAPE.match(name):
        raise InvalidInput(
            _("A key name has 1 to 80 letters, digits, dots, dashes or underscores."),
            code="bad_name",
            field="name",
        )
    if ApiKey.objects.filter(name=name).exists():
        raise _name_taken(name)
    if not Group.objects.filter(name=role).exists():
        valid = ", ".join(sorted(Group.objects.values_list("name", flat=True)))
        raise InvalidInput(
            _("Unknown role “%(role)s”. Valid roles: %(roles)s.") % {"role": role, "roles": valid},
            code="unknown_role",
            field="role",
        )
    if user is not None:
        holds = user.groups.filter(name=role).exists() or (role == "admin" and user.is_superuser)
        if not holds:
            raise InvalidInput(
                _("%(username)s does not have the role “%(role)s”.")
                % {"username": user.username, "role": role},
                code="role_mismatch",
                field="role",
            )
        if street is not None and user.street_id not in (None, street.pk):
            raise InvalidInput(
                _("%(username)s works in another street.") % {"username": user.username},
                code="street_mismatch",
                field="street",
            )
    else:
        if role == "admin":
            raise InvalidInput(
                _("An administrator's key must belong to an existing administrator (--user)."),
                code="admin_needs_user",
                field="role",
            )
        user = user_create(
            username=f"{SERVICE_ACCOUNT_PREFIX}{name}",
            password=secrets.token_urlsafe(32),
            role=role,
            street_code=street.code if street is not None else None,
        )
        user.is_staff = False
        user.set_unusable_password()
        user.save(update_fields=["is_staff", "password"])

    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            key = ApiKey.objects.create(
                name=name,
                prefix=raw[: ApiKey.PREFIX_LENGTH],
                hash=_digest(raw),
                user=user,
                street=street,
                created_at=now or timezone.now(),
            )
    except IntegrityError:
        raise _name_taken(name) from None
    return key, raw


def apikey_revoke(*, name: str, now: dt.datetime | None = None) -> ApiKey:
    """Revoke the key called `name`. Revoking twice keeps the first time."""
    key = ApiKey.objects.filter(name=name).first()
    if key is None:
        raise NotFound(
            _("There is no API key called “%(name)s”.") % {"name": name},
            code="not_found",
            field="name",
        )
    if key.revoked_at is None:
        key.revoked_at = now or timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


def _name_taken(name: str) -> InvalidInput:
    return InvalidInput(
        _("There is already an API key called “%(name)s”.") % {"name": name},
        code="name_taken",
        field="name",
    )
