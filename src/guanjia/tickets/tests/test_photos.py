"""Photos: what is accepted, what is stored, who may add them, who may see them."""

import io
import re
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.utils import timezone
from PIL import Image, ImageFile

from guanjia.core.errors import Conflict, Forbidden, InvalidInput, NotFound, PayloadTooLarge
from guanjia.people.models import Resident
from guanjia.testing import factories as f
from guanjia.tickets import photos
from guanjia.tickets.models import Ticket, TicketEvent, TicketPhoto
from guanjia.tickets.photos import ticket_photo_add, ticket_photo_orphans_sweep
from guanjia.tickets.services import ticket_transition

PHONE = "13812342345"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def _files(media: Path) -> list[Path]:
    return sorted(p for p in media.rglob("*") if p.is_file())


def _jpeg(size: tuple[int, int] = (40, 20), **save: Any) -> bytes:
    """Left half red, right half blue, so a rotation shows."""
    im = Image.new("RGB", size, "blue")
    im.paste((255, 0, 0), (0, 0, size[0] // 2, size[1]))
    out = io.BytesIO()
    im.save(out, "JPEG", **save)
    return out.getvalue()


def _exif_with_gps(orientation: int = 6) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (30.0, 15.0, 10.0), 3: "E", 4: (120.0, 5.0, 1.0)}
    return exif


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_claiming(width: int, height: int) -> bytes:
    """A valid-looking PNG of a few bytes whose header claims width × height pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + _chunk(b"IEND", b"")
    )


def _jpeg_claiming(width: int, height: int) -> bytes:
    """A real small JPEG whose frame header (SOF0) is patched to claim width × height."""
    data = bytearray(_jpeg((16, 16)))
    sof = data.index(b"\xff\xc0")
    # FFC0, length (2), precision (1), height (2), width (2)
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _no_pixel_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: Any) -> None:
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


def _on_site(world: Any) -> Ticket:
    t = f.ticket(world.unit, phone=PHONE)
    t = ticket_transition(
        ticket=t, action="dispatch", actor=world.dispatcher, assignee=world.worker
    ).ticket
    return ticket_transition(ticket=t, action="accept", actor=world.worker).ticket


def _reporter(ticket: Ticket) -> Resident:
    assert ticket.reporter is not None
    return ticket.reporter


# What is stored


def test_jpeg_is_stored_upright_without_exif_under_a_generated_name(world, media):
    t = f.ticket(world.unit, phone=PHONE)
    data = _jpeg(exif=_exif_with_gps(orientation=6), comment=b"taken at home, room 301")
    upload = SimpleUploadedFile("../../我家的照片.html", data, content_type="text/html")

    photo = ticket_photo_add(
        ticket=t, kind="report", upload=upload, actor=None, resident=_reporter(t)
    )

    today = timezone.localdate()
    assert re.fullmatch(
        rf"tickets/shuanggang/{today:%Y}/{today:%m}/[0-9a-f]{{32}}\.jpg", photo.file
    ), photo.file
    stored = media / photo.file
    assert _files(media) == [stored]
    raw = stored.read_bytes()
    assert b"Exif" not in raw
    assert b"PhoneMaker" not in raw
    assert b"room 301" not in raw
    with Image.open(stored) as im:
        assert im.format == "JPEG"
        assert dict(im.getexif()) == {}
        assert "comment" not in im.info
        # Orientation 6 turned the landscape picture upright: red (left) is now on top.
        assert im.size == (20, 40) == (photo.width, photo.height)
        red, _green, blue = im.convert("RGB").getpixel((10, 5))  # type: ignore[misc]
        assert red > 200 and blue < 60
        red, _green, blue = im.convert("RGB").getpixel((10, 35))  # type: ignore[misc]
        assert blue > 200 and red < 60
    assert photo.uploaded_by is None
    assert photo.street_id == t.street_id


def test_an_event_records_the_photo_without_any_file_name(world):
    t = f.ticket(world.unit, phone=PHONE)
    upload = SimpleUploadedFile("IMG_2024_secret.jpg", _jpeg(), content_type="image/jpeg")
    photo = ticket_photo_add(ticket=t, kind="report", upload=upload, actor=world.operator)

    event = TicketEvent.objects.get(ticket=t, type="photo")
    assert event.payload == {"kind": "report", "photo": photo.pk}
    assert event.actor == world.operator
    assert event.from_status == event.to_status == "new"
    assert photo.uploaded_by == world.operator
    assert "IMG_2024" not in photo.file


def test_big_photos_are_shrunk_to_the_configured_side(world, settings, media):
    settings.GUANJIA = {**settings.GUANJIA, "PHOTO_MAX_SIDE": 100}
    t = f.ticket(world.unit, phone=PHONE)
    photo = ticket_photo_add(
        ticket=t, kind="report", upload=_jpeg((400, 200)), actor=None, resident=_reporter(t)
    )
    assert (photo.width, photo.height) == (100, 50)
    with Image.open(media / photo.file) as im:
        assert im.size == (100, 50)


def test_png_with_alpha_becomes_a_flat_jpeg(world, media):
    t = f.ticket(world.unit, phone=PHONE)
    im = Image.new("RGBA", (30, 30), (0, 0, 0, 0))  # fully transparent
    im.paste((0, 128, 0, 255), (0, 0, 15, 30))
    out = io.BytesIO()
    im.save(out, "PNG")

    photo = ticket_photo_add(
        ticket=t, kind="report", upload=out.getvalue(), actor=None, resident=_reporter(t)
    )

    assert photo.file.endswith(".jpg")
    with Image.open(media / photo.file) as stored:
        assert stored.format == "JPEG"
        assert stored.mode == "RGB"
        r, g, b = stored.getpixel((25, 15))  # type: ignore[misc]
        assert min(r, g, b) > 240  # transparency became white, not black
        r, g, b = stored.getpixel((5, 15))  # type: ignore[misc]
        assert g > 100 and r < 40


def test_webp_is_accepted(world, media):
    t = f.ticket(world.unit, phone=PHONE)
    out = io.BytesIO()
    Image.new("RGB", (24, 12), "yellow").save(out, "WEBP")
    photo = ticket_photo_add(
        ticket=t, kind="report", upload=out.getvalue(), actor=None, resident=_reporter(t)
    )
    with Image.open(media / photo.file) as stored:
        assert stored.format == "JPEG"
        assert stored.size == (24, 12)


# What is refused


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("photo.jpg", b"just some text, not a picture\n", "image/jpeg"),
        (
            "photo.jpg",
            b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>",
            "image/jpeg",
        ),
        # A polyglot: JPEG magic bytes followed by a page.
        ("photo.jpg", b"\xff\xd8\xff\xe0<html><script>alert(1)</script></html>", "image/jpeg"),
        ("photo.png", b"\x89PNG\r\n\x1a\ntruncated", "image/png"),
        ("photo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "image/svg+xml"),
    ],
    ids=["text-named-jpg", "html", "jpeg-html-polyglot", "broken-png", "svg"],
)
def test_what_is_not_a_real_photo_is_refused(world, media, name, content, content_type):
    t = f.ticket(world.unit, phone=PHONE)
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    with pytest.raises(InvalidInput) as exc:
        ticket_photo_add(ticket=t, kind="report", upload=upload, actor=None, resident=_reporter(t))
    assert exc.value.code == "bad_image"
    assert exc.value.status == 422
    assert _files(media) == []
    assert not TicketPhoto.objects.exists()


def test_other_real_image_formats_are_refused(world):
    t = f.ticket(world.unit, phone=PHONE)
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "GIF")
    with pytest.raises(InvalidInput) as exc:
        ticket_photo_add(
            ticket=t, kind="report", upload=out.getvalue(), actor=None, resident=_reporter(t)
        )
    assert exc.value.code == "bad_image"


def test_oversize_bytes_are_refused_before_decoding(world, settings, monkeypatch, media):
    settings.GUANJIA = {**settings.GUANJIA, "PHOTO_MAX_BYTES": 1000}
    t = f.ticket(world.unit, phone=PHONE)

    def no_decoding(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the oversize upload was decoded")

    monkeypatch.setattr(Image, "open", no_decoding)
    with pytest.raises(PayloadTooLarge) as exc:
        ticket_photo_add(
            ticket=t, kind="report", upload=b"\xff\xd8\xff" + b"\0" * 1000, actor=world.operator
        )
    assert exc.value.status == 413
    assert exc.value.code == "too_large"
    assert _files(media) == []


class _Unreadable:
    """An upload that declares its size and must not be read at all."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.name = "huge.jpg"

    def read(self, size: int = -1, /) -> bytes:
        raise AssertionError("an upload declared too large was read")


class _Endless:
    """A stream with no declared size that never ends; records how much was asked of it."""

    def __init__(self) -> None:
        self.given = 0

    def read(self, size: int = -1, /) -> bytes:
        assert size > 0, "asked to read without a bound"
        chunk = min(size, 300)  # short reads, as a socket gives them
        self.given += chunk
        return b"\xff" * chunk


def test_a_declared_size_over_the_limit_is_refused_without_reading(world):
    t = f.ticket(world.unit, phone=PHONE)
    with pytest.raises(PayloadTooLarge):
        ticket_photo_add(ticket=t, kind="report", upload=_Unreadable(10**9), actor=world.operator)


def test_a_stream_is_read_no_further_than_one_byte_past_the_limit(world, settings):
    settings.GUANJIA = {**settings.GUANJIA, "PHOTO_MAX_BYTES": 1000}
    t = f.ticket(world.unit, phone=PHONE)
    stream = _Endless()
    with pytest.raises(PayloadTooLarge):
        ticket_photo_add(ticket=t, kind="report", upload=stream, actor=world.operator)
    assert stream.given == 1001


@pytest.mark.parametrize(
    "bomb",
    [
        _png_claiming(50_000, 50_000),  # past twice Pillow's limit: Image.open itself refuses
        _png_claiming(7_000, 7_000),  # 49 MP: past ours, below twice Pillow's
        _jpeg_claiming(65_000, 65_000),
    ],
    ids=["png-50000x50000", "png-7000x7000", "jpeg-65000x65000"],
)
def test_decompression_bombs_are_refused_from_the_header(world, monkeypatch, media, bomb):
    t = f.ticket(world.unit, phone=PHONE)
    assert len(bomb) < 1000
    _no_pixel_decoding(monkeypatch)
    with pytest.raises(PayloadTooLarge) as exc:
        ticket_photo_add(ticket=t, kind="report", upload=bomb, actor=None, resident=_reporter(t))
    assert exc.value.code == "too_many_pixels"
    assert _files(media) == []


def test_a_highly_compressible_large_image_is_refused_before_its_pixels(
    world, settings, monkeypatch
):
    settings.GUANJIA = {**settings.GUANJIA, "PHOTO_MAX_PIXELS": 1_000_000}
    out = io.BytesIO()
    Image.new("L", (2000, 1000)).save(out, "PNG", optimize=True)
    assert len(out.getvalue()) < 10_000  # 2 MP in a few KB
    t = f.ticket(world.unit, phone=PHONE)
    _no_pixel_decoding(monkeypatch)
    with pytest.raises(PayloadTooLarge):
        ticket_photo_add(
            ticket=t, kind="report", upload=out.getvalue(), actor=None, resident=_reporter(t)
        )


# Who may add what, and when


def test_the_reporter_with_an_account_adds_report_photos(world):
    t = f.ticket(world.unit, phone=PHONE)
    Resident.objects.filter(pk=_reporter(t).pk).update(user=world.resident)
    photo = ticket_photo_add(ticket=t, kind="report", upload=_jpeg(), actor=world.resident)
    assert photo.uploaded_by == world.resident


def test_someone_else_cannot_see_the_order_at_all(world):
    t = f.ticket(world.unit, phone=PHONE)
    stranger = Resident.objects.create(street=world.street, phone="13900001111")
    other_dispatcher = f.user("dispatcher", world.other_street, "other_dispatcher")
    for actor, resident in [
        (world.resident, None),  # a resident account that did not report it
        (None, stranger),  # another resident's tracking link
        (None, None),
        (other_dispatcher, None),
        (world.other_worker, None),  # same street, not assigned
    ]:
        with pytest.raises(NotFound):
            ticket_photo_add(
                ticket=t, kind="report", upload=_jpeg(), actor=actor, resident=resident
            )
    assert not TicketPhoto.objects.exists()


def test_staff_who_see_the_order_but_may_not_add_that_kind_are_forbidden(world):
    t = _on_site(world)
    with pytest.raises(Forbidden):  # the dispatcher is not the handler
        ticket_photo_add(ticket=t, kind="after", upload=_jpeg(), actor=world.dispatcher)
    with pytest.raises(Forbidden):  # the handler does not take orders for callers
        ticket_photo_add(ticket=t, kind="report", upload=_jpeg(), actor=world.worker)
    with pytest.raises(Forbidden):  # the reporter does not photograph the work
        ticket_photo_add(ticket=t, kind="before", upload=_jpeg(), actor=None, resident=_reporter(t))


def test_the_handler_adds_work_photos_only_while_on_the_job(world):
    t = f.ticket(world.unit, phone=PHONE)
    t = ticket_transition(
        ticket=t, action="dispatch", actor=world.dispatcher, assignee=world.worker
    ).ticket
    with pytest.raises(Conflict) as exc:  # not accepted yet
        ticket_photo_add(ticket=t, kind="before", upload=_jpeg(), actor=world.worker)
    assert exc.value.code == "bad_status"

    t = ticket_transition(ticket=t, action="accept", actor=world.worker).ticket
    before = ticket_photo_add(ticket=t, kind="before", upload=_jpeg(), actor=world.worker)
    t = ticket_transition(ticket=t, action="arrive", actor=world.worker).ticket
    after = ticket_photo_add(ticket=t, kind="after", upload=_jpeg(), actor=world.worker)
    assert [p.kind for p in t.photos.all()] == ["before", "after"]
    assert before.uploaded_by == after.uploaded_by == world.worker

    t = ticket_transition(ticket=t, action="resolve", actor=world.worker).ticket
    with pytest.raises(Conflict):
        ticket_photo_add(ticket=t, kind="after", upload=_jpeg(), actor=world.worker)


def test_no_resident_photo_on_a_finished_order(world):
    t = f.ticket(world.unit, phone=PHONE)
    ticket_transition(ticket=t, action="cancel", actor=world.dispatcher, reason="重复")
    t.refresh_from_db()
    with pytest.raises(Conflict) as exc:
        ticket_photo_add(ticket=t, kind="report", upload=_jpeg(), actor=None, resident=_reporter(t))
    assert exc.value.code == "ticket_closed"
    with pytest.raises(Conflict):
        ticket_photo_add(ticket=t, kind="report", upload=_jpeg(), actor=world.operator)


def test_at_most_three_report_photos(world, media):
    t = f.ticket(world.unit, phone=PHONE)
    for _ in range(3):
        ticket_photo_add(ticket=t, kind="report", upload=_jpeg(), actor=None, resident=_reporter(t))
    with pytest.raises(Conflict) as exc:
        ticket_photo_add(ticket=t, kind="report", upload=_jpeg(), actor=world.operator)
    assert exc.value.code == "too_many_photos"
    assert len(_files(media)) == 3


def test_at_most_nine_work_photos_of_each_kind(world):
    t = _on_site(world)
    for _ in range(9):
        ticket_photo_add(ticket=t, kind="before", upload=_jpeg(), actor=world.worker)
    with pytest.raises(Conflict):
        ticket_photo_add(ticket=t, kind="before", upload=_jpeg(), actor=world.worker)
    ticket_photo_add(ticket=t, kind="after", upload=_jpeg(), actor=world.worker)


def test_unknown_kind_is_refused(world):
    t = f.ticket(world.unit, phone=PHONE)
    with pytest.raises(InvalidInput) as exc:
        ticket_photo_add(ticket=t, kind="selfie", upload=_jpeg(), actor=world.operator)
    assert exc.value.code == "bad_kind"


# Files and transactions


def test_a_failure_inside_the_transaction_leaves_no_file(world, monkeypatch, media):
    t = f.ticket(world.unit, phone=PHONE)

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(photos, "event_write", broken)
    with pytest.raises(RuntimeError):
        ticket_photo_add(ticket=t, kind="report", upload=_jpeg(), actor=world.operator)
    assert _files(media) == []
    assert not TicketPhoto.objects.exists()


def test_an_enclosing_rollback_leaves_no_file_once_swept(world, media):
    t = f.ticket(world.unit, phone=PHONE)
    kept = ticket_photo_add(ticket=t, kind="report", upload=_jpeg(), actor=world.operator)

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        ticket_photo_add(ticket=t, kind="report", upload=_jpeg(), actor=world.operator)
        raise Abort
    assert TicketPhoto.objects.count() == 1
    assert len(_files(media)) == 2

    # A recent file may still be waiting for its row: the sweep leaves it alone.
    assert ticket_photo_orphans_sweep() == 0
    later = timezone.now() + timezone.timedelta(hours=2)
    assert ticket_photo_orphans_sweep(now=later) == 1
    assert _files(media) == [media / kept.file]
    assert ticket_photo_orphans_sweep(now=later) == 0


# Serving


@pytest.fixture
def served(world) -> TicketPhoto:
    t = _on_site(world)
    return ticket_photo_add(ticket=t, kind="before", upload=_jpeg(), actor=world.worker)


def _get(user: Any, photo: TicketPhoto) -> Any:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(f"/photos/{photo.pk}")


def test_the_handler_and_the_street_see_the_photo_as_a_jpeg(world, served):
    for user in (world.worker, world.dispatcher):
        response = _get(user, served)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"] == "inline"
        assert "no-store" in response["Cache-Control"]
        with Image.open(io.BytesIO(b"".join(response.streaming_content))) as im:
            assert im.format == "JPEG"


def test_strangers_get_404(world, served):
    other_dispatcher = f.user("dispatcher", world.other_street, "other_dispatcher")
    for user in (None, other_dispatcher, world.other_worker, world.resident):
        assert _get(user, served).status_code == 404, user
    client = Client()
    client.force_login(world.dispatcher)
    assert client.get("/photos/999999").status_code == 404


def test_a_missing_file_is_404_and_other_methods_405(world, served, media):
    client = Client()
    client.force_login(world.worker)
    assert client.post(f"/photos/{served.pk}").status_code == 405
    (media / served.file).unlink()
    assert client.get(f"/photos/{served.pk}").status_code == 404


def test_a_path_outside_the_photo_folder_is_never_served(world, served, media):
    secret = media / "secret.txt"
    secret.write_text("not a photo")
    TicketPhoto.objects.filter(pk=served.pk).update(file="tickets/../secret.txt")
    client = Client()
    client.force_login(world.worker)
    assert client.get(f"/photos/{served.pk}").status_code == 404
