"""The demo street and its people, as CONTRACTS.md "Demo data" describes them."""

import datetime as dt
import re

from django.contrib.auth.hashers import check_password
from django.utils import timezone

from guanjia.catalog.models import ORDERABLE, ServiceCategory
from guanjia.demo.accounts import DEMO_PASSWORD
from guanjia.org.models import Building, Community, Compound, Street, Unit
from guanjia.people.models import StaffProfile, User, Vendor
from guanjia.people.selectors import handler_on_duty, handlers_for_category

VENDOR_CATEGORIES = {
    "personal.housekeeping",
    "personal.elder_care",
    "personal.child_care",
    "repair.roof_leak",
    "cleaning.disinfection",
    "cleaning.greenery",
}


def test_street_has_forty_compounds_with_buildings_units_and_coordinates(
    demo_street: Street,
) -> None:
    assert demo_street.name == "双港街道"
    assert set(Community.objects.filter(street=demo_street).values_list("name", flat=True)) == {
        "双港社区",
        "美港社区",
    }
    compounds = list(Compound.objects.filter(street=demo_street))
    assert len(compounds) == 40
    assert "大乐园小区" in {c.name for c in compounds}
    for c in compounds:
        assert c.latitude is not None and c.longitude is not None
        # A plausible cluster: about 3 km across.
        assert abs(float(c.latitude) - 28.23) < 0.02
        assert abs(float(c.longitude) - 117.05) < 0.025
        buildings = list(Building.objects.filter(compound=c))
        assert len(buildings) >= 6
        for b in buildings:
            assert re.fullmatch(r"\d+幢", b.name)
            units = list(Unit.objects.filter(building=b).values_list("name", flat=True))
            assert len(units) >= 2
            assert all(re.fullmatch(r"\d+单元", u) for u in units)
    households = sum(c.households for c in compounds)
    assert 6000 <= households <= 7000  # ~19,000 residents


def test_accounts_roles_and_password(demo_street: Street) -> None:
    expected = {
        "admin": "admin",
        "manager": "manager",
        "dispatcher": "dispatcher",
        "operator": "operator",
        "guard1": "worker",
        "guard2": "worker",
        "electrician1": "worker",
        "electrician2": "worker",
        **{f"fixer{i}": "worker" for i in range(1, 7)},
        "vendor_housekeeping": "vendor",
    }
    for username, role in expected.items():
        user = User.objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert user.is_staff
        assert user.is_superuser == (role == "admin")
        assert user.display_name
        assert user.street_id == (None if role == "admin" else demo_street.pk)
    # One hash for every account (hashing is slow on purpose); it must still be the password.
    assert check_password(DEMO_PASSWORD, User.objects.get(username="manager").password)


def _skills(username: str) -> set[str]:
    profile = StaffProfile.objects.get(user__username=username)
    return set(profile.skills.values_list("code", flat=True))


def test_skills_follow_the_story(demo_street: Street) -> None:
    assert _skills("guard1") == {c for c in _all_codes() if c.startswith("security.")}
    assert _skills("electrician1") == {
        "repair.corridor_light",
        "repair.water_electric",
        "repair.door_access",
        "personal.home_repair",
    }
    fixer = _skills("fixer3")
    assert {"cleaning.garbage", "cleaning.corridor", "repair.drain", "personal.home_repair"} <= (
        fixer
    )
    assert _skills("dispatcher") == _skills("operator") == {"consult.other"}
    covered = set(
        Vendor.objects.filter(street=demo_street).values_list("categories__code", flat=True)
    )
    assert covered == VENDOR_CATEGORIES
    for code in _all_codes():
        category = ServiceCategory.objects.get(code=code)
        assert handlers_for_category(demo_street.pk, category).exists(), code
    assert not Vendor.objects.filter(categories__code="personal.home_repair").exists()


def test_fixers_share_the_compounds_and_the_others_serve_all(demo_street: Street) -> None:
    served: list[int] = []
    for i in range(1, 7):
        served += StaffProfile.objects.get(user__username=f"fixer{i}").compounds.values_list(
            "pk", flat=True
        )
    assert sorted(served) == sorted(Compound.objects.values_list("pk", flat=True))
    for username in ("guard1", "electrician2"):
        assert StaffProfile.objects.get(user__username=username).compounds.count() == 40


def test_someone_of_each_team_is_on_duty_every_hour_of_the_week(demo_street: Street) -> None:
    monday = dt.datetime(2025, 3, 10, 0, 30, tzinfo=timezone.get_default_timezone())
    teams = {
        "guards": ["guard1", "guard2"],
        "electricians": ["electrician1", "electrician2"],
        "fixers": [f"fixer{i}" for i in range(1, 7)],
    }
    profiles = {
        name: list(StaffProfile.objects.filter(user__username__in=users).prefetch_related("shifts"))
        for name, users in teams.items()
    }
    for hour in range(7 * 24):
        when = monday + dt.timedelta(hours=hour)
        for name, team in profiles.items():
            on = [p for p in team if handler_on_duty(p, when)]
            assert on, f"no {name} on duty at {when}"
            if name == "guards":
                assert len(on) == 1, f"both guards on duty at {when}"
    day = monday.replace(hour=10)
    assert all(handler_on_duty(p, day) for p in profiles["electricians"])


def _all_codes() -> set[str]:
    # Every service residents order; department matters go to department members instead.
    return set(ServiceCategory.objects.filter(ORDERABLE).values_list("code", flat=True))
