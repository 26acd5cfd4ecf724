"""The order pages of the back office: the same scope and masking as everywhere else, read-only."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from guanjia.people.models import User
from guanjia.testing import factories as f
from guanjia.tickets.models import Ticket, TicketPhoto
from guanjia.tickets.services import ticket_transition

PHONE = "13812342345"
MASKED = "138****2345"
LIST = reverse("admin:tickets_ticket_changelist")


def change_url(ticket: Ticket) -> str:
    return reverse("admin:tickets_ticket_change", args=[ticket.pk])


def login(client: Client, user: User) -> Client:
    assert client.login(username=user.username, password=f.PASSWORD)
    return client


def dispatched(world: Any, assignee: User, **kwargs: Any) -> Ticket:
    t = f.ticket(world.unit, phone=PHONE, contact_name="张建国", **kwargs)
    return ticket_transition(
        ticket=t, action="dispatch", actor=world.dispatcher, assignee=assignee
    ).ticket


@pytest.mark.parametrize("role", ["admin", "manager", "dispatcher", "operator", "worker"])
def test_every_staff_role_signs_in_and_sees_orders(world: Any, client: Client, role: str) -> None:
    user = f.user(role, world.street, f"{role}-x") if role == "admin" else getattr(world, role)
    response = client.post(
        reverse("admin:login"),
        {"username": user.username, "password": f.PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    index = client.get("/admin/")
    assert index.status_code == 200
    assert LIST in index.content.decode()
    assert client.get(LIST).status_code == 200


def test_a_resident_cannot_enter_the_back_office(world: Any, client: Client) -> None:
    login(client, world.resident)
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_worker_sees_only_their_own_orders_with_masked_phones(world: Any, client: Client) -> None:
    mine = dispatched(world, world.worker)
    theirs = dispatched(world, world.other_worker)
    login(client, world.worker)

    page = client.get(LIST).content.decode()
    assert mine.number in page
    assert theirs.number not in page
    assert MASKED in page
    assert PHONE not in page

    detail = client.get(change_url(mine))
    assert detail.status_code == 200
    html = detail.content.decode()
    assert MASKED in html
    assert PHONE not in html
    assert "张建国" not in html
    assert "张**" in html
    # The raw fields are not in the page at all, not even as hidden inputs.
    assert 'name="contact_phone"' not in html
    assert 'name="contact_name"' not in html

    other = client.get(change_url(theirs))
    assert other.status_code == 302  # the admin's "no such object" redirect
    assert theirs.number not in client.get(other["Location"]).content.decode()


def test_a_dispatcher_sees_full_phones_and_every_order_of_the_street(
    world: Any, client: Client
) -> None:
    a = dispatched(world, world.worker)
    b = f.ticket(world.unit, phone="13900001111")
    login(client, world.dispatcher)
    page = client.get(LIST).content.decode()
    assert a.number in page and b.number in page
    assert PHONE in page and "13900001111" in page
    assert "张建国" in client.get(change_url(a)).content.decode()


def test_a_dispatcher_of_one_street_never_sees_another_streets_orders(
    world: Any, client: Client
) -> None:
    ours = f.ticket(world.unit)
    theirs = f.ticket(world.other_unit)
    login(client, world.dispatcher)

    page = client.get(LIST).content.decode()
    assert ours.number in page
    assert theirs.number not in page
    searched = client.get(LIST, {"q": theirs.number})
    assert list(searched.context["cl"].result_list) == []
    assert client.get(change_url(theirs)).status_code == 302
    history = reverse("admin:tickets_ticket_history", args=[theirs.pk])
    assert client.get(history).status_code == 302


def test_a_district_administrator_sees_every_street(world: Any, client: Client) -> None:
    ours = f.ticket(world.unit)
    theirs = f.ticket(world.other_unit)
    login(client, f.user("admin", None, "district"))
    page = client.get(LIST).content.decode()
    assert ours.number in page and theirs.number in page


def test_the_order_page_is_read_only(world: Any, client: Client) -> None:
    t = dispatched(world, world.worker)
    admin = f.user("admin", world.street, "root")
    login(client, admin)

    page = client.get(change_url(t))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="_save"' not in html
    assert "<textarea" not in html

    response = client.post(
        change_url(t), {"description": "changed", "status": "closed", "_save": "Save"}
    )
    assert response.status_code == 403
    t.refresh_from_db()
    assert (t.status, t.description, t.version) == ("dispatched", "楼道灯不亮", 2)

    assert client.get(reverse("admin:tickets_ticket_add")).status_code == 403
    delete = reverse("admin:tickets_ticket_delete", args=[t.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Ticket.objects.filter(pk=t.pk).exists()
    assert 'name="action"' not in client.get(LIST).content.decode()


def test_the_order_page_shows_its_timeline_and_photo_count(world: Any, client: Client) -> None:
    t = dispatched(world, world.worker)
    t = ticket_transition(ticket=t, action="accept", actor=world.worker).ticket
    for kind in ("before", "after"):
        TicketPhoto.objects.create(
            street=t.street,
            ticket=t,
            kind=kind,
            file=f"photos/{kind}.jpg",
            width=10,
            height=10,
            created_at=t.created_at,
        )
    login(client, world.dispatcher)
    response = client.get(change_url(t))
    html = response.content.decode()
    events = response.context["inline_admin_formsets"][0]
    assert [form.original.type for form in events] == ["create", "dispatch", "accept"]
    assert 'name="events-0-note"' not in html  # shown, not editable
    assert response.context["adminform"].form.instance.photo_count == 2
    row = next(
        line for line in client.get(LIST).content.decode().splitlines() if "field-photos" in line
    )
    assert ">2<" in row


def test_the_list_runs_a_bounded_number_of_queries(
    world: Any, client: Client, django_assert_max_num_queries: Any
) -> None:
    # Different compounds, categories and assignees on every row: a per-row query would show.
    workers = [
        f.handler(world.street, "repair.corridor_light", "repair.drain", username=f"w{i}")
        for i in range(5)
    ]
    for i in range(50):
        unit = f.UnitFactory(building__compound__community__street=world.street)
        t = f.ticket(unit, code="repair.drain" if i % 2 else "repair.corridor_light")
        ticket_transition(
            ticket=t, action="dispatch", actor=world.dispatcher, assignee=workers[i % 5]
        )
    login(client, world.dispatcher)
    with django_assert_max_num_queries(10):
        response = client.get(LIST)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 50


def test_the_list_filters_by_status_category_and_channel(world: Any, client: Client) -> None:
    sent = dispatched(world, world.worker)
    waiting = f.ticket(world.unit, channel="hotline")
    login(client, world.dispatcher)
    page = client.get(LIST, {"status__exact": "new"}).content.decode()
    assert waiting.number in page and sent.number not in page
    page = client.get(LIST, {"channel__exact": "hotline"}).content.decode()
    assert waiting.number in page and sent.number not in page
    category = sent.category.pk
    page = client.get(LIST, {"category__id__exact": category}).content.decode()
    assert sent.number in page
