"""API keys: shown once, stored hashed, act as one account, revocable."""

import datetime as dt
import hashlib
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from guanjia.core.errors import InvalidInput, NotFound
from guanjia.people.apikeys import apikey_authenticate, apikey_create, apikey_revoke
from guanjia.people.models import ApiKey, StaffProfile
from guanjia.testing import factories as f


def test_a_key_is_stored_as_its_hash_and_authenticates_its_service_account(world: Any) -> None:
    key, raw = apikey_create(name="partner", role="dispatcher", street=world.street)
    stored = ApiKey.objects.get(pk=key.pk)
    assert raw not in {stored.hash, stored.prefix, stored.name}
    assert stored.hash == hashlib.sha256(raw.encode()).hexdigest()
    assert stored.prefix == raw[:8]
    user = apikey_authenticate(raw)
    assert user is not None
    assert (user.username, user.street, user.is_staff) == ("key-partner", world.street, False)
    assert not user.has_usable_password()
    assert user.has_perm("tickets.dispatch_ticket")


def test_wrong_malformed_and_revoked_keys_authenticate_nobody(world: Any) -> None:
    _key, raw = apikey_create(name="partner", role="dispatcher", street=world.street)
    assert apikey_authenticate(raw[:-1] + ("A" if raw[-1] != "A" else "B")) is None
    assert apikey_authenticate("") is None
    assert apikey_authenticate("Bearer " + raw) is None
    assert apikey_authenticate(raw + "x") is None
    apikey_revoke(name="partner")
    assert apikey_authenticate(raw) is None


def test_a_deactivated_account_ends_its_keys(world: Any) -> None:
    _key, raw = apikey_create(name="ops", role="dispatcher", user=world.dispatcher)
    assert apikey_authenticate(raw) == world.dispatcher
    world.dispatcher.is_active = False
    world.dispatcher.save()
    assert apikey_authenticate(raw) is None


def test_last_used_is_written_at_most_once_a_minute(world: Any) -> None:
    key, raw = apikey_create(name="partner", role="operator", street=world.street)
    t0 = timezone.now()
    apikey_authenticate(raw, now=t0)
    apikey_authenticate(raw, now=t0 + dt.timedelta(seconds=30))
    key.refresh_from_db()
    assert key.last_used_at == t0
    apikey_authenticate(raw, now=t0 + dt.timedelta(seconds=61))
    key.refresh_from_db()
    assert key.last_used_at == t0 + dt.timedelta(seconds=61)


def test_a_key_for_a_handler_role_gets_a_staff_profile_in_its_street(world: Any) -> None:
    _key, raw = apikey_create(name="robot", role="worker", street=world.street)
    user = apikey_authenticate(raw)
    assert user is not None
    assert StaffProfile.objects.filter(user=user, street=world.street).exists()


def test_a_key_of_an_existing_user_needs_that_users_role(world: Any) -> None:
    with pytest.raises(InvalidInput) as e:
        apikey_create(name="x", role="manager", user=world.dispatcher)
    assert e.value.code == "role_mismatch"
    with pytest.raises(InvalidInput) as e:
        apikey_create(name="x", role="dispatcher", user=world.dispatcher, street=world.other_street)
    assert e.value.code == "street_mismatch"


def test_a_street_key_narrows_a_district_account(world: Any) -> None:
    admin = f.user("admin", None, "root")
    _key, raw = apikey_create(name="root-sg", role="admin", user=admin, street=world.street)
    user = apikey_authenticate(raw)
    assert user is not None and user.street_id == world.street.pk
    admin.refresh_from_db()
    assert admin.street_id is None  # nothing saved


def test_names_are_unique_and_administrators_need_a_user(world: Any) -> None:
    apikey_create(name="partner", role="operator", street=world.street)
    with pytest.raises(InvalidInput) as e:
        apikey_create(name="partner", role="operator", street=world.street)
    assert e.value.code == "name_taken"
    with pytest.raises(InvalidInput) as e:
        apikey_create(name="root", role="admin")
    assert e.value.code == "admin_needs_user"
    with pytest.raises(InvalidInput) as e:
        apikey_create(name="no spaces", role="operator")
    assert e.value.code == "bad_name"
    with pytest.raises(NotFound):
        apikey_revoke(name="nobody")


def apikey_command(*args: str) -> str:
    out = StringIO()
    call_command("apikey", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_the_command_prints_the_key_last_and_lists_without_it(world: Any) -> None:
    out = apikey_command("create", "--name", "app", "--role", "operator", "--street", "shuanggang")
    raw = out.strip().splitlines()[-1]
    user = apikey_authenticate(raw)
    assert user is not None and user.username == "key-app"
    listing = apikey_command("list", "--json")
    rows = json.loads(listing)
    assert [(r["name"], r["user"], r["roles"], r["street"]) for r in rows] == [
        ("app", "key-app", ["operator"], "shuanggang")
    ]
    assert raw not in listing and raw not in apikey_command("list")
    apikey_command("revoke", "app")
    assert json.loads(apikey_command("list", "--json"))[0]["revoked_at"] is not None
    assert apikey_authenticate(raw) is None


def test_the_command_acts_as_an_existing_user(world: Any) -> None:
    out = apikey_command("create", "--name", "desk", "--role", "dispatcher", "--user", "dispatcher")
    assert apikey_authenticate(out.strip().splitlines()[-1]) == world.dispatcher


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["create", "--name", "x", "--role", "dispatcher", "--user", "nobody"], "nobody"),
        (["create", "--name", "x", "--role", "dispatcher", "--street", "atlantis"], "atlantis"),
        (["create", "--name", "x", "--role", "janitor"], "janitor"),
        (["revoke", "nobody"], "nobody"),
    ],
)
def test_the_command_fails_with_the_reason(world: Any, args: list[str], fragment: str) -> None:
    with pytest.raises(CommandError) as e:
        apikey_command(*args)
    assert fragment in str(e.value)
