"""Every lifecycle action end to end through tickets/services.py and the database.

`move` (tests/moves.py) checks on every successful change that the version went up by one and
exactly one TicketEvent was written with the right type, statuses, actor and time, and no contact
data; `refused` checks that a refused change left the ticket, events and notifications alone.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pytest
from django.contrib.auth.models import AnonymousUser

from guanjia.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from guanjia.core.phones import phone_mask
from guanjia.notifications.models import Notification
from guanjia.org.models import Household
from guanjia.people.models import Resident, Shift, User, Vendor
from guanjia.testing import factories as f
from guanjia.tickets.models import Ticket, TicketCounter, TicketEvent, TicketFollower
from guanjia.tickets.services import Rating, ticket_create, ticket_transition
from guanjia.tickets.tests.moves import T0, advance, after_photo, at, move, refused

if TYPE_CHECKING:
    from guanjia.testing.factories import World

pytestmark = pytest.mark.django_db


def kinds(ticket: Ticket, **filters: Any) -> list[tuple[str, str]]:
    """(kind, recipient username or phone) of the ticket's notifications, in order."""
    rows = Notification.objects.filter(ticket=ticket, **filters).order_by("id")
    return [(n.kind, n.recipient.username if n.recipient else n.phone) for n in rows]


def new_ticket(world: World, code: str = "repair.corridor_light", **kwargs: Any) -> Ticket:
    kwargs.setdefault("now", T0)
    return f.ticket(world.unit, code=code, **kwargs)


def on(world: World, to: str, ticket: Ticket | None = None, **kwargs: Any) -> Ticket:
    return advance(
        ticket or new_ticket(world),
        to,
        dispatcher=world.dispatcher,
        worker=world.worker,
        **kwargs,
    )


def busy(worker: User, world: World, count: int = 10) -> None:
    """Give `worker` `count` open orders."""
    pks = [new_ticket(world, phone=f"1390000{i:04d}").pk for i in range(count)]
    Ticket.objects.filter(pk__in=pks).update(assignee=worker, status="dispatched")


# --- Taking an order ---------------------------------------------------------------------------


def test_create_takes_its_deadlines_from_the_category(world: World) -> None:
    t = new_ticket(world)  # 楼道灯: accept 10, arrive 30, resolve 120 minutes
    assert (t.status, t.version, t.channel, t.urgent) == ("new", 1, "form", False)
    assert (t.created_at, t.accept_due, t.arrive_due, t.resolve_due) == (
        T0,
        at(10),
        at(30),
        at(120),
    )
    assert t.number == "SHUANGGANG-20260525-0001"
    assert t.reporter is not None
    assert (t.reporter.phone, t.reporter.street) == ("13812342345", world.street)
    e = t.events.get()
    assert (e.type, e.from_status, e.to_status, e.actor, e.at) == ("create", "", "new", None, T0)
    assert e.payload == {"channel": "form", "urgent": False}
    # Everyone who dispatches hears of it (the dispatcher and the manager).
    assert kinds(t) == [("ticket_new", "dispatcher"), ("ticket_new", "manager")]


def test_create_follows_a_changed_sla_and_skips_arrival_without_site_visit(world: World) -> None:
    f.category("repair.drain", accept_minutes=5, arrive_minutes=45, resolve_minutes=600)
    t = new_ticket(world, code="repair.drain", now=at(7))
    assert (t.accept_due, t.arrive_due, t.resolve_due) == (at(12), at(52), at(607))
    consult = new_ticket(world, code="consult.other", now=at(8))  # 30 / no visit / 2880
    assert (consult.accept_due, consult.arrive_due) == (at(38), None)
    assert consult.resolve_due == at(8, days=2)


def test_life_safety_orders_are_urgent_and_reach_the_manager(world: World) -> None:
    t = new_ticket(world, code="security.fire_safety", description="楼道有煤气味")
    assert t.urgent
    assert ("ticket_urgent", "manager") in kinds(t)
    assert t.events.get().payload == {"channel": "form", "urgent": True}


def test_the_same_phone_is_the_same_resident(world: World) -> None:
    a = new_ticket(world, room="301", contact_name="王阿姨")
    b = new_ticket(world, phone="138 1234 2345")
    assert a.reporter == b.reporter
    assert Resident.objects.count() == 1
    assert a.reporter is not None
    assert a.reporter.name == "王阿姨"
    assert a.reporter.household == Household.objects.get(unit=world.unit, room="301")


@pytest.mark.parametrize(
    ("raw", "stored", "masked"),
    [
        ("13812342345", "13812342345", "138****2345"),
        ("+86 138-1234-2345", "13812342345", "138****2345"),
        ("0571-88765678", "057188765678", "057****5678"),
        ("(0571) 8876 5678", "057188765678", "057****5678"),
        ("010-62345678", "01062345678", "010****5678"),
    ],
)
def test_mobile_and_landline_phones_are_normalised(
    world: World, raw: str, stored: str, masked: str
) -> None:
    t = new_ticket(world, phone=raw, channel="hotline")
    assert t.contact_phone == stored
    assert t.reporter is not None
    assert t.reporter.phone == stored
    assert phone_mask(t.contact_phone) == masked


