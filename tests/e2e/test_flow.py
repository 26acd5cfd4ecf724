"""The whole story in one browser run: a resident orders at 375 px → the dispatcher assigns at
1366 px with one click → the worker accepts, arrives, photographs and resolves at 375 px → the
resident rates → the manager's figures move by exactly that order → the resident finds the order
again under "My orders" with the code the SMS backend sent. A screenshot of every step goes to
var/screenshots/flow-NN-<step>.png."""

import datetime as dt
import re
from typing import Any

from django.core.cache import cache
from django.utils import timezone
from test_console import _names, _sign_in  # 李师傅 电工, 王师傅 维修工
from test_resident import _compound, _jpeg, _no_sideways_scroll

from guanjia.notifications.backends import LocmemSMS
from guanjia.testing import factories as f
from guanjia.tickets.models import Ticket
from guanjia.tickets.services import Rating, ticket_transition

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 375, "height": 812}
RESIDENT_PHONE = "13812345678"
# Earlier orders of the month, rated on the phone by the call-back desk: 2 of 3 satisfied (≥ 4).
EARLIER_RATINGS = (5, 4, 3)


def _context(browser: Any, viewport: dict[str, int]) -> Any:
    context = browser.new_context(
        viewport=viewport, locale="zh-CN", device_scale_factor=2 if viewport == PHONE else 1
    )
    context.set_default_timeout(10_000)
    return context


def _earlier_month(world: Any, building: Any) -> None:
    """Three orders of the last days, handled and rated 5, 4 and 3."""
    f.category("repair.water_electric", after_photo_required=False)
    unit = building.units.order_by("sort_key").first()
    now = timezone.now()
    for i, stars in enumerate(EARLIER_RATINGS, start=1):
        at = now - dt.timedelta(days=i + 1)
        t = f.ticket(unit, code="repair.water_electric", phone=f"1390000000{i}", now=at)
        ticket_transition(
            ticket=t, action="dispatch", actor=world.dispatcher, assignee=world.worker, now=at
        )
        for n, action in enumerate(("accept", "arrive", "resolve"), start=1):
            ticket_transition(
                ticket=t, action=action, actor=world.worker, now=at + dt.timedelta(minutes=20 * n)
            )
        ticket_transition(
            ticket=t,
            action="rate",
            actor=world.operator,
            rating=Rating(overall=stars),
            now=at + dt.timedelta(hours=3),
        )


def _figures(page: Any) -> dict[str, str]:
    return {
        name: page.locator(f".f-{name}").inner_text().strip()
        for name in ("new", "open", "overdue", "resolved", "satisfaction")
    }


def _percent(numerator: int, denominator: int) -> str:
    return f"{round(numerator / denominator * 100)}%"  # as the dashboard writes a rate


