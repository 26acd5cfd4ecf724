"""The group robot webhook against a tiny HTTP server on 127.0.0.1, started here."""

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from guanjia.notifications.backends import DeliveryFailed, RobotWebhook
from guanjia.notifications.models import Notification, NotificationDelivery
from guanjia.notifications.tasks import notifications_deliver
from guanjia.testing import factories as f

SECRET = "SECtest-secret"


class Robot(HTTPServer):
    received: list[tuple[str, dict[str, Any]]]
    answer: dict[str, Any]


class Handler(BaseHTTPRequestHandler):
    server: Robot

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.server.received.append((self.path, json.loads(self.rfile.read(length))))
        body = json.dumps(self.server.answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def robot() -> Iterator[Robot]:
    server = Robot(("127.0.0.1", 0), Handler)
    server.received = []
    server.answer = {"errcode": 0, "errmsg": "ok"}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def _url(server: Robot) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/robot/send?access_token=abc"


def test_the_robot_posts_signed_json(robot: Robot) -> None:
    RobotWebhook(url=_url(robot), secret=SECRET).send("工单 X 待派单", ref="42")
    [(path, body)] = robot.received
    assert body == {"msgtype": "text", "text": {"content": "工单 X 待派单"}, "guanjia_id": "42"}
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    assert query["access_token"] == ["abc"]
    timestamp = query["timestamp"][0]
    expected = base64.b64encode(
        hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(), hashlib.sha256).digest()
    ).decode()
    assert query["sign"] == [expected]


def test_an_unsigned_robot_has_no_signature(robot: Robot) -> None:
    RobotWebhook(url=_url(robot)).send("x")
    [(path, _body)] = robot.received
    assert "sign=" not in path


def test_a_robot_error_code_is_a_failure(robot: Robot) -> None:
    robot.answer = {"errcode": 310000, "errmsg": "sign not match"}
    with pytest.raises(DeliveryFailed, match="310000"):
        RobotWebhook(url=_url(robot)).send("x")


def test_an_unreachable_robot_is_a_failure() -> None:
    with pytest.raises(DeliveryFailed):
        RobotWebhook(url="http://127.0.0.1:9/", timeout=1).send("x")


def test_the_robot_is_off_by_default(world: Any, robot: Robot) -> None:
    f.ticket(world.unit, urgent=True)
    notifications_deliver.call()
    assert robot.received == []
    assert not NotificationDelivery.objects.filter(channel="robot").exists()


def test_one_post_per_event_however_many_dispatchers_hear_of_it(
    world: Any, robot: Robot, settings: Any, sms: Any
) -> None:
    notify = {**settings.GUANJIA["NOTIFY"], "ROBOT_URL": _url(robot), "ROBOT_SECRET": SECRET}
    settings.GUANJIA = {**settings.GUANJIA, "NOTIFY": notify}
    f.user("dispatcher", world.street, "dispatcher2")
    ticket = f.ticket(world.unit, phone="13812342345")
    assert Notification.objects.filter(kind="ticket_new").count() >= 2
    notifications_deliver.call()
    notifications_deliver.call()
    [(_path, body)] = robot.received
    content = body["text"]["content"]
    assert ticket.number in content
    assert "13812342345" not in content and "138****2345" not in content
    assert NotificationDelivery.objects.filter(channel="robot").count() == 1