def test_staff_may_take_an_order_without_a_phone(world: World) -> None:
    t = ticket_create(
        category=f.category("repair.public_facility"),
        compound=world.unit.building.compound,
        channel="patrol",
        spot="东门",
        description="井盖松动",
        created_by=world.operator,
        now=T0,
    )
    assert (t.reporter, t.contact_phone, t.created_by) == (None, "", world.operator)
    assert t.events.get().actor == world.operator


def _bad(world: World, case: str) -> tuple[dict[str, Any], str]:
    compound = world.unit.building.compound
    other_compound = f.CompoundFactory(community=compound.community)
    kwargs: dict[str, Any] = {
        "category": f.category("repair.corridor_light"),
        "compound": compound,
        "building": world.unit.building,
        "unit": world.unit,
        "room": "502",
        "channel": "form",
        "description": "楼道灯坏了",
        "contact_phone": "13955556666",
        "contact_name": "李大爷",
        "now": at(30),
    }
    if case == "channel":
        kwargs["channel"] = "fax"
    elif case == "unit":
        kwargs["unit"] = f.UnitFactory(building=f.BuildingFactory(compound=compound))
    elif case == "building":
        kwargs["building"] = f.BuildingFactory(compound=other_compound)
        kwargs["unit"] = None
    elif case == "description":
        kwargs["description"] = "灯" * 2001
    elif case == "phone":
        kwargs["contact_phone"] = "12345"
    elif case == "no_phone":
        kwargs["contact_phone"] = ""
    elif case == "no_phone_resident":
        kwargs["contact_phone"] = ""
        kwargs["created_by"] = world.resident
    elif case == "attribute":
        kwargs["attributes"] = {"colour": "red"}
    elif case == "empty":
        kwargs["description"] = "  "
    elif case == "parent":
        kwargs["parent"] = f.ticket(world.other_unit, now=T0)
    elif case == "external_deadline":
        kwargs["external_ref"] = "12345-2026-000123"
        kwargs["external_deadline"] = dt.datetime(2026, 5, 30, 18, 0)
    field = {
        "no_phone": "contact_phone",
        "no_phone_resident": "contact_phone",
        "phone": "contact_phone",
        "attribute": "attributes.colour",
        "empty": "description",
    }.get(case, case)
    return kwargs, field


def _rows() -> dict[str, Any]:
    return {
        "tickets": Ticket.objects.count(),
        "residents": Resident.objects.count(),
        "households": Household.objects.count(),
        "events": TicketEvent.objects.count(),
        "notifications": Notification.objects.count(),
        "counters": list(TicketCounter.objects.values_list("street_id", "day", "value")),
    }


@pytest.mark.parametrize(
    "case",
    [
        "channel",
        "unit",
        "building",
        "description",
        "phone",
        "no_phone",
        "no_phone_resident",
        "attribute",
        "empty",
        "parent",
        "external_deadline",
    ],
)
def test_bad_input_is_refused_and_leaves_nothing_behind(world: World, case: str) -> None:
    first = new_ticket(world)
    kwargs, field = _bad(world, case)
    before = _rows()
    with pytest.raises(InvalidInput) as e:
        ticket_create(**kwargs)
    assert e.value.field == field
    assert _rows() == before
    # The refused order took no number: the next one is the second of the day.
    assert first.number.endswith("-0001")
    assert new_ticket(world, now=at(31)).number.endswith("-0002")


def test_an_order_forwarded_from_12345_keeps_its_reference_and_deadline(world: World) -> None:
    parent = new_ticket(world)
    due = dt.datetime(2026, 5, 30, 10, 0, tzinfo=dt.UTC)
    t = new_ticket(world, external_ref="12345-2026-000123", external_deadline=due, parent=parent)
    assert (t.external_ref, t.external_deadline, t.parent) == ("12345-2026-000123", due, parent)


def test_an_order_in_another_street_does_not_exist_for_its_staff(world: World) -> None:
    before = _rows()
    with pytest.raises(NotFound):
        f.ticket(world.other_unit, created_by=world.dispatcher, now=T0)
    assert _rows() == before


