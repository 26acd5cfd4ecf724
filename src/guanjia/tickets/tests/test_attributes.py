"""Intake attributes (Open311 service definition attributes), checked at intake."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from guanjia.catalog.models import ServiceCategory
from guanjia.core.errors import InvalidInput
from guanjia.testing import factories as f
from guanjia.tickets.attributes import attributes_clean
from guanjia.tickets.tests.moves import T0

if TYPE_CHECKING:
    from guanjia.testing.factories import World

KINDS = [
    {"code": "floor", "datatype": "number", "description": "楼层"},
    {"code": "when", "datatype": "datetime", "description": "时间", "required": True},
    {"code": "note", "datatype": "string", "description": "备注"},
    {"code": "story", "datatype": "text", "description": "经过"},
    {
        "code": "place",
        "datatype": "singlevaluelist",
        "description": "位置",
        "values": [{"key": "corridor", "name": "楼道"}, {"key": "indoor", "name": "户内"}],
    },
    {
        "code": "rooms",
        "datatype": "multivaluelist",
        "description": "房间",
        "values": [{"key": "kitchen", "name": "厨房"}, {"key": "bath", "name": "卫生间"}],
    },
]
CATEGORY = ServiceCategory(code="test.kinds", attributes=KINDS)  # never saved: pure checks


def test_values_are_cleaned_by_datatype() -> None:
    clean = attributes_clean(
        CATEGORY,
        {
            "floor": "6",
            "when": "2026-05-26T09:30",
            "note": "  请先打电话  ",
            "story": "",
            "place": "corridor",
            "rooms": "bath",
        },
    )
    assert clean == {
        "floor": 6.0,
        "when": "2026-05-26T09:30:00",
        "note": "请先打电话",
        "place": "corridor",
        "rooms": ["bath"],
    }


@pytest.mark.parametrize(
    ("values", "code", "field"),
    [
        ({"when": "2026-05-26T09:30", "colour": "red"}, "unknown_attribute", "colour"),
        ({"floor": "6"}, "required", "when"),
        ({"when": ""}, "required", "when"),
        ({"when": "tomorrow"}, "bad_attribute", "when"),
        ({"when": "2026-05-26", "floor": "six"}, "bad_attribute", "floor"),
        ({"when": "2026-05-26", "floor": "NaN"}, "bad_attribute", "floor"),
        ({"when": "2026-05-26", "floor": "inf"}, "bad_attribute", "floor"),
        ({"when": "2026-05-26", "place": "roof"}, "bad_attribute", "place"),
        ({"when": "2026-05-26", "rooms": ["kitchen", "attic"]}, "bad_attribute", "rooms"),
        ({"when": "2026-05-26", "note": "x" * 201}, "bad_attribute", "note"),
        ({"when": "2026-05-26", "story": "x" * 2001}, "bad_attribute", "story"),
    ],
)
def test_bad_values_name_their_attribute(values: dict[str, Any], code: str, field: str) -> None:
    with pytest.raises(InvalidInput) as e:
        attributes_clean(CATEGORY, values)
    assert (e.value.code, e.value.field) == (code, f"attributes.{field}")


@pytest.mark.django_db
def test_a_required_attribute_is_asked_for_at_intake(world: World) -> None:
    with pytest.raises(InvalidInput) as e:
        f.ticket(world.unit, code="personal.housekeeping", description="打扫卫生", now=T0)
    assert e.value.field == "attributes.preferred_time"
    t = f.ticket(
        world.unit,
        code="personal.housekeeping",
        description="打扫卫生",
        attributes={"preferred_time": "2026-05-27T14:00"},
        now=T0,
    )
    t.refresh_from_db()
    assert t.attributes == {"preferred_time": "2026-05-27T14:00:00"}


@pytest.mark.django_db
def test_numbers_are_stored_as_json(world: World) -> None:
    category = f.category("repair.drain", attributes=KINDS[:1])
    t = f.ticket(world.unit, code=category.code, attributes={"floor": "12.5"}, now=T0)
    t.refresh_from_db()
    assert t.attributes == {"floor": 12.5}
