"""user_create: one role, a real street, a free username, all or nothing."""

from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.utils import translation

from guanjia.core.errors import InvalidInput
from guanjia.people.models import StaffProfile, User
from guanjia.people.services import user_create

DEMO_PASSWORD = "guanjia-demo"


def test_a_dispatcher_gets_the_role_the_street_and_the_back_office(world: Any) -> None:
    user = user_create(
        username="dispatcher2",
        password=DEMO_PASSWORD,
        role="dispatcher",
        street_code="shuanggang",
        display_name=" 李调度 ",
        phone="138 1234 2345",
    )
    user.refresh_from_db()
    assert list(user.groups.values_list("name", flat=True)) == ["dispatcher"]
    assert (user.street, user.display_name, user.phone) == (world.street, "李调度", "13812342345")
    assert (user.is_staff, user.is_superuser) == (True, False)
    assert user.has_perm("tickets.dispatch_ticket")
    assert not StaffProfile.objects.filter(user=user).exists()
    assert authenticate(username="dispatcher2", password=DEMO_PASSWORD) == user


def test_an_administrator_is_a_superuser_and_may_be_district_wide(world: Any) -> None:
    user = user_create(username="root", password=DEMO_PASSWORD, role="admin")
    assert (user.is_staff, user.is_superuser, user.street) == (True, True, None)


def test_a_resident_does_not_enter_the_back_office(world: Any) -> None:
    user = user_create(
        username="resident2", password=DEMO_PASSWORD, role="resident", street_code="shuanggang"
    )
    assert (user.is_staff, user.is_superuser) == (False, False)


@pytest.mark.parametrize("role", ["worker", "vendor"])
def test_handlers_get_a_staff_profile_in_their_street(world: Any, role: str) -> None:
    user = user_create(
        username=f"{role}2", password=DEMO_PASSWORD, role=role, street_code="shuanggang"
    )
    profile = StaffProfile.objects.get(user=user)
    assert profile.street == world.street
    assert profile.active
    assert user.is_staff


@pytest.mark.parametrize("role", ["worker", "vendor"])
def test_handlers_need_a_street(world: Any, role: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        user_create(username="nowhere", password=DEMO_PASSWORD, role=role)
    assert caught.value.code == "street_required"
    assert not User.objects.filter(username="nowhere").exists()


def test_an_unknown_role_is_refused_with_the_valid_ones_listed(world: Any) -> None:
    with translation.override("en"), pytest.raises(InvalidInput) as caught:
        user_create(username="x1", password=DEMO_PASSWORD, role="janitor")
    assert caught.value.code == "unknown_role"
    message = str(caught.value)
    assert "janitor" in message
    for role in ("admin", "dispatcher", "manager", "operator", "resident", "vendor", "worker"):
        assert role in message
    assert not User.objects.filter(username="x1").exists()


def test_an_unknown_street_is_refused(world: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        user_create(username="x2", password=DEMO_PASSWORD, role="dispatcher", street_code="nope")
    assert (caught.value.code, caught.value.field) == ("unknown_street", "street")
    assert "nope" in str(caught.value)
    assert not User.objects.filter(username="x2").exists()


def test_a_taken_username_is_refused_and_nothing_changes(world: Any) -> None:
    before = User.objects.count()
    password = User.objects.get(username="dispatcher").password
    with pytest.raises(InvalidInput) as caught:
        user_create(
            username="dispatcher", password=DEMO_PASSWORD, role="worker", street_code="other"
        )
    assert caught.value.code == "username_taken"
    assert User.objects.count() == before
    assert User.objects.get(username="dispatcher").password == password
    assert not StaffProfile.objects.filter(street=world.other_street).exists()


def test_passwords_need_eight_characters_and_nothing_more(world: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        user_create(username="short", password="1234567", role="operator")
    assert caught.value.code == "password_too_short"
    # Django's validators would refuse these (common, numeric); the demo needs them accepted.
    user_create(username="long", password="12345678", role="operator")
    user_create(username="demo", password=DEMO_PASSWORD, role="operator")


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"username": ""}, "required"),
        ({"username": "has space"}, "bad_username"),
        ({"username": "x" * 151}, "too_long"),
        ({"display_name": "名" * 51}, "too_long"),
        ({"phone": "12345"}, "invalid_phone"),
    ],
)
def test_bad_input_is_refused(world: Any, changes: dict[str, str], code: str) -> None:
    kwargs: dict[str, Any] = {"username": "ok", "password": DEMO_PASSWORD, "role": "operator"}
    kwargs.update(changes)
    before = User.objects.count()
    with pytest.raises(InvalidInput) as caught:
        user_create(**kwargs)
    assert caught.value.code == code
    assert User.objects.count() == before


def test_a_failure_after_the_account_is_written_leaves_nothing(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(StaffProfile.objects, "create", broken)
    with pytest.raises(RuntimeError):
        user_create(
            username="halfway", password=DEMO_PASSWORD, role="worker", street_code="shuanggang"
        )
    assert not User.objects.filter(username="halfway").exists()


def test_a_username_taken_by_a_concurrent_create_is_refused_cleanly(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from guanjia.people import services

    # As if the other create committed between our check and our insert.
    monkeypatch.setattr(services, "_username_check", lambda username: None)
    with pytest.raises(InvalidInput) as caught:
        user_create(username="worker", password=DEMO_PASSWORD, role="worker", street_code="other")
    assert caught.value.code == "username_taken"
    assert not StaffProfile.objects.filter(street=world.other_street).exists()
