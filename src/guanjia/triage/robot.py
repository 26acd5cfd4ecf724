"""The group robot's callback (DingTalk "outgoing robot" style; WeCom's is the same idea):
a resident @-mentions the robot in the compound's group, the chat platform POSTs the message here,
and the answer we return is posted back into the group.

Authentication is the signature, not an account: the platform sends `timestamp` (milliseconds)
and `sign` = base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}")) headers; the street's secret
is IntakeSettings.robot_secret (empty: the callback is off, 404). A timestamp more than five
minutes away is refused (a captured request cannot be replayed later). The signature covers the
timestamp, not the body, so each signature is taken for one platform message only
(RobotSignature): within the five minutes it cannot carry another. The platform's message id makes
a repeated delivery answer the same without taking the message twice.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

MAX_SKEW = dt.timedelta(minutes=5)
MAX_BODY = 64 * 1024


def robot_sign(secret: str, timestamp: str) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def robot_signature_ok(*, secret: str, timestamp: str, sign: str, now: dt.datetime) -> bool:
    if not secret or not timestamp.isdigit() or not sign or len(timestamp) > 16:
        return False
    sent = dt.datetime.fromtimestamp(int(timestamp) / 1000, tz=dt.UTC)
    if abs(now - sent) > MAX_SKEW:
        return False
    return hmac.compare_digest(robot_sign(secret, timestamp), sign)


@dataclass(frozen=True)
class RobotMessage:
    text: str
    sender: str
    sender_id: str
    message_id: str


def robot_message(body: bytes) -> RobotMessage | None:
    """The text message in a callback body, or None for anything else (images, malformed)."""
    try:
        doc: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(doc, dict) or doc.get("msgtype") != "text":
        return None
    text = (doc.get("text") or {}).get("content") if isinstance(doc.get("text"), dict) else None
    if not isinstance(text, str) or not text.strip():
        return None
    return RobotMessage(
        text=text.strip(),
        sender=str(doc.get("senderNick") or "")[:100],
        sender_id=str(doc.get("senderId") or doc.get("senderStaffId") or "")[:100],
        message_id=str(doc.get("msgId") or "")[:100],
    )


def robot_reply(text: str, *, at: str = "") -> dict[str, Any]:
    reply: dict[str, Any] = {"msgtype": "text", "text": {"content": text}}
    if at:
        reply["at"] = {"atDingtalkIds": [at]}
    return reply


def robot_answer_text(
    *, kind: str, number: str | None, category: str, urgent: bool, message_id: int
) -> str:
    """What the group reads back (in the site's language, Chinese by default)."""
    if kind == "order":
        text = _("Received: order %(number)s (%(category)s). We are sending someone.") % {
            "number": number,
            "category": category,
        }
    elif kind == "joined":
        text = _(
            "This is already being handled as order %(number)s; your message was added to it."
        ) % {"number": number}
    else:
        text = _("Received (message %(id)d). A dispatcher will check it and send someone soon.") % {
            "id": message_id
        }
    if urgent:
        text += " " + _("If anyone is in danger, call 119 / 110 / 120 now.")
    return text