def test_a_failure_after_numbering_rolls_everything_back(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    new_ticket(world)
    before = _rows()

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("guanjia.tickets.services.event_write", broken)
    with pytest.raises(RuntimeError):
        new_ticket(world, phone="13955556666", room="101")
    assert _rows() == before


# --- Numbers -----------------------------------------------------------------------------------


def test_numbers_count_per_street_and_shanghai_day(world: World) -> None:
    def number(unit: Any, when: dt.datetime) -> str:
        return f.ticket(unit, now=when).number

    # 2026-05-25 02:00 UTC and 15:59 UTC are both the 25th in Shanghai (10:00 and 23:59).
    assert number(world.unit, T0) == "SHUANGGANG-20260525-0001"
    assert number(world.unit, T0.replace(hour=15, minute=59)) == "SHUANGGANG-20260525-0002"
    # 23:30 UTC is 07:30 the next morning in Shanghai: a new day, counting from one again.
    assert number(world.unit, T0.replace(hour=23, minute=30)) == "SHUANGGANG-20260526-0001"
    assert number(world.unit, T0 + dt.timedelta(days=1)) == "SHUANGGANG-20260526-0002"
    # Another street counts on its own, and its numbers never collide with this one's.
    assert number(world.other_unit, T0) == "OTHER-20260525-0001"
    assert number(world.unit, T0 + dt.timedelta(hours=1)) == "SHUANGGANG-20260525-0003"
    numbers = list(Ticket.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == 6


# --- Dispatch ----------------------------------------------------------------------------------


def test_dispatch_sends_the_order_to_the_worker(world: World) -> None:
    t = new_ticket(world)
    r = move(t, "dispatch", world.dispatcher, assignee=world.worker, now=at(2))
    t = r.ticket
    assert r.warnings == []
    assert (t.status, t.assignee, t.dispatched_at) == ("dispatched", world.worker, at(2))
    assert t.events.last().payload == {"assignee": "worker"}  # type: ignore[union-attr]
    assert kinds(t, kind__in=["ticket_dispatch", "resident_dispatch"]) == [
        ("ticket_dispatch", "worker"),
    ]  # the resident hears when the handler accepts, not at dispatch


def test_the_system_may_dispatch(world: World) -> None:
    t = move(new_ticket(world), "dispatch", None, assignee=world.worker).ticket
    assert (t.status, t.assignee) == ("dispatched", world.worker)


def test_manual_dispatch_warns_about_workload_but_is_not_refused(world: World) -> None:
    busy(world.worker, world)
    r = move(new_ticket(world), "dispatch", world.dispatcher, assignee=world.worker)
    assert [w.code for w in r.warnings] == ["over_workload"]
    assert r.ticket.assignee == world.worker
    assert r.ticket.events.last().payload["warnings"] == ["over_workload"]  # type: ignore[union-attr]


def test_manual_dispatch_warns_about_a_worker_off_duty(world: World) -> None:
    # T0 is Monday 10:00 in Shanghai; the worker's only shift is Monday evening.
    Shift.objects.create(staff=world.worker.staff, weekday=0, start=dt.time(18), end=dt.time(22))
    r = move(new_ticket(world), "dispatch", world.dispatcher, assignee=world.worker)
    assert [w.code for w in r.warnings] == ["off_duty"]
    assert r.ticket.status == "dispatched"


def test_manual_dispatch_warns_about_another_compound(world: World) -> None:
    elsewhere = f.CompoundFactory(community=world.unit.building.compound.community)
    world.worker.staff.compounds.set([elsewhere])
    r = move(new_ticket(world), "dispatch", world.dispatcher, assignee=world.worker)
    assert [w.code for w in r.warnings] == ["other_compound"]


def test_all_three_warnings_together_still_dispatch(world: World) -> None:
    busy(world.worker, world)
    Shift.objects.create(staff=world.worker.staff, weekday=6, start=dt.time(8), end=dt.time(9))
    world.worker.staff.compounds.set(
        [f.CompoundFactory(community=world.unit.building.compound.community)]
    )
    r = move(new_ticket(world), "dispatch", world.dispatcher, assignee=world.worker)
    assert [w.code for w in r.warnings] == ["over_workload", "off_duty", "other_compound"]


def test_dispatch_refuses_an_assignee_without_the_skill(world: World) -> None:
    guard = f.handler(world.street, "security.patrol", username="guard")
    err = refused(
        new_ticket(world),
        "dispatch",
        world.dispatcher,
        InvalidInput,
        "assignee_not_qualified",
        assignee=guard,
    )
    assert err.field == "assignee"


def test_dispatch_refuses_someone_who_is_no_handler_of_this_street(world: World) -> None:
    t = new_ticket(world)
    stranger = f.handler(world.other_street, "repair.corridor_light", username="stranger")
    for who in (stranger, world.operator):
        refused(t, "dispatch", world.dispatcher, InvalidInput, "assignee_not_handler", assignee=who)
    refused(t, "dispatch", world.dispatcher, InvalidInput, "required")


def test_vendor_members_are_qualified_by_their_contract(world: World) -> None:
    vendor = Vendor.objects.create(street=world.street, name="好帮手家政")
    vendor.categories.set([f.category("repair.corridor_light")])
    member = f.handler(world.street, vendor=vendor, username="vendor-member")
    t = new_ticket(world)
    r = move(t, "dispatch", world.dispatcher, assignee=member)
    assert r.ticket.assignee == member
    vendor.contract_end = dt.date(2026, 5, 1)
    vendor.save()
    t2 = new_ticket(world)
    refused(
        t2, "dispatch", world.dispatcher, InvalidInput, "assignee_not_qualified", assignee=member
    )


def test_wrong_actors_may_not_dispatch(world: World) -> None:
    t = new_ticket(world)
    other_dispatcher = f.user("dispatcher", world.other_street, "other_dispatcher")
    for actor in (world.worker, world.operator, world.resident, other_dispatcher):
        refused(t, "dispatch", actor, Forbidden, assignee=world.worker)


# --- Grab --------------------------------------------------------------------------------------


def test_grab_takes_a_pool_order_in_one_step(world: World) -> None:
    t = new_ticket(world, code="personal.home_repair", description="水龙头漏水")
    t = move(t, "grab", world.worker, now=at(3)).ticket
    assert (t.status, t.assignee) == ("accepted", world.worker)
    assert (t.dispatched_at, t.accepted_at) == (at(3), at(3))
    assert ("resident_grab", "13812342345") in kinds(t)


def test_grab_is_refused_over_the_workload_cap(world: World) -> None:
    busy(world.worker, world)
    t = new_ticket(world, code="personal.home_repair", description="马桶堵了")
    refused(t, "grab", world.worker, Conflict, "over_workload")


def test_grab_needs_the_skill_and_a_pool_category(world: World) -> None:
    pool = new_ticket(world, code="personal.home_repair", description="门锁坏了")
    refused(pool, "grab", world.other_worker, InvalidInput, "assignee_not_qualified")
    refused(pool, "grab", world.dispatcher, Forbidden)
    assigned = new_ticket(world)  # corridor lights are assigned, not grabbed
    refused(assigned, "grab", world.worker, Conflict, "not_grabbable")


def test_grab_stays_in_the_workers_own_street(world: World) -> None:
    # An account without a street passes the street check of capacities; its profile does not.
    roamer = f.handler(world.street, "personal.home_repair", username="roamer")
    roamer.street = None
    roamer.save()
    t = f.ticket(world.other_unit, code="personal.home_repair", description="修门锁", now=T0)
    refused(t, "grab", roamer, InvalidInput, "assignee_not_qualified")


def test_a_grabbed_order_cannot_be_grabbed_again(world: World) -> None:
    t = new_ticket(world, code="personal.home_repair", description="灯泡坏了")
    helper = f.handler(world.street, "personal.home_repair", username="helper")
    move(t, "grab", world.worker)
    refused(t, "grab", helper, Conflict, "transition_not_allowed")


# --- Accept, arrive, resolve -------------------------------------------------------------------


def test_only_the_assignee_accepts(world: World) -> None:
    t = on(world, "dispatched")
    for actor in (world.other_worker, world.dispatcher, world.resident, None):
        refused(t, "accept", actor, Forbidden)
    t = move(t, "accept", world.worker, now=at(4)).ticket
    assert (t.status, t.accepted_at) == ("accepted", at(4))


def test_arrive_then_resolve_with_an_after_photo(world: World) -> None:
    t = on(world, "accepted")
    refused(t, "resolve", world.worker, Conflict, "arrival_required")
    t = move(t, "arrive", world.worker, now=at(9)).ticket
    assert (t.status, t.on_site_at) == ("on_site", at(9))
    err = refused(t, "resolve", world.worker, InvalidInput, "after_photo_required")
    assert str(err)
    after_photo(t, world.worker)
    t = move(t, "resolve", world.worker, now=at(20)).ticket
    assert (t.status, t.resolved_at) == ("resolved", at(20))
    assert ("resident_resolve", "13812342345") in kinds(t)


def test_without_site_visit_resolve_straight_from_accepted(world: World) -> None:
    desk = f.handler(world.street, "consult.other", username="desk")
    t = new_ticket(world, code="consult.other", description="问一下垃圾分类时间")
    t = move(t, "dispatch", world.dispatcher, assignee=desk).ticket
    t = move(t, "accept", desk).ticket
    t = move(t, "resolve", desk, now=at(15)).ticket
    assert (t.status, t.on_site_at, t.resolved_at) == ("resolved", None, at(15))


def test_residents_and_other_workers_may_not_resolve(world: World) -> None:
    t = on(world, "on_site")
    after_photo(t)
    link_account(t, world.resident)
    for actor in (world.resident, world.other_worker, world.dispatcher):
        refused(t, "resolve", actor, Forbidden)
    assert t.reporter is not None
    refused(t, "resolve", None, Forbidden, resident=t.reporter)
    refused(t, "resolve", None, Forbidden)  # nor the system


# --- Return and transfer -----------------------------------------------------------------------


def test_return_needs_a_reason_and_clears_the_assignee(world: World) -> None:
    t = on(world, "accepted")
    err = refused(t, "return", world.worker, InvalidInput, "reason_required")
    assert err.field == "reason"
    refused(t, "return", world.other_worker, Forbidden, reason="不归我管")
    t = move(t, "return", world.worker, reason="地址不在服务范围", now=at(5)).ticket
    assert (t.status, t.assignee, t.accepted_at, t.return_count) == ("new", None, None, 1)
    e = t.events.last()
    assert e is not None
    assert (e.note, e.payload) == ("地址不在服务范围", {"previous_assignee": "worker"})
    assert kinds(t, kind="ticket_returned") == [
        ("ticket_returned", "dispatcher"),
        ("ticket_returned", "manager"),
    ]
    # Returned again by the next worker straight from dispatched: the count goes on.
    t = move(t, "dispatch", world.dispatcher, assignee=world.other_worker).ticket
    t = move(t, "return", world.other_worker, reason="缺少配件").ticket
    assert (t.status, t.return_count) == ("new", 2)


def test_return_is_not_possible_on_site(world: World) -> None:
    refused(on(world, "on_site"), "return", world.worker, Conflict, reason="太远")


def test_transfer_moves_the_order_to_another_handler(world: World) -> None:
    t = on(world, "on_site")
    refused(t, "transfer", world.worker, Forbidden, assignee=world.other_worker)
    refused(t, "transfer", world.dispatcher, InvalidInput, "same_assignee", assignee=world.worker)
    t = move(t, "transfer", world.dispatcher, assignee=world.other_worker, now=at(30)).ticket
    assert (t.status, t.assignee, t.dispatched_at) == ("dispatched", world.other_worker, at(30))
    assert (t.accepted_at, t.on_site_at) == (None, None)
    e = t.events.last()
    assert e is not None
    assert e.payload == {"assignee": "other_worker", "previous_assignee": "worker"}
    assert ("ticket_transfer", "other_worker") in kinds(t)
    assert kinds(t, kind="ticket_withdrawn") == [("ticket_withdrawn", "worker")]
    # The handoff is complete: the old worker lost it, the new one accepts.
    refused(t, "accept", world.worker, Forbidden)
    move(t, "accept", world.other_worker)


def test_transfer_refuses_an_unqualified_assignee_and_a_new_order(world: World) -> None:
    guard = f.handler(world.street, "security.patrol", username="guard")
    t = on(world, "dispatched")
    refused(t, "transfer", world.dispatcher, InvalidInput, "assignee_not_qualified", assignee=guard)
    refused(
        new_ticket(world),
        "transfer",
        world.dispatcher,
        Conflict,
        "transition_not_allowed",
        assignee=world.worker,
    )


# --- Pause and resume --------------------------------------------------------------------------


def test_pause_stops_the_clocks_and_resume_moves_the_deadlines(world: World) -> None:
    t = on(world, "dispatched")  # created and dispatched at T0
    due = (t.accept_due, t.arrive_due, t.resolve_due)
    refused(t, "pause", world.dispatcher, InvalidInput, "reason_required")
    t = move(t, "pause", world.dispatcher, reason="居民出差，约下周", now=at(5)).ticket
    assert (t.status, t.paused_from, t.paused_at) == ("paused", "dispatched", at(5))
    refused(t, "accept", world.worker, Conflict, "transition_not_allowed")
    refused(t, "resume", world.other_worker, Forbidden)
    t = move(t, "resume", world.dispatcher, now=at(65)).ticket
    assert (t.status, t.paused_from, t.paused_at, t.paused_seconds) == (
        "dispatched",
        "",
        None,
        3600,
    )
    hour = dt.timedelta(hours=1)
    assert (t.accept_due, t.arrive_due, t.resolve_due) == tuple(d + hour for d in due)  # type: ignore[operator]
    assert t.events.last().payload == {"paused_seconds": 3600}  # type: ignore[union-attr]

    # The assignee may pause too, from where they are; the paused time adds up.
    t = move(t, "accept", world.worker, now=at(66)).ticket
    t = move(t, "pause", world.worker, reason="等配件", now=at(70)).ticket
    assert t.paused_from == "accepted"
    t = move(t, "resume", world.worker, now=at(100) + dt.timedelta(seconds=15)).ticket
    assert (t.status, t.paused_seconds) == ("accepted", 3600 + 1815)
    moved = hour + dt.timedelta(seconds=1815)
    assert (t.accept_due, t.arrive_due, t.resolve_due) == tuple(d + moved for d in due)  # type: ignore[operator]


def test_a_new_order_pauses_and_resumes_to_the_queue(world: World) -> None:
    t = new_ticket(world)
    t = move(t, "pause", world.dispatcher, reason="等居民确认").ticket
    t = move(t, "resume", world.dispatcher, now=at(10)).ticket
    assert (t.status, t.paused_seconds, t.accept_due) == ("new", 600, at(20))


# --- Extend ------------------------------------------------------------------------------------


def test_a_manager_extends_the_resolve_deadline(world: World) -> None:
    t = on(world, "accepted")
    later = at(300)
    refused(t, "extend", world.dispatcher, Forbidden, deadline=later, reason="材料未到")
    refused(t, "extend", world.worker, Forbidden, deadline=later, reason="材料未到")
    refused(t, "extend", world.manager, InvalidInput, "reason_required", deadline=later)
    refused(t, "extend", world.manager, InvalidInput, "required", reason="材料未到")
    for bad in (at(120), at(60), at(-5)):  # not later than the current deadline (at 120)
        refused(
            t, "extend", world.manager, InvalidInput, "deadline_not_later", deadline=bad, reason="x"
        )
    naive = dt.datetime(2026, 5, 26, 12, 0)
    refused(t, "extend", world.manager, InvalidInput, "naive_datetime", deadline=naive, reason="x")
    t = move(t, "extend", world.manager, deadline=later, reason="材料未到", now=at(60)).ticket
    assert (t.status, t.resolve_due, t.accept_due) == ("accepted", later, at(10))
    e = t.events.last()
    assert e is not None
    assert (e.from_status, e.to_status, e.note) == ("accepted", "accepted", "材料未到")
    assert e.payload == {"old_deadline": at(120).isoformat(), "deadline": later.isoformat()}


def test_extend_keeps_a_paused_order_paused(world: World) -> None:
    t = move(new_ticket(world), "pause", world.dispatcher, reason="等通知").ticket
    t = move(t, "extend", world.manager, deadline=at(0, days=3), reason="节假日").ticket
    assert (t.status, t.paused_from, t.resolve_due) == ("paused", "new", at(0, days=3))


def test_finished_orders_are_not_extended(world: World) -> None:
    t = on(world, "resolved")
    refused(t, "extend", world.manager, Conflict, deadline=at(0, days=3), reason="x")


# --- Rate, close, reopen -----------------------------------------------------------------------


def link_account(ticket: Ticket, user: User) -> Resident:
    """Make `user` the account of the ticket's reporter (a resident who signed up)."""
    assert ticket.reporter is not None
    Resident.objects.filter(pk=ticket.reporter.pk).update(user=user)
    return Resident.objects.get(pk=ticket.reporter.pk)


def test_a_good_rating_closes_the_order(world: World) -> None:
    t = on(world, "resolved")
    rating = Rating(overall=4, speed=5, service=4, comment="师傅很快")
    t = move(t, "rate", world.operator, rating=rating, now=at(60)).ticket
    assert (t.status, t.closed_at, t.rated_at) == ("closed", at(60), at(60))
    assert (t.rating_overall, t.rating_speed, t.rating_service) == (4, 5, 4)
    assert t.rating_comment == "师傅很快"
    assert t.reopen_count == 0


def test_the_reporter_rates_by_link_and_by_account(world: World) -> None:
    t = on(world, "resolved")
    assert t.reporter is not None
    refused(t, "rate", world.worker, Forbidden, rating=Rating(overall=5))
    refused(t, "rate", world.resident, Forbidden, rating=Rating(overall=5))  # not theirs yet
    t = move(t, "rate", None, resident=t.reporter, rating=Rating(overall=3)).ticket
    assert (t.status, t.rating_overall) == ("closed", 3)
    u = on(world, "resolved", new_ticket(world))
    link_account(u, world.resident)
    assert move(u, "rate", world.resident, rating=Rating(overall=5)).ticket.status == "closed"


@pytest.mark.parametrize("overall", [1, 2])
def test_a_low_rating_reopens_to_the_same_worker(world: World, overall: int) -> None:
    t = on(world, "resolved")  # resolved at T0 + 3 min
    t = move(t, "rate", world.operator, rating=Rating(overall=overall), now=at(60)).ticket
    assert (t.status, t.assignee, t.reopen_count) == ("dispatched", world.worker, 1)
    assert (t.resolved_at, t.closed_at, t.accepted_at, t.on_site_at) == (None, None, None, None)
    assert (t.rating_overall, t.dispatched_at) == (overall, at(60))
    # New clocks from the reopening, not from the first order.
    assert (t.accept_due, t.arrive_due, t.resolve_due) == (at(70), at(90), at(180))
    assert t.events.last().payload["reopened"] is True  # type: ignore[union-attr]
    assert kinds(t, kind__in=["ticket_rate", "ticket_low_rating"]) == [
        ("ticket_rate", "worker"),
        ("ticket_low_rating", "manager"),
    ]


def test_ratings_must_be_one_to_five(world: World) -> None:
    t = on(world, "resolved")
    refused(t, "rate", world.operator, InvalidInput, "required")
    for bad in (0, 6, -1):
        refused(t, "rate", world.operator, InvalidInput, "bad_rating", rating=Rating(overall=bad))
    refused(t, "rate", world.operator, InvalidInput, "bad_rating", rating=Rating(4, speed=9))
    refused(on(world, "on_site", new_ticket(world)), "rate", world.operator, Conflict)


def test_only_the_system_closes(world: World) -> None:
    t = on(world, "resolved")
    for actor in (world.dispatcher, world.manager, world.operator, world.worker):
        refused(t, "close", actor, Forbidden)
    t = move(t, "close", None, now=at(0, hours=49)).ticket
    assert (t.status, t.closed_at, t.rated_at) == ("closed", at(0, hours=49), None)
    assert t.events.last().payload == {}  # type: ignore[union-attr]
    refused(on(world, "dispatched", new_ticket(world)), "close", None, Conflict)


def test_reopen_within_seven_days(world: World) -> None:
    t = on(world, "resolved")  # resolved at T0 + 3 min
    t = move(t, "close", None, now=at(0, hours=49)).ticket
    refused(t, "reopen", world.operator, InvalidInput, "reason_required", now=at(0, days=5))
    refused(t, "reopen", world.worker, Forbidden, reason="没修好", now=at(0, days=5))
    when = at(3, days=7)  # exactly seven days after resolution
    t = move(t, "reopen", world.operator, reason="灯又不亮了", now=when).ticket
    assert (t.status, t.assignee, t.reopen_count) == ("dispatched", world.worker, 1)
    assert (t.resolved_at, t.closed_at, t.dispatched_at) == (None, None, when)
    assert t.accept_due == when + dt.timedelta(minutes=10)
    assert ("ticket_reopen", "worker") in kinds(t)


def test_reopen_is_refused_after_seven_days(world: World) -> None:
    t = on(world, "resolved")
    t = move(t, "close", None, now=at(0, hours=49)).ticket
    late = at(4, days=7)
    refused(t, "reopen", world.operator, Conflict, "reopen_window_passed", reason="x", now=late)
    refused(t, "reopen", world.dispatcher, Conflict, "reopen_window_passed", reason="x", now=late)


def test_the_reporter_reopens_by_link_and_the_dispatcher_from_resolved(world: World) -> None:
    t = on(world, "resolved")
    assert t.reporter is not None
    t = move(t, "reopen", None, resident=t.reporter, reason="还是不亮", now=at(60)).ticket
    assert (t.status, t.reopen_count) == ("dispatched", 1)
    u = on(world, "resolved", new_ticket(world))
    assert move(u, "reopen", world.dispatcher, reason="回访不满意").ticket.status == "dispatched"


def test_a_reopened_order_goes_round_again(world: World) -> None:
    t = on(world, "resolved")
    t = move(t, "rate", world.operator, rating=Rating(overall=1), now=at(60)).ticket
    t = move(t, "accept", world.worker, now=at(61)).ticket
    t = move(t, "arrive", world.worker, now=at(70)).ticket
    t = move(t, "resolve", world.worker, now=at(80)).ticket  # the after photo is still there
    t = move(t, "rate", world.operator, rating=Rating(overall=5), now=at(90)).ticket
    assert (t.status, t.rating_overall, t.reopen_count) == ("closed", 5, 1)


# --- Cancel ------------------------------------------------------------------------------------


def test_the_reporter_cancels_by_link_before_accept(world: World) -> None:
    t = new_ticket(world)
    assert t.reporter is not None
    refused(t, "cancel", None, InvalidInput, "reason_required", resident=t.reporter)
    t = move(t, "cancel", None, resident=t.reporter, reason="灯自己好了", now=at(2)).ticket
    assert (t.status, t.cancelled_at) == ("cancelled", at(2))
    e = t.events.last()
    assert e is not None
    assert (e.actor, e.note, e.payload) == (None, "灯自己好了", {"by": "reporter"})
    assert ("resident_cancel", "13812342345") in kinds(t)
    refused(t, "dispatch", world.dispatcher, Conflict, assignee=world.worker)

    u = on(world, "dispatched", new_ticket(world))
    assert u.reporter is not None
    assert (
        move(u, "cancel", None, resident=u.reporter, reason="不用了").ticket.status == "cancelled"
    )


def test_the_reporter_may_not_cancel_after_accept(world: World) -> None:
    t = on(world, "accepted")
    assert t.reporter is not None
    refused(t, "cancel", None, Conflict, "already_accepted", resident=t.reporter, reason="不用了")
    link_account(t, world.resident)
    refused(t, "cancel", world.resident, Conflict, "already_accepted", reason="不用了")


def test_nobody_else_cancels_by_link(world: World) -> None:
    t = new_ticket(world)
    neighbour = new_ticket(world, phone="13900009999").reporter
    refused(t, "cancel", None, Forbidden, resident=neighbour, reason="恶作剧")
    refused(t, "cancel", world.worker, Forbidden, reason="x")


def test_the_system_is_not_a_resident(world: World) -> None:
    """A resident acting through the tracking link acts as the reporter, not as the system."""
    t = on(world, "resolved")
    assert t.reporter is not None
    refused(t, "close", None, Forbidden, resident=t.reporter)
    u = new_ticket(world)
    assert u.reporter is not None
    refused(u, "dispatch", None, Forbidden, resident=u.reporter, assignee=world.worker)


def test_an_anonymous_page_user_beside_the_link_is_the_reporter(world: World) -> None:
    """A tracking page passes request.user (anonymous) with the resident behind the link."""
    t = new_ticket(world)
    assert t.reporter is not None
    refused(t, "cancel", AnonymousUser(), Forbidden, reason="不用了")  # anonymous is not the system
    refused(t, "dispatch", AnonymousUser(), Forbidden, assignee=world.worker)
    r = ticket_transition(
        ticket=t, action="cancel", actor=AnonymousUser(), resident=t.reporter, reason="不用了"
    )
    e = r.ticket.events.order_by("id").last()
    assert e is not None
    assert (r.ticket.status, e.actor, e.payload) == ("cancelled", None, {"by": "reporter"})


@pytest.mark.parametrize("status", ["new", "dispatched", "accepted"])
def test_the_dispatcher_cancels_before_the_visit(world: World, status: str) -> None:
    t = new_ticket(world) if status == "new" else on(world, status)
    t = move(t, "cancel", world.dispatcher, reason="重复来电").ticket
    assert t.status == "cancelled"
    # A worker who had it is told it is no longer theirs.
    withdrawn = Notification.objects.filter(ticket=t, kind="ticket_withdrawn")
    if status == "new":
        assert not withdrawn.exists()
    else:
        assert [(n.recipient, n.payload["action"]) for n in withdrawn] == [(world.worker, "cancel")]


@pytest.mark.parametrize("status", ["on_site", "resolved", "closed"])
def test_the_dispatcher_may_not_cancel_after_arrival(world: World, status: str) -> None:
    # DESIGN.md lets cancel start from new, dispatched and accepted only.
    t = on(world, "resolved" if status == "closed" else status)
    if status == "closed":
        t = move(t, "close", None, now=at(0, days=3)).ticket
    refused(t, "cancel", world.dispatcher, Conflict, "transition_not_allowed", reason="x")


# --- Merge -------------------------------------------------------------------------------------


def test_merge_cancels_the_duplicate_and_its_reporters_follow_the_original(
    world: World,
) -> None:
    original = new_ticket(world, phone="13900001111")
    duplicate = new_ticket(world, phone="13800002222", now=at(5))
    third = new_ticket(world, phone="13700003333", now=at(6))
    move(third, "merge", world.dispatcher, original=duplicate, now=at(7))  # a chain of reports
    duplicate = move(duplicate, "dispatch", world.dispatcher, assignee=world.worker, now=at(8))
    duplicate = duplicate.ticket
    original_events = original.events.count()
    notifications_to_original = Notification.objects.filter(ticket=original).count()

    d = move(duplicate, "merge", world.dispatcher, original=original, now=at(10)).ticket
    assert (d.status, d.duplicate_of, d.cancelled_at) == ("cancelled", original, at(10))
    e = d.events.last()
    assert e is not None
    assert e.payload == {"original": original.number, "followers_added": 2}

    original.refresh_from_db()
    assert (original.status, original.version) == ("new", 1)  # the original is not disturbed
    followers = set(original.followers.values_list("resident__phone", flat=True))
    assert followers == {"13800002222", "13700003333"}
    merge_in = original.events.order_by("id")[original_events:]
    assert [(m.type, m.from_status, m.to_status, m.actor) for m in merge_in] == [
        ("merge_in", "new", "new", world.dispatcher)
    ]
    assert merge_in[0].payload == {"duplicate": d.number, "followers_added": 2}
    assert kinds(d, kind="ticket_withdrawn") == [("ticket_withdrawn", "worker")]
    assert Notification.objects.filter(ticket=original).count() == notifications_to_original
    # Everyone who reported the duplicate hears that it joined the original.
    assert sorted(kinds(d, kind="resident_merge")) == [
        ("resident_merge", "13700003333"),
        ("resident_merge", "13800002222"),
    ]
    # From now on the followers hear about the original too.
    move(original, "dispatch", world.dispatcher, assignee=world.worker, now=at(11))
    move(original, "accept", world.worker, now=at(12))
    assert sorted(kinds(original, kind="resident_accept")) == [
        ("resident_accept", "13700003333"),
        ("resident_accept", "13800002222"),
        ("resident_accept", "13900001111"),
    ]


def test_merge_of_the_originals_own_reporter_adds_no_follower(world: World) -> None:
    original = new_ticket(world)
    again = new_ticket(world, now=at(1))  # same phone
    d = move(again, "merge", world.dispatcher, original=original).ticket
    assert d.status == "cancelled"
    assert original.followers.count() == 0


def test_merge_refusals(world: World) -> None:
    original = new_ticket(world, phone="13900001111")
    t = new_ticket(world, phone="13800002222")
    elsewhere = f.ticket(world.other_unit, now=T0)
    followers = TicketFollower.objects.count()
    refused(t, "merge", world.dispatcher, InvalidInput, "required")
    refused(t, "merge", world.dispatcher, InvalidInput, "bad_original", original=t)
    refused(t, "merge", world.dispatcher, InvalidInput, "bad_original", original=elsewhere)
    refused(t, "merge", world.worker, Forbidden, original=original)
    refused(t, "merge", world.operator, Forbidden, original=original)
    accepted = on(world, "accepted", new_ticket(world, phone="13700003333"))
    refused(accepted, "merge", world.dispatcher, Conflict, original=original)
    gone = move(new_ticket(world, phone="13600004444"), "cancel", world.dispatcher, reason="x")
    refused(t, "merge", world.dispatcher, Conflict, "original_finished", original=gone.ticket)
    dup = move(new_ticket(world, phone="13500005555"), "merge", world.dispatcher, original=original)
    # A merged duplicate is cancelled, so it is refused as finished before being a duplicate.
    refused(t, "merge", world.dispatcher, Conflict, "original_finished", original=dup.ticket)
    assert TicketFollower.objects.count() == followers + 1  # only the one successful merge


def test_merge_checks_the_original_as_it_is_now(world: World) -> None:
    original = new_ticket(world, phone="13900001111")
    t = new_ticket(world, phone="13800002222")
    stale = Ticket.objects.get(pk=original.pk)  # loaded by the page before someone cancelled it
    move(original, "cancel", world.dispatcher, reason="误报")
    refused(t, "merge", world.dispatcher, Conflict, "original_finished", original=stale)


# --- Guards common to every move ---------------------------------------------------------------


def test_unknown_actions_and_long_reasons_are_invalid_input(world: World) -> None:
    t = new_ticket(world)
    refused(t, "teleport", world.dispatcher, InvalidInput, "unknown_action")
    err = refused(t, "cancel", world.dispatcher, InvalidInput, "too_long", reason="x" * 501)
    assert err.field == "reason"


def test_a_failing_notification_rolls_the_move_back(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = new_ticket(world)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr("guanjia.tickets.services._notify", broken)
    before = Ticket.objects.filter(pk=t.pk).values().get()
    events = TicketEvent.objects.count()
    with pytest.raises(RuntimeError):
        ticket_transition(
            ticket=t, action="dispatch", actor=world.dispatcher, assignee=world.worker
        )
    assert Ticket.objects.filter(pk=t.pk).values().get() == before
    assert TicketEvent.objects.count() == events


def test_the_whole_loop_leaves_one_event_per_change(world: World) -> None:
    t = new_ticket(world, contact_name="张建国")
    t = on(world, "resolved", t)
    move(t, "rate", world.operator, rating=Rating(overall=5, comment="满意"), now=at(30))
    events = list(Ticket.objects.get(pk=t.pk).events.order_by("id"))
    assert [(e.type, e.from_status, e.to_status) for e in events] == [
        ("create", "", "new"),
        ("dispatch", "new", "dispatched"),
        ("accept", "dispatched", "accepted"),
        ("arrive", "accepted", "on_site"),
        ("resolve", "on_site", "resolved"),
        ("rate", "resolved", "closed"),
    ]
    assert [e.actor for e in events] == [
        None,
        world.dispatcher,
        world.worker,
        world.worker,
        world.worker,
        world.operator,
    ]
    assert Ticket.objects.get(pk=t.pk).version == 6
