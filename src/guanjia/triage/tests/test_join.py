"""The "join an open order" rule, with triage's guesses fixed so that only the rule is tested:
the same compound, service and (where both name them) building, unit and room; only when triage
is sure; an urgent message never vanishes into an ordinary order."""

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pytest

from guanjia.org.models import Street
from guanjia.tickets.models import Ticket, TicketEvent
from guanjia.triage import services
from guanjia.triage.engine import Triage
from guanjia.triage.models import IntakeMessage, IntakeSettings
from guanjia.triage.services import intake_receive
from guanjia.triage.tests.test_services import street  # noqa: F401

BASE = Triage(
    category="repair.corridor_light",
    confidence=0.9,
    urgent=False,
    compound="石榴新村",
    building=None,
    unit=None,
    room=None,
    phone=None,
    model_version="test",
)


@pytest.fixture
def guesses(monkeypatch: Any, street: Street) -> list[Triage]:  # noqa: F811
    """Each intake reads the next guess of this list instead of asking the model."""
    queue: list[Triage] = []

    def fixed(texts: Sequence[str], **_kwargs: Any) -> list[Triage]:
        return [queue.pop(0) for _text in texts]

    monkeypatch.setattr(services, "triage_many", fixed)
    IntakeSettings.objects.update_or_create(street=street, defaults={"confidence_threshold": 0.6})
    return queue


def _take(where: Street, guesses: list[Triage], guess: Triage, text: str = "灯不亮") -> str:
    guesses.append(guess)
    return intake_receive(street=where, text=text, channel="wechat").kind


def test_a_message_naming_the_building_joins_an_order_that_named_none(
    street: Street,  # noqa: F811
    guesses: list[Triage],
) -> None:
    assert _take(street, guesses, BASE) == "order"
    assert _take(street, guesses, replace(BASE, building="5幢", unit="2单元")) == "joined"
    assert Ticket.objects.count() == 1


def test_another_unit_or_room_of_the_same_building_is_another_order(
    street: Street,  # noqa: F811
    guesses: list[Triage],
) -> None:
    first = replace(BASE, building="5幢", unit="1单元", room="301")
    assert _take(street, guesses, first) == "order"
    assert _take(street, guesses, replace(first, unit="2单元")) == "order"
    assert _take(street, guesses, replace(first, room="502")) == "order"
    assert _take(street, guesses, replace(first, room=None)) == "joined"
    assert _take(street, guesses, replace(first, building="5幢", unit=None)) == "joined"
    assert Ticket.objects.count() == 3


def test_an_unsure_message_waits_as_a_draft_rather_than_joining(
    street: Street,  # noqa: F811
    guesses: list[Triage],
) -> None:
    assert _take(street, guesses, BASE) == "order"
    assert _take(street, guesses, replace(BASE, confidence=0.4)) == "draft"
    assert IntakeMessage.objects.filter(status="draft").count() == 1
    assert not TicketEvent.objects.filter(type="message_joined").exists()


def test_an_urgent_message_does_not_vanish_into_an_ordinary_order(
    street: Street,  # noqa: F811
    guesses: list[Triage],
) -> None:
    assert _take(street, guesses, BASE) == "order"
    assert _take(street, guesses, replace(BASE, urgent=True)) == "order"
    assert list(Ticket.objects.order_by("pk").values_list("urgent", flat=True)) == [False, True]
    # A further urgent message about it joins the urgent order.
    assert _take(street, guesses, replace(BASE, urgent=True)) == "joined"


def test_the_joined_message_shows_on_the_timeline_with_its_numbers_masked(
    street: Street,  # noqa: F811
    guesses: list[Triage],
) -> None:
    _take(street, guesses, BASE)
    _take(street, guesses, BASE, text="还是不亮 我电话13957123456 邻居 139-8765-4321")
    note = TicketEvent.objects.get(type="message_joined").note
    assert note == "还是不亮 我电话139****3456 邻居 139****4321"
