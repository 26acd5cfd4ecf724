"""Auto-dispatch and life-safety pages inside ticket_create, on the demo street's people and
dedicated-handler rules (electrician1 primary, electrician2 backup for corridor lights)."""

import datetime as dt
from typing import Any
from unittest import mock

import pytest
from django.db import IntegrityError
from django.utils import timezone

from guanjia.catalog.models import ServiceCategory
from guanjia.core.errors import Conflict
from guanjia.demo.tests.conftest import NOW
from guanjia.dispatch.models import AutoDispatch, DispatchRule, StreetDispatchSettings
from guanjia.dispatch.selectors import dispatch_candidates
from guanjia.notifications.models import Notification
from guanjia.org.models import Street, Unit
from guanjia.people.models import User
from guanjia.tickets.models import Ticket, TicketEvent
from guanjia.tickets.services import ticket_create, ticket_transition

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
FRIDAY_NIGHT = dt.datetime(2025, 3, 14, 23, 0, tzinfo=SHANGHAI)  # electrician1 on call
SATURDAY_NIGHT = dt.datetime(2025, 3, 15, 23, 0, tzinfo=SHANGHAI)  # electrician2 on call


def mode(street: Street, value: str, **kw: Any) -> None:
    StreetDispatchSettings.objects.filter(street=street).update(mode=value, **kw)


def order(street: Street, code: str = "repair.corridor_light", at: dt.datetime = NOW) -> Ticket:
    unit = Unit.objects.filter(street=street).select_related("building__compound").first()
    assert unit is not None
    return ticket_create(
        category=ServiceCategory.objects.get(code=code),
        compound=unit.building.compound,
        building=unit.building,
        unit=unit,
        channel="wechat",
        description="楼道灯不亮",
        contact_phone="13812345678",
        now=at,
    )


def trail(t: Ticket) -> list[tuple[str, str | None]]:
    return [
        (e.type, e.actor.username if e.actor else None)
        for e in TicketEvent.objects.filter(ticket=t).select_related("actor").order_by("id")
    ]


def notified(t: Ticket, kind: str) -> list[str]:
    return sorted(
        n.recipient.username
        for n in Notification.objects.filter(ticket=t, kind=kind).select_related("recipient")
    )


def test_the_demo_street_ships_with_auto_dispatch_off(demo_street: Street) -> None:
    assert StreetDispatchSettings.objects.get(street=demo_street).mode == AutoDispatch.OFF
    t = order(demo_street)
    assert t.status == "new" and t.assignee is None
    assert trail(t) == [("create", None)]
    assert notified(t, "ticket_dispatch") == []


def test_always_dispatches_to_the_dedicated_electrician_in_the_create_call(
    demo_street: Street,
) -> None:
    mode(demo_street, AutoDispatch.ALWAYS)
    t = order(demo_street)
    # Returned by ticket_create already dispatched: no queue, no second request.
    assert t.status == "dispatched"
    assert t.assignee is not None and t.assignee.username == "electrician1"
    assert t.dispatched_at == NOW and t.version == 2
    assert trail(t) == [("create", None), ("dispatch", None)]  # the system dispatched it
    dispatch = TicketEvent.objects.get(ticket=t, type="dispatch")
    assert dispatch.at == NOW and dispatch.payload["assignee"] == "electrician1"
    assert dispatch.note.startswith("自动派单：专人负责·在岗·手头0单")
    assert notified(t, "ticket_dispatch") == ["electrician1"]
    assert not Notification.objects.filter(ticket=t, kind="resident_dispatch").exists()


def test_auto_dispatch_commits_with_the_order_or_not_at_all(demo_street: Street) -> None:
    mode(demo_street, AutoDispatch.ALWAYS)
    with (
        mock.patch(
            "guanjia.tickets.services.notification_queue", side_effect=IntegrityError("boom")
        ),
        pytest.raises(IntegrityError),
    ):
        order(demo_street)
    assert not Ticket.objects.exists()
    assert not TicketEvent.objects.exists()
    assert not Notification.objects.exists()


def test_the_backup_takes_it_when_the_primary_is_off_duty_or_full(demo_street: Street) -> None:
    mode(demo_street, AutoDispatch.ALWAYS)
    night = order(demo_street, at=SATURDAY_NIGHT)
    assert night.assignee is not None and night.assignee.username == "electrician2"

    mode(demo_street, AutoDispatch.OFF)
    earlier = [order(demo_street).pk for _ in range(2)]
    Ticket.objects.filter(pk__in=earlier).update(
        assignee=User.objects.get(username="electrician1"), status="accepted"
    )
    # electrician1 is full (2 open orders); electrician2 has the night's one.
    mode(demo_street, AutoDispatch.ALWAYS, workload_cap=2)
    t = order(demo_street)
    assert t.assignee is not None and t.assignee.username == "electrician2"


