"""The workers' pages: who sees what, each move through the page, photos, the phone, weight."""

import io
import logging
import re
from typing import Any

import pytest
from django.test import Client
from PIL import Image

from guanjia.dispatch.models import StreetDispatchSettings
from guanjia.people.models import Vendor
from guanjia.testing import factories as f
from guanjia.tickets.models import Ticket, TicketEvent, TicketPhoto
from guanjia.tickets.photos import ticket_photo_add
from guanjia.tickets.services import ticket_transition
from guanjia.workbench.models import ContactReveal

PHONE = "13812342345"
MASKED = "138****2345"


def _jpeg(width: int = 64, height: int = 48) -> bytes:
    data = io.BytesIO()
    Image.new("RGB", (width, height), (90, 120, 160)).save(data, "JPEG")
    return data.getvalue()


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _dispatched(world: Any, to: Any = None, code: str = "repair.corridor_light") -> Ticket:
    ticket = f.ticket(world.unit, code=code, phone=PHONE, room="201")
    ticket_transition(
        ticket=ticket, action="dispatch", actor=world.dispatcher, assignee=to or world.worker
    )
    ticket.refresh_from_db()
    return ticket


def _post(client: Client, ticket: Ticket, action: str, **data: Any) -> Any:
    ticket.refresh_from_db()
    data.setdefault("version", ticket.version)
    return client.post(f"/worker/t/{ticket.number}/act", {"action": action, **data}, follow=True)


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# Access ------------------------------------------------------------------------------------------


