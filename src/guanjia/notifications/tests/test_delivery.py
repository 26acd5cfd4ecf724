"""Delivery of the outbox: channels, at least once, each recorded channel sent once."""

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from guanjia.notifications import delivery
from guanjia.notifications.backends import DeliveryFailed, LocmemSMS
from guanjia.notifications.delivery import notification_deliver_batch
from guanjia.notifications.models import Notification, NotificationDelivery
from guanjia.notifications.tasks import notifications_deliver
from guanjia.testing import factories as f
from guanjia.tickets.services import ticket_transition

PHONE = "13812342345"


def _accepted(world: Any) -> Any:
    """An order grabbed by the worker: the resident hears "taken"."""
    ticket = f.ticket(world.unit, phone=PHONE)
    f.category("repair.corridor_light", dispatch_mode="grab")
    ticket_transition(ticket=ticket, action="grab", actor=world.worker)
    return ticket


def test_the_resident_hears_at_accept_arrive_and_resolve_only(world: Any, sms: list[Any]) -> None:
    f.category("repair.corridor_light", after_photo_required=False)
    ticket = f.ticket(world.unit, phone=PHONE)
    ticket_transition(
        ticket=ticket, action="dispatch", actor=world.dispatcher, assignee=world.worker
    )
    ticket_transition(ticket=ticket, action="accept", actor=world.worker)
    ticket_transition(ticket=ticket, action="arrive", actor=world.worker)
    ticket_transition(ticket=ticket, action="resolve", actor=world.worker)
    notifications_deliver.call()
    texts = [text for phone, text, _ref in sms if phone == PHONE]
    assert len(texts) == 3, texts
    assert "已接单" in texts[0]
    assert "已到达现场" in texts[1]
    ticket.refresh_from_db()
    assert f"/t/{ticket.tracking_token}" in texts[2] and "评价" in texts[2]
    assert not Notification.objects.filter(delivered_at__isnull=True).exists()
    assert not Notification.objects.filter(kind="resident_dispatch").exists()


def test_a_grab_tells_the_resident_who_comes_and_when(world: Any, sms: list[Any]) -> None:
    world.worker.display_name = "李师傅"
    world.worker.save()
    _accepted(world)
    notifications_deliver.call()
    [text] = [text for phone, text, _ref in sms if phone == PHONE]
    assert "李师傅 已接单" in text and "预计" in text and "到达" in text


def test_a_worker_hears_of_an_assignment_in_the_app_and_by_sms(world: Any, sms: list[Any]) -> None:
    world.worker.phone = "13900001111"
    world.worker.save()
    ticket = f.ticket(world.unit, phone=PHONE)
    ticket_transition(
        ticket=ticket, action="dispatch", actor=world.dispatcher, assignee=world.worker
    )
    notifications_deliver.call()
    n = Notification.objects.get(kind="ticket_dispatch")
    assert n.recipient == world.worker and n.available_at is not None and n.delivered_at
    assert {d.channel for d in NotificationDelivery.objects.filter(notification=n)} == {
        "inapp",
        "sms",
    }
    [text] = [text for phone, text, _ref in sms if phone == "13900001111"]
    assert ticket.number in text and "新工单" in text
    # No resident's phone or name in what a worker is sent.
    assert PHONE not in text


def test_managers_hear_of_an_urgent_order_by_email(world: Any, sms: list[Any]) -> None:
    world.manager.email = "manager@example.org"
    world.manager.save()
    ticket = f.ticket(world.unit, phone=PHONE, urgent=True)
    notifications_deliver.call()
    n = Notification.objects.get(kind="ticket_urgent", recipient=world.manager)
    assert n.delivered_at is not None
    [message] = mail.outbox
    assert message.to == ["manager@example.org"] and ticket.number in message.body


class Flaky:
    """Fails the first `failures` sends, then succeeds."""

    failures = 1
    sent: list[str] = []

    def send(self, phone: str, text: str, *, ref: str = "") -> None:
        if Flaky.failures:
            Flaky.failures -= 1
            raise DeliveryFailed("gateway busy for 13812342345")
        Flaky.sent.append(ref)


@pytest.fixture
def flaky(settings: Any) -> type[Flaky]:
    notify = dict(settings.GUANJIA["NOTIFY"])
    notify["SMS_BACKEND"] = f"{__name__}.Flaky"
    settings.GUANJIA = {**settings.GUANJIA, "NOTIFY": notify}
    Flaky.failures = 1
    Flaky.sent = []
    return Flaky


def test_a_failed_channel_is_retried_with_backoff_and_sent_once(world: Any, flaky: Any) -> None:
    ticket = f.ticket(world.unit, phone=PHONE)
    ticket_transition(
        ticket=ticket, action="dispatch", actor=world.dispatcher, assignee=world.worker
    )
    ticket_transition(ticket=ticket, action="accept", actor=world.worker)
    # Deliver what is pending before the arrival, so the arrival's text meets the failure.
    Notification.objects.update(delivered_at=timezone.now())
    ticket_transition(ticket=ticket, action="arrive", actor=world.worker)
    n = Notification.objects.get(kind="resident_arrive")
    now = timezone.now()

    notification_deliver_batch(now=now)
    n.refresh_from_db()
    assert n.delivered_at is None and n.attempts == 1
    assert "138****2345" in n.last_error and PHONE not in n.last_error
    assert n.next_attempt_at == now + dt.timedelta(minutes=1)
    # Not due yet: nothing happens.
    notification_deliver_batch(now=now + dt.timedelta(seconds=30))
    assert flaky.sent == []

    notification_deliver_batch(now=now + dt.timedelta(minutes=2))
    notification_deliver_batch(now=now + dt.timedelta(minutes=10))
    n.refresh_from_db()
    assert n.delivered_at is not None and n.attempts == 2
    d = NotificationDelivery.objects.get(notification=n, channel="sms")
    assert d.attempts == 2 and d.delivered_at is not None and d.last_error == ""
    assert flaky.sent == [str(n.pk)]


