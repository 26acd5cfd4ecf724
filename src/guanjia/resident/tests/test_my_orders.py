"""My orders (/my/): a mobile number, a one-time code by SMS, then that number's orders.

The code is stored only as a salted HMAC, lives 10 minutes, dies after 5 wrong guesses; sends are
limited per number and per address; the answer never tells whether a number has orders; the
verified number lives 30 minutes in the session; nobody else's orders are ever shown.
"""

import datetime as dt
import re
import time
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from guanjia.core.worker import PERIODIC_JOBS, job_run
from guanjia.resident import services
from guanjia.resident.models import PhoneCode
from guanjia.resident.views import MY_PENDING, MY_PHONE
from guanjia.testing import factories as f
from guanjia.tickets.services import ticket_transition

MINE = "13812342345"
OTHER = "13900009999"


def _code(sms: list[tuple[str, str, str]], phone: str = MINE) -> str:
    texts = [text for to, text, _ref in sms if to == phone]
    assert texts, f"no SMS to {phone}"
    found = re.search(r"\b(\d{6})\b", texts[-1])
    assert found is not None
    return found.group(1)


def _send(client: Client, phone: str = MINE) -> Any:
    return client.post("/my/", {"phone": phone}, follow=True)


def _verify(client: Client, code: str) -> Any:
    return client.post("/my/verify", {"code": code}, follow=True)


def _signed_in(client: Client, sms: list[Any], phone: str = MINE) -> Any:
    _send(client, phone)
    return _verify(client, _code(sms, phone))


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


# The happy path ----------------------------------------------------------------------------------


