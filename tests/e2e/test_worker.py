"""A worker signs in at 375 px, accepts, arrives, photographs the finished work and resolves it,
in a real browser."""

import io
import re
from typing import Any

from PIL import Image
from test_resident import _no_sideways_scroll  # the same phone checks as the residents' pages

from guanjia.testing import factories as f
from guanjia.tickets.models import TicketEvent, TicketPhoto
from guanjia.tickets.services import ticket_transition
from guanjia.workbench.models import ContactReveal


def _jpeg(width: int, height: int) -> bytes:
    data = io.BytesIO()
    Image.new("RGB", (width, height), (200, 180, 90)).save(data, "JPEG")
    return data.getvalue()


def test_worker_accepts_arrives_photographs_and_resolves(
    live_server: Any, world: Any, phone: Any, shot: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    worker = world.worker
    worker.display_name = "李师傅"
    worker.save()
    compound = f.CompoundFactory(community__street=world.street, name="大乐园小区")
    unit = f.UnitFactory(building__compound=compound, building__name="3幢", name="1单元")
    ticket = f.ticket(unit, phone="13812342345", room="201", description="二楼楼道灯不亮")
    ticket_transition(ticket=ticket, action="dispatch", actor=world.dispatcher, assignee=worker)
    f.ticket(unit, code="personal.home_repair", room="302", description="厨房水龙头漏水")
    page = phone
    photo = tmp_path / "after.jpg"
    photo.write_bytes(_jpeg(3000, 2000))

    # Sign in: handlers land on their tasks.
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "worker")
    page.fill("#id_password", f.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/worker/$"))
    assert page.get_by_text("大乐园小区 3幢 1单元 201").is_visible()
    assert page.get_by_text(re.compile(r"接单还剩\d+")).first.is_visible()
    assert page.get_by_role("button", name="抢单").is_visible()
    _no_sideways_scroll(page)
    shot(page, "worker-01-tasks")

    # The task: masked phone, accept.
    page.get_by_role("link", name=re.compile("楼道灯")).click()
    page.wait_for_url(re.compile(rf"/worker/t/{ticket.number}/$"))
    assert page.get_by_text("138****2345").is_visible()
    _no_sideways_scroll(page)
    shot(page, "worker-02-task")
    page.get_by_role("button", name="接单", exact=True).click()
    assert page.get_by_text("已接单。").is_visible()

    # The resident's number, revealed to the handler and logged.
    page.get_by_role("button", name="联系居民").click()
    call = page.get_by_role("link", name=re.compile("拨打 13812342345"))
    assert call.get_attribute("href") == "tel:13812342345"
    assert ContactReveal.objects.filter(user=worker, ticket=ticket).count() == 1
    _no_sideways_scroll(page)
    shot(page, "worker-03-call")

    page.get_by_role("button", name="到场", exact=True).click()
    assert page.get_by_text("已记录到场。").is_visible()
    assert page.get_by_text("此服务须上传完工照片才能完成").is_visible()
    _no_sideways_scroll(page)
    shot(page, "worker-04-on-site")

    # The after-photo: shrunk on the phone, re-encoded on the server.
    page.get_by_label("完工后").check()
    page.set_input_files("#id_photo", str(photo))
    page.get_by_role("button", name="上传照片").click()
    page.get_by_text("照片已添加。").wait_for()
    stored = TicketPhoto.objects.get(ticket=ticket, kind="after")
    assert max(stored.width, stored.height) <= 1600
    assert page.get_by_role("img", name="完工后").is_visible()
    _no_sideways_scroll(page)
    shot(page, "worker-05-photo")

    # Resolve with a note and the materials used.
    page.get_by_label("备注（选填）").fill("换了灯泡")
    page.get_by_label("所用材料（选填）").fill("LED 灯泡 1 个")
    page.get_by_role("button", name="完成", exact=True).click()
    page.get_by_text("已完成，辛苦了！").wait_for()
    ticket.refresh_from_db()
    assert ticket.status == "resolved"
    assert "LED 灯泡 1 个" in TicketEvent.objects.get(ticket=ticket, type="resolve").note
    _no_sideways_scroll(page)
    shot(page, "worker-06-resolved")
