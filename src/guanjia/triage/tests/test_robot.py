"""The group robot's signature and message parsing (pure)."""

import datetime as dt
import json

from guanjia.triage.robot import robot_message, robot_sign, robot_signature_ok

NOW = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)
STAMP = str(int(NOW.timestamp() * 1000))


def test_a_signature_made_with_the_secret_passes() -> None:
    sign = robot_sign("s3cret", STAMP)
    assert robot_signature_ok(secret="s3cret", timestamp=STAMP, sign=sign, now=NOW)


def test_a_wrong_secret_an_empty_secret_or_garbage_fail() -> None:
    sign = robot_sign("other", STAMP)
    assert not robot_signature_ok(secret="s3cret", timestamp=STAMP, sign=sign, now=NOW)
    assert not robot_signature_ok(secret="", timestamp=STAMP, sign=robot_sign("", STAMP), now=NOW)
    assert not robot_signature_ok(secret="s3cret", timestamp="abc", sign=sign, now=NOW)
    assert not robot_signature_ok(secret="s3cret", timestamp=STAMP, sign="", now=NOW)
    assert not robot_signature_ok(secret="s3cret", timestamp="9" * 40, sign=sign, now=NOW)


def test_a_request_older_than_five_minutes_cannot_be_replayed() -> None:
    old = str(int((NOW - dt.timedelta(minutes=6)).timestamp() * 1000))
    sign = robot_sign("s3cret", old)
    assert not robot_signature_ok(secret="s3cret", timestamp=old, sign=sign, now=NOW)
    recent = str(int((NOW - dt.timedelta(minutes=4)).timestamp() * 1000))
    assert robot_signature_ok(
        secret="s3cret", timestamp=recent, sign=robot_sign("s3cret", recent), now=NOW
    )


def test_a_text_message_is_read_and_anything_else_is_not() -> None:
    body = {
        "msgtype": "text",
        "text": {"content": " @管家 桂花苑5栋楼道灯不亮 "},
        "msgId": "m1",
        "senderNick": "王阿姨",
        "senderId": "u1",
    }
    message = robot_message(json.dumps(body).encode())
    assert message is not None
    assert (message.text, message.sender, message.sender_id, message.message_id) == (
        "@管家 桂花苑5栋楼道灯不亮",
        "王阿姨",
        "u1",
        "m1",
    )
    assert robot_message(b"not json") is None
    assert robot_message(b"[]") is None
    assert robot_message(json.dumps({"msgtype": "picture"}).encode()) is None
    assert robot_message(json.dumps({"msgtype": "text", "text": "x"}).encode()) is None
    assert robot_message(json.dumps({"msgtype": "text", "text": {"content": " "}}).encode()) is None
