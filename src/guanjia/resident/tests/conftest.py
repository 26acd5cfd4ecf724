"""Fixtures for the residents' pages: a compound laid out as residents know it."""

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache

from guanjia.notifications.tests.conftest import sms  # noqa: F401 - the SMS outbox, for /my/
from guanjia.org.models import Building, Compound, Unit
from guanjia.testing import factories as f


@dataclass
class Place:
    compound: Compound
    building: Building
    unit: Unit
    other_building: Building
    other_unit: Unit


@pytest.fixture(autouse=True)
def _fresh_rate_limit(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    cache.clear()


@pytest.fixture
def place(world: Any) -> Place:
    compound = world.unit.building.compound
    compound.name = "大乐园小区"
    compound.save()
    building = world.unit.building
    building.name = "3幢"
    building.save()
    unit = world.unit
    unit.name = "1单元"
    unit.save()
    other_building = f.BuildingFactory(compound=compound, name="4幢")
    other_unit = f.UnitFactory(building=other_building, name="2单元")
    return Place(compound, building, unit, other_building, other_unit)
