"""The duty roster page (/console/roster/), role by role: managers change it, dispatchers read it,
everyone else is refused, and another street's rows do not exist."""

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from guanjia.people.models import Cover, Leave, Shift, StaffProfile
from guanjia.people.services import shift_create
from guanjia.testing import factories as f
from guanjia.testing.factories import World

pytestmark = pytest.mark.django_db

URL = "/console/roster/"
MONDAY = dt.date(2026, 11, 30)
WEEK = {"week": MONDAY.isoformat()}


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _profile(user: Any) -> StaffProfile:
    return StaffProfile.objects.get(user=user)


@pytest.fixture
def shifts(world: World) -> tuple[Shift, Shift]:
    return (
        shift_create(staff=_profile(world.worker), weekday=0, start=dt.time(8), end=dt.time(18)),
        shift_create(
            staff=_profile(world.other_worker), weekday=1, start=dt.time(22), end=dt.time(6)
        ),
    )


def test_strangers_go_to_the_login_and_wrong_roles_are_refused(world: World) -> None:
    anonymous = Client()
    r = anonymous.get(URL)
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    r = anonymous.post(f"{URL}leave/", {})
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    for user in (world.worker, world.resident, world.operator):
        c = _client(user)
        assert c.get(URL).status_code == 403, user
        assert c.post(f"{URL}shift/", {"shift-staff": 1}).status_code == 403, user


def test_the_manager_sees_the_week_and_the_header_link(world: World, shifts: Any) -> None:
    r = _client(world.manager).get(URL, WEEK)
    assert r.status_code == 200
    html = r.content.decode()
    assert 'href="/console/roster/"' in html  # the header's link
    week = r.context["week"]
    assert week.monday == MONDAY
    cells = {row.profile.user.username: row.days for row in week.rows}
    assert [(e.start, e.end) for e in cells["worker"][0].entries] == [(dt.time(8), dt.time(18))]
    assert [(e.start, e.end) for e in cells["other_worker"][1].entries] == [
        (dt.time(22), dt.time(6))
    ]
    assert "08:00–18:00" in html and "22:00–06:00" in html
    assert r.context["can_edit"] and 'action="/console/roster/leave/"' in html
    # Any day of a week shows that week; a bad date shows this week.
    assert _client(world.manager).get(URL, {"week": "2026-12-03"}).context["week"].monday == MONDAY
    assert _client(world.manager).get(URL, {"week": "yesterday"}).status_code == 200


def test_the_dispatcher_reads_but_cannot_change(world: World, shifts: Any) -> None:
    c = _client(world.dispatcher)
    r = c.get(URL, WEEK)
    assert r.status_code == 200 and not r.context["can_edit"]
    html = r.content.decode()
    assert "08:00–18:00" in html and 'action="/console/roster/leave/"' not in html
    worker = _profile(world.worker)
    data = {
        "leave-staff": worker.pk,
        "leave-start": "2026-11-30",
        "leave-end": "2026-11-30",
        "leave-reason": "病假",
    }
    assert c.post(f"{URL}leave/", data).status_code == 403
    assert c.post(f"{URL}shift/{shifts[0].pk}/delete/").status_code == 403
    assert Leave.objects.count() == 0 and Shift.objects.count() == 2


