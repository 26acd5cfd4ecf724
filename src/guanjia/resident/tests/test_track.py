"""Following an order by its tracking link: only with the token; a timeline in plain words; the
handler's name, never a phone; photos of this order only; rate, cancel, reopen as the reporter."""

import datetime as dt
import io
from typing import Any

from django.utils import timezone
from PIL import Image

from guanjia.testing import factories as f
from guanjia.tickets.models import Ticket
from guanjia.tickets.photos import ticket_photo_add
from guanjia.tickets.services import ticket_transition


def _jpeg() -> bytes:
    data = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 200, 10)).save(data, "JPEG")
    return data.getvalue()


def _worker(world: Any) -> Any:
    world.worker.display_name = "李师傅"
    world.worker.phone = "13900001111"
    world.worker.save()
    world.worker.staff.title = "电工"
    world.worker.staff.save()
    return world.worker


def _resolved(world: Any, place: Any) -> Ticket:
    ticket = f.ticket(place.unit)
    worker = _worker(world)
    ticket_transition(ticket=ticket, action="dispatch", actor=world.dispatcher, assignee=worker)
    ticket_transition(ticket=ticket, action="accept", actor=worker)
    ticket_transition(ticket=ticket, action="arrive", actor=worker)
    ticket.refresh_from_db()
    ticket_photo_add(ticket=ticket, kind="after", upload=_jpeg(), actor=worker)
    ticket_transition(ticket=ticket, action="resolve", actor=worker)
    ticket.refresh_from_db()
    return ticket