def test_an_order_from_the_phone_to_the_figures_and_back_under_my_orders(
    live_server: Any,
    world: Any,
    browser: Any,
    phone: Any,
    shot: Any,
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    # The live server runs in this process: its SMS goes to the in-memory backend's outbox.
    notify = {**settings.GUANJIA["NOTIFY"], "SMS_BACKEND": f"{LocmemSMS.__module__}.LocmemSMS"}
    settings.GUANJIA = {**settings.GUANJIA, "NOTIFY": notify}
    sms = LocmemSMS.outbox = []
    cache.clear()  # the per-address limits of earlier browser tests
    base = live_server.url
    building = _compound(world)
    _names(world)
    _earlier_month(world, building)
    photo = tmp_path / "after.jpg"
    photo.write_bytes(_jpeg(3000, 2000))
    satisfied = sum(1 for s in EARLIER_RATINGS if s >= 4)
    rated = len(EARLIER_RATINGS)

    # The manager's figures before anything happens.
    manager_context = _context(browser, DESKTOP)
    manager = manager_context.new_page()
    _sign_in(manager, base, "manager", "/dashboard/")
    before = _figures(manager)
    assert before["satisfaction"] == _percent(satisfied, rated)  # 67%
    assert f"共 {rated} 单已评价" in manager.locator(".figures").inner_text()
    shot(manager, "flow-01-dashboard-before")

    # 1. The resident orders at 375 px: service, place, description with a phone.
    resident = phone
    resident.goto(f"{base}/")
    _no_sideways_scroll(resident)
    shot(resident, "flow-02-resident-home")
    resident.get_by_role("link", name="楼道灯/公共照明").click()
    resident.wait_for_url(re.compile(r"/place$"))
    resident.wait_for_load_state("load")
    resident.get_by_label("小区").select_option(label="大乐园小区")
    resident.wait_for_selector("#id_building option:text-is('3幢')", state="attached")
    resident.get_by_label("楼栋").select_option(label="3幢")
    resident.wait_for_selector("#id_unit option:text-is('1单元')", state="attached")
    resident.get_by_label("单元", exact=True).select_option(label="1单元")
    shot(resident, "flow-03-resident-place")
    resident.get_by_role("button", name="下一步").click()
    resident.get_by_label("遇到了什么问题？").fill("3幢1单元二楼楼道灯不亮，晚上看不见台阶")
    resident.get_by_label("回电号码").fill("138 1234 5678")
    resident.get_by_label("我同意", exact=False).check()
    _no_sideways_scroll(resident)
    shot(resident, "flow-04-resident-describe")
    resident.get_by_role("button", name="提交报单").click()
    resident.wait_for_url(re.compile(r"/t/[^/]+/done$"))
    ticket = Ticket.objects.exclude(category__code="repair.water_electric").get()
    assert ticket.status == "new" and ticket.contact_phone == RESIDENT_PHONE
    shot(resident, "flow-05-resident-confirmation")
    resident.get_by_role("link", name="查看进度").click()
    resident.wait_for_url(re.compile(rf"/t/{ticket.tracking_token}$"))
    assert resident.get_by_text("待派单").is_visible()
    shot(resident, "flow-06-resident-tracking-new")

    # 2. The dispatcher at 1366 px: the order is in the queue; one click on the suggestion.
    desk_context = _context(browser, DESKTOP)
    desk = desk_context.new_page()
    _sign_in(desk, base, "dispatcher", "/console/")
    desk.locator("table.queue tbody tr").filter(has_text=ticket.number).wait_for()
    shot(desk, "flow-07-dispatcher-queue")
    desk.click(f"text={ticket.number}")
    desk.wait_for_url(f"**/console/t/{ticket.number}/")
    suggestion = desk.locator("ol.suggestions button.suggest").first
    label = suggestion.inner_text()
    chosen, name = (world.worker, "李师傅") if "李师傅" in label else (world.other_worker, "王师傅")
    assert name in label
    shot(desk, "flow-08-dispatcher-ticket")
    suggestion.click()
    desk.wait_for_load_state()
    assert desk.locator(".messages .msg-success").count() == 1
    ticket.refresh_from_db()
    assert ticket.status == "dispatched" and ticket.assignee == chosen
    assert desk.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    shot(desk, "flow-09-dispatcher-assigned")
    desk_context.close()

    # 3. The worker at 375 px: accept, arrive, the after-photo, resolve.
    worker_context = _context(browser, PHONE)
    worker = worker_context.new_page()
    worker.goto(f"{base}/accounts/login/")
    worker.fill("#id_username", chosen.username)
    worker.fill("#id_password", f.PASSWORD)
    worker.get_by_role("button", name="登录").click()
    worker.wait_for_url(re.compile(r"/worker/$"))
    assert worker.get_by_text("大乐园小区 3幢 1单元").first.is_visible()
    _no_sideways_scroll(worker)
    shot(worker, "flow-10-worker-tasks")
    worker.get_by_role("link", name=re.compile("楼道灯")).click()
    worker.wait_for_url(re.compile(rf"/worker/t/{ticket.number}/$"))
    assert worker.get_by_text("138****5678").is_visible()
    worker.get_by_role("button", name="接单", exact=True).click()
    assert worker.get_by_text("已接单。").is_visible()
    shot(worker, "flow-11-worker-accepted")
    worker.get_by_role("button", name="到场", exact=True).click()
    assert worker.get_by_text("已记录到场。").is_visible()
    shot(worker, "flow-12-worker-on-site")
    worker.get_by_label("完工后").check()
    worker.set_input_files("#id_photo", str(photo))
    worker.get_by_role("button", name="上传照片").click()
    worker.get_by_text("照片已添加。").wait_for()
    shot(worker, "flow-13-worker-photo")
    worker.get_by_label("备注（选填）").fill("换了灯泡")
    worker.get_by_role("button", name="完成", exact=True).click()
    worker.get_by_text("已完成，辛苦了！").wait_for()
    ticket.refresh_from_db()
    assert ticket.status == "resolved"
    _no_sideways_scroll(worker)
    shot(worker, "flow-14-worker-resolved")
    worker_context.close()

    # 4. The resident sees who came and the photo, and rates 5 stars.
    resident.reload()
    assert resident.get_by_text("已完成").first.is_visible()
    assert resident.get_by_text(
        f"{'电工' if name == '李师傅' else '维修工'} {name}"
    ).first.is_visible()
    assert resident.get_by_role("img", name="完工照片").is_visible()
    shot(resident, "flow-15-resident-resolved")
    for field in ("speed", "service", "overall"):
        resident.locator(f"label[for='id_{field}_5']").click()
    resident.get_by_role("button", name="提交评价").click()
    resident.wait_for_url(re.compile(rf"/t/{ticket.tracking_token}$"))
    assert resident.get_by_text("已办结").first.is_visible()
    ticket.refresh_from_db()
    assert ticket.status == "closed" and ticket.rating_overall == 5
    _no_sideways_scroll(resident)
    shot(resident, "flow-16-resident-rated")

    # 5. The manager reloads: one more new and resolved today, open and overdue as before, and
    # the satisfaction rate over one more rated order (2 of 3 → 3 of 4).
    manager.reload()
    after = _figures(manager)
    assert int(after["new"]) == int(before["new"]) + 1
    assert int(after["resolved"]) == int(before["resolved"]) + 1
    assert after["open"] == before["open"] and after["overdue"] == before["overdue"]
    assert after["satisfaction"] == _percent(satisfied + 1, rated + 1)  # 75%
    assert after["satisfaction"] != before["satisfaction"]
    assert f"共 {rated + 1} 单已评价" in manager.locator(".figures").inner_text()
    shot(manager, "flow-17-dashboard-after")
    manager_context.close()

    # 6. Later, the resident finds the order again under "My orders": phone, code by SMS, list.
    resident.goto(f"{base}/")
    resident.get_by_role("link", name=re.compile("我的报修")).click()
    resident.wait_for_url(re.compile(r"/my/$"))
    _no_sideways_scroll(resident)
    shot(resident, "flow-18-my-orders-phone")
    resident.get_by_label("您的手机号码").fill(RESIDENT_PHONE)
    resident.get_by_role("button", name="获取验证码").click()
    resident.get_by_text("验证码已发送到 138****5678").wait_for()
    assert [to for to, _text, _ref in sms] == [RESIDENT_PHONE]
    code = re.search(r"\b(\d{6})\b", sms[-1][1])
    assert code is not None
    assert code.group(1) not in resident.content()
    _no_sideways_scroll(resident)
    shot(resident, "flow-19-my-orders-code")
    resident.get_by_label("短信里的 6 位验证码").fill(code.group(1))
    resident.get_by_role("button", name="查看我的报修").click()
    resident.wait_for_url(re.compile(r"/my/$"))
    item = resident.locator("ul.my-orders li").filter(has_text=ticket.number)
    assert item.get_by_text("已办结").is_visible()
    assert resident.locator("ul.my-orders li").count() == 1  # the earlier orders were others'
    _no_sideways_scroll(resident)
    shot(resident, "flow-20-my-orders-list")
    item.get_by_role("link").click()
    resident.wait_for_url(re.compile(rf"/t/{ticket.tracking_token}$"))
    assert resident.get_by_text("已办结").first.is_visible()
    shot(resident, "flow-21-my-orders-tracking")
