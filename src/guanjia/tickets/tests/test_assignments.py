"""Department matters (交办) and composite requests (一件事): tickets in the one lifecycle."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from guanjia.catalog.models import ServiceCategory
from guanjia.catalog.selectors import catalog_active, catalog_for_residents
from guanjia.core.errors import Conflict, Forbidden, InvalidInput
from guanjia.notifications.models import Notification
from guanjia.open311.selectors import services_active
from guanjia.org.models import Department, DepartmentMember
from guanjia.people.models import User
from guanjia.people.selectors import handler_profile, handler_qualified, handlers_for_category
from guanjia.people.services import department_member_add
from guanjia.sla.calendar import SHANGHAI
from guanjia.testing import factories as f
from guanjia.testing.factories import World
from guanjia.tickets import escalation as esc
from guanjia.tickets.access import ticket_scope
from guanjia.tickets.assignments import (
    Part,
    assignment_create,
    composite_create,
    deadline_at,
)
from guanjia.tickets.models import Ticket, TicketEvent
from guanjia.tickets.selectors import composite_progress
from guanjia.tickets.services import ticket_transition

pytestmark = pytest.mark.django_db

# Monday 2 March 2026, 10:00 local: working time.
MONDAY = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)


@dataclass
class Departments:
    city: Department  # 城管科
    civil: Department  # 民政科
    city_head: User
    city_member: User
    civil_head: User


@pytest.fixture
def depts(world: World) -> Departments:
    city = Department.objects.create(street=world.street, name="城管科")
    civil = Department.objects.create(street=world.street, name="民政科")
    city_head = f.user("resident", world.street, "city_head")
    city_head.groups.clear()
    city_member = f.user("resident", world.street, "city_member")
    city_member.groups.clear()
    civil_head = f.user("resident", world.street, "civil_head")
    civil_head.groups.clear()
    department_member_add(department=city, user=city_head, is_head=True)
    department_member_add(department=city, user=city_member)
    department_member_add(department=civil, user=civil_head, is_head=True)
    return Departments(city, civil, city_head, city_member, civil_head)


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)  # permissions are cached per instance


def events(ticket: Ticket) -> list[tuple[str, str | None, str]]:
    rows = TicketEvent.objects.filter(ticket=ticket).select_related("actor").order_by("id")
    return [(e.type, e.actor.username if e.actor else None, e.note) for e in rows]


# --- members --------------------------------------------------------------------------------------


def test_a_member_handles_the_department_categories(world: World, depts: Departments) -> None:
    member = fresh(depts.city_member)
    profile = handler_profile(member)
    assert profile is not None and profile.street_id == world.street.pk
    assert set(profile.skills.values_list("code", flat=True)) == {
        "assignment.matter",
        "composite.task",
    }
    matter = ServiceCategory.objects.get(code="assignment.matter")
    light = ServiceCategory.objects.get(code="repair.corridor_light")
    day = MONDAY.date()
    assert handler_qualified(profile, matter, day)
    assert not handler_qualified(profile, light, day)
    assert member.has_perm("tickets.handle_ticket")
    assert not member.has_perm("tickets.view_street_tickets")
    assert set(
        handlers_for_category(world.street.pk, matter).values_list("username", flat=True)
    ) == {
        "city_head",
        "city_member",
        "civil_head",
    }


def test_membership_is_safe_to_repeat_and_a_new_head_replaces_the_old(
    world: World, depts: Departments
) -> None:
    department_member_add(department=depts.city, user=depts.city_member)
    assert DepartmentMember.objects.filter(department=depts.city).count() == 2
    department_member_add(department=depts.city, user=depts.city_member, is_head=True)
    heads = DepartmentMember.objects.filter(department=depts.city, is_head=True)
    assert [m.user.username for m in heads] == ["city_member"]


def test_a_member_of_another_street_is_refused(world: World, depts: Departments) -> None:
    stranger = f.user("resident", world.other_street, "stranger")
    with pytest.raises(InvalidInput) as e:
        department_member_add(department=depts.city, user=stranger)
    assert e.value.code == "other_street"


def test_residents_never_see_the_department_categories(world: World) -> None:
    codes = {"assignment.matter", "composite.task"}
    assert not codes & {c.code for c in catalog_active()}
    assert not codes & {c.code for g in catalog_for_residents() for c in g.categories}
    assert not codes & set(services_active().values_list("code", flat=True))


# --- 交办 -----------------------------------------------------------------------------------------


def test_a_matter_goes_to_the_head_at_once_with_the_leaders_deadline(
    world: World, depts: Departments
) -> None:
    t = assignment_create(
        street=world.street,
        department=depts.city,
        title="背街小巷占道经营",
        description="擂台赛上指出：菜场北侧占道经营反复出现",
        deadline=dt.date(2026, 3, 13),
        leader=fresh(world.manager),
        source_note="擂台赛当场交办",
        now=MONDAY,
    )
    t.refresh_from_db()
    due = deadline_at(dt.date(2026, 3, 13))
    assert (t.status, t.assignee, t.channel, t.compound_id) == (
        "dispatched",
        depts.city_head,
        "assignment",
        None,
    )
    assert t.category.code == "assignment.matter"
    assert t.resolve_due == due and t.external_deadline == due
    assert t.arrive_due is None  # no site visit
    # 4 working hours: 2 before lunch, 2 after it.
    assert t.accept_due == dt.datetime(2026, 3, 2, 15, 30, tzinfo=SHANGHAI)
    assert t.description.startswith("背街小巷占道经营\n")
    assert events(t) == [
        ("create", "manager", ""),
        ("dispatch", "manager", "擂台赛当场交办"),
    ]
    notes = Notification.objects.filter(ticket=t)
    assert [(n.kind, n.recipient.username if n.recipient else None) for n in notes] == [
        ("ticket_dispatch", "city_head")
    ]


def test_the_head_accepts_and_resolves_without_arrival(world: World, depts: Departments) -> None:
    t = assignment_create(
        street=world.street,
        department=depts.city,
        description="清理菜场北侧占道",
        deadline=dt.date(2026, 3, 13),
        leader=fresh(world.manager),
        now=MONDAY,
    )
    head = fresh(depts.city_head)
    t = ticket_transition(ticket=t, action="accept", actor=head, now=MONDAY).ticket
    t = ticket_transition(ticket=t, action="resolve", actor=head, note="已清理", now=MONDAY).ticket
    assert t.status == "resolved"
    assert t.on_site_at is None


def test_only_leaders_assign_and_only_to_a_department_with_a_head(
    world: World, depts: Departments
) -> None:
    kwargs = {"street": world.street, "description": "x", "deadline": dt.date(2026, 3, 13)}
    with pytest.raises(Forbidden):
        assignment_create(department=depts.city, leader=fresh(world.dispatcher), **kwargs)  # type: ignore[arg-type]
    headless = Department.objects.create(street=world.street, name="司法所")
    with pytest.raises(InvalidInput) as e:
        assignment_create(department=headless, leader=fresh(world.manager), **kwargs)  # type: ignore[arg-type]
    assert e.value.code == "no_head"
    with pytest.raises(InvalidInput) as e:
        assignment_create(
            street=world.street,
            department=depts.city,
            description="x",
            deadline=dt.date(2026, 3, 1),
            leader=fresh(world.manager),
            now=MONDAY,
        )
    assert e.value.code == "deadline_past"
    assert not Ticket.objects.exists()


def test_supervision_runs_on_working_days_over_the_weekend(
    world: World, depts: Departments
) -> None:
    friday = dt.datetime(2026, 3, 6, 16, 0, tzinfo=SHANGHAI)
    t = assignment_create(
        street=world.street,
        department=depts.city,
        description="核查群众反映的违建",
        deadline=dt.date(2026, 3, 20),
        leader=fresh(world.manager),
        now=friday,
    )
    # 240 working minutes: 90 on Friday, then 150 from Monday 08:30.
    monday = dt.datetime(2026, 3, 9, 11, 0, tzinfo=SHANGHAI)
    assert t.accept_due == monday
    saturday = dt.datetime(2026, 3, 7, 12, 0, tzinfo=SHANGHAI)
    assert esc.escalation_sweep(now=saturday) == 0
    # warn at 80% of the window: 48 working minutes before the deadline, Monday 10:12.
    assert esc.escalation_sweep(now=dt.datetime(2026, 3, 9, 10, 11, tzinfo=SHANGHAI)) == 0
    assert esc.escalation_sweep(now=dt.datetime(2026, 3, 9, 10, 12, tzinfo=SHANGHAI)) == 1
    # 督办 at half the window again: 120 working minutes after 11:00, with the lunch break.
    assert esc.escalation_sweep(now=dt.datetime(2026, 3, 9, 11, 0, tzinfo=SHANGHAI)) == 2
    assert esc.escalation_sweep(now=dt.datetime(2026, 3, 9, 14, 29, tzinfo=SHANGHAI)) == 0
    assert esc.escalation_sweep(now=dt.datetime(2026, 3, 9, 14, 30, tzinfo=SHANGHAI)) == 1
    kinds = list(
        TicketEvent.objects.filter(ticket=t, type__in=esc.LADDER)
        .order_by("id")
        .values_list("type", flat=True)
    )
    assert kinds == ["warn", "overdue", "remind", "supervise"]
    supervised = Notification.objects.filter(ticket=t, kind="ticket_supervise")
    assert [n.recipient.username for n in supervised if n.recipient] == ["manager"]


# --- 一件事 ---------------------------------------------------------------------------------------


def composite(world: World, depts: Departments) -> Ticket:
    return composite_create(
        street=world.street,
        title="老旧小区加装电梯",
        description="一件事：规划、民政补贴、施工占道",
        deadline=dt.date(2026, 3, 31),
        parts=[Part(depts.city, "施工占道审批"), (depts.civil, "困难家庭补贴核定")],
        leader=fresh(world.manager),
        now=MONDAY,
    )


def test_a_composite_request_is_one_parent_and_a_child_per_department(
    world: World, depts: Departments
) -> None:
    parent = composite(world, depts)
    children = list(Ticket.objects.filter(parent=parent).order_by("id"))
    assert [(c.assignee, c.status) for c in children] == [
        (depts.city_head, "dispatched"),
        (depts.civil_head, "dispatched"),
    ]
    due = deadline_at(dt.date(2026, 3, 31))
    assert {t.resolve_due for t in [parent, *children]} == {due}
    assert (parent.assignee, parent.status) == (depts.city_head, "dispatched")  # 牵头部门
    assert composite_progress(parent) == (0, 2)


def test_the_parent_closes_only_after_every_child(world: World, depts: Departments) -> None:
    parent = composite(world, depts)
    city, civil = list(Ticket.objects.filter(parent=parent).order_by("id"))
    lead = fresh(depts.city_head)
    ticket_transition(ticket=parent, action="accept", actor=lead, now=MONDAY)
    with pytest.raises(Conflict) as e:
        ticket_transition(ticket=parent, action="resolve", actor=lead, now=MONDAY)
    assert e.value.code == "children_open"

    later = MONDAY + dt.timedelta(hours=1)
    ticket_transition(ticket=city, action="accept", actor=lead, now=later)
    ticket_transition(ticket=city, action="resolve", actor=lead, now=later)
    parent.refresh_from_db()
    assert parent.status == "accepted"
    assert composite_progress(parent) == (1, 2)

    head = fresh(depts.civil_head)
    last = MONDAY + dt.timedelta(hours=2)
    ticket_transition(ticket=civil, action="accept", actor=head, now=last)
    ticket_transition(ticket=civil, action="resolve", actor=head, now=last)
    parent.refresh_from_db()
    assert (parent.status, parent.resolved_at) == ("resolved", last)
    assert composite_progress(parent) == (2, 2)
    resolves = TicketEvent.objects.filter(ticket=parent, type="resolve")
    assert [(e.actor_id, e.from_status, e.to_status) for e in resolves] == [
        (None, "accepted", "resolved")
    ]


def test_the_system_resolves_no_ordinary_order(world: World) -> None:
    desk = f.handler(world.street, "consult.other", username="desk")
    t = f.ticket(world.unit, code="consult.other", now=MONDAY)
    ticket_transition(ticket=t, action="dispatch", actor=world.dispatcher, assignee=desk)
    ticket_transition(ticket=t, action="accept", actor=desk)
    with pytest.raises(Forbidden):
        ticket_transition(ticket=t, action="resolve", actor=None)


# --- scope ----------------------------------------------------------------------------------------


def test_a_department_member_sees_only_their_matters(world: World, depts: Departments) -> None:
    order = f.ticket(world.unit, now=MONDAY)
    mine = assignment_create(
        street=world.street,
        department=depts.city,
        description="整治占道",
        deadline=dt.date(2026, 3, 13),
        leader=fresh(world.manager),
        now=MONDAY,
    )
    theirs = assignment_create(
        street=world.street,
        department=depts.civil,
        description="核定补贴",
        deadline=dt.date(2026, 3, 13),
        leader=fresh(world.manager),
        now=MONDAY,
    )
    assert list(ticket_scope(fresh(depts.city_head))) == [mine]
    assert list(ticket_scope(fresh(depts.civil_head))) == [theirs]
    assert list(ticket_scope(fresh(depts.city_member))) == []
    assert order in ticket_scope(fresh(world.manager))
    assert timezone.is_aware(mine.resolve_due)  # type: ignore[arg-type]


# --- the command ----------------------------------------------------------------------------------


def test_the_assign_command_prints_the_number(world: World, depts: Departments) -> None:
    import io
    import json

    from django.core.management import CommandError, call_command

    day = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    args = ["--street", world.street.code, "--department", "城管科", "--deadline", day]
    out = io.StringIO()
    call_command("assign", "整治占道经营", *args, "--leader", "manager", stdout=out)
    t = Ticket.objects.get()
    assert out.getvalue().strip() == t.number
    assert (t.assignee, t.channel) == (depts.city_head, "assignment")
    out = io.StringIO()
    call_command(
        "assign",
        "清理楼道堆物",
        *args,
        "--leader",
        "manager",
        "--json",
        "--source",
        "擂台赛",
        stdout=out,
    )
    data = json.loads(out.getvalue())
    assert data["assignee"] == "city_head" and data["status"] == "dispatched"
    assert data["deadline"] == deadline_at(dt.date.fromisoformat(day)).isoformat()
    with pytest.raises(CommandError):
        call_command("assign", "x", *args, "--leader", "dispatcher", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command(
            "assign",
            "x",
            "--street",
            world.street.code,
            "--department",
            "无此科",
            "--deadline",
            day,
            "--leader",
            "manager",
            stdout=io.StringIO(),
        )


def test_a_cancelled_child_does_not_hold_the_parent(world: World, depts: Departments) -> None:
    parent = composite(world, depts)
    city, civil = list(Ticket.objects.filter(parent=parent).order_by("id"))
    lead = fresh(depts.city_head)
    ticket_transition(ticket=parent, action="accept", actor=lead, now=MONDAY)
    ticket_transition(
        ticket=civil, action="cancel", actor=fresh(world.dispatcher), reason="不涉及", now=MONDAY
    )
    parent.refresh_from_db()
    assert parent.status == "accepted"  # the city's share is still open
    ticket_transition(ticket=city, action="accept", actor=lead, now=MONDAY)
    ticket_transition(ticket=city, action="resolve", actor=lead, now=MONDAY)
    parent.refresh_from_db()
    assert parent.status == "resolved"
    assert composite_progress(parent) == (1, 1)


def test_only_matters_go_without_a_compound_or_with_a_leaders_deadline(world: World) -> None:
    from guanjia.tickets.services import ticket_create

    light = ServiceCategory.objects.get(code="repair.corridor_light")
    with pytest.raises(InvalidInput) as e:
        ticket_create(
            category=light,
            compound=None,
            street=world.street,
            channel="hotline",
            description="楼道灯不亮",
            created_by=world.operator,
        )
    assert e.value.code == "required"
    with pytest.raises(InvalidInput) as e:
        f.ticket(world.unit, resolve_due=MONDAY + dt.timedelta(days=3), now=MONDAY)
    assert e.value.code == "bad_deadline"


def test_open311_does_not_publish_matters(world: World, depts: Departments) -> None:
    from guanjia.core.errors import NotFound
    from guanjia.open311.selectors import request_get

    t = assignment_create(
        street=world.street,
        department=depts.city,
        description="整治占道",
        deadline=dt.date(2026, 3, 13),
        leader=fresh(world.manager),
        now=MONDAY,
    )
    with pytest.raises(NotFound):
        request_get(world.street, t.number)
