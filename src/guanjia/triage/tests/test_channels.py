"""The channels into triage: the JSON API, the group robot's callback and the two commands."""

import datetime as dt
import io
import json
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from guanjia.demo.tests.conftest import NOW, demo_street, media  # noqa: F401
from guanjia.dispatch.models import AutoDispatch, StreetDispatchSettings
from guanjia.notifications.models import Notification
from guanjia.org.models import Street
from guanjia.people.models import User
from guanjia.testing import factories as f
from guanjia.testing.api import Api
from guanjia.tickets.models import Ticket
from guanjia.triage.model import TriageModel
from guanjia.triage.models import IntakeMessage, IntakeSettings
from guanjia.triage.robot import robot_sign
from guanjia.triage.runtime import model_path

SECRET = "robot-secret-of-the-street"
GROUP_LINE = "@管家 大乐园3幢1单元的声控灯坏了 晚上黑乎乎的 老人上楼不方便"


def _robot_post(
    client: Client, street: str, body: dict[str, Any], *, secret: str = SECRET, at: float = 0
) -> Any:
    stamp = str(int((at or time.time()) * 1000))
    return client.post(
        f"/intake/robot/{street}",
        data=json.dumps(body, ensure_ascii=False),
        content_type="application/json",
        headers={"timestamp": stamp, "sign": robot_sign(secret, stamp)},
    )


def _group(text: str, msg_id: str = "m-1") -> dict[str, Any]:
    return {
        "msgtype": "text",
        "text": {"content": text},
        "msgId": msg_id,
        "senderNick": "王阿姨",
        "senderId": "u-1",
    }


@pytest.fixture
def robot_street(demo_street: Street) -> Street:  # noqa: F811
    IntakeSettings.objects.create(street=demo_street, robot_secret=SECRET, confidence_threshold=0.3)
    StreetDispatchSettings.objects.filter(street=demo_street).update(mode=AutoDispatch.ALWAYS)
    return demo_street


def test_a_group_message_becomes_a_dispatched_order_and_the_group_hears_its_number(
    robot_street: Street,
) -> None:
    answer = _robot_post(Client(), "shuanggang", _group(GROUP_LINE))
    assert answer.status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.category.code == "repair.corridor_light"
    assert (ticket.compound.name, ticket.building.name, ticket.unit.name) == (  # type: ignore[union-attr]
        "大乐园小区",
        "3幢",
        "1单元",
    )
    assert ticket.assignee is not None  # dispatched with nobody typing
    assert Notification.objects.filter(ticket=ticket, recipient=ticket.assignee).exists()
    reply = answer.json()
    assert reply["msgtype"] == "text" and reply["at"] == {"atDingtalkIds": ["u-1"]}
    assert ticket.number in reply["text"]["content"]
    assert "已受理" in reply["text"]["content"]  # in Chinese, the site's language

    again = _robot_post(Client(), "shuanggang", _group(GROUP_LINE))  # the platform retries
    assert again.json() == reply
    assert Ticket.objects.count() == 1 and IntakeMessage.objects.count() == 1


def test_an_unsure_group_message_waits_as_a_draft_and_says_so(robot_street: Street) -> None:
    IntakeSettings.objects.filter(street=robot_street).update(confidence_threshold=1.0)
    answer = _robot_post(Client(), "shuanggang", _group(GROUP_LINE, "m-2"))
    message = IntakeMessage.objects.get()
    assert message.status == IntakeMessage.Status.DRAFT and not Ticket.objects.exists()
    assert str(message.pk) in answer.json()["text"]["content"]


def test_the_callback_refuses_bad_signatures_old_requests_and_streets_without_a_robot(
    robot_street: Street,
) -> None:
    client = Client()
    assert _robot_post(client, "shuanggang", _group("x"), secret="wrong").status_code == 403
    stale = time.time() - 600
    assert _robot_post(client, "shuanggang", _group("x"), at=stale).status_code == 403
    assert (
        client.post(
            "/intake/robot/shuanggang", data="{}", content_type="application/json"
        ).status_code
        == 403
    )
    assert _robot_post(client, "nowhere", _group("x")).status_code == 404
    IntakeSettings.objects.filter(street=robot_street).update(robot_secret="")
    assert _robot_post(client, "shuanggang", _group("x")).status_code == 404
    assert client.get("/intake/robot/shuanggang").status_code == 405
    assert not IntakeMessage.objects.exists()


def test_a_picture_or_garbage_is_answered_with_nothing(robot_street: Street) -> None:
    answer = _robot_post(Client(), "shuanggang", {"msgtype": "picture"})
    assert answer.status_code == 200 and answer.json() == {"msgtype": "empty"}
    assert not IntakeMessage.objects.exists()


