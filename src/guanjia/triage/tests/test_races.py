"""Races in intake, in real threads with their own connections (SQLite and PostgreSQL): two
dispatchers confirming one draft, a robot delivering one message twice at once, two residents
reporting one problem at the same moment."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from guanjia.catalog.models import ServiceCategory
from guanjia.core.errors import Conflict
from guanjia.org.models import Compound, Street
from guanjia.testing import factories as f
from guanjia.tickets.models import Ticket
from guanjia.tickets.tests.test_api_concurrency import race
from guanjia.triage.engine import Triage
from guanjia.triage.models import IntakeMessage
from guanjia.triage.services import intake_draft_confirm, intake_receive
from guanjia.triage.tests.test_join import BASE, guesses  # noqa: F401
from guanjia.triage.tests.test_services import LIGHT, street, threshold  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)
ROUNDS = 3


def test_two_dispatchers_confirming_one_draft_make_one_order(street: Street) -> None:  # noqa: F811
    threshold(street, 1.0)
    one = f.user("dispatcher", street, "race-1")
    two = f.user("dispatcher", street, "race-2")
    light = ServiceCategory.objects.get(code="repair.corridor_light")
    compound = Compound.objects.get(name="石榴新村")
    for _round in range(ROUNDS):
        draft = intake_receive(street=street, text=LIGHT, channel="wechat").message

        def confirm(actor: Any, draft: IntakeMessage = draft) -> Any:
            return intake_draft_confirm(
                message_id=draft.pk,
                version=draft.version,
                actor=actor,
                category=light,
                compound=compound,
            )

        results = race(lambda: confirm(one), lambda: confirm(two))
        won = [r for r in results if not isinstance(r, Exception)]
        lost = [r for r in results if isinstance(r, Exception)]
        assert len(won) == 1 and len(lost) == 1, results
        assert isinstance(lost[0], Conflict)
        assert Ticket.objects.filter(intake_messages=draft).count() == 1
    assert Ticket.objects.count() == ROUNDS


def test_a_robot_delivering_one_message_twice_at_once_takes_it_once(
    street: Street,  # noqa: F811
) -> None:
    threshold(street, 0.0)
    for i in range(ROUNDS):

        def deliver(i: int = i) -> Any:
            return intake_receive(
                street=street, text=LIGHT, channel="wechat", external_id=f"msg-{i}"
            )

        a, b = race(deliver, deliver)
        assert not isinstance(a, Exception) and not isinstance(b, Exception), (a, b)
        assert a.message.pk == b.message.pk and a.ticket == b.ticket
    assert IntakeMessage.objects.count() == ROUNDS
    # The first delivery made an order; every later one joined it (same place and problem).
    assert Ticket.objects.count() == 1


def test_two_messages_about_one_problem_at_once_make_one_order(
    street: Street,  # noqa: F811
    guesses: list[Triage],  # noqa: F811
) -> None:
    for i in range(ROUNDS):
        guess = replace(BASE, building="5幢", unit=f"{i % 2 + 1}单元", room=f"{i + 1}01")
        guesses.extend([guess, guess])

        def report(text: str) -> Any:
            return intake_receive(street=street, text=text, channel="wechat")

        a, b = race(lambda: report("灯不亮了"), lambda: report("楼道灯坏了"))
        assert not isinstance(a, Exception) and not isinstance(b, Exception), (a, b)
        assert sorted([a.kind, b.kind]) == ["joined", "order"]
        assert a.ticket == b.ticket
    assert Ticket.objects.count() == ROUNDS
