"""The call-back list (回访): who sees it, which orders the rule puts on it, and what each outcome
of a call does (docs/adr/0013-follow-up-sample.md)."""

import datetime as dt
import random
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanjia.console import followup
from guanjia.console.selectors import followup_rows
from guanjia.console.services import followup_record
from guanjia.core.errors import Conflict
from guanjia.testing import factories as f
from guanjia.tickets import lifecycle
from guanjia.tickets.models import Ticket, TicketEvent
from guanjia.tickets.services import Rating, ticket_transition

pytestmark = pytest.mark.django_db

LIST = "/console/followup/"


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture(autouse=True)
def _no_photo_needed(world: Any) -> None:
    f.category("repair.corridor_light", after_photo_required=False)


_phones = iter(range(13800000000, 13900000000))


def _resolved(world: Any, code: str = "repair.corridor_light", **kwargs: Any) -> Ticket:
    kwargs.setdefault("phone", str(next(_phones)))
    kwargs.setdefault("contact_name", "张建国")
    at = kwargs.pop("now", None)
    t = f.ticket(world.unit, code=code, now=at, **kwargs)
    f.category(code, after_photo_required=False)
    assignee = world.worker
    for action, actor, extra in (
        ("dispatch", world.dispatcher, {"assignee": assignee}),
        ("accept", assignee, {}),
        ("arrive", assignee, {}),
        ("resolve", assignee, {}),
    ):
        t = ticket_transition(ticket=t, action=action, actor=actor, now=at, **extra).ticket
    return t


def _rated(world: Any, stars: int, **kwargs: Any) -> Ticket:
    """Rated by the resident through the tracking link (no account)."""
    t = _resolved(world, **kwargs)
    return ticket_transition(
        ticket=t,
        action="rate",
        actor=None,
        resident=t.reporter,
        rating=Rating(overall=stars, comment="还行"),
        now=kwargs.get("now"),
    ).ticket


def _listed(user: Any, now: dt.datetime | None = None) -> list[str]:
    rows, _more = followup_rows(user, now=now or timezone.now())
    return [r.ticket.number for r in rows]


def _call(c: Client, t: Ticket, outcome: str, **data: Any) -> Any:
    data.setdefault("version", t.version)
    return c.post(f"/console/followup/{t.number}/", {"outcome": outcome, **data}, follow=True)


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _calls(t: Ticket) -> list[TicketEvent]:
    return list(TicketEvent.objects.filter(ticket=t, type=followup.EVENT).order_by("id"))


# Access ------------------------------------------------------------------------------------


def test_strangers_go_to_the_login(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={LIST}"
    call = "/console/followup/X-1/"
    response = client.post(call, {"outcome": "no_answer", "version": 1})
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={call}"


@pytest.mark.parametrize("role", ["worker", "resident"])
def test_workers_and_residents_are_refused(world, role):
    t = _resolved(world)
    c = _client(getattr(world, role))
    assert c.get(LIST).status_code == 403
    assert _call(c, t, followup.NO_ANSWER).status_code == 403
    assert _calls(t) == []


@pytest.mark.parametrize("role", ["operator", "dispatcher", "manager"])
def test_the_desk_sees_the_list_from_the_queue(world, role):
    t = _resolved(world)
    c = _client(getattr(world, role))
    assert 'href="/console/followup/"' in c.get("/console/").content.decode()
    body = c.get(LIST).content.decode()
    assert t.number in body
    assert "尚未评价" in body  # why the call, in Chinese
    assert f'href="tel:{t.contact_phone}"' in body  # contact access: the full number


def test_another_streets_orders_are_neither_listed_nor_callable(world):
    theirs = f.ticket(world.other_unit)
    c = _client(world.operator)
    assert theirs.number not in c.get(LIST).content.decode()
    assert _call(c, theirs, followup.NO_ANSWER).status_code == 404
    assert _calls(theirs) == []


def test_a_role_without_contact_access_sees_masked_numbers(world):
    group = Group.objects.create(name="callback-desk")
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label="tickets",
            codename__in=["view_street_tickets", "callback_ticket"],
        )
    )
    desk = f.user("callback-desk", world.street, "desk")
    t = _resolved(world, phone="13812342345")
    body = _client(desk).get(LIST).content.decode()
    assert t.number in body
    assert "13812342345" not in body and "张建国" not in body
    assert "138****2345" in body and "张**" in body
    assert "tel:" not in body


