"""People in the back office: street-scoped accounts and staff, residents' phones masked."""

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from guanjia.people.models import Resident, Shift, StaffProfile, User, Vendor
from guanjia.testing import factories as f

PHONE = "13812342345"
MASKED = "138****2345"


def login(client: Client, user: User) -> Client:
    assert client.login(username=user.username, password=f.PASSWORD)
    return client


def rows(client: Client, name: str, **params: Any) -> list[Any]:
    response = client.get(reverse(f"admin:people_{name}_changelist"), params)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def test_a_street_administrator_manages_the_accounts_of_their_street(
    world: Any, client: Client
) -> None:
    stranger = f.user("dispatcher", world.other_street, "stranger")
    root = f.user("admin", world.street, "root")
    login(client, root)
    accounts = rows(client, "user")
    assert world.dispatcher in accounts and root in accounts
    assert stranger not in accounts
    change = reverse("admin:people_user_change", args=[stranger.pk])
    assert client.get(change).status_code == 302
    html = client.get(reverse("admin:people_user_changelist")).content.decode()
    assert "dispatcher" in html  # the roles column


def test_an_account_added_in_the_admin_gets_a_street_of_the_admins_choice(
    world: Any, client: Client
) -> None:
    login(client, f.user("admin", world.street, "root"))
    response = client.post(
        reverse("admin:people_user_add"),
        {
            "username": "newcomer",
            "usable_password": "true",
            "password1": "guanjia-demo-1",
            "password2": "guanjia-demo-1",
            "display_name": "新同事",
            "street": world.street.pk,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="newcomer")
    assert (user.street, user.display_name) == (world.street, "新同事")

    response = client.post(
        reverse("admin:people_user_add"),
        {
            "username": "outsider",
            "usable_password": "true",
            "password1": "guanjia-demo-1",
            "password2": "guanjia-demo-1",
            "street": world.other_street.pk,
        },
    )
    assert response.status_code == 200  # another street is not among the choices
    assert not User.objects.filter(username="outsider").exists()


def test_a_manager_edits_staff_skills_compounds_and_shifts(world: Any, client: Client) -> None:
    profile = StaffProfile.objects.get(user=world.worker)
    theirs = f.handler(world.other_street, "repair.corridor_light", username="far_away")
    login(client, world.manager)
    profiles = rows(client, "staffprofile")
    assert profile in profiles
    assert theirs.staff not in profiles

    url = reverse("admin:people_staffprofile_change", args=[profile.pk])
    page = client.get(url)
    assert page.status_code == 200
    compounds = page.context["adminform"].form.fields["compounds"].queryset
    assert world.unit.building.compound in compounds
    assert world.other_unit.building.compound not in compounds

    drain = f.category("repair.drain")
    response = client.post(
        url,
        {
            "user": world.worker.pk,
            "street": world.street.pk,
            "title": "电工",
            "skills": [drain.pk],
            "compounds": [world.unit.building.compound.pk],
            "active": "on",
            "shifts-TOTAL_FORMS": 1,
            "shifts-INITIAL_FORMS": 0,
            "shifts-MIN_NUM_FORMS": 0,
            "shifts-MAX_NUM_FORMS": 1000,
            "shifts-0-weekday": 0,
            "shifts-0-start": "08:00",
            "shifts-0-end": "17:00",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    profile.refresh_from_db()
    assert profile.title == "电工"
    assert list(profile.skills.values_list("code", flat=True)) == ["repair.drain"]
    assert Shift.objects.filter(staff=profile, weekday=0).count() == 1


def test_a_manager_sees_the_vendors_of_their_street(world: Any, client: Client) -> None:
    ours = Vendor.objects.create(street=world.street, name="好帮手家政")
    theirs = Vendor.objects.create(street=world.other_street, name="远方家政")
    login(client, world.manager)
    vendors = rows(client, "vendor")
    assert ours in vendors and theirs not in vendors


def test_residents_phones_are_full_for_contact_roles(world: Any, client: Client) -> None:
    resident = Resident.objects.create(street=world.street, phone=PHONE, name="张建国")
    Resident.objects.create(street=world.other_street, phone="13900001111")
    login(client, world.manager)
    assert rows(client, "resident") == [resident]
    html = client.get(reverse("admin:people_resident_changelist")).content.decode()
    assert PHONE in html and "张建国" in html
    assert rows(client, "resident", q="2345") == [resident]


def test_residents_phones_are_masked_for_roles_without_contact_access(
    world: Any, client: Client
) -> None:
    # Roles are data: an administrator may grant reading residents without contact access.
    auditor_group = Group.objects.create(name="auditor")
    auditor_group.permissions.add(
        Permission.objects.get(codename="view_resident", content_type__app_label="people")
    )
    auditor = User.objects.create_user(
        "auditor", password=f.PASSWORD, street=world.street, is_staff=True
    )
    auditor.groups.add(auditor_group)
    resident = Resident.objects.create(street=world.street, phone=PHONE, name="张建国")
    login(client, auditor)

    html = client.get(reverse("admin:people_resident_changelist")).content.decode()
    assert MASKED in html and "张**" in html
    assert PHONE not in html and "张建国" not in html
    # Searching by a number one may not see would confirm whose it is.
    assert 'id="searchbar"' not in html

    page = client.get(reverse("admin:people_resident_change", args=[resident.pk]))
    assert page.status_code == 200
    detail = page.content.decode()
    assert MASKED in detail and PHONE not in detail and "张建国" not in detail
    assert "phone" not in page.context["adminform"].form.fields


def test_workers_do_not_see_people_pages(world: Any, client: Client) -> None:
    login(client, world.worker)
    assert client.get(reverse("admin:people_resident_changelist")).status_code == 403
    assert client.get(reverse("admin:people_user_changelist")).status_code == 403
