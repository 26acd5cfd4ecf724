"""Two workers deliver at once, in real threads with their own connections (SQLite serialises the
claims, PostgreSQL skips locked rows): every channel is sent once."""

from collections import Counter
from typing import Any

import pytest
from django.utils import timezone

from guanjia.notifications.delivery import notification_claim, notification_deliver_batch
from guanjia.notifications.models import Notification, NotificationDelivery
from guanjia.testing import factories as f
from guanjia.tickets.services import ticket_transition
from guanjia.tickets.tests.test_api_concurrency import race


def test_a_claim_leases_what_it_took(world: Any) -> None:
    for _ in range(3):
        f.ticket(world.unit)
    now = timezone.now()
    first = notification_claim(batch=4, now=now)
    second = notification_claim(batch=100, now=now)
    assert len(first) == 4 and second and not set(first) & set(second)
    assert notification_claim(batch=100, now=now) == []


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_channel_once(world: Any, sms: list[Any]) -> None:
    world.worker.phone = "13900001111"
    world.worker.save()
    for _ in range(6):
        ticket = f.ticket(world.unit, phone="13812342345")
        ticket_transition(
            ticket=ticket, action="dispatch", actor=world.dispatcher, assignee=world.worker
        )
    total = Notification.objects.count()
    results = race(
        lambda: notification_deliver_batch(batch=5),
        lambda: notification_deliver_batch(batch=5),
    )
    assert not any(isinstance(r, Exception) for r in results), results
    while notification_deliver_batch(batch=5).claimed:
        pass
    assert not Notification.objects.filter(delivered_at__isnull=True).exists()
    assert sum(r.claimed for r in results) <= total
    refs = Counter(ref for _phone, _text, ref in sms)
    assert refs and max(refs.values()) == 1
    assert NotificationDelivery.objects.filter(channel="sms").count() == len(refs)
