"""The bell and the inbox: one's own notifications only, newest first, marked read by POST."""

from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guanjia.notifications.models import Notification
from guanjia.notifications.tasks import notifications_deliver
from guanjia.notifications.templatetags.notifications import bell_context
from guanjia.people.models import User
from guanjia.testing import factories as f
from guanjia.tickets.services import ticket_transition

INBOX = reverse("notifications:inbox")


def login(client: Client, user: User) -> Client:
    assert client.login(username=user.username, password=f.PASSWORD)
    return client


def _dispatched(world: Any) -> Any:
    ticket = f.ticket(world.unit)
    ticket_transition(
        ticket=ticket, action="dispatch", actor=world.dispatcher, assignee=world.worker
    )
    notifications_deliver.call()
    return ticket


def test_the_bell_counts_with_one_query_and_none_for_strangers(world: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    _dispatched(world)
    with CaptureQueriesContext(connection) as queries:
        assert bell_context(AnonymousUser()) == {"show": False}
    assert len(queries) == 0
    with CaptureQueriesContext(connection) as queries:
        bell = bell_context(world.worker)
    assert len(queries) == 1 and "COUNT" in queries[0]["sql"].upper()
    assert bell["unread"] == 1 and bell["shown"] == "1"


def test_nothing_is_in_the_inbox_before_the_worker_delivers_it(world: Any) -> None:
    ticket = f.ticket(world.unit)
    ticket_transition(
        ticket=ticket, action="dispatch", actor=world.dispatcher, assignee=world.worker
    )
    assert bell_context(world.worker)["unread"] == 0
    notifications_deliver.call()
    assert bell_context(world.worker)["unread"] == 1


def test_the_header_shows_the_bell(world: Any, client: Client) -> None:
    _dispatched(world)
    login(client, world.worker)
    html = client.get(INBOX).content.decode()
    assert 'id="notification-bell"' in html
    assert reverse("notifications:bell") in html and 'hx-trigger="every 60s"' in html
    fragment = client.get(reverse("notifications:bell")).content.decode()
    assert fragment.strip().startswith('<a id="notification-bell"') and ">1<" in fragment


def test_a_worker_reads_the_assignment_and_opens_the_order(world: Any, client: Client) -> None:
    ticket = _dispatched(world)
    login(client, world.worker)
    response = client.get(INBOX)
    assert response.status_code == 200
    [row] = response.context["rows"]
    assert row.number == ticket.number and ticket.number in row.text
    assert row.url == reverse("workbench:task", args=[ticket.number])
    assert row.url in response.content.decode()

    assert client.post(reverse("notifications:read", args=[row.n.pk])).status_code == 302
    assert Notification.objects.get(pk=row.n.pk).read_at is not None
    assert bell_context(world.worker)["unread"] == 0


def test_dispatchers_are_sent_to_the_console(world: Any, client: Client) -> None:
    ticket = f.ticket(world.unit)
    notifications_deliver.call()
    login(client, world.dispatcher)
    [row] = client.get(INBOX).context["rows"]
    assert row.n.kind == "ticket_new"
    assert row.url == reverse("console:ticket", args=[ticket.number])


def test_only_the_recipient_sees_or_reads_a_notification(world: Any, client: Client) -> None:
    _dispatched(world)
    theirs = Notification.objects.get(kind="ticket_dispatch")
    login(client, world.other_worker)
    assert client.get(INBOX).context["rows"] == []
    assert client.post(reverse("notifications:read", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notifications:read", args=[2**64])).status_code == 404
    client.post(reverse("notifications:read-all"))
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_reading_needs_a_post(world: Any, client: Client) -> None:
    _dispatched(world)
    n = Notification.objects.get(kind="ticket_dispatch")
    login(client, world.worker)
    assert client.get(reverse("notifications:read", args=[n.pk])).status_code == 405
    assert client.get(reverse("notifications:read-all")).status_code == 405
    csrf = Client(enforce_csrf_checks=True)
    login(csrf, world.worker)
    assert csrf.post(reverse("notifications:read", args=[n.pk])).status_code == 403
    assert Notification.objects.get(pk=n.pk).read_at is None


def test_the_inbox_pages_newest_first(world: Any, client: Client) -> None:
    for _ in range(3):
        f.ticket(world.unit)
    notifications_deliver.call()
    login(client, world.dispatcher)
    from guanjia.notifications import selectors

    page, cursor = selectors.notification_inbox(world.dispatcher, size=2)
    assert cursor is not None
    rest, end = selectors.notification_inbox(world.dispatcher, before=cursor, size=2)
    assert end is None
    ids = [n.pk for n in page + rest]
    assert ids == sorted(ids, reverse=True) and len(ids) == 3
    response = client.get(INBOX, {"before": str(cursor)})
    assert [r.n.pk for r in response.context["rows"]] == [n.pk for n in rest]
    assert client.get(INBOX, {"before": "nonsense"}).status_code == 200
    assert client.post(reverse("notifications:read-all")).status_code == 302
    assert bell_context(world.dispatcher)["unread"] == 0


def test_the_inbox_takes_a_fixed_number_of_queries(world: Any, client: Client) -> None:
    for _ in range(2):
        f.ticket(world.unit)
    notifications_deliver.call()
    login(client, world.dispatcher)
    with CaptureQueriesContext(connection) as few:
        client.get(INBOX)
    for _ in range(5):
        f.ticket(world.unit)
    notifications_deliver.call()
    with CaptureQueriesContext(connection) as many:
        client.get(INBOX)
    assert len(many) == len(few)
