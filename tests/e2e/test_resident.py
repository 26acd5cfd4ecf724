"""A resident orders at 375 px and follows the order to its rating, in a real browser."""

import io
import re
from typing import Any

from PIL import Image

from guanjia.org.models import Building
from guanjia.resident.qrcodes import building_code
from guanjia.testing import factories as f
from guanjia.tickets.models import Ticket, TicketPhoto
from guanjia.tickets.photos import ticket_photo_add
from guanjia.tickets.services import ticket_transition


def _compound(world: Any) -> Building:
    """大乐园小区 with 6 buildings of 2 units each; returns 3幢."""
    street = world.street
    street.name, street.hotline = "双港街道", "0791-88001234"
    street.save()
    compound = f.CompoundFactory(
        community__street=street, community__name="双港社区", name="大乐园小区"
    )
    for n in range(1, 7):
        building = f.BuildingFactory(compound=compound, name=f"{n}幢", sort_key=n)
        for u in (1, 2):
            f.UnitFactory(building=building, name=f"{u}单元", sort_key=u)
    return Building.objects.get(compound=compound, name="3幢")


def _no_sideways_scroll(page: Any) -> None:
    """Fits a 375 px phone; every field has a label; every tap target is at least 44 px high."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page is {width} px wide at 375 px"
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
            .filter(e => !e.labels || e.labels.length === 0).map(e => e.name)"""
    )
    assert unlabelled == []
    small = page.evaluate(
        """() => [...document.querySelectorAll(
              'button, select, textarea, input:not([type=hidden]):not([type=radio])'
              + ':not([type=checkbox]), .tile, .call, .star-row label, nav a, summary')]
            .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
            .map(e => e.outerHTML.slice(0, 80))"""
    )
    assert small == []
    low_contrast = page.evaluate(CONTRAST_BELOW_4_5)
    assert low_contrast == []


# Text whose colour against its background is below 4.5:1 (WCAG 2 AA), as "tag text ratio".
CONTRAST_BELOW_4_5 = """() => {
  const parse = s => {
    const m = s.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(",").map(x => parseFloat(x));
    return {rgb: p.slice(0, 3), a: p.length > 3 ? p[3] : 1};
  };
  const lum = rgb => {
    const [r, g, b] = rgb.map(v => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const background = e => {
    for (let n = e; n; n = n.parentElement) {
      const c = parse(getComputedStyle(n).backgroundColor);
      if (c && c.a > 0.5) return c.rgb;
    }
    return [255, 255, 255];
  };
  const bad = [];
  for (const e of document.querySelectorAll("body *")) {
    if (e.offsetParent === null || e.closest(".sr-only")) continue;
    const text = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!text) continue;
    const fg = parse(getComputedStyle(e).color);
    if (!fg) continue;
    const [a, b] = [lum(fg.rgb), lum(background(e))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const label = e.textContent.trim().slice(0, 20);
    if (ratio < 4.5) bad.push(`${e.tagName} ${label} ${ratio.toFixed(2)}`);
  }
  return bad;
}"""


def _jpeg(width: int, height: int) -> bytes:
    data = io.BytesIO()
    Image.new("RGB", (width, height), (90, 120, 160)).save(data, "JPEG")
    return data.getvalue()