def test_a_channel_that_keeps_failing_is_given_up(world: Any, flaky: Any, settings: Any) -> None:
    flaky.failures = 100
    ticket = _accepted(world)
    n = Notification.objects.get(ticket=ticket, kind="resident_grab")
    now = timezone.now()
    for minute in range(0, 24 * 60, 5):
        notification_deliver_batch(now=now + dt.timedelta(minutes=minute))
    n.refresh_from_db()
    assert n.attempts == settings.GUANJIA["NOTIFY"]["MAX_ATTEMPTS"] and n.delivered_at is None
    assert flaky.sent == []


def test_running_the_job_twice_sends_nothing_twice(world: Any, sms: list[Any]) -> None:
    world.worker.phone = "13900001111"
    world.worker.save()
    ticket = f.ticket(world.unit, phone=PHONE)
    ticket_transition(
        ticket=ticket, action="dispatch", actor=world.dispatcher, assignee=world.worker
    )
    first = notifications_deliver.call()
    sent = list(sms)
    assert first == Notification.objects.count()
    assert notifications_deliver.call() == 0
    later = timezone.now() + dt.timedelta(hours=3)
    assert notification_deliver_batch(now=later).claimed == 0
    assert sms == sent
    refs = [ref for _phone, _text, ref in sms]
    assert len(refs) == len(set(refs))


class Crash(BaseException):
    """The process dies (kill -9) between a send and its record."""


def test_a_crash_between_send_and_record_sends_again_at_least_once(
    world: Any, sms: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    _accepted(world)
    n = Notification.objects.get(kind="resident_grab")
    now = timezone.now()
    real = delivery.delivery_record

    def crash(**kwargs: Any) -> None:
        if kwargs["channel"] == "sms":
            raise Crash
        real(**kwargs)

    monkeypatch.setattr(delivery, "delivery_record", crash)
    with pytest.raises(Crash):
        notification_deliver_batch(now=now)
    assert len([s for s in sms if s[2] == str(n.pk)]) == 1
    monkeypatch.setattr(delivery, "delivery_record", real)

    # The claim's lease holds the notification for a while, then another round takes it up.
    assert notification_deliver_batch(now=now + dt.timedelta(minutes=1)).claimed == 0
    notification_deliver_batch(now=now + delivery.LEASE)
    n.refresh_from_db()
    assert n.delivered_at is not None
    # At least once: sent twice, with the same ref for the receiver to drop the repeat.
    assert [s[2] for s in sms if s[2] == str(n.pk)] == [str(n.pk)] * 2
    assert NotificationDelivery.objects.get(notification=n, channel="sms").delivered_at
    # Recorded now: never again.
    notification_deliver_batch(now=now + dt.timedelta(hours=5))
    assert len([s for s in sms if s[2] == str(n.pk)]) == 2


def test_a_recorded_channel_is_not_sent_again_when_another_failed(
    world: Any, sms: list[Any], settings: Any
) -> None:
    world.manager.email = "manager@example.org"
    world.manager.phone = "13900002222"
    world.manager.save()
    settings.EMAIL_BACKEND = "guanjia.notifications.tests.test_delivery.BrokenMail"
    f.ticket(world.unit, phone=PHONE, urgent=True)
    n = Notification.objects.get(kind="ticket_urgent", recipient=world.manager)
    now = timezone.now()
    notification_deliver_batch(now=now)
    n.refresh_from_db()
    assert n.delivered_at is None and n.available_at is not None
    assert len([s for s in sms if s[0] == "13900002222"]) == 1
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    notification_deliver_batch(now=now + dt.timedelta(minutes=5))
    n.refresh_from_db()
    assert n.delivered_at is not None
    assert len([s for s in sms if s[0] == "13900002222"]) == 1
    assert len(mail.outbox) == 1


class BrokenMail:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def send_messages(self, messages: Any) -> int:
        raise OSError("connection refused")


def test_the_console_backend_masks_phones_and_tracking_links(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from guanjia.notifications.backends import ConsoleSMS

    with caplog.at_level("INFO", logger="guanjia.notifications.sms"):
        ConsoleSMS().send(PHONE, "请评价：/t/abcdefghijklmnopqrstuvwx", ref="7")
    assert "138****2345" in caplog.text
    assert PHONE not in caplog.text
    assert "abcdefghijkl" not in caplog.text and "/t/abcd…" in caplog.text


def test_locmem_outbox_is_a_list() -> None:
    assert isinstance(LocmemSMS.outbox, list)


def test_a_notification_that_cannot_be_rendered_does_not_hold_up_the_others(
    world: Any, sms: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    f.ticket(world.unit, phone=PHONE)
    real = delivery.notification_text

    def text(n: Notification) -> str:
        if n.recipient == world.dispatcher:
            raise ValueError("bad template")
        return real(n)

    monkeypatch.setattr(delivery, "notification_text", text)
    notification_deliver_batch()
    broken = Notification.objects.get(recipient=world.dispatcher)
    assert broken.delivered_at is None and broken.attempts == 1
    assert "bad template" in broken.last_error
    assert Notification.objects.filter(recipient=world.manager, delivered_at__isnull=False)
