"""The console's pages and actions, role by role."""

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from guanjia.dispatch.models import StreetDispatchSettings
from guanjia.people.models import Resident
from guanjia.testing import factories as f
from guanjia.tickets import lifecycle
from guanjia.tickets.models import Ticket
from guanjia.tickets.services import ticket_transition

pytestmark = pytest.mark.django_db

ALLOWED = ("dispatcher", "operator", "manager")
REFUSED = ("worker", "resident")


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _order(world: Any, **kwargs: Any) -> Ticket:
    return f.ticket(world.unit, **kwargs)


def _post(client: Client, t: Ticket, action: str, **data: Any) -> Any:
    data.setdefault("version", t.version)
    return client.post(f"/console/t/{t.number}/{action}/", data, follow=True)


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# Access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ALLOWED)
def test_staff_see_the_queue_and_the_order(world, role):
    t = _order(world)
    c = _client(getattr(world, role))
    page = c.get("/console/")
    assert page.status_code == 200
    assert t.number in page.content.decode()
    detail = c.get(f"/console/t/{t.number}/")
    assert detail.status_code == 200
    assert "13812342345" in detail.content.decode()  # contact access: the full phone


@pytest.mark.parametrize("role", REFUSED)
def test_workers_and_residents_get_403(world, role):
    t = _order(world)
    c = _client(getattr(world, role))
    assert c.get("/console/").status_code == 403
    assert c.get(f"/console/t/{t.number}/").status_code == 403
    assert c.get("/console/new/").status_code == 403
    assert c.get("/console/new/lookup", {"phone": "13812342345"}).status_code == 403
    assert _post(c, t, "dispatch", assignee=world.worker.pk).status_code == 403
    t.refresh_from_db()
    assert t.status == lifecycle.NEW