def test_anonymous_visitors_go_to_the_sign_in_page(client, world):
    ticket = _dispatched(world)
    for url in ("/worker/", f"/worker/t/{ticket.number}/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={url}"
    response = client.post(f"/worker/t/{ticket.number}/call")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_dispatcher_only_account_is_refused(world):
    ticket = _dispatched(world)
    client = _client(world.dispatcher)
    assert client.get("/worker/").status_code == 403
    assert client.get(f"/worker/t/{ticket.number}/").status_code == 403
    assert _post(client, ticket, "accept").status_code == 403
    assert _client(world.resident).get("/worker/").status_code == 403


def test_my_tasks_list_the_place_clock_and_status_nearest_deadline_first(world):
    later = _dispatched(world)
    ticket_transition(ticket=later, action="accept", actor=world.worker)
    sooner = _dispatched(world)  # its accept clock runs out before the other's resolve clock
    others = _dispatched(world, to=world.other_worker)
    response = _client(world.worker).get("/worker/")
    assert response.status_code == 200
    html = _text(response)
    assert html.index(sooner.number) < html.index(later.number)
    assert others.number not in html
    unit = world.unit
    assert f"{unit.building.compound.name} {unit.building.name} {unit.name} 201" in html
    assert "楼道灯/公共照明" in html
    assert re.search(r"接单还剩\d+分钟", html)
    assert "已派单" in html and "已接单" in html
    assert PHONE not in html


def test_overdue_tasks_say_so_in_plain_chinese(world):
    ticket = _dispatched(world)
    Ticket.objects.filter(pk=ticket.pk).update(
        accept_due=ticket.created_at.replace(year=ticket.created_at.year - 1)
    )
    html = _text(_client(world.worker).get("/worker/"))
    assert "接单已超时" in html


def test_another_workers_task_does_not_exist_for_me(world):
    ticket = _dispatched(world)
    client = _client(world.other_worker)
    assert client.get(f"/worker/t/{ticket.number}/").status_code == 404
    assert _post(client, ticket, "accept").status_code == 404
    photo = client.post(
        f"/worker/t/{ticket.number}/photo", {"kind": "after", "photo": io.BytesIO(_jpeg())}
    )
    assert photo.status_code == 404
    assert client.post(f"/worker/t/{ticket.number}/call").status_code == 404
    assert client.get("/worker/t/NOPE-20260101-0001/").status_code == 404
    ticket.refresh_from_db()
    assert ticket.status == "dispatched"


def test_a_vendors_member_sees_the_orders_bought_from_its_vendor(world):
    vendor = Vendor.objects.create(street=world.street, name="好帮手家政")
    vendor.categories.set([f.category("repair.roof_leak")])
    member = f.handler(world.street, username="vendor_member", vendor=vendor)
    ticket = _dispatched(world, to=member, code="repair.roof_leak")
    not_theirs = _dispatched(world)
    client = _client(member)
    html = _text(client.get("/worker/"))
    assert ticket.number in html and not_theirs.number not in html
    response = _post(client, ticket, "accept")
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == "accepted"
    assert client.get(f"/worker/t/{not_theirs.number}/").status_code == 404


# Moves -------------------------------------------------------------------------------------------


def test_accept_arrive_photo_resolve(world):
    ticket = _dispatched(world)
    client = _client(world.worker)
    page = _text(client.get(f"/worker/t/{ticket.number}/"))
    assert 'value="accept"' in page and 'value="arrive"' not in page

    assert "已接单" in _text(_post(client, ticket, "accept"))
    page = _text(_post(client, ticket, "arrive"))
    ticket.refresh_from_db()
    assert ticket.status == "on_site"
    assert 'value="resolve"' in page and 'capture="environment"' in page
    # Corridor lights need a photo of the finished work: the page says why before refusing.
    assert "须上传完工照片" in page
    refused = _text(_post(client, ticket, "resolve"))
    ticket.refresh_from_db()
    assert ticket.status == "on_site" and "请先上传完工照片" in refused

    response = client.post(
        f"/worker/t/{ticket.number}/photo",
        {"kind": "after", "photo": io.BytesIO(_jpeg(2400, 1800))},
        follow=True,
    )
    assert response.status_code == 200
    stored = TicketPhoto.objects.get(ticket=ticket, kind="after")
    assert max(stored.width, stored.height) <= 1600
    _post(client, ticket, "resolve", note="换了灯泡", materials="LED 灯泡 1 个")
    ticket.refresh_from_db()
    assert ticket.status == "resolved"
    event = TicketEvent.objects.get(ticket=ticket, type="resolve")
    assert event.actor == world.worker
    assert "换了灯泡" in event.note and "LED 灯泡 1 个" in event.note


def test_grab_from_the_pool_and_refusal_over_the_cap(world):
    pool = f.ticket(world.unit, code="personal.home_repair", room="301")
    client = _client(world.worker)
    html = _text(client.get("/worker/"))
    assert pool.number in html and 'value="grab"' in html
    # Not in other_worker's skills: not in their pool.
    assert pool.number not in _text(_client(world.other_worker).get("/worker/"))
    response = _post(client, pool, "grab", back="home")
    assert response.redirect_chain[-1][0] == "/worker/"
    pool.refresh_from_db()
    assert pool.status == "accepted" and pool.assignee == world.worker

    StreetDispatchSettings.objects.create(street=world.street, workload_cap=1)
    second = f.ticket(world.unit, code="personal.home_repair", room="302")
    html = _text(_post(client, second, "grab", back="home"))
    second.refresh_from_db()
    assert second.status == "new" and second.assignee is None
    assert "请先完成部分工单" in html


def test_a_pool_order_grabbed_by_someone_else_first_says_so(world):
    pool = f.ticket(world.unit, code="personal.home_repair", room="303")
    rival = f.handler(world.street, "personal.home_repair", username="rival")
    seen = pool.version
    ticket_transition(ticket=pool, action="grab", actor=rival)
    response = _post(_client(world.worker), pool, "grab", version=seen, back="home")
    assert response.redirect_chain[-1][0] == "/worker/"
    assert "这张工单已不在抢单池中" in _text(response)
    pool.refresh_from_db()
    assert pool.assignee == rival


def test_return_needs_a_reason(world):
    ticket = _dispatched(world)
    client = _client(world.worker)
    html = _text(_post(client, ticket, "return", reason=""))
    ticket.refresh_from_db()
    assert ticket.status == "dispatched" and "请填写原因" in html
    response = _post(client, ticket, "return", reason="不是我负责的小区")
    ticket.refresh_from_db()
    assert ticket.status == "new" and ticket.assignee is None
    assert response.redirect_chain[-1][0] == "/worker/"


def test_pause_and_resume(world):
    ticket = _dispatched(world)
    client = _client(world.worker)
    _post(client, ticket, "accept")
    html = _text(_post(client, ticket, "pause", reason="等配件"))
    ticket.refresh_from_db()
    assert ticket.status == "paused" and 'value="resume"' in html
    _post(client, ticket, "resume")
    ticket.refresh_from_db()
    assert ticket.status == "accepted"


def test_a_stale_version_reloads_the_order_instead_of_failing(world):
    ticket = _dispatched(world)
    seen = ticket.version
    ticket_transition(ticket=ticket, action="accept", actor=world.worker)  # from another tab
    response = _post(_client(world.worker), ticket, "accept", version=seen)
    assert response.status_code == 200
    html = _text(response)
    assert "这张工单刚刚有了变化" in html
    assert 'value="arrive"' in html


# The resident's phone ----------------------------------------------------------------------------


def test_the_phone_is_masked_and_revealed_to_the_assignee_only(world, caplog):
    ticket = _dispatched(world)
    client = _client(world.worker)
    page = _text(client.get(f"/worker/t/{ticket.number}/"))
    assert MASKED in page and PHONE not in page
    caplog.set_level(logging.INFO, logger="guanjia.security")
    response = client.post(f"/worker/t/{ticket.number}/call", REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    assert f'href="tel:{PHONE}"' in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    row = ContactReveal.objects.get()
    assert (row.user, row.ticket, row.ip) == (world.worker, ticket, "10.1.2.3")
    logged = [r.getMessage() for r in caplog.records if r.name == "guanjia.security"]
    assert any(ticket.number in m and "worker" in m for m in logged)
    assert not any(PHONE in m for m in logged)


def test_nobody_else_can_reveal_the_phone(world):
    ticket = _dispatched(world)
    assert _client(world.other_worker).post(f"/worker/t/{ticket.number}/call").status_code == 404
    assert _client(world.dispatcher).post(f"/worker/t/{ticket.number}/call").status_code == 403
    # A pool order is visible to qualified workers, but its number is not theirs to see.
    pool = f.ticket(world.unit, code="personal.home_repair", phone=PHONE)
    client = _client(world.worker)
    page = _text(client.get(f"/worker/t/{pool.number}/"))
    assert MASKED in page and "/call" not in page
    assert client.post(f"/worker/t/{pool.number}/call").status_code == 403
    assert ContactReveal.objects.count() == 0


# Landing and weight ------------------------------------------------------------------------------


def test_handlers_land_on_their_tasks_after_signing_in(world):
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": "worker", "password": f.PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/worker/"
    assert 'href="/worker/"' in response.content.decode()
    dispatcher = Client()
    dispatcher.force_login(world.dispatcher)
    home = dispatcher.get("/accounts/home/")
    assert home.status_code == 200 and 'href="/worker/"' not in home.content.decode()


def test_my_tasks_with_ten_orders_stay_light(world, django_assert_max_num_queries):
    for _ in range(10):
        _dispatched(world)
    for n in range(5):
        f.ticket(world.unit, code="personal.home_repair", room=f"5{n}")
    client = _client(world.worker)
    with django_assert_max_num_queries(12):
        response = client.get("/worker/")
    size = len(response.content)
    assert response.content.decode().count('<li class="card') == 15
    assert size < 30_000, f"/worker/ weighs {size} bytes"
    assert "<script" not in response.content.decode()


def test_a_task_page_stays_light(world):
    ticket = _dispatched(world)
    ticket_photo_add(ticket=ticket, kind="report", upload=_jpeg(), actor=world.operator)
    client = _client(world.worker)
    _post(client, ticket, "accept")
    _post(client, ticket, "arrive")
    response = client.get(f"/worker/t/{ticket.number}/")
    assert len(response.content) < 30_000
    assert f"/photos/{TicketPhoto.objects.get().pk}" in response.content.decode()


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_pages_render_in_both_languages_and_name_no_other_host(world, lang):
    ticket = _dispatched(world)
    client = _client(world.worker)
    _post(client, ticket, "accept")
    headers = {"accept-language": lang}
    pages = [
        client.get("/worker/", headers=headers),
        client.get(f"/worker/t/{ticket.number}/", headers=headers),
        client.post(f"/worker/t/{ticket.number}/call", headers=headers),
    ]
    for response in pages:
        assert response.status_code == 200
        assert re.findall(r"(?:https?:)?//[^\s\"'<>)]+", response.content.decode()) == []
    if lang == "en":
        assert "My tasks" in pages[0].content.decode()


def test_something_that_is_not_a_photo_is_refused_next_to_the_field(world):
    ticket = _dispatched(world)
    client = _client(world.worker)
    _post(client, ticket, "accept")
    upload = io.BytesIO(b"<html>not a photo</html>")
    upload.name = "x.jpg"
    response = client.post(f"/worker/t/{ticket.number}/photo", {"kind": "after", "photo": upload})
    assert response.status_code == 200
    assert "JPEG" in _text(response)
    assert TicketPhoto.objects.count() == 0


def test_the_task_page_costs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    ticket = _dispatched(world)
    client = _client(world.worker)
    _post(client, ticket, "accept")
    ticket.refresh_from_db()
    for _ in range(3):
        ticket_photo_add(ticket=ticket, kind="before", upload=_jpeg(), actor=world.worker)
    with django_assert_max_num_queries(16):
        assert client.get(f"/worker/t/{ticket.number}/").status_code == 200


def test_the_reveal_log_is_read_only_in_the_back_office(world):
    ticket = _dispatched(world)
    _client(world.worker).post(f"/worker/t/{ticket.number}/call")
    admin = f.user("admin", None, "root")
    client = _client(admin)
    page = client.get("/admin/workbench/contactreveal/")
    assert page.status_code == 200 and ticket.number in page.content.decode()
    assert client.get("/admin/workbench/contactreveal/add/").status_code == 403