# The rule ----------------------------------------------------------------------------------


def test_unrated_low_all_and_sampled_ratings_are_called(world):
    f.category("repair.corridor_light", follow_up="sample")
    unrated = _resolved(world)
    low = _rated(world, 3)
    good = [_rated(world, 5) for _i in range(30)]
    listed = _listed(world.operator)
    assert unrated.number in listed and low.number in listed
    # The database applies the same rule as the Python one, order by order.
    assert {n for n in listed if n in {t.number for t in good}} == {
        t.number for t in good if followup.in_sample(t.number)
    }
    # Unrated first (they close by themselves after a while), then the lowest ratings.
    assert listed[0] == unrated.number and listed[1] == low.number
    # Every operator sees the same list, in the same order.
    assert _listed(world.dispatcher) == listed


def test_the_sample_is_about_fifteen_percent_and_stable():
    rng = random.Random(4)
    numbers = [f"SHUANGGANG-202611{rng.randint(1, 28):02d}-{i:04d}" for i in range(4000)]
    share = sum(followup.in_sample(n) for n in numbers) / len(numbers)
    assert 0.13 < share < 0.17
    assert [followup.in_sample(n) for n in numbers[:50]] == [
        followup.in_sample(n) for n in numbers[:50]
    ]


def test_services_without_call_backs_no_phone_and_old_orders_are_left_out(world):
    f.category("personal.home_repair", follow_up="none")
    silent = _resolved(world, code="personal.home_repair")
    f.category("repair.corridor_light", follow_up="all")
    every = [_rated(world, 5) for _i in range(3)]
    old = _resolved(world, now=timezone.now() - dt.timedelta(days=8))
    t = f.ticket(world.unit, phone="", created_by=world.operator, channel="hotline")
    for action, actor, extra in (
        ("dispatch", world.dispatcher, {"assignee": world.worker}),
        ("accept", world.worker, {}),
        ("arrive", world.worker, {}),
        ("resolve", world.worker, {}),
    ):
        t = ticket_transition(ticket=t, action=action, actor=actor, **extra).ticket
    listed = _listed(world.operator)
    assert silent.number not in listed  # the service's policy is "none"
    assert all(e.number in listed for e in every)  # policy "all": every rated one
    assert old.number not in listed  # resolved 8 days ago: past REOPEN_DAYS
    assert t.number not in listed  # nobody to call


def test_the_list_costs_the_same_queries_for_3_and_20_orders(world):
    c = _client(world.operator)
    for _i in range(3):
        _resolved(world)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(LIST).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for _i in range(17):
        _resolved(world)
    assert count() == few


# Outcomes ----------------------------------------------------------------------------------


def test_a_rating_heard_on_the_phone_is_the_operators_and_closes_the_order(world):
    t = _resolved(world)
    c = _client(world.operator)
    response = _call(c, t, followup.REACHED, overall=5, comment="师傅很负责")
    assert f"{t.number}：已记录回访（已接通并记录评价）。" in _messages(response)
    t.refresh_from_db()
    assert t.status == lifecycle.CLOSED
    assert (t.rating_overall, t.rating_comment) == (5, "师傅很负责")
    rate = TicketEvent.objects.get(ticket=t, type="rate")
    assert rate.actor == world.operator  # attributed to the operator, not to the resident
    (call,) = _calls(t)
    assert call.actor == world.operator
    assert call.payload == {"outcome": "reached", "overall": 5, "reopened": False}
    assert t.number not in _listed(world.operator)
    # The order's timeline says it was a call-back.
    page = c.get(f"/console/t/{t.number}/").content.decode()
    assert "回访" in page and "5/5" in page


def test_a_low_rating_on_the_phone_reopens_the_order(world):
    t = _resolved(world)
    response = _call(_client(world.operator), t, followup.REACHED, overall=1, comment="没修好")
    t.refresh_from_db()
    assert t.status == lifecycle.DISPATCHED and t.reopen_count == 1
    assert _calls(t)[0].payload["reopened"] is True
    assert "评价较低：工单已退回原处理人重新处理。" in _messages(response)