def test_resident_orders_follows_and_rates(
    live_server: Any, world: Any, phone: Any, shot: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    building = _compound(world)
    worker = world.worker
    worker.display_name = "李师傅"
    worker.save()
    worker.staff.title = "电工"
    worker.staff.save()
    page = phone
    photo = tmp_path / "light.jpg"
    photo.write_bytes(_jpeg(3000, 2000))

    # 1. Pick the service.
    page.goto(f"{live_server.url}/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    _no_sideways_scroll(page)
    shot(page, "resident-01-home")
    page.get_by_role("link", name="楼道灯/公共照明").click()
    page.wait_for_url(re.compile(r"/place$"))
    page.wait_for_load_state("load")  # htmx is loaded (deferred) before the lists are used

    # 2. The place: compound → building → unit, each list loaded by htmx.
    page.get_by_label("小区").select_option(label="大乐园小区")
    page.wait_for_selector("#id_building option:text-is('3幢')", state="attached")
    page.get_by_label("楼栋").select_option(label="3幢")
    page.wait_for_selector("#id_unit option:text-is('1单元')", state="attached")
    page.get_by_label("单元", exact=True).select_option(label="1单元")
    _no_sideways_scroll(page)
    shot(page, "resident-02-place")
    page.get_by_role("button", name="下一步").click()

    # 3. What is wrong, a photo, a phone, consent.
    assert page.get_by_text("大乐园小区 3幢 1单元").is_visible()
    page.get_by_label("遇到了什么问题？").fill("3幢1单元二楼楼道灯不亮，晚上看不见台阶")
    page.set_input_files("#id_photos", str(photo))
    page.get_by_label("回电号码").fill("13812345678")
    page.get_by_label("联系人（选填）").fill("王阿姨的女儿")
    page.get_by_label("我同意", exact=False).check()
    _no_sideways_scroll(page)
    shot(page, "resident-03-describe")
    page.get_by_role("button", name="提交报单").click()

    # The confirmation: the number and the tracking link.
    page.wait_for_url(re.compile(r"/t/[^/]+/done$"))
    ticket = Ticket.objects.get()
    assert page.get_by_text(ticket.number).is_visible()
    assert ticket.unit is not None and ticket.unit.name == "1单元"
    assert ticket.building == building and ticket.contact_phone == "13812345678"
    stored = TicketPhoto.objects.get(ticket=ticket)
    assert max(stored.width, stored.height) <= 1600  # shrunk on the phone, re-encoded here
    _no_sideways_scroll(page)
    shot(page, "resident-04-confirmation")
    page.get_by_role("link", name="查看进度").click()

    # The tracking page, in plain Chinese.
    page.wait_for_url(re.compile(rf"/t/{ticket.tracking_token}$"))
    assert page.get_by_text("已受理").is_visible()
    ticket.refresh_from_db()
    if ticket.status == "new":
        assert page.get_by_text("待派单").is_visible()
    _no_sideways_scroll(page)
    shot(page, "resident-05-tracking-new")

    # The center works the order (through the services: the staff pages are another slice).
    if ticket.status == "new":
        ticket_transition(ticket=ticket, action="dispatch", actor=world.dispatcher, assignee=worker)
        ticket.refresh_from_db()
    if ticket.assignee_id != worker.pk:
        ticket_transition(ticket=ticket, action="transfer", actor=world.dispatcher, assignee=worker)
    ticket_transition(ticket=ticket, action="accept", actor=worker)
    page.reload()
    assert page.get_by_text("电工 李师傅").first.is_visible()
    assert page.get_by_text(re.compile("分钟内到")).is_visible()
    shot(page, "resident-06-tracking-coming")
    ticket_transition(ticket=ticket, action="arrive", actor=worker)
    ticket.refresh_from_db()
    ticket_photo_add(ticket=ticket, kind="after", upload=_jpeg(800, 600), actor=worker)
    ticket_transition(ticket=ticket, action="resolve", actor=worker)
    page.reload()
    assert page.get_by_text("已完成").first.is_visible()
    assert page.get_by_role("img", name="完工照片").is_visible()
    _no_sideways_scroll(page)
    shot(page, "resident-07-tracking-resolved")

    # The resident rates 5 stars.
    for name in ("speed", "service", "overall"):
        page.locator(f"label[for='id_{name}_5']").click()
    page.get_by_label("还有什么想说的？（选填）").fill("师傅来得很快，谢谢！")
    shot(page, "resident-08-rating")
    page.get_by_role("button", name="提交评价").click()
    page.wait_for_url(re.compile(rf"/t/{ticket.tracking_token}$"))
    assert page.get_by_text("已办结").first.is_visible()
    ticket.refresh_from_db()
    assert ticket.status == "closed" and ticket.rating_overall == 5
    _no_sideways_scroll(page)
    shot(page, "resident-09-rated")


def test_life_safety_numbers_come_first_and_pages_fit_a_desktop(
    live_server: Any, world: Any, browser: Any, phone: Any, shot: Any
) -> None:
    building = _compound(world)
    page = phone
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name=re.compile("消防与燃气")).click()
    page.wait_for_url(re.compile(r"/place$"))
    emergency = page.locator(".emergency")
    assert emergency.is_visible()
    for number in ("119", "110", "120"):
        assert emergency.get_by_role("link", name=re.compile(number)).is_visible()
    # The numbers come before the form, in large type.
    numbers_top = emergency.bounding_box()["y"]
    assert numbers_top < page.locator("form.stack").bounding_box()["y"]
    size = page.eval_on_selector(".emergency .call strong", "e => getComputedStyle(e).fontSize")
    assert float(size.removesuffix("px")) >= 28
    _no_sideways_scroll(page)
    shot(page, "resident-10-life-safety")

    # The same pages at 1366 px.
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    desk = context.new_page()
    desk.goto(f"{live_server.url}/")
    body = desk.eval_on_selector("body", "e => getComputedStyle(e).fontSize")
    assert float(body.removesuffix("px")) >= 18
    shot(desk, "resident-11-home-1366")
    desk.goto(f"{live_server.url}/r/{building_code(building)}")
    assert desk.get_by_text("大乐园小区 3幢").first.is_visible()
    desk.get_by_role("link", name="楼道灯/公共照明").click()
    desk.wait_for_url(re.compile(r"/place$"))
    assert desk.locator("#id_building option:checked").inner_text() == "3幢"
    shot(desk, "resident-12-place-from-qr-1366")
    context.close()


def test_ordering_works_without_javascript(
    live_server: Any, world: Any, browser: Any, shot: Any
) -> None:
    _compound(world)
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, locale="zh-CN", java_script_enabled=False
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="楼道灯/公共照明").click()
    page.get_by_label("小区").select_option(label="大乐园小区")
    page.get_by_role("button", name="下一步").click()
    # Without htmx the server answers with the compound's buildings and says what is missing.
    assert page.get_by_text("请选择楼栋").first.is_visible()
    page.get_by_label("楼栋").select_option(label="3幢")
    page.get_by_role("button", name="下一步").click()
    page.get_by_role("link", name="修改").click()
    page.get_by_label("单元", exact=True).select_option(label="1单元")
    page.get_by_role("button", name="下一步").click()
    assert page.get_by_text("大乐园小区 3幢 1单元").is_visible()
    page.get_by_label("遇到了什么问题？").fill("楼道灯不亮")
    page.get_by_label("回电号码").fill("0791-88123456")
    page.get_by_role("button", name="提交报单").click()
    # Consent missing: said next to the box, the rest kept.
    assert page.get_by_text("请勾选同意").is_visible()
    assert page.get_by_label("遇到了什么问题？").input_value() == "楼道灯不亮"
    shot(page, "resident-13-no-javascript-error")
    page.get_by_label("我同意", exact=False).check()
    page.get_by_role("button", name="提交报单").click()
    page.wait_for_url(re.compile(r"/t/[^/]+/done$"))
    ticket = Ticket.objects.get()
    assert ticket.unit is not None and ticket.contact_phone == "079188123456"
    assert page.get_by_text(ticket.number).is_visible()
    context.close()
