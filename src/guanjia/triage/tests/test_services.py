"""Messages in, orders or drafts out (triage/services.py), on a street imported from an org file
like any other: the model never saw its names."""

import datetime as dt
from typing import Any

import pytest

from guanjia.catalog.models import ServiceCategory
from guanjia.core.errors import Conflict, InvalidInput
from guanjia.notifications.models import Notification
from guanjia.org.importer import org_streets_from_dict
from guanjia.org.models import Building, Compound, Street
from guanjia.org.services import org_import
from guanjia.testing import factories as f
from guanjia.tickets.models import Ticket, TicketEvent
from guanjia.triage.models import IntakeMessage, IntakeSettings, TriageCorrection
from guanjia.triage.runtime import correction_examples
from guanjia.triage.services import (
    intake_draft_confirm,
    intake_draft_discard,
    intake_receive,
    intake_receive_many,
)

ORG = {
    "street": "石榴街道",
    "code": "shiliu",
    "communities": [
        {
            "name": "石榴社区",
            "compounds": [
                {
                    "name": "石榴新村",
                    "aliases": ["石榴"],
                    "buildings": [
                        {"name": f"{i}幢", "units": ["1单元", "2单元"]} for i in range(1, 7)
                    ],
                },
                {
                    "name": "酱油厂宿舍",
                    "aliases": ["酱油厂"],
                    "buildings": [{"name": f"{i}号楼", "units": ["1单元"]} for i in range(1, 4)],
                },
            ],
        }
    ],
}
LIGHT = "石榴5幢2单元的楼道灯又不亮了 晚上上楼黑漆漆的 电话 139 5712 3456"
GAS = "酱油厂2号楼一楼楼道里一股很冲的煤气味 大家别开灯！"


@pytest.fixture
def street(world: Any) -> Street:
    org_import(org_streets_from_dict(ORG))
    street = Street.objects.get(code="shiliu")
    f.user("manager", street, "shiliu-manager")
    return street


def threshold(street: Street, value: float) -> None:
    IntakeSettings.objects.update_or_create(street=street, defaults={"confidence_threshold": value})


def test_a_sure_message_becomes_an_order_at_the_named_place(street: Street) -> None:
    threshold(street, 0.0)
    intake = intake_receive(street=street, text=LIGHT, channel="wechat", sender="王阿姨")
    assert intake.kind == "order"
    ticket = intake.ticket
    assert ticket is not None
    assert ticket.category.code == "repair.corridor_light"
    assert (ticket.compound.name, ticket.building.name, ticket.unit.name) == (  # type: ignore[union-attr]
        "石榴新村",
        "5幢",
        "2单元",
    )
    assert ticket.contact_phone == "13957123456"
    assert ticket.channel == "wechat"
    # The number is the order's contact; the description a worker reads shows it masked.
    assert ticket.description == LIGHT.replace("139 5712 3456", "139****3456")
    message = intake.message
    assert message.status == IntakeMessage.Status.ORDERED and message.ticket == ticket
    assert message.guess["compound"] == "石榴新村" and "category" in message.guess["reasons"]
    assert message.model_version


def test_an_unsure_message_waits_as_a_draft_with_its_guesses(street: Street) -> None:
    threshold(street, 1.0)
    intake = intake_receive(street=street, text=LIGHT, channel="wechat")
    assert intake.kind == "draft" and intake.ticket is None
    assert not Ticket.objects.exists()
    assert intake.message.guess["building"] == "5幢"


def test_a_message_naming_no_compound_is_a_draft_however_sure(street: Street) -> None:
    threshold(street, 0.0)
    intake = intake_receive(street=street, text="楼道灯又不亮了 黑漆漆的", channel="wechat")
    assert intake.kind == "draft"


def test_an_urgent_order_pages_the_manager(street: Street) -> None:
    threshold(street, 0.0)
    intake = intake_receive(street=street, text=GAS, channel="wechat")
    assert intake.ticket is not None and intake.ticket.urgent
    assert intake.message.urgent
    assert Notification.objects.filter(
        ticket=intake.ticket, kind="ticket_urgent", recipient__username="shiliu-manager"
    ).exists()


