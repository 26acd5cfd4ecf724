"""The place pages of the back office: street-scoped, and the street key follows the parent."""

from typing import Any

from django.test import Client
from django.urls import reverse

from guanjia.org.models import Building, Compound, Street, Unit
from guanjia.people.models import User
from guanjia.testing import factories as f


def login(client: Client, user: User) -> Client:
    assert client.login(username=user.username, password=f.PASSWORD)
    return client


def inline(prefix: str, rows: list[dict[str, Any]], initial: int = 0) -> dict[str, Any]:
    data: dict[str, Any] = {
        f"{prefix}-TOTAL_FORMS": len(rows),
        f"{prefix}-INITIAL_FORMS": initial,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{key}": value for key, value in row.items()})
    return data


def test_a_manager_sees_the_places_of_their_street_only(world: Any, client: Client) -> None:
    login(client, world.manager)
    ours = world.unit.building.compound
    theirs = world.other_unit.building.compound
    response = client.get(reverse("admin:org_compound_changelist"))
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [ours]
    assert world.other_street.name not in response.content.decode()  # not even in the filter
    assert client.get(reverse("admin:org_compound_change", args=[theirs.pk])).status_code == 302

    streets = client.get(reverse("admin:org_street_changelist")).context["cl"].result_list
    assert list(streets) == [world.street]
    buildings = client.get(reverse("admin:org_building_changelist")).context["cl"].result_list
    assert list(buildings) == [world.unit.building]


def test_a_district_administrator_sees_every_street(world: Any, client: Client) -> None:
    login(client, f.user("admin", None, "district"))
    streets = client.get(reverse("admin:org_street_changelist")).context["cl"].result_list
    assert set(streets) == {world.street, world.other_street}
    compounds = client.get(reverse("admin:org_compound_changelist")).context["cl"].result_list
    assert len(compounds) == 2


def test_a_manager_edits_a_compound_but_cannot_move_it_to_another_street(
    world: Any, client: Client
) -> None:
    compound = world.unit.building.compound
    building = world.unit.building
    login(client, world.manager)
    url = reverse("admin:org_compound_change", args=[compound.pk])
    form: dict[str, Any] = {
        "community": compound.community_id,
        "name": "大乐园小区",
        "aliases": '["大乐园"]',
        "latitude": "28.25",
        "longitude": "117.05",
        "households": 420,
        **inline(
            "buildings",
            [{"id": building.pk, "compound": compound.pk, "name": building.name, "sort_key": 1}],
            initial=1,
        ),
    }
    assert client.post(url, form).status_code == 302
    compound.refresh_from_db()
    assert (compound.name, compound.aliases, compound.households) == ("大乐园小区", ["大乐园"], 420)

    other_community = world.other_unit.building.compound.community
    response = client.post(url, {**form, "community": other_community.pk})
    assert response.status_code == 200  # the form again, with an error
    assert "community" in response.context["adminform"].form.errors  # not among the choices
    # A district administrator may pick any community, but the compound still stays put.
    login(client, f.user("admin", None, "district"))
    response = client.post(url, {**form, "community": other_community.pk})
    assert response.status_code == 200
    assert "community" in response.context["adminform"].form.errors
    compound.refresh_from_db()
    assert compound.street_id == world.street.pk


def test_new_compounds_buildings_and_units_take_their_parents_street(
    world: Any, client: Client
) -> None:
    login(client, f.user("admin", None, "district"))
    community = world.other_unit.building.compound.community
    response = client.post(
        reverse("admin:org_compound_add"),
        {
            "community": community.pk,
            "name": "新村小区",
            "aliases": "[]",
            "households": 0,
            **inline("buildings", [{"name": "1幢", "sort_key": 1}, {"name": "2幢", "sort_key": 2}]),
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    compound = Compound.objects.get(name="新村小区")
    assert compound.street == world.other_street
    assert set(Building.objects.filter(compound=compound).values_list("street_id", flat=True)) == {
        world.other_street.pk
    }

    building = Building.objects.get(compound=compound, name="1幢")
    response = client.post(
        reverse("admin:org_building_change", args=[building.pk]),
        {"name": "1幢", "sort_key": 1, **inline("units", [{"name": "1单元", "sort_key": 1}])},
    )
    assert response.status_code == 302
    assert Unit.objects.get(building=building).street == world.other_street


def test_a_duplicate_compound_name_is_an_error_not_a_crash(world: Any, client: Client) -> None:
    existing = world.unit.building.compound
    login(client, f.user("admin", world.street, "root"))
    response = client.post(
        reverse("admin:org_compound_add"),
        {
            "community": existing.community_id,
            "name": existing.name,
            "aliases": "[]",
            "households": 0,
            **inline("buildings", []),
        },
    )
    assert response.status_code == 200
    assert "name" in response.context["adminform"].form.errors


def test_the_street_code_is_fixed_once_created(world: Any, client: Client) -> None:
    login(client, f.user("admin", world.street, "root"))
    url = reverse("admin:org_street_change", args=[world.street.pk])
    assert client.post(url, {"code": "renamed", "name": "双港街道"}).status_code == 302
    street = Street.objects.get(pk=world.street.pk)
    assert (street.code, street.name) == ("shuanggang", "双港街道")


def test_a_dispatcher_may_look_but_not_change(world: Any, client: Client) -> None:
    compound = world.unit.building.compound
    login(client, world.dispatcher)
    url = reverse("admin:org_compound_change", args=[compound.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"name": "x"}).status_code == 403


def test_department_members_are_added_through_the_service(world: Any, client: Client) -> None:
    from guanjia.org.models import Department, DepartmentMember

    head = f.user("resident", world.street, "head")
    member = f.user("resident", world.street, "member")
    login(client, f.user("admin", world.street, "street_admin"))
    data = {"street": world.street.pk, "name": "城管科"}
    data |= inline("members", [{"user": head.pk, "is_head": "on"}, {"user": member.pk}])
    response = client.post(reverse("admin:org_department_add"), data)
    assert response.status_code == 302, response.context["errors"]
    department = Department.objects.get(name="城管科")
    rows = DepartmentMember.objects.filter(department=department).order_by("user__username")
    assert [(m.user.username, m.is_head, m.street_id) for m in rows] == [
        ("head", True, world.street.pk),
        ("member", False, world.street.pk),
    ]
    assert set(head.staff.skills.values_list("code", flat=True)) == {
        "assignment.matter",
        "composite.task",
    }
    assert head.groups.filter(name="department").exists()