def test_phone_then_code_then_my_orders_newest_first_with_links(client, place, sms):
    first = f.ticket(place.unit, phone=MINE)
    second = f.ticket(place.unit, code="personal.home_repair", phone=MINE)
    page = client.get("/my/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "我的报修" in html and 'name="phone"' in html and "个人信息" in html  # the notice

    sent = _send(client, "138 1234 2345")  # typed with spaces
    html = sent.content.decode()
    assert "验证码已发送到 138****2345" in html and 'name="code"' in html
    assert len(sms) == 1 and sms[0][0] == MINE and "10 分钟内有效" in sms[0][1]

    listed = _verify(client, _code(sms))
    html = listed.content.decode()
    assert listed.status_code == 200
    assert f"/t/{first.tracking_token}" in html and f"/t/{second.tracking_token}" in html
    assert html.index(second.number) < html.index(first.number)  # newest first
    assert "待派单" in html  # the status in plain Chinese
    assert MINE not in html  # masked: 138****2345
    assert "138****2345" in html
    assert listed["Cache-Control"].startswith("max-age=0")


def test_status_follows_the_order(client, place, sms, world):
    ticket = f.ticket(place.unit, phone=MINE)
    ticket_transition(
        ticket=ticket, action="dispatch", actor=world.dispatcher, assignee=world.worker
    )
    html = _signed_in(client, sms).content.decode()
    assert "已派单" in html


def test_orders_of_every_street_with_that_number_and_the_hotlines_too(client, place, sms, world):
    here = f.ticket(place.unit, phone=MINE)
    there = f.ticket(world.other_unit, phone=MINE)
    by_phone = f.ticket(place.unit, phone=MINE, channel="hotline", created_by=world.operator)
    html = _signed_in(client, sms).content.decode()
    for t in (here, there, by_phone):
        assert f"/t/{t.tracking_token}" in html


def test_another_numbers_orders_are_never_shown(client, place, sms, world):
    mine = f.ticket(place.unit, phone=MINE)
    theirs = f.ticket(place.unit, phone=OTHER)
    landline = f.ticket(place.unit, phone="010-62345678")
    html = _signed_in(client, sms).content.decode()
    assert f"/t/{mine.tracking_token}" in html
    assert f"/t/{theirs.tracking_token}" not in html and theirs.number not in html
    assert landline.number not in html


def test_a_number_without_orders_says_so_after_the_code(client, place, sms):
    f.ticket(place.unit, phone=OTHER)
    html = _signed_in(client, sms).content.decode()
    assert "这个号码还没有报修记录" in html


def test_pages_of_ten_with_older_orders_behind_a_link(client, place, sms):
    tickets = [f.ticket(place.unit, phone=MINE) for _ in range(12)]
    html = _signed_in(client, sms).content.decode()
    shown = [t for t in tickets if f"/t/{t.tracking_token}" in html]
    assert len(shown) == 10 and tickets[0] not in shown and tickets[1] not in shown
    older = re.search(r'href="\?before=([^"]+)"', html)
    assert older is not None
    html = client.get(f"/my/?before={older.group(1)}").content.decode()
    assert [t for t in tickets if f"/t/{t.tracking_token}" in html] == tickets[:2]
    assert 'href="?before=' not in html
    # A made-up cursor is the first page, not an error.
    assert client.get("/my/?before=bogus").status_code == 200


def test_hide_forgets_the_number(client, place, sms):
    f.ticket(place.unit, phone=MINE)
    _signed_in(client, sms)
    response = client.post("/my/leave", follow=True)
    html = response.content.decode()
    assert 'name="phone"' in html and "138****2345" not in html


# The code ---------------------------------------------------------------------------------------


def test_the_code_is_stored_only_as_a_salted_hash(client, place, sms):
    _send(client)
    code = _code(sms)
    row = PhoneCode.objects.get()
    stored = " ".join(str(v) for v in PhoneCode.objects.values_list().get())
    assert code not in stored and MINE not in stored
    assert row.code_hash != services._code_hash("", MINE, code)  # salted
    assert row.expires_at - row.created_at == dt.timedelta(minutes=10)
    # And not in the session either.
    assert code not in str(dict(client.session.items()))


def test_the_code_never_appears_in_any_response(client, place, sms):
    f.ticket(place.unit, phone=MINE)
    responses = [client.get("/my/"), _send(client)]
    code = _code(sms)
    responses += [_verify(client, _wrong(code)), client.get("/my/")]
    responses += [_verify(client, code), client.get("/my/"), client.post("/my/leave", follow=True)]
    for response in responses:
        assert code not in response.content.decode()
        assert code not in str(response.headers)
        assert code not in str(response.cookies)


def test_a_wrong_code_says_how_many_tries_are_left(client, place, sms):
    f.ticket(place.unit, phone=MINE)
    _send(client)
    code = _code(sms)
    html = _verify(client, _wrong(code)).content.decode()
    assert "验证码不对，还可以再试 4 次" in html
    assert 'value="' + _wrong(code) not in html  # the guess is not echoed either
    assert MY_PHONE not in client.session
    assert PhoneCode.objects.get().attempts == 1
    # Letters and short codes are refused without costing a try.
    html = _verify(client, "12ab").content.decode()
    assert "验证码是 6 位数字" in html and PhoneCode.objects.get().attempts == 1
    # The right one still works.
    html = _verify(client, code).content.decode()
    assert "/t/" in html


def test_five_wrong_codes_kill_it_even_the_right_one_then(client, place, sms):
    f.ticket(place.unit, phone=MINE)
    _send(client)
    code = _code(sms)
    for _ in range(4):
        _verify(client, _wrong(code))
    html = _verify(client, _wrong(code)).content.decode()
    assert "输错次数太多" in html and 'name="phone"' in html
    assert services.phone_code_check(phone=MINE, code=code).outcome == services.CODE_DEAD
    assert MY_PHONE not in client.session


def test_an_expired_code_is_refused(client, place, sms):
    f.ticket(place.unit, phone=MINE)
    _send(client)
    code = _code(sms)
    PhoneCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    html = _verify(client, code).content.decode()
    assert "验证码已失效" in html and "/t/" not in html
    assert MY_PHONE not in client.session


def test_a_code_works_once_and_a_new_one_replaces_the_old(place, sms):
    now = timezone.now()
    services.phone_code_send(phone=MINE, now=now)
    old = _code(sms)
    services.phone_code_send(phone=MINE, now=now + dt.timedelta(seconds=61))
    new = _code(sms)
    later = now + dt.timedelta(seconds=62)
    if old != new:
        assert services.phone_code_check(phone=MINE, code=old, now=later).ok is False
    assert services.phone_code_check(phone=MINE, code=new, now=later).ok is True
    assert services.phone_code_check(phone=MINE, code=new, now=later).outcome == "expired"


def test_a_code_is_for_its_own_number_only(place, sms):
    services.phone_code_send(phone=MINE)
    code = _code(sms)
    assert services.phone_code_check(phone=OTHER, code=code).ok is False
    assert services.phone_code_check(phone=MINE, code=code).ok is True


def test_the_code_is_checked_against_the_number_this_browser_asked_for(place, sms):
    """A code sent to my phone does not open my orders in someone else's browser."""
    f.ticket(place.unit, phone=MINE)
    mine, stranger = Client(), Client()
    _send(mine)
    code = _code(sms)
    html = stranger.post("/my/verify", {"code": code}, follow=True).content.decode()
    assert "验证码已失效" in html and MY_PHONE not in stranger.session


# Rate limits -------------------------------------------------------------------------------------


def test_one_code_a_minute_per_number(client, place, sms):
    _send(client)
    html = _send(client).content.decode()
    assert "刚刚已向这个号码发送过验证码" in html
    assert len(sms) == 1


def test_five_codes_a_day_per_number(place, sms):
    now = timezone.now()
    for i in range(5):
        services.phone_code_send(phone=MINE, now=now + dt.timedelta(minutes=2 * i))
    with pytest.raises(services.InvalidInput) as refused:
        services.phone_code_send(phone=MINE, now=now + dt.timedelta(minutes=20))
    assert refused.value.code == "code_day_limit"
    assert len(sms) == 5
    # A day later the number may ask again.
    services.phone_code_send(phone=MINE, now=now + dt.timedelta(days=1, minutes=20))
    assert len(sms) == 6


def test_sends_per_address_are_limited(client, place, sms, settings):
    settings.GUANJIA = {**settings.GUANJIA, "RESIDENT_CODES_PER_HOUR": 3}
    for i in range(3):
        assert _send(client, f"1381234000{i}").status_code == 200
    response = client.post("/my/", {"phone": "13812340009"})
    assert response.status_code == 429 and len(sms) == 3
    # Another address is not held up.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post("/my/", {"phone": "13812340009"}).status_code == 302


def test_wrong_codes_per_address_are_limited(client, place, sms, settings):
    settings.GUANJIA = {**settings.GUANJIA, "RESIDENT_WRONG_CODES_PER_HOUR": 2}
    _send(client)
    code = _code(sms)
    _verify(client, _wrong(code))
    _verify(client, _wrong(code))
    assert client.post("/my/verify", {"code": code}).status_code == 429


def test_a_failed_send_is_not_counted_and_says_so(client, place, settings):
    notify = {**settings.GUANJIA["NOTIFY"], "SMS_BACKEND": "guanjia.no.SuchBackend"}
    settings.GUANJIA = {**settings.GUANJIA, "NOTIFY": notify}
    html = _send(client).content.decode()
    assert "短信没有发送成功" in html
    assert not PhoneCode.objects.exists() and MY_PENDING not in client.session


# No enumeration --------------------------------------------------------------------------------


def _normalised(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r"\d{3}\*\*\*\*\d{4}|\b1\d{10}\b", "PHONE", html)  # what the visitor typed
    return re.sub(r"\d+ 秒", "N 秒", html)


def test_the_same_answer_whether_or_not_the_number_has_orders(place, sms):
    f.ticket(place.unit, phone=MINE)
    with_orders, without = Client(), Client()
    a = with_orders.post("/my/", {"phone": MINE})
    b = without.post("/my/", {"phone": OTHER})
    assert a.status_code == b.status_code == 302 and a["Location"] == b["Location"]
    a, b = with_orders.get("/my/"), without.get("/my/")
    assert _normalised(a.content.decode()) == _normalised(b.content.decode())
    assert {to for to, _t, _r in sms} == {MINE, OTHER}  # both got a code
    # And the refusals of a second send are the same too.
    a = with_orders.post("/my/", {"phone": MINE})
    b = without.post("/my/", {"phone": OTHER})
    assert _normalised(a.content.decode()) == _normalised(b.content.decode())


def test_a_landline_is_told_plainly_and_gets_no_code(client, place, sms, world):
    world.street.hotline = "0571-88886666"
    world.street.save()
    f.ticket(place.unit, phone="01062345678")
    response = client.post("/my/", {"phone": "010-62345678"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "只有手机能收到验证码" in html and "座机收不到短信" in html
    assert "0571-88886666" in html  # where to ask instead
    assert sms == [] and not PhoneCode.objects.exists()
    assert "6234" not in html.replace('value="010-62345678"', "")  # nothing about its orders


def test_a_number_that_is_not_one_is_refused_in_words(client, place, sms):
    html = client.post("/my/", {"phone": "12345"}).content.decode()
    assert "请填写11位手机号或带区号的固定电话" in html
    assert sms == []


# The session ----------------------------------------------------------------------------------


def test_the_verified_number_lasts_thirty_minutes(client, place, sms, monkeypatch):
    ticket = f.ticket(place.unit, phone=MINE)
    _signed_in(client, sms)
    assert f"/t/{ticket.tracking_token}" in client.get("/my/").content.decode()
    start = time.time()
    monkeypatch.setattr(time, "time", lambda: start + 29 * 60)
    assert f"/t/{ticket.tracking_token}" in client.get("/my/").content.decode()
    monkeypatch.setattr(time, "time", lambda: start + 30 * 60 + 1)
    html = client.get("/my/").content.decode()
    assert f"/t/{ticket.tracking_token}" not in html and 'name="phone"' in html
    assert MY_PHONE not in client.session


def test_the_session_key_changes_when_the_code_is_right(client, place, sms):
    _send(client)
    before = client.session.session_key
    _verify(client, _code(sms))
    assert client.session.session_key != before
    assert client.session[MY_PHONE]["phone"] == MINE


def test_a_forged_session_entry_is_ignored(client, place, sms):
    f.ticket(place.unit, phone=MINE)
    session = client.session
    session[MY_PHONE] = {"phone": MINE, "until": "forever"}
    session.save()
    assert "/t/" not in client.get("/my/").content.decode()


def test_home_and_tracking_pages_link_here(client, place):
    ticket = f.ticket(place.unit)
    assert 'href="/my/"' in client.get("/").content.decode()
    assert 'href="/my/"' in client.get(f"/t/{ticket.tracking_token}").content.decode()


def test_only_get_and_post(client, place):
    assert client.put("/my/").status_code == 405
    assert client.get("/my/verify").status_code == 405
    assert client.get("/my/leave").status_code == 405


# Purge ------------------------------------------------------------------------------------------


def test_codes_older_than_a_day_are_purged_by_the_hourly_job(place, sms):
    now = timezone.now()
    services.phone_code_send(phone=MINE, now=now - dt.timedelta(days=1, minutes=1))
    services.phone_code_send(phone=OTHER, now=now - dt.timedelta(minutes=1))
    job = next(j for j in PERIODIC_JOBS if j.name == "resident.phone_codes_purge")
    assert job.interval == dt.timedelta(hours=1)
    assert job_run(job) == 1
    assert PhoneCode.objects.count() == 1
    assert services.phone_codes_purge(now=now) == 0  # idempotent