def test_the_manager_records_leave_and_a_cover_and_removes_a_shift(
    world: World, shifts: Any
) -> None:
    c = _client(world.manager)
    worker, other = _profile(world.worker), _profile(world.other_worker)
    r = c.post(
        f"{URL}leave/",
        {
            "week": "2026-11-30",
            "leave-staff": worker.pk,
            "leave-start": "2026-11-30",
            "leave-end": "2026-12-01",
            "leave-reason": "病假",
        },
    )
    assert r.status_code == 302 and r["Location"] == f"{URL}?week=2026-11-30"
    leave = Leave.objects.get()
    assert (leave.staff, leave.start, leave.end, leave.created_by) == (
        worker,
        MONDAY,
        dt.date(2026, 12, 1),
        world.manager,
    )
    r = c.post(
        f"{URL}cover/",
        {
            "week": "2026-11-30",
            "cover-staff": worker.pk,
            "cover-day": "2026-11-30",
            "cover-substitute": other.pk,
        },
        follow=True,
    )
    assert Cover.objects.get().substitute == other
    page = r.content.decode()
    assert "covering worker" in page or "顶" in page
    row = {x.profile.user.username: x.days for x in r.context["week"].rows}
    assert [(e.is_cover, e.other) for e in row["other_worker"][0].entries] == [(True, "worker")]
    # Withdraw the cover and the leave, remove the Monday shift.
    assert c.post(f"{URL}cover/{Cover.objects.get().pk}/delete/").status_code == 302
    assert c.post(f"{URL}leave/{leave.pk}/delete/").status_code == 302
    assert c.post(f"{URL}shift/{shifts[0].pk}/delete/", WEEK).status_code == 302
    assert (Cover.objects.count(), Leave.objects.count(), Shift.objects.count()) == (0, 0, 1)
    r = c.post(
        f"{URL}shift/",
        {
            "shift-staff": worker.pk,
            "shift-weekday": "4",
            "shift-start": "09:00",
            "shift-end": "17:00",
        },
    )
    assert r.status_code == 302
    assert Shift.objects.filter(staff=worker, weekday=4, start=dt.time(9)).exists()


def test_a_refusal_is_shown_beside_the_form_in_chinese_and_nothing_is_written(
    world: World, shifts: Any
) -> None:
    c = _client(world.manager)
    c.cookies["django_language"] = "zh-hans"
    worker, other = _profile(world.worker), _profile(world.other_worker)
    r = c.post(
        f"{URL}cover/",
        {
            "week": "2026-11-30",
            "cover-staff": worker.pk,
            "cover-day": "2026-12-02",  # a Wednesday: worker has no shift then
            "cover-substitute": other.pk,
        },
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert r.status_code == 422
    html = r.content.decode()
    assert "没有班" in html
    assert Cover.objects.count() == 0
    # The typed values are kept.
    assert f'<option value="{worker.pk}" selected>' in html
    r = c.post(
        f"{URL}leave/",
        {
            "leave-staff": worker.pk,
            "leave-start": "2026-12-02",
            "leave-end": "2026-11-30",
            "leave-reason": "病假",
        },
    )
    assert r.status_code == 422 and Leave.objects.count() == 0
    assert r.context["errors"]


def test_another_streets_rows_do_not_exist_here(world: World) -> None:
    elsewhere = _profile(f.handler(world.other_street, "repair.corridor_light"))
    shift = shift_create(staff=elsewhere, weekday=0, start=dt.time(8), end=dt.time(18))
    c = _client(world.manager)
    r = c.get(URL, WEEK)
    assert elsewhere not in [row.profile for row in r.context["week"].rows]
    assert c.post(f"{URL}shift/{shift.pk}/delete/").status_code == 404
    data = {
        "shift-staff": elsewhere.pk,
        "shift-weekday": "2",
        "shift-start": "08:00",
        "shift-end": "09:00",
    }
    assert c.post(f"{URL}shift/", data).status_code == 404
    cover = {
        "cover-staff": _profile(world.worker).pk,
        "cover-day": "2026-11-30",
        "cover-substitute": elsewhere.pk,
    }
    assert c.post(f"{URL}cover/", cover).status_code == 404
    assert c.post(f"{URL}holiday/").status_code == 404
    assert Shift.objects.filter(staff=elsewhere).count() == 1


def test_the_page_takes_the_same_number_of_queries_for_more_staff(
    world: World, shifts: Any
) -> None:
    c = _client(world.manager)

    def measured() -> int:
        with CaptureQueriesContext(connection) as q:
            assert c.get(URL, WEEK).status_code == 200
        return len(q)

    first = measured()
    for i in range(6):
        extra = _profile(f.handler(world.street, "repair.corridor_light", username=f"more{i}"))
        shift_create(staff=extra, weekday=i, start=dt.time(8), end=dt.time(18))
    assert measured() == first