@pytest.mark.parametrize(
    "url", ["/console/", "/console/t/X-1/", "/console/new/", "/console/new/lookup"]
)
def test_strangers_go_to_the_login_with_next(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


def test_another_streets_order_is_404(world):
    theirs = f.ticket(world.other_unit)
    c = _client(world.dispatcher)
    assert c.get(f"/console/t/{theirs.number}/").status_code == 404
    assert _post(c, theirs, "cancel", reason="x").status_code == 404
    assert theirs.number not in c.get("/console/").content.decode()
    assert c.get("/console/t/NOPE-20260101-0001/").status_code == 404


def test_unknown_action_is_404(world):
    t = _order(world)
    assert _post(_client(world.dispatcher), t, "grab").status_code == 404


def test_operator_may_not_dispatch(world):
    t = _order(world)
    assert _post(_client(world.operator), t, "dispatch", assignee=world.worker.pk).status_code == (
        403
    )


def test_header_and_home_link_to_the_console(world):
    c = _client(world.dispatcher)
    assert 'href="/console/"' in c.get("/accounts/home/").content.decode()
    w = _client(world.worker)
    assert 'href="/console/"' not in w.get("/accounts/home/").content.decode()


# The queue ---------------------------------------------------------------------------------


def test_queue_orders_urgent_first_then_by_deadline_and_filters(world):
    plain = _order(world)
    urgent = _order(world, urgent=True)
    closed = _order(world)
    ticket_transition(ticket=closed, action="cancel", actor=world.dispatcher, reason="dup")
    c = _client(world.dispatcher)
    body = c.get("/console/").content.decode()
    assert body.index(urgent.number) < body.index(plain.number)
    assert closed.number not in body
    other = f.UnitFactory(building__compound__community__street=world.street)
    elsewhere = f.ticket(other, phone="13900001111")
    only = c.get("/console/", {"compound": other.building.compound_id}).content.decode()
    assert elsewhere.number in only and plain.number not in only
    cancelled = c.get("/console/", {"status": "cancelled"}).content.decode()
    assert plain.number in cancelled  # not an allowed filter: the open queue
    assert c.get("/console/", {"overdue": "on"}).content.decode().count("/console/t/") == 0


def test_queue_fragment_for_htmx_and_clock_colours(world, settings):
    t = _order(world)
    Ticket.objects.filter(pk=t.pk).update(accept_due=t.created_at)  # overdue at once
    c = _client(world.dispatcher)
    fragment = c.get("/console/", HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert '<div id="queue"' in html and "<html" not in html
    assert "clock-red" in html
    assert 'hx-trigger="every 20s"' in html
    assert "g-overdue" in html  # the compound grid counts it as overdue


def test_queue_query_count_does_not_grow(world):
    c = _client(world.dispatcher)
    c.get("/console/")  # warm the permission caches of the session

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert c.get("/console/").status_code == 200
        return len(ctx.captured_queries)

    for _ in range(5):
        _order(world)
    five = count()
    other = f.UnitFactory(building__compound__community__street=world.street)
    for i in range(45):
        t = f.ticket(other if i % 2 else world.unit, phone=f"139{i:08d}")
        if i % 3 == 0:
            ticket_transition(
                ticket=t, action="dispatch", actor=world.dispatcher, assignee=world.worker
            )
    assert Ticket.objects.count() == 50
    assert count() == five


# The order page and its actions ------------------------------------------------------------


def test_one_click_dispatch_to_a_suggestion(world):
    t = _order(world)
    c = _client(world.dispatcher)
    page = c.get(f"/console/t/{t.number}/").content.decode()
    assert f'name="assignee" value="{world.worker.pk}"' in page
    response = _post(c, t, "dispatch", assignee=world.worker.pk)
    t.refresh_from_db()
    assert t.status == lifecycle.DISPATCHED and t.assignee == world.worker
    assert any("done" in m or "完成" in m or "已" in m for m in _messages(response))
    assert "派单" in response.content.decode() or "Dispatch" in response.content.decode()


def test_stale_version_says_someone_else_changed_it(world):
    t = _order(world)
    c = _client(world.dispatcher)
    old = t.version
    ticket_transition(ticket=t, action="dispatch", actor=world.manager, assignee=world.worker)
    response = _post(c, t, "dispatch", assignee=world.other_worker.pk, version=old)
    assert response.status_code == 200
    with_en = " ".join(_messages(response))
    assert "Someone else changed" in with_en or "他人" in with_en or "别人" in with_en
    t.refresh_from_db()
    assert t.assignee == world.worker


def test_manual_dispatch_over_the_cap_warns_but_succeeds(world):
    StreetDispatchSettings.objects.update_or_create(
        street=world.street, defaults={"workload_cap": 1}
    )
    first = _order(world)
    ticket_transition(
        ticket=first, action="dispatch", actor=world.dispatcher, assignee=world.worker
    )
    t = _order(world, phone="13900002222")
    response = _post(_client(world.dispatcher), t, "dispatch", assignee=world.worker.pk)
    t.refresh_from_db()
    assert t.assignee == world.worker
    levels = [m.level_tag for m in response.context["messages"]]
    assert "warning" in levels


def test_unqualified_assignee_is_refused_with_the_reason(world):
    t = _order(world, code="cleaning.corridor")
    response = _post(_client(world.dispatcher), t, "dispatch", assignee=world.other_worker.pk)
    t.refresh_from_db()
    assert t.status == lifecycle.NEW
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_transfer_pause_resume_cancel(world):
    t = _order(world)
    c = _client(world.dispatcher)
    _post(c, t, "dispatch", assignee=world.worker.pk)
    t.refresh_from_db()
    _post(c, t, "transfer", assignee=world.other_worker.pk)
    t.refresh_from_db()
    assert t.assignee == world.other_worker
    response = _post(c, t, "pause")
    assert [m.level_tag for m in response.context["messages"]] == ["error"]  # reason needed
    _post(c, t, "pause", reason="等配件")
    t.refresh_from_db()
    assert t.status == lifecycle.PAUSED
    _post(c, t, "resume")
    t.refresh_from_db()
    assert t.status == lifecycle.DISPATCHED
    _post(c, t, "cancel", reason="居民已自行解决")
    t.refresh_from_db()
    assert t.status == lifecycle.CANCELLED
    timeline = c.get(f"/console/t/{t.number}/").content.decode()
    assert "居民已自行解决" in timeline and "等配件" in timeline


def test_merge_by_number(world):
    original = _order(world)
    dup = _order(world, phone="13900003333")
    c = _client(world.dispatcher)
    page = c.get(f"/console/t/{dup.number}/").content.decode()
    assert original.number in page  # offered as a possible duplicate
    _post(c, dup, "merge", original=original.number)
    dup.refresh_from_db()
    assert dup.status == lifecycle.CANCELLED and dup.duplicate_of == original
    nope = _order(world, phone="13900004444")
    response = _post(c, nope, "merge", original="NOPE-1")
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_extend_is_refused_to_the_dispatcher(world):
    t = _order(world)
    later = (t.resolve_due.astimezone()).strftime("%Y-%m-%dT%H:%M")
    response = _post(_client(world.dispatcher), t, "extend", deadline=later, reason="x")
    assert response.status_code == 403


def _resolved(world: Any) -> Ticket:
    f.category("repair.corridor_light", after_photo_required=False)
    t = _order(world)
    for action, actor, extra in (
        ("dispatch", world.dispatcher, {"assignee": world.worker}),
        ("accept", world.worker, {}),
        ("arrive", world.worker, {}),
        ("resolve", world.worker, {}),
    ):
        t = ticket_transition(ticket=t, action=action, actor=actor, **extra).ticket
    return t


def test_operator_records_a_call_back_rating(world):
    t = _resolved(world)
    c = _client(world.operator)
    assert (
        f'action="/console/t/{t.number}/rate/"' in c.get(f"/console/t/{t.number}/").content.decode()
    )
    _post(c, t, "rate", overall=5, speed=4, service=5, comment="很满意")
    t.refresh_from_db()
    assert t.status == lifecycle.CLOSED and t.rating_overall == 5


def test_dispatcher_reopens(world):
    t = _resolved(world)
    _post(_client(world.dispatcher), t, "reopen", reason="灯又坏了")
    t.refresh_from_db()
    assert t.status == lifecycle.DISPATCHED and t.reopen_count == 1


# Order entry -------------------------------------------------------------------------------


def _entry(world: Any, **changes: Any) -> dict[str, Any]:
    data = {
        "phone": "13855556666",
        "contact_name": "王阿姨",
        "category": "repair.corridor_light",
        "compound": world.unit.building.compound_id,
        "building": world.unit.building_id,
        "unit": world.unit.pk,
        "room": "302",
        "description": "三楼楼道灯不亮",
        "channel": "hotline",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("role", ALLOWED)
def test_operator_takes_an_order_and_lands_on_its_page(world, role):
    c = _client(getattr(world, role))
    assert c.get("/console/new/").status_code == 200
    response = c.post("/console/new/", _entry(world))
    t = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/console/t/{t.number}/"
    assert t.channel == "hotline" and t.contact_phone == "13855556666" and t.room == "302"
    assert t.created_by == getattr(world, role)


def test_duplicates_are_shown_before_saving_and_a_second_submit_confirms(world):
    first = _order(world)
    c = _client(world.operator)
    shown = c.post("/console/new/", _entry(world))
    assert shown.status_code == 200
    html = shown.content.decode()
    assert first.number in html and 'name="confirm"' in html
    assert Ticket.objects.count() == 1
    confirm = shown.context["form"].data["confirm"]
    saved = c.post("/console/new/", _entry(world, confirm=confirm))
    assert saved.status_code == 302
    assert Ticket.objects.count() == 2
    # Another service at the same place is checked afresh.
    again = c.post("/console/new/", _entry(world, confirm=confirm, category="repair.drain"))
    assert again.status_code == 302 or Ticket.objects.count() == 3


def test_entry_errors_are_shown_next_to_the_fields(world):
    c = _client(world.operator)
    response = c.post("/console/new/", _entry(world, compound="", description=""))
    assert response.status_code == 200
    form = response.context["form"]
    assert "compound" in form.errors and "description" in form.errors
    bad = c.post("/console/new/", _entry(world, phone="12345"))
    assert "phone" in bad.context["form"].errors
    theirs = c.post(
        "/console/new/",
        _entry(
            world,
            compound=world.other_unit.building.compound_id,
            building=world.other_unit.building_id,
            unit=world.other_unit.pk,
        ),
    )
    assert theirs.status_code == 200 and Ticket.objects.count() == 0


def test_lookup_shows_household_and_past_orders_and_prefills(world):
    t = _order(world, phone="13855556666", room="302", contact_name="王阿姨")
    c = _client(world.operator)
    html = c.get("/console/new/lookup", {"phone": "138 5555 6666"}).content.decode()
    assert t.number in html and "王阿姨" in html
    assert 'id="compound-field" hx-swap-oob="true"' in html
    assert f'value="{world.unit.pk}" selected' in html
    theirs = Resident.objects.create(street=world.other_street, phone="13977778888", name="李")
    other = c.get("/console/new/lookup", {"phone": theirs.phone}).content.decode()
    assert "李" not in other
    partial = c.get("/console/new/lookup", {"phone": "1385"})
    assert partial.status_code == 200 and "hx-swap-oob" not in partial.content.decode()


def test_a_consultation_is_answered_at_the_desk_and_called_back(world):
    from guanjia.people.models import StaffProfile

    profile = StaffProfile.objects.create(user=world.dispatcher, street=world.street)
    profile.skills.set([f.category("consult.other", after_photo_required=False)])
    t = _order(world, code="consult.other", description="想问问电动车充电桩什么时候装")
    c = _client(world.dispatcher)
    _post(c, t, "dispatch", assignee=world.dispatcher.pk)
    t.refresh_from_db()
    page = c.get(f"/console/t/{t.number}/").content.decode()
    assert f'action="/console/t/{t.number}/accept/"' in page
    _post(c, t, "accept")
    t.refresh_from_db()
    _post(c, t, "resolve", note="已答复：下月安装")
    t.refresh_from_db()
    assert t.status == lifecycle.RESOLVED
    # Someone else's order: the handler's moves are not offered, and refused.
    other = _order(world, phone="13900005555")
    ticket_transition(
        ticket=other, action="dispatch", actor=world.dispatcher, assignee=world.worker
    )
    other.refresh_from_db()
    assert "/accept/" not in c.get(f"/console/t/{other.number}/").content.decode()
    assert _post(c, other, "accept").status_code == 403
    _post(_client(world.operator), t, "rate", overall=4)
    t.refresh_from_db()
    assert t.status == lifecycle.CLOSED


CONSOLE_ACTIONS = (
    "dispatch",
    "transfer",
    "pause",
    "resume",
    "cancel",
    "merge",
    "extend",
    "reopen",
    "rate",
    "accept",
    "arrive",
    "resolve",
)


@pytest.mark.parametrize("role", REFUSED)
def test_every_action_is_refused_to_workers_and_residents(world, role):
    t = _order(world)
    c = _client(getattr(world, role))
    for action in CONSOLE_ACTIONS:
        assert _post(c, t, action, reason="x").status_code == 403, action


def test_every_action_sends_strangers_to_the_login(client, world):
    t = _order(world)
    for action in CONSOLE_ACTIONS:
        url = f"/console/t/{t.number}/{action}/"
        response = client.post(url, {"version": t.version})
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={url}"


def test_the_manager_dispatches_and_extends(world):
    import datetime as dt

    t = _order(world)
    c = _client(world.manager)
    _post(c, t, "dispatch", assignee=world.worker.pk)
    t.refresh_from_db()
    assert t.assignee == world.worker
    assert "action-extend" in c.get(f"/console/t/{t.number}/").content.decode()
    assert (
        "action-extend"
        not in _client(world.dispatcher).get(f"/console/t/{t.number}/").content.decode()
    )
    new = (t.resolve_due + dt.timedelta(days=1)).astimezone()
    _post(c, t, "extend", deadline=new.strftime("%Y-%m-%dT%H:%M"), reason="等配件")
    t.refresh_from_db()
    assert t.resolve_due.astimezone().strftime("%Y-%m-%dT%H:%M") == new.strftime("%Y-%m-%dT%H:%M")


def test_showing_the_full_number_is_logged(world, caplog):
    t = _order(world)
    with caplog.at_level("INFO", logger="guanjia.security"):
        _client(world.dispatcher).get(f"/console/t/{t.number}/")
    lines = [r.getMessage() for r in caplog.records if r.name == "guanjia.security"]
    assert any(f"ticket={t.number}" in line and "user=dispatcher" in line for line in lines)
    assert not any("13812342345" in line for line in lines)


def test_the_service_is_typed_by_code_name_or_part_of_its_name(world):
    c = _client(world.operator)
    for typed in ("repair.corridor_light", "楼道灯/公共照明", "楼道灯"):
        response = c.post("/console/new/", _entry(world, category=typed, confirm="skip"))
        form = response.context["form"] if response.status_code == 200 else None
        assert response.status_code in (200, 302), typed
        if form is not None:  # duplicates shown: the service was understood
            assert "category" not in form.errors, typed
    unknown = c.post("/console/new/", _entry(world, category="楼道"))  # several services match
    assert "category" in unknown.context["form"].errors
    page = c.get("/console/new/").content.decode()
    assert '<datalist id="categories">' in page and 'list="categories"' in page


def test_a_composite_request_shows_its_progress_and_children(world):
    import datetime as dt

    from guanjia.org.models import Department
    from guanjia.people.services import department_member_add
    from guanjia.tickets.assignments import composite_create

    heads = []
    for name in ("城管科", "民政科"):
        department = Department.objects.create(street=world.street, name=name)
        head = f.user("resident", world.street, f"head-{len(heads)}")
        department_member_add(department=department, user=head, is_head=True)
        heads.append((department, head))
    parent = composite_create(
        street=world.street,
        title="老旧小区加装电梯",
        description="一件事",
        deadline=dt.date.today() + dt.timedelta(days=30),
        parts=[(d, "分工") for d, _h in heads],
        leader=world.manager,
    )
    first = Ticket.objects.filter(parent=parent).order_by("id").first()
    c = _client(world.manager)
    page = c.get(f"/console/t/{parent.number}/").content.decode()
    assert "已完成 0/2" in page
    assert first.number in page
    child = c.get(f"/console/t/{first.number}/").content.decode()
    assert parent.number in child
