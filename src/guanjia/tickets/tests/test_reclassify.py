"""ticket_reclassify: a dispatcher corrects the service or place of an open order."""

from __future__ import annotations

from typing import Any

import pytest

from guanjia.catalog.models import ServiceCategory
from guanjia.core.errors import Conflict, Forbidden, InvalidInput
from guanjia.org.models import Household
from guanjia.testing import factories as f
from guanjia.tickets import lifecycle
from guanjia.tickets.models import TicketEvent
from guanjia.tickets.services import ticket_reclassify, ticket_transition

pytestmark = pytest.mark.django_db


def _category(code: str) -> ServiceCategory:
    return ServiceCategory.objects.get(code=code)


@pytest.fixture
def place(world: Any) -> Any:
    """A second building with a unit in the world's compound."""
    compound = world.unit.building.compound
    building = f.BuildingFactory(compound=compound, name="9幢")
    return f.UnitFactory(building=building, name="7单元")


def test_the_service_and_place_change_and_one_event_says_old_and_new(world, place):
    t = f.ticket(world.unit)
    due = (t.accept_due, t.arrive_due, t.resolve_due, t.next_escalation_at)
    result = ticket_reclassify(
        ticket=t,
        actor=world.dispatcher,
        version=t.version,
        category=_category("repair.drain"),
        compound=world.unit.building.compound,
        building=place.building,
        unit=place,
        room="301",
    )
    t.refresh_from_db()
    assert (t.category.code, t.building_id, t.unit_id, t.room) == (
        "repair.drain",
        place.building_id,
        place.pk,
        "301",
    )
    assert t.version == 2
    assert (t.accept_due, t.arrive_due, t.resolve_due, t.next_escalation_at) == due
    assert t.household == Household.objects.get(unit=place, room="301")
    assert result.changes == {
        "category": "repair.drain",
        "building": "9幢",
        "unit": "7单元",
        "room": "301",
    }
    event = TicketEvent.objects.get(ticket=t, type="reclassify")
    assert event.actor == world.dispatcher
    assert event.from_status == event.to_status == lifecycle.NEW
    assert event.payload == {
        "old": {
            "category": "repair.corridor_light",
            "building": world.unit.building.name,
            "unit": world.unit.name,
            "room": None,
        },
        "new": result.changes,
    }


def test_the_service_alone_keeps_the_place(world):
    t = f.ticket(world.unit)
    result = ticket_reclassify(
        ticket=t, actor=world.manager, version=t.version, category=_category("repair.drain")
    )
    t.refresh_from_db()
    assert result.changes == {"category": "repair.drain"}
    assert (t.category.code, t.unit_id) == ("repair.drain", world.unit.pk)


def test_nothing_changed_writes_nothing(world):
    t = f.ticket(world.unit)
    result = ticket_reclassify(
        ticket=t,
        actor=world.dispatcher,
        version=t.version,
        category=t.category,
        compound=world.unit.building.compound,
        building=world.unit.building,
        unit=world.unit,
        room="",
    )
    assert result.changes == {}
    t.refresh_from_db()
    assert t.version == 1
    assert not TicketEvent.objects.filter(type="reclassify").exists()


@pytest.mark.parametrize("role", ["operator", "worker", "resident"])
def test_only_dispatchers_and_managers_correct(world, role):
    t = f.ticket(world.unit)
    with pytest.raises(Forbidden):
        ticket_reclassify(
            ticket=t,
            actor=getattr(world, role),
            version=t.version,
            category=_category("repair.drain"),
        )
    t.refresh_from_db()
    assert t.category.code == "repair.corridor_light"


def test_a_dispatcher_of_another_street_is_refused(world):
    theirs = f.ticket(world.other_unit)
    with pytest.raises(Forbidden):
        ticket_reclassify(
            ticket=theirs,
            actor=world.dispatcher,
            version=theirs.version,
            category=_category("repair.drain"),
        )


def test_a_stale_version_is_a_conflict(world):
    t = f.ticket(world.unit)
    ticket_transition(ticket=t, action="dispatch", actor=world.dispatcher, assignee=world.worker)
    with pytest.raises(Conflict) as e:
        ticket_reclassify(
            ticket=t, actor=world.dispatcher, version=1, category=_category("repair.drain")
        )
    assert e.value.code == "stale_version"
    t.refresh_from_db()
    assert t.category.code == "repair.corridor_light"


def test_a_finished_order_is_not_corrected(world):
    t = f.ticket(world.unit)
    done = ticket_transition(ticket=t, action="cancel", actor=world.dispatcher, reason="重复")
    with pytest.raises(Conflict) as e:
        ticket_reclassify(
            ticket=t,
            actor=world.dispatcher,
            version=done.ticket.version,
            category=_category("repair.drain"),
        )
    assert e.value.code == "not_open"


def test_the_place_must_hang_together(world, place):
    t = f.ticket(world.unit)
    compound = world.unit.building.compound
    other_compound = world.other_unit.building.compound
    with pytest.raises(InvalidInput):  # another street's compound
        ticket_reclassify(
            ticket=t, actor=world.dispatcher, version=t.version, compound=other_compound
        )
    with pytest.raises(InvalidInput):  # a unit of another building
        ticket_reclassify(
            ticket=t,
            actor=world.dispatcher,
            version=t.version,
            compound=compound,
            building=world.unit.building,
            unit=place,
        )
    with pytest.raises(InvalidInput):  # a building without its compound
        ticket_reclassify(
            ticket=t, actor=world.dispatcher, version=t.version, building=place.building
        )
    with pytest.raises(InvalidInput):  # a room without a unit
        ticket_reclassify(
            ticket=t,
            actor=world.dispatcher,
            version=t.version,
            compound=compound,
            building=place.building,
            room="301",
        )
    t.refresh_from_db()
    assert (t.version, t.unit_id) == (1, world.unit.pk)


def test_a_department_service_or_an_inactive_one_is_refused(world):
    t = f.ticket(world.unit)
    inactive = _category("repair.drain")
    inactive.active = False
    inactive.save()
    with pytest.raises(InvalidInput):
        ticket_reclassify(ticket=t, actor=world.dispatcher, version=t.version, category=inactive)
    department = ServiceCategory.objects.filter(handler_kind="department").first()
    if department is not None:
        with pytest.raises(InvalidInput):
            ticket_reclassify(
                ticket=t, actor=world.dispatcher, version=t.version, category=department
            )
    t.refresh_from_db()
    assert t.category.code == "repair.corridor_light"
