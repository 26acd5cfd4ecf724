"""The dispatcher runs the queue at 1366 px: a new order appears, one click sends it to a
suggested worker; the operator takes an order from the keyboard. In a real browser."""

import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from guanjia.console import views as console_views
from guanjia.people.models import StaffProfile, User
from guanjia.testing import factories as f
from guanjia.tickets.models import Ticket

DESKTOP = {"width": 1366, "height": 768}


@pytest.fixture
def desk(browser: Any) -> Any:
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def _place(world: Any) -> Any:
    street = world.street
    street.name = "双港街道"
    street.save()
    compound = f.CompoundFactory(
        community__street=street, community__name="双港社区", name="大乐园小区"
    )
    for n in range(1, 4):
        building = f.BuildingFactory(compound=compound, name=f"{n}幢", sort_key=n)
        for u in (1, 2):
            f.UnitFactory(building=building, name=f"{u}单元", sort_key=u)
    return compound


def _names(world: Any) -> None:
    for user, name, title in (
        (world.worker, "李师傅", "电工"),
        (world.other_worker, "王师傅", "维修工"),
    ):
        User.objects.filter(pk=user.pk).update(display_name=name)
        StaffProfile.objects.filter(user=user).update(title=title)
        StaffProfile.objects.get(user=user).skills.add(f.category("repair.water_electric"))
    User.objects.filter(pk=world.dispatcher.pk).update(display_name="调度员小陈")


def _sign_in(page: Any, base: str, username: str, next_url: str) -> None:
    page.goto(f"{base}{next_url}")
    assert "/accounts/login/" in page.url and "next=" in page.url
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", f.PASSWORD)
    with page.expect_navigation():
        page.click("form.login button[type=submit]")
    assert urlsplit(page.url).path == next_url, page.url


def test_dispatcher_assigns_a_new_order_with_one_click(
    live_server: Any, world: Any, desk: Any, shot: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(console_views, "REFRESH_SECONDS", 1)  # the live server is this process
    compound = _place(world)
    _names(world)
    unit = compound.buildings.get(name="3幢").units.get(name="2单元")
    f.ticket(unit, phone="13900001234", description="楼道灯坏了两天", room="401")
    page = desk
    _sign_in(page, live_server.url, "dispatcher", "/console/")
    assert page.locator("table.queue tbody tr").count() == 1
    # A resident's urgent order comes in while the dispatcher watches: the queue refreshes itself.
    order = f.ticket(
        unit,
        code="repair.water_electric",
        phone="13812342345",
        urgent=True,
        description="卫生间水管漏水",
    )
    row = page.locator("table.queue tbody tr").first
    row.filter(has_text=order.number).wait_for()  # urgent first, without a reload
    assert page.locator("nav a[href='/console/']").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    shot(page, "console-queue")

    page.click(f"text={order.number}")
    page.wait_for_url(f"**/console/t/{order.number}/")
    suggestion = page.locator("ol.suggestions button.suggest").first
    label = suggestion.inner_text()
    chosen = world.worker if "李师傅" in label else world.other_worker
    name = "李师傅" if chosen == world.worker else "王师傅"
    assert name in label
    assert page.locator("ol.suggestions .explain").first.inner_text().strip()
    assert "13812342345" in page.content()
    shot(page, "console-ticket")

    suggestion.click()
    page.wait_for_load_state()
    assert page.locator(".messages .msg-success").count() == 1
    order.refresh_from_db()
    assert order.status == "dispatched" and order.assignee == chosen
    assert name in page.locator(".staff-timeline").inner_text()
    shot(page, "console-assigned")

    page.get_by_role("link", name="← 返回队列").click()
    page.wait_for_url("**/console/")
    assert name in page.locator("table.queue").inner_text()


def test_operator_takes_an_order_from_the_keyboard(
    live_server: Any, world: Any, desk: Any, shot: Any
) -> None:
    compound = _place(world)
    unit = compound.buildings.get(name="2幢").units.get(name="1单元")
    earlier = f.ticket(
        unit, phone="13855556666", room="302", contact_name="王阿姨", description="楼道灯不亮"
    )
    page = desk
    _sign_in(page, live_server.url, "operator", "/console/new/")
    page.keyboard.type("13855556666")  # the phone field has the focus
    page.wait_for_selector(f"#caller >> text={earlier.number}")
    assert page.input_value("#id_contact_name") == "王阿姨"
    assert page.input_value("#id_room") == "302"
    page.keyboard.press("Tab")  # contact name
    page.keyboard.press("Tab")  # service
    page.keyboard.type("楼道灯")  # the catalog is offered as the operator types
    page.fill("#id_description", "三楼楼道灯又不亮了")
    page.click("form.entry button[type=submit]")
    page.wait_for_selector(".dup-warning")
    assert earlier.number in page.locator(".dup-warning").inner_text()
    shot(page, "console-new-duplicates")
    page.keyboard.press("Enter")  # the focus is on "save anyway"
    page.wait_for_url(re.compile(r"/console/t/[^/]+/$"))
    assert Ticket.objects.count() == 2
    shot(page, "console-new-saved")
