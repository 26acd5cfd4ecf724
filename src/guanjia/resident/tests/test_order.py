"""Ordering without an account: three screens, validation next to the fields, nothing half-written,
photos, the place remembered, the QR poster, the rate limit, life-safety numbers first."""

import io
import re
from typing import Any

import pytest
from PIL import Image

from guanjia.resident.qrcodes import building_by_code, building_code
from guanjia.tickets.models import Ticket, TicketEvent, TicketPhoto

LIGHT = "repair.corridor_light"


def _jpeg(size: tuple[int, int] = (40, 30)) -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", size, (200, 100, 50)).save(data, "JPEG")
    data.seek(0)
    data.name = "photo.jpg"
    return data


def _order_data(place: Any, **changes: Any) -> dict[str, Any]:
    data = {
        "compound": place.compound.pk,
        "building": place.building.pk,
        "unit": place.unit.pk,
        "room": "",
        "spot": "",
        "description": "3幢1单元楼道灯不亮",
        "contact_phone": "138 1234 5678",
        "contact_name": "王女士",
        "consent": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_home_lists_services_as_tiles_in_chinese(client, place):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="zh-hans"' in html
    assert "坏了有保修" in html and "楼道灯/公共照明" in html
    assert f'href="/order/{LIGHT}/place"' in html
    assert "<svg" in html
    # 三有 before 三管
    assert html.index("乱了有保安") < html.index("坏了有保修") < html.index("家政服务")


def test_place_screen_lists_compounds_and_htmx_loads_buildings_and_units(client, place):
    html = client.get(f"/order/{LIGHT}/place").content.decode()
    assert "大乐园小区" in html and 'hx-get="/order/place/buildings"' in html
    html = client.get(f"/order/place/buildings?compound={place.compound.pk}").content.decode()
    assert "3幢" in html and "4幢" in html and 'hx-swap-oob="true"' in html
    html = client.get(f"/order/place/units?building={place.building.pk}").content.decode()
    assert "1单元" in html and "2单元" not in html
    assert "<option" in client.get("/order/place/units?building=x").content.decode()


def test_without_javascript_next_reloads_the_place_with_the_buildings(client, place):
    response = client.get(f"/order/{LIGHT}/", {"compound": place.compound.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert "3幢" in html and "请选择楼栋" in html


def test_order_screen_shows_the_place_and_privacy_notice(client, place):
    response = client.get(
        f"/order/{LIGHT}/",
        {"compound": place.compound.pk, "building": place.building.pk, "unit": place.unit.pk},
    )
    html = response.content.decode()
    assert "大乐园小区 3幢 1单元" in html
    assert 'capture="environment"' in html and 'accept="image/*"' in html
    assert "保存3年" in html and 'name="consent"' in html


def test_an_order_is_taken_and_confirmed_with_number_and_link(client, place):
    response = client.post(f"/order/{LIGHT}/", _order_data(place, photos=[_jpeg(), _jpeg()]))
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert response["Location"] == f"/t/{ticket.tracking_token}/done"
    assert ticket.contact_phone == "13812345678" and ticket.contact_name == "王女士"
    assert ticket.unit == place.unit and ticket.channel == "form" and ticket.created_by is None
    assert TicketPhoto.objects.filter(ticket=ticket, kind="report").count() == 2
    assert "gj_place" in response.cookies
    page = client.get(response["Location"]).content.decode()
    assert ticket.number in page and f"/t/{ticket.tracking_token}" in page
    # The place is remembered on this device: the place screen comes prefilled.
    html = client.get(f"/order/{LIGHT}/place").content.decode()
    assert f'<option value="{place.unit.pk}" selected>' in html


def test_attributes_of_the_category_are_asked(client, place):
    code = "personal.housekeeping"
    data = _order_data(place, description="打扫卫生")
    response = client.post(f"/order/{code}/", data)
    assert response.status_code == 200
    assert "请填写“希望上门时间”" in response.content.decode() and Ticket.objects.count() == 0
    data["attr_preferred_time"] = "2026-12-01T09:30"
    response = client.post(f"/order/{code}/", data)
    assert response.status_code == 302
    assert Ticket.objects.get().attributes == {"preferred_time": "2026-12-01T09:30:00"}


@pytest.mark.parametrize(
    ("changes", "field_error"),
    [
        ({"contact_phone": "12345"}, "11位手机号"),
        ({"consent": None}, "请勾选"),
        ({"description": ""}, "请填写问题描述"),
    ],
)
def test_validation_errors_keep_what_was_typed_and_write_nothing(
    client, place, changes, field_error
):
    response = client.post(f"/order/{LIGHT}/", _order_data(place, **changes))
    assert response.status_code == 200
    html = response.content.decode()
    assert field_error in html
    assert "王女士" in html  # kept
    assert Ticket.objects.count() == 0 and TicketEvent.objects.count() == 0


def test_a_unit_of_another_building_is_refused(client, place):
    response = client.post(f"/order/{LIGHT}/", _order_data(place, unit=place.other_unit.pk))
    assert response.status_code == 200
    assert "2单元" in response.content.decode() and "不在" in response.content.decode()
    assert Ticket.objects.count() == 0


def test_a_bad_photo_is_refused_before_anything_is_written(client, place):
    bad = io.BytesIO(b"<html>not a photo</html>")
    bad.name = "x.jpg"
    response = client.post(f"/order/{LIGHT}/", _order_data(place, photos=[bad]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "第1张照片" in html[html.index('id="id_photos_error"') :]
    assert Ticket.objects.count() == 0


def test_more_than_three_photos_are_refused(client, place):
    response = client.post(f"/order/{LIGHT}/", _order_data(place, photos=[_jpeg()] * 4))
    assert response.status_code == 200 and Ticket.objects.count() == 0


def test_a_public_spot_instead_of_a_building(client, place):
    data = _order_data(place, building="", unit="", spot="东门")
    assert client.post(f"/order/{LIGHT}/", data).status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.spot == "东门" and ticket.building is None


def test_neither_building_nor_spot_is_refused(client, place):
    response = client.post(f"/order/{LIGHT}/", _order_data(place, building="", unit=""))
    assert response.status_code == 200 and Ticket.objects.count() == 0


def test_anonymous_ordering_is_rate_limited_per_address(client, place, settings):
    settings.GUANJIA = {**settings.GUANJIA, "RESIDENT_ORDERS_PER_HOUR": 2}
    for _ in range(2):
        assert client.post(f"/order/{LIGHT}/", _order_data(place)).status_code == 302
    response = client.post(f"/order/{LIGHT}/", _order_data(place))
    assert response.status_code == 429
    assert Ticket.objects.count() == 2
    other = client.post(f"/order/{LIGHT}/", _order_data(place), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302


def test_life_safety_shows_the_emergency_numbers_first_and_orders_urgent(client, place, settings):
    settings.GUANJIA = {**settings.GUANJIA, "GAS_HOTLINE": "0571-96777"}
    code = "security.fire_safety"
    html = client.get(f"/order/{code}/place").content.decode()
    first_form = html.index('<form method="get"')
    for number in ("119", "110", "120", "0571-96777"):
        assert html.index(f'href="tel:{number}"') < first_form
    assert (
        client.post(f"/order/{code}/", _order_data(place, description="煤气味")).status_code == 302
    )
    assert Ticket.objects.get().urgent is True
    assert 'href="tel:119"' not in client.get(f"/order/{LIGHT}/place").content.decode()


def test_qr_code_prefills_the_building_and_forged_codes_are_404(client, place):
    code = building_code(place.building)
    assert building_by_code(code) == place.building
    response = client.get(f"/r/{code}")
    assert response.status_code == 200
    assert "大乐园小区 3幢" in response.content.decode()
    html = client.get(f"/order/{LIGHT}/place").content.decode()
    assert f'<option value="{place.building.pk}" selected>' in html
    forged = re.sub(r"-.*", "-000000000000", code)
    assert _status(client, f"/r/{forged}") == 404
    assert _status(client, f"/r/{place.building.pk}") == 404
    assert _status(client, "/r/x") == 404


def _status(client: Any, url: str) -> int:
    return client.get(url).status_code


def test_unknown_or_inactive_service_is_404(client, place):
    assert client.get("/order/nope/place").status_code == 404
    assert client.post("/order/nope/", _order_data(place)).status_code == 404


def test_english_switch(client, place):
    html = client.get("/", headers={"accept-language": "en"}).content.decode()
    assert "Corridor and public lighting" in html


def test_a_photo_lost_after_the_order_leaves_the_order_standing_and_says_so(
    client, place, monkeypatch
):
    from guanjia.core.errors import Conflict
    from guanjia.resident import services

    def refuse(**kwargs: Any) -> None:
        raise Conflict("磁盘已满", code="disk_full")

    monkeypatch.setattr(services, "ticket_photo_add", refuse)
    response = client.post(f"/order/{LIGHT}/", _order_data(place, photos=[_jpeg()]), follow=True)
    assert response.status_code == 200
    assert Ticket.objects.count() == 1 and TicketPhoto.objects.count() == 0
    html = response.content.decode()
    assert "报单已提交，但第1张照片没有保存：磁盘已满" in html


def test_home_puts_common_personal_services_first(client, place):
    html = client.get("/").content.decode()
    assert html.index("三有") < html.index("坏了有保修") < html.index("三管")
    assert html.index("三管") < html.index("小修小补") < html.index("家政服务")


def test_ids_past_what_the_database_holds_are_refused_not_500(client, place):
    huge = str(2**70)
    assert client.get(f"/order/place/buildings?compound={huge}").status_code == 200
    assert client.get(f"/order/place/units?building={huge}").status_code == 200
    response = client.get(f"/order/{LIGHT}/", {"compound": huge, "building": huge})
    assert response.status_code == 200
    response = client.post(f"/order/{LIGHT}/", _order_data(place, unit=huge))
    assert response.status_code == 200 and Ticket.objects.count() == 0