def test_outside_hours_dispatches_at_night_and_not_in_the_day(demo_street: Street) -> None:
    mode(
        demo_street,
        AutoDispatch.OUTSIDE_HOURS,
        dispatcher_start=dt.time(8, 0),
        dispatcher_end=dt.time(18, 0),
    )
    day = order(demo_street)  # 15:30, the dispatcher is at the desk
    assert day.status == "new"
    night = order(demo_street, at=FRIDAY_NIGHT)
    assert night.status == "dispatched"
    assert night.assignee is not None and night.assignee.username == "electrician1"


def test_nobody_qualified_and_free_leaves_the_order_new(demo_street: Street) -> None:
    mode(demo_street, AutoDispatch.ALWAYS, workload_cap=0)
    t = order(demo_street)
    assert t.status == "new" and t.assignee is None
    assert trail(t) == [("create", None)]
    # The dispatchers heard of it as of every new order.
    assert "dispatcher" in notified(t, "ticket_new")


def test_grab_categories_wait_in_the_pool(demo_street: Street) -> None:
    mode(demo_street, AutoDispatch.ALWAYS)
    t = order(demo_street, code="personal.home_repair")
    assert t.status == "new"


def test_vendor_categories_go_to_the_contracted_vendor(demo_street: Street) -> None:
    mode(demo_street, AutoDispatch.ALWAYS)
    t = order(demo_street, code="repair.roof_leak")
    assert t.assignee is not None and t.assignee.username == "vendor_roofing"


def test_rotation_takes_turns_over_the_staff_on_duty(demo_street: Street) -> None:
    mode(demo_street, AutoDispatch.ALWAYS)
    picked = [order(demo_street, code="cleaning.garbage").assignee for _ in range(3)]
    names = [u.username for u in picked if u is not None]
    assert len(names) == 3 and len(set(names)) == 3  # three different fixers in turn
    assert all(n.startswith("fixer") for n in names)


def test_life_safety_pages_the_guards_on_duty_whatever_the_setting(demo_street: Street) -> None:
    t = order(demo_street, code="security.fire_safety")  # auto-dispatch off
    assert t.status == "new" and t.urgent
    on_duty = notified(t, "life_safety_page")
    assert len(on_duty) == 1 and on_duty[0] in {"guard1", "guard2"}  # one guard is always on
    assert "manager" in notified(t, "ticket_urgent")

    mode(demo_street, AutoDispatch.ALWAYS)
    t = order(demo_street, code="security.fire_safety")
    assert notified(t, "life_safety_page") == on_duty
    assert t.assignee is not None and t.assignee.username == on_duty[0]


def test_the_street_wide_rule_yields_to_the_compounds_own(demo_street: Street) -> None:
    mode(demo_street, AutoDispatch.ALWAYS)
    unit = Unit.objects.filter(street=demo_street).select_related("building__compound").first()
    assert unit is not None
    DispatchRule.objects.create(
        street=demo_street,
        category=ServiceCategory.objects.get(code="repair.corridor_light"),
        compound=unit.building.compound,
        primary=User.objects.get(username="electrician2"),
    )
    t = order(demo_street)
    assert t.assignee is not None and t.assignee.username == "electrician2"


def test_candidates_take_a_fixed_number_of_queries(
    demo_street: Street, django_assert_num_queries: Any
) -> None:
    category = ServiceCategory.objects.get(code="repair.door_access")  # 8 handlers
    compound_id = Unit.objects.filter(street=demo_street).first().building.compound_id  # type: ignore[union-attr]
    # Profiles with their workload aggregate, shifts, leave, covers of them, covers they work,
    # compounds, the rule (people.selectors.duty_prefetches).
    with django_assert_num_queries(7):
        found = dispatch_candidates(
            street_id=demo_street.pk,
            category=category,
            compound_id=compound_id,
            now=timezone.now(),
            cap=10,
        )
    assert len(found) == 8


def test_the_streets_cap_warns_a_manual_dispatch_and_binds_grabbing(demo_street: Street) -> None:
    mode(demo_street, AutoDispatch.OFF, workload_cap=1)
    electrician1 = User.objects.get(username="electrician1")
    first = order(demo_street)
    ticket_transition(
        ticket=first,
        action="dispatch",
        actor=User.objects.get(username="dispatcher"),
        assignee=electrician1,
        now=NOW,
    )
    # Never refused, only warned (CONTRACTS.md).
    second = order(demo_street)
    result = ticket_transition(
        ticket=second,
        action="dispatch",
        actor=User.objects.get(username="dispatcher"),
        assignee=electrician1,
        now=NOW,
    )
    assert "over_workload" in [w.code for w in result.warnings]
    pool = order(demo_street, code="personal.home_repair")
    with pytest.raises(Conflict) as refused:
        ticket_transition(ticket=pool, action="grab", actor=electrician1, now=NOW)
    assert refused.value.code == "over_workload"
