"""GET /api/v1/tickets/{number}/suggestions: the top three, with reasons and warnings.

Who may call it (dispatchers and managers; 403 for others, 404 out of scope) is covered for every
operation in core/tests/test_api_coverage.py.
"""

import datetime as dt
from typing import Any
from unittest import mock

import pytest

from guanjia.demo.tests.conftest import NOW
from guanjia.dispatch.models import StreetDispatchSettings
from guanjia.dispatch.tests.test_services import SATURDAY_NIGHT, order
from guanjia.org.models import Street
from guanjia.people.models import User
from guanjia.testing.api import Api
from guanjia.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def suggestions(user: str, number: str, at: dt.datetime, language: str = "en") -> Any:
    with mock.patch("guanjia.dispatch.api.timezone.now", return_value=at):
        response = Api(User.objects.get(username=user), language=language).get(
            f"/tickets/{number}/suggestions"
        )
    assert response.status_code == 200, response.content
    return response.json()


def test_the_dispatcher_sees_the_dedicated_electrician_first(demo_street: Street) -> None:
    t = order(demo_street)
    body = suggestions("dispatcher", t.number, NOW)
    assert body["number"] == t.number and body["mode"] == "assign"
    top = body["suggestions"]
    assert [s["username"] for s in top][:2] == ["electrician1", "electrician2"]
    assert len(top) == 2  # only the qualified: the two electricians
    assert top[0]["auto"] is True and not any(s["auto"] for s in top[1:])
    assert top[0]["explanation"].startswith("dedicated·on duty·0 open orders·")
    assert top[0]["warnings"] == []
    assert top[0]["score"] > top[1]["score"]


def test_explanations_and_warnings_in_chinese(demo_street: Street) -> None:
    t = order(demo_street, at=SATURDAY_NIGHT)
    body = suggestions("manager", t.number, SATURDAY_NIGHT, language="zh-hans")
    by_name = {s["username"]: s for s in body["suggestions"]}
    assert by_name["electrician2"]["auto"] is True
    assert by_name["electrician2"]["explanation"].startswith("专人负责（备岗）·在岗·手头0单")
    e1 = by_name["electrician1"]
    assert e1["explanation"].startswith("专人负责·不在岗")
    assert [w["code"] for w in e1["warnings"]] == ["off_duty"]
    assert "电工 李师傅" in e1["warnings"][0]["message"]


def test_at_most_three_are_suggested(demo_street: Street) -> None:
    t = order(demo_street, code="repair.door_access")  # two electricians and six fixers
    top = suggestions("dispatcher", t.number, NOW)["suggestions"]
    assert len(top) == 3


def test_over_the_cap_is_suggested_with_a_warning_never_picked(demo_street: Street) -> None:
    StreetDispatchSettings.objects.filter(street=demo_street).update(workload_cap=1)
    earlier = order(demo_street)
    Ticket.objects.filter(pk=earlier.pk).update(
        assignee=User.objects.get(username="electrician1"), status="accepted"
    )
    t = order(demo_street)
    top = suggestions("dispatcher", t.number, NOW)["suggestions"]
    e1 = next(s for s in top if s["username"] == "electrician1")
    assert e1["auto"] is False and e1["open_orders"] == 1
    assert "over_workload" in [w["code"] for w in e1["warnings"]]
    assert next(s for s in top if s["auto"])["username"] == "electrician2"


def test_a_transfer_is_not_suggested_back_to_the_current_handler(demo_street: Street) -> None:
    t = order(demo_street)
    Ticket.objects.filter(pk=t.pk).update(
        assignee=User.objects.get(username="electrician1"), status="dispatched"
    )
    top = suggestions("dispatcher", t.number, NOW)["suggestions"]
    assert "electrician1" not in [s["username"] for s in top]
