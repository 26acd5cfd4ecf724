"""The street leader's dashboard at 1366 px: the manager signs in, reads today's figures, the
chart and the tables; one more order is resolved and the figure moves on reload."""

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from guanjia.people.models import StaffProfile, User
from guanjia.testing import factories as f
from guanjia.tickets.models import Ticket
from guanjia.tickets.services import Rating, ticket_transition

DESKTOP = {"width": 1366, "height": 768}


@pytest.fixture
def desk(browser: Any) -> Any:
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def _handle(t: Ticket, world: Any, worker: Any, at: dt.datetime, *, minutes: int = 30) -> None:
    """Dispatch, accept, arrive and resolve through the services, `minutes` apart from `at`."""
    step = dt.timedelta(minutes=minutes)
    ticket_transition(ticket=t, action="dispatch", actor=world.dispatcher, assignee=worker, now=at)
    for i, action in enumerate(("accept", "arrive", "resolve"), start=1):
        ticket_transition(ticket=t, action=action, actor=worker, now=at + step * i)


def _street(world: Any) -> list[Any]:
    """Three compounds with a month of orders: most handled in time and rated, some late."""
    f.category("repair.corridor_light", after_photo_required=False)
    f.category("repair.drain", after_photo_required=False)
    User.objects.filter(pk=world.worker.pk).update(display_name="李师傅")
    User.objects.filter(pk=world.other_worker.pk).update(display_name="王师傅")
    StaffProfile.objects.get(user=world.worker).skills.add(f.category("repair.drain"))
    StaffProfile.objects.get(user=world.other_worker).skills.add(f.category("personal.home_repair"))
    units = []
    for name in ("大乐园小区", "双港新村", "滨江花园"):
        compound = f.CompoundFactory(community__street=world.street, name=name)
        units.append(f.UnitFactory(building__compound=compound))
    now = timezone.now()
    for i in range(24):
        at = now - dt.timedelta(days=i + 1, hours=i % 5)
        unit = units[i % 3]
        code = ("repair.corridor_light", "repair.drain", "personal.home_repair")[i % 3]
        t = f.ticket(unit, code=code, now=at)
        worker = world.worker if i % 2 else world.other_worker
        if code == "repair.drain":
            worker = world.worker
        if i % 4 == 3:
            continue  # left open: overdue by now
        _handle(t, world, worker, at, minutes=10 + 7 * (i % 5))
        ticket_transition(
            ticket=t,
            action="rate",
            actor=world.operator,
            rating=Rating(overall=5 if i % 5 else 3),
            now=at + dt.timedelta(hours=3),
        )
    return units


def test_manager_reads_the_figures_and_sees_them_move(
    live_server: Any, world: Any, desk: Any, shot: Any
) -> None:
    units = _street(world)
    waiting = f.ticket(units[0], description="楼道灯坏了")
    f.ticket(units[1], code="repair.drain", description="下水道堵了")
    page = desk
    page.goto(f"{live_server.url}/dashboard/")
    assert "/accounts/login/" in page.url and "next=" in page.url
    page.fill("input[name=username]", "manager")
    page.fill("input[name=password]", f.PASSWORD)
    with page.expect_navigation():
        page.click("form.login button[type=submit]")
    assert urlsplit(page.url).path == "/dashboard/"

    assert page.locator(".f-new").inner_text() == "2"
    assert page.locator(".f-resolved").inner_text() == "0"
    assert page.locator(".f-overdue").inner_text() == "6"
    assert page.locator("svg.chart polyline").count() == 2
    assert page.locator("nav a[href='/dashboard/']").count() == 1
    assert "大乐园小区" in page.locator("#compounds-h ~ div table").inner_text()
    assert "李师傅" in page.locator("#workers-h ~ div table").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    shot(page, "dashboard-30-days")

    # The worker resolves one more order; the manager reloads.
    _handle(waiting, world, world.worker, timezone.now(), minutes=0)
    page.reload()
    assert page.locator(".f-resolved").inner_text() == "1"
    assert page.locator(".f-open").inner_text() == "7"

    page.click("nav.ranges a[href='?days=7']")
    page.wait_for_url("**/dashboard/?days=7")
    assert page.locator("nav.ranges a[aria-current]").inner_text().strip().startswith("7")
    shot(page, "dashboard-7-days")

    overdue = page.locator("#overdue-h ~ table a").first
    number = overdue.inner_text()
    overdue.click()
    page.wait_for_url(f"**/console/t/{number}/")
