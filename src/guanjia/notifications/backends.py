"""Delivery backends: how a text leaves the building.

A channel (notifications/delivery.py) decides who gets what; a backend only sends. Each raises on
failure, and the worker tries again later with backoff.

SMS: any class with `send(phone, text, *, ref="")`, named by its dotted path in
GUANJIA_SMS_BACKEND. A provider (Aliyun, Tencent Cloud, a carrier's gateway) plugs in as a small
class that calls its API and raises on anything but success; `ref` is the notification's id, to
pass as the provider's out-id where it has one, so that its own duplicate check catches a resend
after a crash. The console backend (the default) writes to the log for the demo, with the phone
masked; the locmem backend keeps messages in memory for tests.

Group robot: a WeCom/DingTalk-style webhook (GUANJIA_ROBOT_URL, off when empty) gets a JSON POST;
with GUANJIA_ROBOT_SECRET it is signed as DingTalk signs (HMAC-SHA256 of "timestamp\\nsecret",
base64, as `timestamp` and `sign` query parameters).
"""

import base64
import hashlib
import hmac
import json
import logging
import re
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import ClassVar, Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from guanjia.core.phones import phone_mask

logger = logging.getLogger("guanjia.notifications.sms")

# A tracking link is a capability (it opens the resident's order): keep it out of the log.
_TOKEN = re.compile(r"(/t/)([A-Za-z0-9_-]{4})[A-Za-z0-9_-]+")


class DeliveryFailed(Exception):
    """A backend could not deliver; the worker tries again later."""


class SMSBackend(Protocol):
    def send(self, phone: str, text: str, *, ref: str = "") -> None: ...


def log_safe(text: str) -> str:
    """`text` with tracking tokens cut short, fit for a log line."""
    return _TOKEN.sub(r"\1\2…", text)


class ConsoleSMS:
    """For the demo: writes each message to the log (stderr) instead of sending it."""

    def send(self, phone: str, text: str, *, ref: str = "") -> None:
        logger.info("SMS to %s [%s]: %s", phone_mask(phone), ref, log_safe(text))


class LocmemSMS:
    """For tests: keeps (phone, text, ref) in `outbox`, like Django's locmem mail backend."""

    outbox: ClassVar[list[tuple[str, str, str]]] = []

    def send(self, phone: str, text: str, *, ref: str = "") -> None:
        self.outbox.append((phone, text, ref))


def sms_backend() -> SMSBackend:
    backend: SMSBackend = import_string(settings.GUANJIA["NOTIFY"]["SMS_BACKEND"])()
    return backend


@dataclass(frozen=True)
class RobotWebhook:
    """A group robot: POST {"msgtype": "text", "text": {"content": ...}} to `url`."""

    url: str
    secret: str = ""
    timeout: float = 5.0

    def signed_url(self, now_ms: int | None = None) -> str:
        if not self.secret:
            return self.url
        timestamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
        digest = hmac.new(
            self.secret.encode(), f"{timestamp}\n{self.secret}".encode(), hashlib.sha256
        ).digest()
        sign = urllib.parse.quote_plus(base64.b64encode(digest).decode())
        joiner = "&" if "?" in self.url else "?"
        return f"{self.url}{joiner}timestamp={timestamp}&sign={sign}"

    def send(self, text: str, *, ref: str = "") -> None:
        body = json.dumps(
            {"msgtype": "text", "text": {"content": text}, "guanjia_id": ref}, ensure_ascii=False
        ).encode()
        request = urllib.request.Request(  # noqa: S310 - the administrator's configured URL
            self.signed_url(),
            data=body,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = response.read(10_000)
        except OSError as e:
            raise DeliveryFailed(f"robot: {type(e).__name__}: {e}") from e
        # WeCom and DingTalk answer 200 with {"errcode": 0} on success, another errcode otherwise.
        try:
            errcode = json.loads(answer or b"{}").get("errcode", 0)
        except (ValueError, AttributeError):
            errcode = 0
        if errcode:
            raise DeliveryFailed(f"robot: errcode {errcode}")


def robot_backend() -> RobotWebhook | None:
    notify = settings.GUANJIA["NOTIFY"]
    if not notify["ROBOT_URL"]:
        return None
    return RobotWebhook(url=notify["ROBOT_URL"], secret=notify["ROBOT_SECRET"])


def email_send(address: str, subject: str, text: str) -> None:
    """Through Django's e-mail backend (EMAIL_BACKEND; locmem in tests)."""
    send_mail(subject, text, None, [address], fail_silently=False)