def test_reaching_the_resident_needs_the_rating(world):
    t = _resolved(world)
    response = _call(_client(world.operator), t, followup.REACHED)
    assert f"{t.number}：请给出总体评分。" in _messages(response)
    t.refresh_from_db()
    assert t.status == lifecycle.RESOLVED and _calls(t) == []
    response = _call(_client(world.operator), t, "hung_up")
    assert _calls(t) == []
    assert any(m.startswith(f"{t.number}：") and "hung_up" in m for m in _messages(response))


def test_no_answer_hides_the_order_for_a_day_and_refused_for_good(world):
    quiet = _resolved(world)
    busy = _resolved(world)
    c = _client(world.operator)
    _call(c, quiet, followup.NO_ANSWER)
    _call(c, busy, followup.REFUSED)
    assert quiet.number not in _listed(world.operator)
    assert busy.number not in _listed(world.operator)
    tomorrow = timezone.now() + dt.timedelta(hours=followup.RETRY_HOURS, minutes=1)
    assert quiet.number in _listed(world.operator, tomorrow)
    assert busy.number not in _listed(world.operator, tomorrow)
    body = c.get(LIST).content.decode()
    assert quiet.number not in body
    (call,) = _calls(quiet)
    assert call.payload == {"outcome": "no_answer"} and call.to_status == lifecycle.RESOLVED


def test_a_sampled_rating_leaves_the_list_once_called_and_keeps_the_residents_rating(world):
    low = _rated(world, 3)
    c = _client(world.dispatcher)
    assert low.number in _listed(world.operator)
    _call(c, low, followup.REACHED, overall=2, comment="其实不太满意")
    low.refresh_from_db()
    assert low.status == lifecycle.CLOSED and low.rating_overall == 3
    (call,) = _calls(low)
    assert call.payload == {"outcome": "reached", "overall": 2}
    assert call.note == "其实不太满意"
    assert low.number not in _listed(world.operator)


def test_recording_a_call_twice_writes_it_once_and_says_who_did(world):
    t = _resolved(world)
    first, second = _client(world.operator), _client(world.dispatcher)
    _call(first, t, followup.NO_ANSWER)
    response = _call(second, t, followup.NO_ANSWER)
    assert any(
        m.startswith(f"{t.number}：这次回访已由 {world.operator.username} 于")
        and m.endswith("记录（无人接听）。")
        for m in _messages(response)
    )
    assert len(_calls(t)) == 1
    rated = _resolved(world)
    _call(first, rated, followup.REACHED, overall=4)
    response = _call(second, rated, followup.REACHED, overall=5)
    assert any(f"已由 {world.operator.username} 于" in m for m in _messages(response))
    rated.refresh_from_db()
    assert rated.rating_overall == 4 and len(_calls(rated)) == 1


def test_a_stale_page_is_told_to_reload(world):
    t = _resolved(world)
    seen = t.version
    # Meanwhile the resident rates online (5 stars; this order may not be in the sample).
    ticket_transition(
        ticket=t, action="rate", actor=None, resident=t.reporter, rating=Rating(overall=5)
    )
    response = _call(_client(world.operator), t, followup.NO_ANSWER, version=seen)
    assert f"{t.number}：工单已被他人修改，请刷新后重试。" in _messages(response)
    assert _calls(t) == []


def test_the_service_refuses_a_rated_order_outside_the_sample(world):
    f.category("repair.corridor_light", follow_up="sample")
    t = next(r for r in (_rated(world, 5) for _i in range(40)) if not followup.in_sample(r.number))
    with pytest.raises(Conflict) as e:
        followup_record(
            ticket=t, actor=world.operator, outcome=followup.NO_ANSWER, version=t.version
        )
    assert e.value.code == "not_due"


def test_a_rating_taken_on_the_order_page_is_a_call_back_too(world):
    t = _resolved(world)
    c = _client(world.operator)
    c.post(f"/console/t/{t.number}/rate/", {"version": t.version, "overall": 4}, follow=True)
    t.refresh_from_db()
    assert t.status == lifecycle.CLOSED
    assert _calls(t)[0].payload["outcome"] == "reached"
    assert t.number not in _listed(world.operator)