def test_new_order_shows_received_and_awaiting_dispatch(client, place):
    ticket = f.ticket(place.unit)
    response = client.get(f"/t/{ticket.tracking_token}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "已受理" in html and "待派单" in html
    assert ticket.number in html
    assert 'hx-trigger="every 30s"' in html
    assert "13812342345" not in html  # the contact phone is not shown back


def test_unknown_token_and_the_number_alone_are_404(client, place):
    ticket = f.ticket(place.unit)
    assert client.get("/t/nope").status_code == 404
    assert client.get(f"/t/{ticket.number}").status_code == 404
    assert client.get("/t/nope/done").status_code == 404
    assert client.post("/t/nope/rate", {"overall": 5}).status_code == 404


def test_dispatched_order_names_the_worker_and_the_arrival_time_but_no_phone(client, world, place):
    ticket = f.ticket(place.unit)
    worker = _worker(world)
    ticket_transition(ticket=ticket, action="dispatch", actor=world.dispatcher, assignee=worker)
    html = client.get(f"/t/{ticket.tracking_token}").content.decode()
    assert "电工 李师傅" in html
    assert "分钟内到" in html
    assert "13900001111" not in html


def test_the_poll_swaps_the_timeline_or_reloads_when_the_order_moved(client, world, place):
    ticket = f.ticket(place.unit)
    url = f"/t/{ticket.tracking_token}?v={ticket.version}"
    response = client.get(url, headers={"hx-request": "true"})
    assert response.status_code == 200
    assert 'id="timeline"' in response.content.decode()
    assert "<html" not in response.content.decode()
    ticket_transition(
        ticket=ticket, action="dispatch", actor=world.dispatcher, assignee=world.worker
    )
    response = client.get(url, headers={"hx-request": "true"})
    assert response["HX-Refresh"] == "true"


def test_resolved_order_shows_after_photos_and_a_rating_form_then_rates(client, world, place):
    ticket = _resolved(world, place)
    html = client.get(f"/t/{ticket.tracking_token}").content.decode()
    photo = ticket.photos.get(kind="after")
    assert f"/t/{ticket.tracking_token}/photos/{photo.pk}" in html
    assert 'name="overall"' in html and "已完成" in html
    response = client.get(f"/t/{ticket.tracking_token}/photos/{photo.pk}")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    response = client.post(
        f"/t/{ticket.tracking_token}/rate",
        {"overall": 5, "speed": 5, "service": 4, "comment": "很快", "version": ticket.version},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "closed" and ticket.rating_overall == 5 and ticket.rating_service == 4
    event = ticket.events.get(type="rate")
    assert event.actor is None and event.payload["by"] == "reporter"
    html = client.get(f"/t/{ticket.tracking_token}").content.decode()
    assert "已办结" in html and 'name="overall"' not in html


def test_a_rating_without_stars_is_refused_next_to_the_field(client, world, place):
    ticket = _resolved(world, place)
    response = client.post(f"/t/{ticket.tracking_token}/rate", {"comment": "x"})
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == "resolved"


def test_another_orders_photo_through_this_token_is_404(client, world, place):
    mine = f.ticket(place.unit)
    other = f.ticket(place.other_unit, phone="13900002222")
    theirs = ticket_photo_add(
        ticket=other, kind="report", upload=_jpeg(), actor=None, resident=other.reporter
    )
    assert client.get(f"/t/{mine.tracking_token}/photos/{theirs.pk}").status_code == 404
    assert client.get(f"/t/{other.tracking_token}/photos/{theirs.pk}").status_code == 200
    # The staff photo route still refuses strangers.
    assert client.get(f"/photos/{theirs.pk}").status_code == 404


def test_cancel_before_acceptance_with_a_reason(client, world, place):
    ticket = f.ticket(place.unit)
    html = client.get(f"/t/{ticket.tracking_token}").content.decode()
    assert f"/t/{ticket.tracking_token}/cancel" in html
    response = client.post(f"/t/{ticket.tracking_token}/cancel", {})
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == "new"
    response = client.post(f"/t/{ticket.tracking_token}/cancel", {"reason": "solved"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "cancelled"
    assert ticket.events.get(type="cancel").note


def test_no_cancel_after_acceptance(client, world, place):
    ticket = f.ticket(place.unit)
    ticket_transition(
        ticket=ticket, action="dispatch", actor=world.dispatcher, assignee=world.worker
    )
    ticket_transition(ticket=ticket, action="accept", actor=world.worker)
    html = client.get(f"/t/{ticket.tracking_token}").content.decode()
    assert f"/t/{ticket.tracking_token}/cancel" not in html
    response = client.post(f"/t/{ticket.tracking_token}/cancel", {"reason": "solved"})
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == "accepted"


def test_reopen_within_seven_days(client, world, place):
    ticket = _resolved(world, place)
    ticket_transition(ticket=ticket, action="close", actor=None)
    html = client.get(f"/t/{ticket.tracking_token}").content.decode()
    assert f"/t/{ticket.tracking_token}/reopen" in html
    response = client.post(f"/t/{ticket.tracking_token}/reopen", {"reason": "灯又不亮了"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "dispatched" and ticket.reopen_count == 1


def test_no_reopen_after_seven_days(client, world, place):
    ticket = _resolved(world, place)
    Ticket.objects.filter(pk=ticket.pk).update(resolved_at=timezone.now() - dt.timedelta(days=8))
    html = client.get(f"/t/{ticket.tracking_token}").content.decode()
    assert f"/t/{ticket.tracking_token}/reopen" not in html
    response = client.post(f"/t/{ticket.tracking_token}/reopen", {"reason": "又坏了"})
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == "resolved"


def test_a_finished_order_stops_polling(client, world, place):
    ticket = f.ticket(place.unit)
    client.post(f"/t/{ticket.tracking_token}/cancel", {"reason": "mistake"})
    html = client.get(f"/t/{ticket.tracking_token}").content.decode()
    assert "已撤销" in html and "hx-trigger" not in html


def test_an_order_without_a_reporter_offers_no_actions(client, world, place):
    from guanjia.catalog.models import ServiceCategory
    from guanjia.tickets.services import ticket_create

    ticket = ticket_create(
        category=ServiceCategory.objects.get(code="repair.corridor_light"),
        compound=place.compound,
        channel="patrol",
        description="巡查发现",
        created_by=world.operator,
    )
    html = client.get(f"/t/{ticket.tracking_token}").content.decode()
    assert "/cancel" not in html
    response = client.post(f"/t/{ticket.tracking_token}/cancel", {"reason": "solved"})
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == "new"


def test_tracking_page_in_english(client, world, place):
    ticket = f.ticket(place.unit)
    html = client.get(
        f"/t/{ticket.tracking_token}", headers={"accept-language": "en"}
    ).content.decode()
    assert "Order received" in html and "Awaiting dispatch" in html


def test_a_photo_id_past_what_the_database_holds_is_404(client, place):
    ticket = f.ticket(place.unit)
    assert client.get(f"/t/{ticket.tracking_token}/photos/{2**70}").status_code == 404
