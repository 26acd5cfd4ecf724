"""Shared pytest fixtures: a street with a place, and one account per role."""

from dataclasses import dataclass

import pytest

from guanjia.org.models import Street, Unit
from guanjia.people.models import User
from guanjia.testing import factories as f


@dataclass
class World:
    street: Street
    unit: Unit
    other_street: Street
    other_unit: Unit
    dispatcher: User
    operator: User
    manager: User
    worker: User
    other_worker: User
    resident: User


@pytest.fixture
def world(db: None) -> World:
    unit = f.UnitFactory(building__compound__community__street__code="shuanggang")
    street = unit.street
    other_unit = f.UnitFactory(building__compound__community__street__code="other")
    return World(
        street=street,
        unit=unit,
        other_street=other_unit.street,
        other_unit=other_unit,
        dispatcher=f.user("dispatcher", street, "dispatcher"),
        operator=f.user("operator", street, "operator"),
        manager=f.user("manager", street, "manager"),
        worker=f.handler(
            street, "repair.corridor_light", "personal.home_repair", username="worker"
        ),
        other_worker=f.handler(street, "repair.corridor_light", username="other_worker"),
        resident=f.user("resident", street, "resident"),
    )
