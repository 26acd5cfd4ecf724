"""The outbox in the back office: read-only, street-scoped, phones through the permission layer."""

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from guanjia.notifications.models import Notification
from guanjia.people.models import User
from guanjia.testing import factories as f
from guanjia.tickets.services import ticket_transition

LIST = reverse("admin:notifications_notification_changelist")


def login(client: Client, user: User) -> Client:
    assert client.login(username=user.username, password=f.PASSWORD)
    return client


def test_an_administrator_reads_the_outbox_of_their_street(world: Any, client: Client) -> None:
    ours = f.ticket(world.unit, phone="13812342345")
    theirs = f.ticket(world.other_unit, phone="13900001111")
    login(client, f.user("admin", world.street, "root"))
    response = client.get(LIST)
    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    assert shown and {n.ticket_id for n in shown} == {ours.pk}
    assert theirs.number not in response.content.decode()

    notification = shown[0]
    url = reverse("admin:notifications_notification_change", args=[notification.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"kind": "x"}).status_code == 403
    delete = reverse("admin:notifications_notification_delete", args=[notification.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Notification.objects.filter(pk=notification.pk).exists()


def test_phones_in_the_outbox_are_masked_without_contact_access(world: Any, client: Client) -> None:
    f.ticket(world.unit, phone="13812342345")
    dispatched = f.ticket(world.unit, phone="13812342345")
    ticket_transition(
        ticket=dispatched, action="dispatch", actor=world.dispatcher, assignee=world.worker
    )
    ticket_transition(ticket=dispatched, action="accept", actor=world.worker)
    assert Notification.objects.filter(phone="13812342345").exists()
    group = Group.objects.create(name="outbox-reader")
    group.permissions.add(
        Permission.objects.get(
            codename="view_notification", content_type__app_label="notifications"
        )
    )
    reader = User.objects.create_user(
        "reader", password=f.PASSWORD, street=world.street, is_staff=True
    )
    reader.groups.add(group)
    login(client, reader)
    html = client.get(LIST).content.decode()
    assert "138****2345" in html
    assert "13812342345" not in html


def test_the_outbox_shows_each_channel_of_a_notification(world: Any, client: Client) -> None:
    from guanjia.notifications.tasks import notifications_deliver

    f.ticket(world.unit)
    notifications_deliver.call()
    login(client, f.user("admin", world.street, "root"))
    notification = Notification.objects.filter(recipient=world.dispatcher).get()
    url = reverse("admin:notifications_notification_change", args=[notification.pk])
    html = client.get(url).content.decode()
    assert "inapp" in html
