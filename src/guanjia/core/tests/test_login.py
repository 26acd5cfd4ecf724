"""Sign-in: lockout after wrong passwords, the security log, and sessions that end in time."""

import datetime as dt
import logging
from typing import Any

from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from guanjia.core.client_address import client_address
from guanjia.core.lockout import login_locked_until
from guanjia.core.models import LoginAttempt, UserSession
from guanjia.testing import factories as f

LOGIN = "/accounts/login/"


def _client(ip: str = "10.0.0.1") -> Client:
    return Client(REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="en")


def _try(client: Client, username: str, password: str, url: str = LOGIN) -> Any:
    return client.post(url, {"username": username, "password": password})


def _signed_in(client: Client) -> bool:
    return client.get("/accounts/home/").status_code == 200


# The page


def test_the_login_page_is_a_plain_django_form(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html
    assert 'name="password"' in html
    assert '<button type="submit">' in html


def test_right_password_signs_in_and_is_logged(world):
    client = _client()
    response = _try(client, "dispatcher", f.PASSWORD)
    assert response.status_code == 302
    assert _signed_in(client)
    attempt = LoginAttempt.objects.get()
    assert (attempt.username, attempt.ip, attempt.success, attempt.reason) == (
        "dispatcher",
        "10.0.0.1",
        True,
        "ok",
    )


# Lockout


def test_five_wrong_passwords_lock_the_username(world, caplog):
    client = _client()
    caplog.set_level(logging.INFO, logger="guanjia.security")
    for _ in range(5):
        response = _try(client, "dispatcher", "wrong")
        assert response.status_code == 200
        assert "Wrong username or password." in response.content.decode()

    failures = LoginAttempt.objects.filter(username="dispatcher")
    assert failures.count() == 5
    assert set(failures.values_list("success", "reason", "ip")) == {
        (False, "bad_credentials", "10.0.0.1")
    }
    assert len([r for r in caplog.records if r.name == "guanjia.security"]) == 5
    assert all("wrong" not in r.getMessage() for r in caplog.records)  # never the password

    # Now even the right password is refused, from anywhere, without being checked.
    response = _try(_client("10.9.9.9"), "dispatcher", f.PASSWORD)
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many failed sign-in attempts. Try again in 15 minutes." in html
    assert 'name="username"' in html
    assert not _signed_in(client)
    locked = LoginAttempt.objects.get(reason="locked")
    assert (locked.username, locked.success, locked.ip) == ("dispatcher", False, "10.9.9.9")
    security = [r.getMessage() for r in caplog.records if r.name == "guanjia.security"]
    assert "login locked" in security[-1]

    # Other accounts are not affected.
    assert _try(_client("10.7.7.7"), "operator", f.PASSWORD).status_code == 302


def test_five_wrong_passwords_from_one_address_lock_that_address(world):
    client = _client("10.0.0.2")
    for name in ("a", "b", "c", "d", "e"):
        _try(client, name, "wrong")
    assert _try(client, "dispatcher", f.PASSWORD).status_code == 429
    assert _try(_client("10.0.0.3"), "dispatcher", f.PASSWORD).status_code == 302


def test_a_successful_sign_in_resets_the_count(world):
    client = _client()
    for _ in range(4):
        _try(client, "dispatcher", "wrong")
    assert _try(client, "dispatcher", f.PASSWORD).status_code == 302
    client = _client()
    for _ in range(4):
        _try(client, "dispatcher", "wrong")
    assert _try(client, "dispatcher", f.PASSWORD).status_code == 302


def _failures(username: str, ip: str, *minutes_ago: float) -> None:
    now = timezone.now()
    LoginAttempt.objects.bulk_create(
        LoginAttempt(
            username=username,
            ip=ip,
            at=now - dt.timedelta(minutes=m),
            success=False,
            reason="bad_credentials",
        )
        for m in minutes_ago
    )


def test_the_lock_lifts_when_failures_leave_the_window(db):
    _failures("u", "10.0.0.4", 16, 16, 16, 16, 16)
    assert login_locked_until(username="u", ip="10.0.0.4") is None

    LoginAttempt.objects.all().delete()
    _failures("u", "10.0.0.4", 14, 13, 12, 11, 10)
    until = login_locked_until(username="u", ip=None)
    assert until is not None
    assert dt.timedelta(seconds=50) < until - timezone.now() <= dt.timedelta(minutes=1)


def test_refused_attempts_do_not_prolong_the_lock(db):
    _failures("u", "10.0.0.5", 14, 13, 12, 11, 10)
    now = timezone.now()
    LoginAttempt.objects.bulk_create(
        LoginAttempt(username="u", ip="10.0.0.5", at=now, success=False, reason="locked")
        for _ in range(20)
    )
    until = login_locked_until(username="u", ip="10.0.0.5")
    assert until is not None and until - now <= dt.timedelta(minutes=1)


def test_the_limits_are_settings(world, settings):
    settings.GUANJIA = {**settings.GUANJIA, "LOGIN_MAX_FAILURES": 2, "LOGIN_LOCKOUT_MINUTES": 3}
    client = _client()
    _try(client, "manager", "wrong")
    _try(client, "manager", "wrong")
    response = _try(client, "manager", f.PASSWORD)
    assert response.status_code == 429
    assert "Try again in 3 minutes." in response.content.decode()


def test_the_admin_login_has_the_same_lockout(world):
    client = _client()
    for _ in range(5):
        response = _try(client, "manager", "wrong", url="/admin/login/")
        assert response.status_code == 200
    response = _try(client, "manager", f.PASSWORD, url="/admin/login/")
    assert response.status_code == 429
    assert "Too many failed sign-in attempts." in response.content.decode()
    assert not _signed_in(client)
    assert LoginAttempt.objects.filter(username="manager", success=False).count() == 6


def test_the_admin_login_still_signs_staff_in(world):
    client = _client()
    response = _try(client, "manager", f.PASSWORD, url="/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


# Client address


def test_the_address_is_remote_addr_unless_a_proxy_header_is_trusted(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert client_address(request) == "10.1.1.1"

    settings.GUANJIA_TRUSTED_PROXY_HEADER = "HTTP_X_FORWARDED_FOR"
    request = rf.get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    assert client_address(request) == "203.0.113.7"  # what our proxy saw, not what was sent
    settings.GUANJIA_TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    assert client_address(request) == "203.0.113.7"
    assert client_address(rf.get("/", REMOTE_ADDR="10.1.1.1")) == "10.1.1.1"
    assert client_address(rf.get("/", HTTP_X_FORWARDED_FOR="<script>")) is None


def test_behind_a_proxy_the_lockout_keys_on_the_forwarded_address(world, settings):
    settings.GUANJIA_TRUSTED_PROXY_HEADER = "HTTP_X_FORWARDED_FOR"
    proxy = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1")
    for name in ("a", "b", "c", "d", "e"):
        _try(proxy, name, "wrong")
    assert set(LoginAttempt.objects.values_list("ip", flat=True)) == {"198.51.100.1"}
    assert _try(proxy, "dispatcher", f.PASSWORD).status_code == 429
    other = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert _try(other, "dispatcher", f.PASSWORD).status_code == 302


# Sessions


def test_the_session_key_changes_at_sign_in(world):
    client = _client()
    session = client.session
    session["basket"] = "anonymous"
    session.save()
    client.cookies["sessionid"] = session.session_key
    before = session.session_key
    assert Session.objects.filter(session_key=before).exists()

    assert _try(client, "worker", f.PASSWORD).status_code == 302
    after = client.cookies["sessionid"].value
    assert after and after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert UserSession.objects.get(user=world.worker).session_key == after


def test_logout_ends_the_session(world):
    client = _client()
    _try(client, "worker", f.PASSWORD)
    key = client.cookies["sessionid"].value
    assert client.get("/accounts/logout/").status_code == 405  # only POST signs out
    assert _signed_in(client)

    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    assert not UserSession.objects.filter(session_key=key).exists()
    response = client.get("/accounts/home/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_deactivating_a_user_ends_all_their_sessions(world):
    phone, desk = _client(), _client("10.0.0.9")
    for c in (phone, desk):
        assert _try(c, "worker", f.PASSWORD).status_code == 302
    _try(_client(), "dispatcher", f.PASSWORD)
    keys = list(UserSession.objects.filter(user=world.worker).values_list("session_key", flat=True))
    assert len(keys) == 2

    world.worker.first_name = "still active"
    world.worker.save()
    assert Session.objects.filter(session_key__in=keys).count() == 2

    world.worker.is_active = False
    world.worker.save()
    assert not Session.objects.filter(session_key__in=keys).exists()
    assert not _signed_in(phone) and not _signed_in(desk)
    # Other people's sessions stay.
    assert UserSession.objects.filter(user=world.dispatcher).count() == 1
    assert Session.objects.count() == 1


def test_deleting_a_user_ends_their_sessions(world):
    client = _client()
    _try(client, "worker", f.PASSWORD)
    key = client.cookies["sessionid"].value
    user = f.user("resident", world.street, "leaving")
    other = _client()
    _try(other, "leaving", f.PASSWORD)
    other_key = other.cookies["sessionid"].value
    user.delete()
    assert not Session.objects.filter(session_key=other_key).exists()
    assert Session.objects.filter(session_key=key).exists()


def test_an_inactive_user_cannot_sign_in_and_it_counts_as_a_failure(world):
    world.worker.is_active = False
    world.worker.save()
    response = _try(_client(), "worker", f.PASSWORD)
    assert response.status_code == 200
    assert LoginAttempt.objects.get().reason == "bad_credentials"