def test_an_urgent_message_that_waits_as_a_draft_pages_the_manager(street: Street) -> None:
    threshold(street, 1.0)
    intake = intake_receive(street=street, text=GAS, channel="wechat")
    assert intake.kind == "draft" and intake.message.urgent
    page = Notification.objects.get(kind="intake_urgent_draft")
    assert page.recipient.username == "shiliu-manager" and page.ticket is None
    assert page.payload["message"] == intake.message.pk
    assert page.payload["place"].startswith("酱油厂宿舍")
    from guanjia.notifications.texts import notification_text

    assert "酱油厂宿舍" in notification_text(page)


def test_a_second_message_about_the_same_problem_joins_the_open_order(street: Street) -> None:
    threshold(street, 0.0)
    first, second = intake_receive_many(
        street=street,
        texts=[LIGHT, "石榴新村5幢楼道灯坏了好几天了，谁来修一下"],
        channel="wechat",
    )
    assert first.kind == "order" and second.kind == "joined"
    assert second.ticket == first.ticket
    assert Ticket.objects.count() == 1
    assert TicketEvent.objects.filter(ticket=first.ticket, type="message_joined").count() == 1


def test_a_robot_delivering_the_same_message_twice_takes_it_once(street: Street) -> None:
    threshold(street, 0.0)
    one = intake_receive(street=street, text=LIGHT, channel="wechat", external_id="msg-1")
    two = intake_receive(street=street, text=LIGHT, channel="wechat", external_id="msg-1")
    assert one.message.pk == two.message.pk
    assert IntakeMessage.objects.count() == 1 and Ticket.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"text": "   "}, "required"),
        ({"text": "灯" * 2001}, "too_long"),
        ({"channel": "fax"}, "bad_channel"),
        ({"received_at": dt.datetime(2026, 1, 1, 8, 0)}, "naive_datetime"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    street: Street, kwargs: dict[str, Any], code: str
) -> None:
    call = {"street": street, "text": LIGHT, "channel": "wechat", **kwargs}
    with pytest.raises(InvalidInput) as caught:
        intake_receive(**call)
    assert caught.value.code == code
    assert not IntakeMessage.objects.exists()


def test_confirming_a_draft_makes_the_order_and_stores_what_was_corrected(
    street: Street, world: Any
) -> None:
    threshold(street, 1.0)
    draft = intake_receive(street=street, text=LIGHT, channel="wechat").message
    dispatcher = f.user("dispatcher", street, "shiliu-dispatcher")
    compound = Compound.objects.get(name="石榴新村")
    building = Building.objects.get(compound=compound, name="4幢")
    intake = intake_draft_confirm(
        message_id=draft.pk,
        version=draft.version,
        actor=dispatcher,
        category=ServiceCategory.objects.get(code="repair.water_electric"),
        compound=compound,
        building=building,
        contact_phone="13957123456",
    )
    assert intake.kind == "order" and intake.ticket is not None
    assert intake.ticket.building == building
    corrected = {
        c.field: (c.guessed, c.corrected) for c in TriageCorrection.objects.filter(message=draft)
    }
    assert corrected == {
        "category": ("repair.corridor_light", "repair.water_electric"),
        "building": ("5幢", "4幢"),
        "unit": ("2单元", ""),
    }
    with pytest.raises(Conflict):
        intake_draft_confirm(
            message_id=draft.pk,
            version=draft.version,
            actor=dispatcher,
            category=ServiceCategory.objects.get(code="repair.corridor_light"),
            compound=compound,
        )
    assert Ticket.objects.count() == 1

    # The correction is a training example for the next `guanjia triage-train`.
    [example] = correction_examples()
    assert example.category == "repair.water_electric"
    assert "石榴" not in example.text  # places are cut out, as at triage time


