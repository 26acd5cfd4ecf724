"""The shared pieces of the back office: capped counts and viewer-aware columns."""

from typing import Any

from guanjia.core.admin import CappedCountPaginator, ViewerField, scoped_choices, street_keyed
from guanjia.org.models import Compound, Street
from guanjia.people.models import User
from guanjia.testing import factories as f


class _SmallCap(CappedCountPaginator):
    CAP = 3


def test_the_paginator_counts_no_further_than_its_cap(world: Any) -> None:
    for _ in range(4):
        f.CompoundFactory(community__street=world.street)
    assert CappedCountPaginator(Compound.objects.all(), 2).count == Compound.objects.count()
    capped = _SmallCap(Compound.objects.all(), 2)
    assert capped.count == 3
    assert capped.num_pages == 2
    assert _SmallCap([1, 2, 3, 4, 5], 2).count == 3


def test_viewer_fields_are_equal_for_the_same_viewer_and_name(world: Any) -> None:
    def show(user: Any, obj: Any) -> str:
        return f"{user.username}:{obj}"

    a = ViewerField("phone_shown", "phone", world.worker, show)
    assert a == ViewerField("phone_shown", "phone", world.worker, show)
    assert a != ViewerField("phone_shown", "phone", world.manager, show)
    assert a != ViewerField("name_shown", "phone", world.worker, show)
    assert len({a, ViewerField("phone_shown", "phone", world.worker, show)}) == 1
    assert a("x") == "worker:x"
    assert a.__name__ == "phone_shown"


def test_choices_stay_in_the_users_street(world: Any) -> None:
    assert street_keyed(Street) and street_keyed(Compound) and street_keyed(User)
    assert list(scoped_choices(Street, world.manager)) == [world.street]
    compounds = set(scoped_choices(Compound, world.manager))
    assert world.unit.building.compound in compounds
    assert world.other_unit.building.compound not in compounds
    district = f.user("admin", None, "district")
    assert set(scoped_choices(Street, district)) == {world.street, world.other_street}
