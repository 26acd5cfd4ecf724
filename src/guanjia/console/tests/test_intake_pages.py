"""The console's triage pages: drafts in the queue, confirming and discarding a draft, the paste
box, the triage accuracy page, and correcting an order triage made. Role by role."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from guanjia.console import intake_views
from guanjia.console.intake_forms import PASTE_MAX_CHARS, PASTE_MAX_LINES, paste_lines
from guanjia.org.importer import org_streets_from_dict
from guanjia.org.models import Building, Compound, Unit
from guanjia.org.services import org_import
from guanjia.testing import factories as f
from guanjia.tickets.models import Ticket, TicketEvent
from guanjia.triage.models import IntakeMessage, IntakeSettings, TriageCorrection
from guanjia.triage.services import intake_receive

pytestmark = pytest.mark.django_db

LIGHT = "桂花苑5幢2单元楼道灯又不亮了，电话13812345678"


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _places(world: Any) -> None:
    """Two compounds of the world's street the triage engine can recognise."""
    doc = {
        "street": world.street.name,
        "code": world.street.code,
        "communities": [
            {
                "name": "桂花社区",
                "compounds": [
                    {
                        "name": "桂花苑",
                        "aliases": ["桂花小区"],
                        "buildings": [
                            {"name": f"{n}幢", "units": ["1单元", "2单元"]} for n in range(1, 7)
                        ],
                    },
                    {
                        "name": "幸福里",
                        "aliases": [],
                        "buildings": [{"name": "1栋", "units": ["1单元"]}],
                    },
                ],
            }
        ],
    }
    org_import(org_streets_from_dict(doc))


def _threshold(world: Any, value: float) -> None:
    IntakeSettings.objects.update_or_create(
        street=world.street, defaults={"confidence_threshold": value}
    )


@pytest.fixture
def places(world: Any) -> Any:
    _places(world)
    return world


def _draft(world: Any, text: str = LIGHT, street: Any = None) -> IntakeMessage:
    _threshold(world, 1.0)
    intake = intake_receive(street=street or world.street, text=text, channel="wechat")
    assert intake.kind == "draft"
    return intake.message


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _post_confirm(c: Client, m: IntakeMessage, **changes: Any) -> Any:
    place = Building.objects.get(compound__name="桂花苑", name="5幢")
    data = {
        "version": m.version,
        "category": "repair.corridor_light",
        "compound": place.compound_id,
        "building": place.pk,
        "unit": Unit.objects.get(building=place, name="2单元").pk,
        "room": "",
        "contact_phone": "13812345678",
        "description": m.text,
    }
    data.update(changes)
    return c.post(f"/console/intake/{m.pk}/confirm/", data, follow=True)


def _in_chinese(text: str) -> str:
    with translation.override("zh-hans"):
        return str(translation.gettext(text))


# Access --------------------------------------------------------------------------------------


def _urls(m: IntakeMessage, t: Ticket) -> list[tuple[str, str]]:
    return [
        ("get", f"/console/intake/{m.pk}/"),
        ("post", f"/console/intake/{m.pk}/confirm/"),
        ("post", f"/console/intake/{m.pk}/discard/"),
        ("get", "/console/intake/paste/"),
        ("post", "/console/intake/paste/"),
        ("get", "/console/intake/accuracy/"),
        ("post", f"/console/t/{t.number}/reclassify/"),
    ]


def test_strangers_go_to_the_login(places, client):
    m = _draft(places)
    t = f.ticket(places.unit)
    for method, url in _urls(m, t):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url
    m.refresh_from_db()
    assert m.status == IntakeMessage.Status.DRAFT


@pytest.mark.parametrize("role", ["worker", "resident"])
def test_workers_and_residents_are_refused(places, role):
    m = _draft(places)
    t = f.ticket(places.unit)
    c = _client(getattr(places, role))
    for method, url in _urls(m, t):
        assert getattr(c, method)(url).status_code == 403, url
    m.refresh_from_db()
    assert m.status == IntakeMessage.Status.DRAFT
    assert c.get("/console/").status_code == 403