def test_a_draft_cannot_be_confirmed_into_another_street(street: Street, world: Any) -> None:
    threshold(street, 1.0)
    draft = intake_receive(street=street, text=LIGHT, channel="wechat").message
    with pytest.raises(InvalidInput):
        intake_draft_confirm(
            message_id=draft.pk,
            version=draft.version,
            actor=f.user("dispatcher", street, "d2"),
            category=ServiceCategory.objects.get(code="repair.corridor_light"),
            compound=world.unit.building.compound,
        )
    assert not Ticket.objects.exists()


def test_discarding_a_draft_may_say_what_it_really_was(street: Street) -> None:
    threshold(street, 1.0)
    draft = intake_receive(street=street, text="石榴新村的楼道灯修好了 谢谢师傅", channel="wechat")
    dispatcher = f.user("dispatcher", street, "d3")
    message = intake_draft_discard(
        message_id=draft.message.pk,
        version=draft.message.version,
        actor=dispatcher,
        category="consult.other",
    )
    assert message.status == IntakeMessage.Status.DISCARDED
    if draft.message.category != "consult.other":
        assert TriageCorrection.objects.get(message=message).corrected == "consult.other"
    with pytest.raises(Conflict):
        intake_draft_discard(message_id=message.pk, version=1, actor=dispatcher)


def test_every_number_in_the_message_is_masked_in_the_order_description(street: Street) -> None:
    threshold(street, 0.0)
    text = LIGHT + " 或者打我儿子 一三八一二三四五六七八"
    intake = intake_receive(street=street, text=text, channel="wechat")
    assert intake.ticket is not None and intake.ticket.contact_phone == "13957123456"
    assert intake.ticket.description.endswith("139****3456 或者打我儿子 138****5678")


def test_a_confirmed_draft_keeps_no_full_number_in_its_description(
    street: Street, world: Any
) -> None:
    threshold(street, 1.0)
    draft = intake_receive(street=street, text=LIGHT, channel="wechat").message
    intake = intake_draft_confirm(
        message_id=draft.pk,
        version=draft.version,
        actor=f.user("dispatcher", street, "d4"),
        category=ServiceCategory.objects.get(code="repair.corridor_light"),
        compound=Compound.objects.get(name="石榴新村"),
        contact_phone="13957123456",
        # What a dispatcher's form sends back: the message in full, as they may read it.
        description=LIGHT,
    )
    assert intake.ticket is not None
    assert "13957123456" not in intake.ticket.description.replace(" ", "")
    assert "139****3456" in intake.ticket.description
    assert intake.ticket.contact_phone == "13957123456"


def test_robot_signatures_carry_one_message_each(street: Street) -> None:
    from guanjia.triage.models import RobotSignature
    from guanjia.triage.services import robot_signature_take

    now = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)
    take = {"street": street, "sign": "c2lnbg==", "now": now}
    assert robot_signature_take(message_id="m-1", **take)
    assert robot_signature_take(message_id="m-1", **take)  # the platform retrying
    assert not robot_signature_take(message_id="m-2", **take)  # replayed with another message
    assert not robot_signature_take(message_id="", **take)
    later = {**take, "sign": "b3RoZXI=", "now": now + dt.timedelta(minutes=11)}
    assert robot_signature_take(message_id="", **later)
    assert not robot_signature_take(message_id="", **later)  # no id: never twice
    # Signatures older than the replay window are gone.
    assert list(RobotSignature.objects.values_list("sign", flat=True)) == ["b3RoZXI="]


def test_a_hotline_sender_given_as_a_number_is_masked_for_roles_without_contact(
    street: Street, world: Any
) -> None:
    from guanjia.console.intake_selectors import intake_rows

    threshold(street, 1.0)
    message = intake_receive(
        street=street, text=LIGHT, channel="hotline", sender="13812345678"
    ).message
    [row] = intake_rows(world.worker, [message])
    assert (row.sender, row.guess.phone) == ("138****5678", "139****3456")
    assert "139****3456" in row.text
    [row] = intake_rows(f.user("dispatcher", street, "d5"), [message])
    assert (row.sender, row.guess.phone) == ("13812345678", "13957123456")