def test_the_api_takes_a_hotline_summary(robot_street: Street) -> None:
    operator = User.objects.filter(street=robot_street, groups__name="operator").first()
    assert operator is not None
    answer = Api(operator).post(
        "/intake/messages",
        {
            "text": "来电人反映纺织厂宿舍10幢2单元楼梯照明灯损坏多日。来电号码：13758706613",
            "channel": "hotline",
            "received_at": "2025-03-14T15:00:00+08:00",
        },
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["kind"] == "order" and body["ticket"]
    assert body["triage"]["compound"] == "纺织厂宿舍"
    assert body["triage"]["phone"] == "13758706613"  # operators see full numbers
    assert set(body["triage"]["reasons"]) >= {"category", "compound"}
    message = IntakeMessage.objects.get(pk=body["message"])
    assert message.received_at == dt.datetime(2025, 3, 14, 7, 0, tzinfo=dt.UTC)


def test_the_api_refuses_a_district_account_that_names_no_street(robot_street: Street) -> None:
    f.StreetFactory(code="other")
    admin = User.objects.create_superuser("district", password="x")
    answer = Api(admin).post("/intake/messages", {"text": "灯坏了", "channel": "wechat"})
    assert answer.status_code == 422 and answer.json()["code"] == "street_required"
    answer = Api(admin).post(
        "/intake/messages", {"text": GROUP_LINE, "channel": "wechat", "street": "SHUANGGANG"}
    )
    assert answer.status_code == 201


def test_guanjia_triage_prints_one_json_object_per_line_in_order(
    robot_street: Street, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [
        GROUP_LINE,
        "",
        "纺织厂6栋顶楼 屋顶防水不行了 卧室床上都是水印子 电话一三八 五七零九 六六二七",
        "港湾新村的门禁修好了，师傅态度很好👍",
    ]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    call_command("triage", "--street", "shuanggang")
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(rows) == 4
    keys = {"category", "confidence", "urgent", "compound", "building", "unit", "room", "phone"}
    assert all(set(r) == keys for r in rows)
    assert rows[0]["compound"] == "大乐园小区" and rows[0]["building"] == "3幢"
    assert rows[1]["category"] is None  # an empty line keeps its place
    assert rows[2]["phone"] == "13857096627" and rows[2]["building"] == "6幢"
    assert rows[3]["category"] == "consult.other"


def test_guanjia_triage_needs_a_known_street(db: None) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no street"):
        call_command("triage", "--street", "nowhere")


def test_triage_train_installs_a_new_model_with_the_corrections(
    settings: Any, tmp_path: Path, db: None
) -> None:
    settings.TRIAGE_MODEL_PATH = tmp_path / "model.npz"
    out = io.StringIO()
    call_command("triage-train", stdout=out)
    model = TriageModel.load(model_path())
    assert model.version in out.getvalue()
    assert "0 from corrections" in out.getvalue()
    assert timezone.now()  # the command needs no clock; the model says when it was trained
    assert model.meta["trained_at"]


def test_a_captured_signature_cannot_carry_another_message(robot_street: Street) -> None:
    stamp = str(int(time.time() * 1000))
    headers = {"timestamp": stamp, "sign": robot_sign(SECRET, stamp)}

    def post(body: dict[str, Any]) -> Any:
        return Client().post(
            "/intake/robot/shuanggang",
            data=json.dumps(body, ensure_ascii=False),
            content_type="application/json",
            headers=headers,
        )

    first = post(_group(GROUP_LINE, "m-10"))
    assert first.status_code == 200
    assert post(_group(GROUP_LINE, "m-10")).json() == first.json()  # a retry: same answer
    forged = post(_group("@管家 大乐园1幢煤气味很重 快来人", "m-11"))
    assert forged.status_code == 403 and forged.content == b""
    assert IntakeMessage.objects.count() == 1


def test_the_callback_refuses_a_body_too_large_or_a_bad_length(robot_street: Street) -> None:
    client = Client()
    big = _group("灯" * 40_000, "m-20")
    assert _robot_post(client, "shuanggang", big).status_code == 413
    stamp = str(int(time.time() * 1000))
    answer = client.post(
        "/intake/robot/shuanggang",
        data="{}",
        content_type="application/json",
        headers={"timestamp": stamp, "sign": robot_sign(SECRET, stamp), "content-length": "x"},
    )
    assert answer.status_code == 400
    assert not IntakeMessage.objects.exists()


def test_the_api_takes_a_message_once_per_idempotency_key(robot_street: Street) -> None:
    operator = User.objects.filter(street=robot_street, groups__name="operator").first()
    assert operator is not None
    body = {"text": GROUP_LINE, "channel": "wechat"}
    first = Api(operator).post("/intake/messages", body, HTTP_IDEMPOTENCY_KEY="hotline-77")
    again = Api(operator).post("/intake/messages", body, HTTP_IDEMPOTENCY_KEY="hotline-77")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert IntakeMessage.objects.count() == 1
    other = Api(operator).post(
        "/intake/messages", {**body, "text": "大乐园1幢电梯坏了"}, HTTP_IDEMPOTENCY_KEY="hotline-77"
    )
    assert other.status_code == 422
    assert IntakeMessage.objects.count() == 1