def test_an_operator_takes_drafts_and_pastes_but_neither_corrects_orders_nor_reads_accuracy(
    places,
):
    m = _draft(places)
    t = f.ticket(places.unit)
    c = _client(places.operator)
    assert c.get(f"/console/intake/{m.pk}/").status_code == 200
    assert c.get("/console/intake/paste/").status_code == 200
    assert c.get("/console/intake/accuracy/").status_code == 403
    before = t.version
    response = c.post(f"/console/t/{t.number}/reclassify/", {"version": t.version})
    assert response.status_code == 403
    t.refresh_from_db()
    assert t.version == before
    page = c.get(f"/console/t/{t.number}/").content.decode()
    assert "/reclassify/" not in page


def test_another_streets_draft_is_404(places):
    theirs = _draft(places, street=places.other_street, text="楼道灯不亮了")
    c = _client(places.dispatcher)
    assert c.get(f"/console/intake/{theirs.pk}/").status_code == 404
    base = {"version": theirs.version, "category": "repair.corridor_light"}
    assert c.post(f"/console/intake/{theirs.pk}/confirm/", base).status_code == 404
    assert c.post(f"/console/intake/{theirs.pk}/discard/", base).status_code == 404
    assert c.get("/console/intake/99999999/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == IntakeMessage.Status.DRAFT
    assert theirs.text not in c.get("/console/").content.decode()


def test_another_streets_order_cannot_be_corrected(places):
    theirs = f.ticket(places.other_unit)
    c = _client(places.dispatcher)
    response = c.post(
        f"/console/t/{theirs.number}/reclassify/",
        {"version": theirs.version, "category": "repair.drain"},
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.category.code == "repair.corridor_light"


# Drafts in the queue ---------------------------------------------------------------------------


def test_the_queue_shows_drafts_urgent_then_newest_first_with_their_guesses(places):
    older = _draft(places, text="幸福里1栋楼道灯坏了")
    newer = _draft(places)
    IntakeMessage.objects.filter(pk=older.pk).update(
        received_at=timezone.now() - dt.timedelta(hours=1)
    )
    page = _client(places.dispatcher).get("/console/")
    rows = page.context["drafts"]
    assert [r.message.pk for r in rows] == [newer.pk, older.pk]
    g = rows[0].guess
    assert (g.category_name, g.compound, g.building, g.unit, g.phone) == (
        "楼道灯/公共照明",
        "桂花苑",
        "5幢",
        "2单元",
        "13812345678",
    )
    html = page.content.decode()
    assert html.index(newer.text) < html.index(older.text)
    # An urgent draft comes first, however old.
    IntakeMessage.objects.filter(pk=older.pk).update(urgent=True)
    rows = _client(places.dispatcher).get("/console/").context["drafts"]
    assert [r.message.pk for r in rows] == [older.pk, newer.pk]
    IntakeMessage.objects.filter(pk=older.pk).update(urgent=False)
    assert f"{g.percent}%" in html
    assert f"/console/intake/{newer.pk}/" in html
    # Handled drafts leave the queue.
    newer.status = IntakeMessage.Status.DISCARDED
    newer.save()
    assert [
        r.message.pk for r in _client(places.dispatcher).get("/console/").context["drafts"]
    ] == [older.pk]


def test_a_role_without_contact_access_sees_the_phone_masked(places):
    operators = Group.objects.get(name="operator")
    operators.permissions.remove(Permission.objects.get(codename="view_contact"))
    _draft(places)
    page = _client(places.operator).get("/console/")
    row = page.context["drafts"][0]
    assert row.guess.phone == "138****5678"
    assert row.text == "桂花苑5幢2单元楼道灯又不亮了，电话138****5678"
    html = page.content.decode()
    assert "13812345678" not in html
    draft = _client(places.operator).get(f"/console/intake/{row.message.pk}/")
    assert "13812345678" not in draft.content.decode()
    # A role with contact access reads the message as written.
    assert _client(places.dispatcher).get("/console/").context["drafts"][0].text == LIGHT
    # Sent back unchanged, the masked number stands for the number triage found.
    _post_confirm(_client(places.operator), row.message, contact_phone="138****5678")
    row.message.refresh_from_db()
    assert row.message.ticket.contact_phone == "13812345678"
    assert not TriageCorrection.objects.exists()


def test_the_drafts_section_costs_the_same_queries_for_two_drafts_and_twenty(places):
    c = _client(places.dispatcher)
    for _i in range(2):
        _draft(places)
    c.get("/console/")
    with CaptureQueriesContext(connection) as few:
        assert len(c.get("/console/").context["drafts"]) == 2
    for _i in range(18):
        _draft(places)
    with CaptureQueriesContext(connection) as many:
        assert len(c.get("/console/").context["drafts"]) == 20
    assert len(many) == len(few)


def test_the_queue_shows_at_most_the_cap_of_drafts(places, monkeypatch):
    from guanjia.console import intake_selectors

    monkeypatch.setattr(intake_selectors, "DRAFTS_CAP", 2)
    for _i in range(3):
        _draft(places)
    page = _client(places.dispatcher).get("/console/")
    assert len(page.context["drafts"]) == 2
    assert page.context["drafts_more"] is True


# A draft ---------------------------------------------------------------------------------------


def test_the_draft_form_is_filled_in_with_the_guesses(places):
    m = _draft(places)
    page = _client(places.dispatcher).get(f"/console/intake/{m.pk}/")
    assert page.status_code == 200
    building = Building.objects.get(compound__name="桂花苑", name="5幢")
    chosen = page.context["chosen"]
    assert chosen == {
        "compound": building.compound_id,
        "building": building.pk,
        "unit": Unit.objects.get(building=building, name="2单元").pk,
    }
    assert page.context["chosen_category"] == "repair.corridor_light"
    html = page.content.decode()
    assert 'value="repair.corridor_light" selected' in html
    assert 'value="13812345678"' in html
    assert 'name="version" value="1"' in html


def test_confirming_a_draft_makes_the_order_and_stores_each_correction(places):
    m = _draft(places)
    c = _client(places.dispatcher)
    other = Building.objects.get(compound__name="桂花苑", name="3幢")
    response = _post_confirm(
        c,
        m,
        category="repair.water_electric",
        building=other.pk,
        unit="",
        urgent="on",
    )
    m.refresh_from_db()
    assert m.status == IntakeMessage.Status.ORDERED
    t = m.ticket
    assert response.redirect_chain[-1][0] == f"/console/t/{t.number}/"
    assert (t.category.code, t.building_id, t.unit_id, t.urgent) == (
        "repair.water_electric",
        other.pk,
        None,
        True,
    )
    assert m.handled_by == places.dispatcher
    fixes = {c.field: (c.guessed, c.corrected) for c in TriageCorrection.objects.filter(message=m)}
    assert fixes == {
        "category": ("repair.corridor_light", "repair.water_electric"),
        "building": ("5幢", "3幢"),
        "unit": ("2单元", ""),
        "urgent": ("False", "True"),
    }
    assert all(x.corrected_by == places.dispatcher for x in TriageCorrection.objects.all())


def test_confirming_as_guessed_stores_no_correction(places):
    m = _draft(places)
    _post_confirm(_client(places.dispatcher), m)
    m.refresh_from_db()
    assert m.status == IntakeMessage.Status.ORDERED
    assert not TriageCorrection.objects.exists()


def test_a_stale_confirm_takes_nothing_and_says_why(places):
    m = _draft(places)
    c = _client(places.dispatcher)
    _post_confirm(c, m)
    assert Ticket.objects.count() == 1
    again = _post_confirm(c, m)  # the same form, sent a second time (version 1)
    assert Ticket.objects.count() == 1
    said = _messages(again)
    with translation.override("zh-hans"):
        expected = intake_views._stale_message()
    assert expected in said
    assert expected.startswith("这条消息已被他人处理")
    # The page now says what became of the message, with no form to send again.
    html = again.content.decode()
    assert "/confirm/" not in html
    assert m.ticket is None
    m.refresh_from_db()
    assert f"/console/t/{m.ticket.number}/" in html


def test_a_bad_place_or_service_is_said_next_to_the_field_and_nothing_is_taken(places):
    m = _draft(places)
    c = _client(places.dispatcher)
    theirs = Compound.objects.get(pk=places.other_unit.building.compound_id)
    response = _post_confirm(c, m, compound=theirs.pk, building="", unit="")
    assert response.status_code == 200
    assert response.context["form"].errors["compound"]
    response = _post_confirm(c, m, category="no.such")
    assert response.context["form"].errors["category"]
    response = _post_confirm(c, m, contact_phone="12")
    assert response.context["form"].errors["contact_phone"]
    m.refresh_from_db()
    assert m.status == IntakeMessage.Status.DRAFT
    assert not Ticket.objects.exists()
    assert not TriageCorrection.objects.exists()


def test_discarding_a_draft_with_what_it_really_was(places):
    first = _draft(places)
    second = _draft(places, text="谢谢物业，灯修好了")
    c = _client(places.dispatcher)
    response = c.post(
        f"/console/intake/{first.pk}/discard/",
        {"version": first.version, "category": "consult.other"},
    )
    first.refresh_from_db()
    assert first.status == IntakeMessage.Status.DISCARDED
    assert first.handled_by == places.dispatcher
    assert first.ticket is None
    fix = TriageCorrection.objects.get(message=first)
    assert (fix.field, fix.guessed, fix.corrected) == (
        "category",
        "repair.corridor_light",
        "consult.other",
    )
    # On to the next draft, from the keyboard.
    assert response["Location"] == f"/console/intake/{second.pk}/"
    response = c.post(f"/console/intake/{second.pk}/discard/", {"version": second.version})
    assert response["Location"] == "/console/"
    assert TriageCorrection.objects.filter(message=second).count() == 0
    assert not Ticket.objects.exists()


def test_a_stale_discard_changes_nothing(places):
    m = _draft(places)
    c = _client(places.dispatcher)
    _post_confirm(c, m)
    response = c.post(
        f"/console/intake/{m.pk}/discard/", {"version": 1, "category": "consult.other"}, follow=True
    )
    m.refresh_from_db()
    assert m.status == IntakeMessage.Status.ORDERED
    assert not TriageCorrection.objects.exists()
    with translation.override("zh-hans"):
        assert intake_views._stale_message() in _messages(response)


# The paste box ---------------------------------------------------------------------------------


def test_paste_lines_cut_the_time_and_nickname_off_and_keep_places():
    raw = (
        "王阿姨: 桂花苑3幢楼道灯坏了\n"
        "\n"
        "   \n"
        "[11-29 10:32] 李师傅：幸福里1栋水管爆了\n"
        "2026/11/29 10:33 张三: 谢谢\n"
        "10:34 赵四：电梯又坏了\n"
        "桂花小区：5幢门禁坏了\n"
        "没有前缀的消息\n"
        "https://example.com/x\n"
    )
    lines = paste_lines(raw, place_names=["桂花苑", "桂花小区", "幸福里"])
    assert [(x.number, x.sender, x.text) for x in lines] == [
        (1, "王阿姨", "桂花苑3幢楼道灯坏了"),
        (4, "李师傅", "幸福里1栋水管爆了"),
        (5, "张三", "谢谢"),
        (6, "赵四", "电梯又坏了"),
        (7, "", "桂花小区：5幢门禁坏了"),
        (8, "", "没有前缀的消息"),
        (9, "", "https://example.com/x"),
    ]


def _paste(c: Client, text: str, token: str | None = None, **extra: Any) -> Any:
    if token is None:
        token = c.get("/console/intake/paste/").context["form"]["token"].value()
    return c.post(
        "/console/intake/paste/", {"text": text, "channel": "wechat", "token": token, **extra}
    )


def test_pasted_messages_become_orders_joins_and_drafts_line_by_line(places):
    _threshold(places, 0.0)  # every message with a known compound becomes an order
    c = _client(places.dispatcher)
    text = (
        "王阿姨: 桂花苑5幢2单元楼道灯又不亮了\n"
        "\n"
        "[10:32] 李阿姨：桂花苑5幢2单元楼道灯还是不亮\n"
        "老周: 楼道灯坏了，不知道哪个小区\n"
    )
    response = _paste(c, text)
    assert response.status_code == 200
    table = response.context["table"]
    assert [(r["line"].number, r["intake"].kind) for r in table] == [
        (1, "order"),
        (3, "joined"),
        (4, "draft"),
    ]
    order = table[0]["intake"].ticket
    assert table[1]["intake"].ticket == order
    messages = list(IntakeMessage.objects.order_by("pk"))
    assert [(m.sender, m.channel) for m in messages] == [
        ("王阿姨", "wechat"),
        ("李阿姨", "wechat"),
        ("老周", "wechat"),
    ]
    assert messages[0].text == "桂花苑5幢2单元楼道灯又不亮了"
    html = response.content.decode()
    assert f"/console/t/{order.number}/" in html
    assert f"/console/intake/{messages[2].pk}/" in html
    assert table[0]["row"].guess.category_name == "楼道灯/公共照明"
    assert response.context["counts"] == {"order": 1, "joined": 1, "draft": 1}
    # A fresh form (a new token) for the next batch.
    fresh = response.context["form"]
    assert not fresh.is_bound
    assert fresh["token"].value() != response.wsgi_request.POST["token"]


def test_sending_the_same_paste_twice_takes_each_line_once(places):
    _threshold(places, 0.0)
    c = _client(places.dispatcher)
    token = c.get("/console/intake/paste/").context["form"]["token"].value()
    text = "王阿姨: 桂花苑5幢2单元楼道灯又不亮了\n老周: 不知道哪里的灯坏了"
    first = _paste(c, text, token)
    second = _paste(c, text, token)
    assert IntakeMessage.objects.count() == 2
    assert Ticket.objects.count() == 1
    assert [r["intake"].message.pk for r in second.context["table"]] == [
        r["intake"].message.pk for r in first.context["table"]
    ]
    # An edited line with the same token is a new message; the unchanged line is not.
    _paste(c, "王阿姨: 桂花苑5幢2单元楼道灯又不亮了\n老周: 幸福里的灯坏了", token)
    assert IntakeMessage.objects.count() == 3
    # Another form (a new token) is another batch.
    _paste(c, text)
    assert IntakeMessage.objects.count() == 5


def test_paste_limits_are_said_and_nothing_is_taken(places):
    c = _client(places.dispatcher)
    too_many = "\n".join(f"桂花苑{i % 6 + 1}幢楼道灯坏了" for i in range(PASTE_MAX_LINES + 1))
    response = _paste(c, too_many)
    assert response.context["form"].errors["text"]
    assert str(PASTE_MAX_LINES) in response.context["form"].errors["text"][0]
    response = _paste(c, "灯" * (PASTE_MAX_CHARS + 1))
    assert str(PASTE_MAX_CHARS) in response.context["form"].errors["text"][0]
    response = _paste(c, "\n  \n")
    assert response.context["form"].errors["text"]
    response = _paste(c, "桂花苑5幢楼道灯坏了", token="not-a-token")
    assert response.context["form"].errors["token"]
    response = _paste(c, "桂花苑5幢楼道灯坏了", channel="open311")
    assert response.context["form"].errors["channel"]
    assert not IntakeMessage.objects.exists()
    # The text typed is kept in the box to fix it.
    assert "楼道灯坏了" in response.content.decode()


def test_a_full_paste_of_two_hundred_lines_is_taken(places):
    _threshold(places, 1.0)
    c = _client(places.dispatcher)
    text = "\n".join(f"邻居{i}: 桂花苑{i % 6 + 1}幢楼道灯坏了" for i in range(PASTE_MAX_LINES))
    response = _paste(c, text)
    assert len(response.context["table"]) == PASTE_MAX_LINES
    assert IntakeMessage.objects.filter(status="draft").count() == PASTE_MAX_LINES


# Accuracy --------------------------------------------------------------------------------------


def _message(world: Any, **fields: Any) -> IntakeMessage:
    now = timezone.now()
    defaults: dict[str, Any] = {
        "street": world.street,
        "channel": "wechat",
        "text": "桂花苑5幢楼道灯不亮",
        "received_at": now - dt.timedelta(days=1),
        "guess": {"category": "repair.corridor_light", "compound": "桂花苑", "building": "5幢"},
        "model_version": "v1",
        "category": "repair.corridor_light",
        "confidence": 0.9,
        "status": IntakeMessage.Status.ORDERED,
    }
    defaults.update(fields)
    return IntakeMessage.objects.create(**defaults)


def _fix(m: IntakeMessage, field: str, by: Any, guessed: str = "a", corrected: str = "b") -> None:
    TriageCorrection.objects.create(
        street_id=m.street_id,
        message=m,
        field=field,
        guessed=guessed,
        corrected=corrected,
        corrected_by=by,
        at=timezone.now(),
    )


def _accuracy_data(world: Any, confirmed: int = 4) -> None:
    d = world.dispatcher
    now = timezone.now()
    # Drafts a person confirmed: every field checked; one had its service and building wrong.
    handled = [
        _message(world, handled_by=d, handled_at=now, ticket=f.ticket(world.unit))
        for _i in range(confirmed)
    ]
    _fix(handled[0], "category", d, "repair.corridor_light", "repair.drain")
    _fix(handled[0], "building", d, "5幢", "3幢")
    _fix(handled[1], "phone", d, "13812345678", "13912345678")
    # Discarded drafts: the service checked; one said what it really was.
    gone = [
        _message(world, status=IntakeMessage.Status.DISCARDED, handled_by=d, handled_at=now)
        for _i in range(2)
    ]
    _fix(gone[0], "category", d, "repair.corridor_light", "consult.other")
    # Orders triage made alone: one dispatched by hand (checked), one auto-dispatched (not).
    by_hand = f.ticket(world.unit)
    from guanjia.tickets.services import ticket_transition

    ticket_transition(ticket=by_hand, action="dispatch", actor=d, assignee=world.worker)
    _message(world, ticket=by_hand, model_version="v2")
    _message(world, ticket=f.ticket(world.unit), model_version="v2")
    # A joined message, a draft still waiting, and a message too old: none counted.
    _message(world, status=IntakeMessage.Status.JOINED, ticket=by_hand, model_version="v2")
    _message(world, status=IntakeMessage.Status.DRAFT)
    old = _message(
        world,
        handled_by=d,
        handled_at=now,
        received_at=now - dt.timedelta(days=31),
        model_version="v0",
    )
    _fix(old, "category", d)
    # Another street's corrections stay out.
    theirs = _message(world, street=world.other_street, handled_by=d, handled_at=now)
    _fix(theirs, "compound", d)


def test_accuracy_per_field_on_known_data(world):
    _accuracy_data(world)
    page = _client(world.manager).get("/console/intake/accuracy/")
    assert page.status_code == 200
    report = page.context["report"]
    figures = {x.field: (x.checked, x.corrected) for x in report.fields}
    assert figures == {
        # 4 confirmed + 2 discarded + 1 reviewed automatic order; 2 corrected
        "category": (7, 2),
        # 4 confirmed + 1 reviewed automatic order
        "compound": (5, 0),
        "building": (5, 1),
        "unit": (5, 0),
        # the confirmed drafts only
        "urgent": (4, 0),
        "phone": (4, 1),
    }
    accuracy = {x.field: x.accuracy for x in report.fields}
    assert accuracy["category"] == pytest.approx(1 - 2 / 7)
    assert accuracy["building"] == pytest.approx(0.8)
    assert accuracy["phone"] == pytest.approx(0.75)
    assert (report.handled, report.by_person, report.automatic) == (9, 6, 3)
    assert report.versions == [("v1", 6), ("v2", 3)]
    html = page.content.decode()
    assert "71.4%" in html and "80.0%" in html and "100.0%" in html
    # The latest corrections: this street's, newest first, services by name, phones as allowed.
    recent = report.recent
    assert len(recent) == 5
    assert {r.corrected for r in recent} >= {"下水道/管道堵塞、化粪池外溢", "13912345678", "3幢"}


def test_accuracy_is_for_dispatchers_and_managers(world):
    assert _client(world.dispatcher).get("/console/intake/accuracy/").status_code == 200
    assert _client(world.operator).get("/console/intake/accuracy/").status_code == 403
    assert _client(world.worker).get("/console/intake/accuracy/").status_code == 403


def test_accuracy_costs_the_same_queries_whatever_the_volume(world):
    c = _client(world.manager)
    _accuracy_data(world, confirmed=2)
    with CaptureQueriesContext(connection) as few:
        c.get("/console/intake/accuracy/")
    _accuracy_data(world, confirmed=20)
    with CaptureQueriesContext(connection) as many:
        c.get("/console/intake/accuracy/")
    assert len(many) == len(few)
    assert len(few) <= 10


# The order page ----------------------------------------------------------------------------------


def _auto_order(world: Any, text: str = LIGHT) -> Ticket:
    _threshold(world, 0.0)
    intake = intake_receive(street=world.street, text=text, channel="wechat")
    assert intake.kind == "order"
    assert intake.ticket is not None
    return intake.ticket


def test_the_order_page_shows_the_message_it_came_from(places):
    t = _auto_order(places)
    page = _client(places.dispatcher).get(f"/console/t/{t.number}/")
    html = page.content.decode()
    assert LIGHT in html
    rows = page.context["intake_messages"]
    assert [r.guess.place for r in rows] == ["桂花苑 5幢2单元"]
    assert page.context["reclassify"] is True
    plain = f.ticket(places.unit)
    page = _client(places.dispatcher).get(f"/console/t/{plain.number}/")
    assert page.context["intake_messages"] == []


def test_correcting_a_triaged_order_records_what_triage_got_wrong(places):
    t = _auto_order(places)
    due = (t.accept_due, t.arrive_due, t.resolve_due)
    c = _client(places.dispatcher)
    building = Building.objects.get(compound__name="桂花苑", name="3幢")
    response = c.post(
        f"/console/t/{t.number}/reclassify/",
        {
            "version": t.version,
            "category": "repair.water_electric",
            "compound": building.compound_id,
            "building": building.pk,
            "unit": "",
            "room": "",
        },
        follow=True,
    )
    assert response.status_code == 200
    t.refresh_from_db()
    assert (t.category.code, t.building_id, t.unit_id) == (
        "repair.water_electric",
        building.pk,
        None,
    )
    assert (t.accept_due, t.arrive_due, t.resolve_due) == due
    event = TicketEvent.objects.get(ticket=t, type="reclassify")
    assert event.payload["new"] == {
        "category": "repair.water_electric",
        "building": "3幢",
        "unit": None,
    }
    fixes = {
        x.field: (x.guessed, x.corrected)
        for x in TriageCorrection.objects.filter(message__ticket=t)
    }
    assert fixes == {
        "category": ("repair.corridor_light", "repair.water_electric"),
        "building": ("5幢", "3幢"),
        "unit": ("2单元", ""),
    }
    # The timeline says what changed, services by name.
    html = response.content.decode()
    assert "楼道灯/公共照明 → 公共水电" in html


def test_a_stale_correction_changes_nothing(places):
    t = _auto_order(places)
    c = _client(places.dispatcher)
    stale = t.version
    from guanjia.tickets.services import ticket_transition

    ticket_transition(ticket=t, action="dispatch", actor=places.dispatcher, assignee=places.worker)
    response = c.post(
        f"/console/t/{t.number}/reclassify/",
        {"version": stale, "category": "repair.drain", "compound": t.compound_id},
        follow=True,
    )
    t.refresh_from_db()
    assert t.category.code == "repair.corridor_light"
    assert not TriageCorrection.objects.exists()
    assert not TicketEvent.objects.filter(type="reclassify").exists()
    assert _messages(response)


def test_a_finished_order_offers_no_correction(places):
    t = f.ticket(places.unit)
    from guanjia.tickets.services import ticket_transition

    ticket_transition(ticket=t, action="cancel", actor=places.dispatcher, reason="重复")
    page = _client(places.dispatcher).get(f"/console/t/{t.number}/")
    assert page.context["reclassify"] is False
    t.refresh_from_db()
    response = _client(places.dispatcher).post(
        f"/console/t/{t.number}/reclassify/",
        {"version": t.version, "category": "repair.drain", "compound": t.compound_id},
        follow=True,
    )
    t.refresh_from_db()
    assert t.category.code == "repair.corridor_light"
    assert _messages(response)


def test_the_queues_live_refresh_brings_new_drafts(places):
    c = _client(places.dispatcher)
    c.get("/console/")
    m = _draft(places)
    part = c.get("/console/", headers={"HX-Request": "true"})
    assert "console/_queue.html" in [t.name for t in part.templates]
    assert f"/console/intake/{m.pk}/" in part.content.decode()


def test_a_district_account_names_the_street_it_pastes_for(places):
    admin = f.user("admin", None, "district")
    _threshold(places, 1.0)
    c = _client(admin)
    page = c.get("/console/intake/paste/")
    assert {s.code for s in page.context["streets"]} == {
        places.street.code,
        places.other_street.code,
    }
    token = page.context["form"]["token"].value()
    response = c.post(
        "/console/intake/paste/",
        {"text": "桂花苑5幢楼道灯坏了", "channel": "wechat", "token": token},
    )
    assert response.context["form"].non_field_errors()
    assert not IntakeMessage.objects.exists()
    response = c.post(
        "/console/intake/paste/",
        {
            "text": "桂花苑5幢楼道灯坏了",
            "channel": "wechat",
            "token": token,
            "street": places.street.code,
        },
    )
    assert [r["intake"].kind for r in response.context["table"]] == ["draft"]
    assert IntakeMessage.objects.get().street == places.street
