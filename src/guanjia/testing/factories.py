"""factory_boy factories for tests (and benchmarks). Build data; assert behaviour elsewhere."""

from dataclasses import dataclass
from typing import Any, cast

import factory
from django.contrib.auth.models import Group

from guanjia.catalog.models import ServiceCategory
from guanjia.org.models import Building, Community, Compound, Street, Unit
from guanjia.people.models import StaffProfile, User, Vendor
from guanjia.tickets.models import Ticket
from guanjia.tickets.services import ticket_create

PASSWORD = "test-pass-123"  # noqa: S105 - test accounts only


@dataclass
class World:
    """What the `world` fixture (conftest.py) builds: a street with a place, one account per role,
    and a second street to prove scoping."""

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


class StreetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Street
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"street{n}")
    name = factory.Sequence(lambda n: f"第{n}街道")


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    street = factory.SubFactory(StreetFactory)
    name = factory.Sequence(lambda n: f"第{n}社区")


class CompoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Compound

    community = factory.SubFactory(CommunityFactory)
    street = factory.SelfAttribute("community.street")
    name = factory.Sequence(lambda n: f"幸福{n}小区")
    aliases: list[str] = []
    latitude = "28.250000"
    longitude = "117.050000"


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building

    compound = factory.SubFactory(CompoundFactory)
    street = factory.SelfAttribute("compound.street")
    name = factory.Sequence(lambda n: f"{n + 1}幢")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    building = factory.SubFactory(BuildingFactory)
    street = factory.SelfAttribute("building.street")
    name = factory.Sequence(lambda n: f"{n + 1}单元")


def category(code: str = "repair.corridor_light", **changes: Any) -> ServiceCategory:
    """A category of the default catalog (installed by migration), optionally changed."""
    obj = ServiceCategory.objects.get(code=code)
    if changes:
        for key, value in changes.items():
            setattr(obj, key, value)
        obj.save()
    return obj


def user(role: str, street: Street | None, username: str | None = None, **extra: Any) -> User:
    """An account with one role (a group of people/roles.py)."""
    name = username or f"{role}-{User.objects.count() + 1}"
    u = User.objects.create_user(
        username=name,
        password=PASSWORD,
        street=street,
        is_staff=role != "resident",
        is_superuser=role == "admin",
        **extra,
    )
    u.groups.add(Group.objects.get(name=role))
    return u


def handler(
    street: Street,
    *skills: str,
    username: str | None = None,
    vendor: Vendor | None = None,
    compounds: list[Compound] | None = None,
) -> User:
    """A worker (or a vendor's member) with skills, ready to be dispatched to."""
    u = user("vendor" if vendor else "worker", street, username)
    profile = StaffProfile.objects.create(user=u, street=street, vendor=vendor)
    if skills:
        profile.skills.set(ServiceCategory.objects.filter(code__in=skills))
    if compounds:
        profile.compounds.set(compounds)
    return u


def ticket(
    unit: Unit | None = None,
    code: str = "repair.corridor_light",
    phone: str = "13812342345",
    **kwargs: Any,
) -> Ticket:
    """An order taken through the real service."""
    if unit is None:
        unit = cast(Unit, UnitFactory())
    kwargs.setdefault("channel", "form")
    kwargs.setdefault("description", "楼道灯不亮")
    return ticket_create(
        category=ServiceCategory.objects.get(code=code),
        compound=unit.building.compound,
        building=unit.building,
        unit=unit,
        contact_phone=phone,
        **kwargs,
    )
