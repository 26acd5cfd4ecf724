"""Photos of an order: the resident's (report) and the handler's (before, after).

An upload is untrusted bytes. In order, cheapest first: who may add this kind now; the size
(413, before anything is decoded); the magic bytes (JPEG, PNG or WebP, whatever the name or the
declared type says); the pixel count from the header (413, before any pixel is decoded); then the
image is decoded, turned upright, flattened to RGB, shrunk and re-encoded as a fresh JPEG that
carries no metadata (no EXIF, no GPS, no comments). It is written under a generated name, and the
row and its TicketEvent commit together; a failure removes the file again. Files whose row never
committed (an enclosing transaction rolled back, a crash) are removed by
`ticket_photo_orphans_sweep`.
"""

import datetime as dt
import io
import logging
import os
import re
import secrets
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from guanjia.core.errors import Conflict, Forbidden, InvalidInput, NotFound, PayloadTooLarge
from guanjia.people import roles
from guanjia.people.access import AnyUser
from guanjia.people.models import Resident, User
from guanjia.tickets import lifecycle
from guanjia.tickets.access import ticket_capacities, ticket_scope
from guanjia.tickets.events import event_write
from guanjia.tickets.models import PhotoKind, Ticket, TicketPhoto

logger = logging.getLogger(__name__)

PHOTO_DIR = "tickets"
# How many photos of one kind an order may carry: a resident's few, a handler's record of the work.
MAX_PER_KIND = {PhotoKind.REPORT: 3, PhotoKind.BEFORE: 9, PhotoKind.AFTER: 9}
# Handlers photograph the work while they are on it.
WORK_STATUSES = frozenset({lifecycle.ACCEPTED, lifecycle.ON_SITE})
JPEG_QUALITY = 85

# Magic bytes → the one Pillow plugin allowed to parse the file.
_PNG = b"\x89PNG\r\n\x1a\n"
_SAFE_SEGMENT = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


class Readable(Protocol):
    """A file-like upload (Django's UploadedFile, an open file, BytesIO)."""

    def read(self, size: int = ..., /) -> bytes: ...


Upload = bytes | bytearray | Readable


@dataclass(frozen=True)
class EncodedPhoto:
    data: bytes
    width: int
    height: int


def ticket_photo_add(
    *,
    ticket: Ticket,
    kind: str,
    upload: Upload,
    actor: AnyUser | None,
    resident: Resident | None = None,
    now: dt.datetime | None = None,
) -> TicketPhoto:
    """Attach a photo to `ticket`.

    - report photos: the reporter (signed in, or `resident` holding the tracking link) or staff who
      take orders for callers (tickets.create_for_others), while the order is open; at most 3;
    - before/after photos: the assignee, while the order is accepted or on site; at most 9 each;
    - an order the actor cannot see does not exist for them (404); one they see but may not add
      this photo to is 403; a finished order or the wrong stage is 409.
    """
    now = now or timezone.now()
    if kind not in PhotoKind.values:
        raise InvalidInput(_("Unknown kind of photo."), code="bad_kind", field="kind")
    # Cheap checks first: nobody gets an image decoded on an order they may not touch.
    _photo_allowed(ticket=ticket, kind=kind, actor=actor, resident=resident)
    data = photo_read(upload)
    encoded = photo_encode(data)

    path = _photo_path(ticket)
    _file_write(path, encoded.data)
    try:
        with transaction.atomic():
            # Lock the order (PostgreSQL; SQLite's writer lock serialises anyway) so two uploads at
            # once cannot both pass the count check, and re-check against the fresh row.
            current = Ticket.objects.select_for_update().get(pk=ticket.pk)
            _photo_allowed(ticket=current, kind=kind, actor=actor, resident=resident)
            photo = TicketPhoto.objects.create(
                street_id=current.street_id,
                ticket=current,
                kind=kind,
                file=path.relative_to(_media_root()).as_posix(),
                width=encoded.width,
                height=encoded.height,
                uploaded_by=_user_or_none(actor),
                created_at=now,
            )
            event_write(
                ticket=current,
                type="photo",
                at=now,
                actor=_user_or_none(actor),
                from_status=current.status,
                to_status=current.status,
                payload={"kind": kind, "photo": photo.pk},
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return photo


def _user_or_none(actor: AnyUser | None) -> User | None:
    return actor if isinstance(actor, User) and actor.is_authenticated else None


def _photo_allowed(
    *, ticket: Ticket, kind: str, actor: AnyUser | None, resident: Resident | None
) -> None:
    user = actor if actor is not None and actor.is_authenticated else None
    # No actor here means nobody signed in (a resident with the tracking link), not the system.
    capacities = ticket_capacities(user or AnonymousUser(), ticket, resident=resident)
    visible = lifecycle.REPORTER in capacities or (
        user is not None and ticket_scope(user).filter(pk=ticket.pk).exists()
    )
    if not visible:
        raise NotFound(_("No such order."), code="not_found")

    if kind == PhotoKind.REPORT:
        staff_for_caller = (
            user is not None
            and user.has_perm(roles.CREATE_FOR_OTHERS)
            and getattr(user, "street_id", None) in (None, ticket.street_id)
        )
        if lifecycle.REPORTER not in capacities and not staff_for_caller:
            raise Forbidden(
                _("Only the resident who reported this order can add photos to it."),
                code="forbidden",
            )
        if ticket.status not in lifecycle.OPEN:
            raise Conflict(
                _("This order is finished; photos can no longer be added."), code="ticket_closed"
            )
    else:
        if lifecycle.ASSIGNEE not in capacities:
            raise Forbidden(
                _("Only the handler of this order can add photos of the work."), code="forbidden"
            )
        if ticket.status not in WORK_STATUSES:
            raise Conflict(
                _("Photos of the work can be added while the order is accepted or on site."),
                code="bad_status",
            )
    limit = MAX_PER_KIND[PhotoKind(kind)]
    if TicketPhoto.objects.filter(ticket=ticket, kind=kind).count() >= limit:
        raise Conflict(
            _("This order already has %(count)d photos of this kind.") % {"count": limit},
            code="too_many_photos",
        )


def photo_read(upload: Upload) -> bytes:
    """The upload's bytes, refusing anything over PHOTO_MAX_BYTES without reading past the limit.

    A declared size (Django's UploadedFile.size) over the limit is refused without reading at all.
    """
    limit = settings.GUANJIA["PHOTO_MAX_BYTES"]
    too_large = PayloadTooLarge(
        _("The photo is too large: at most %(mb)d MB.") % {"mb": limit // (1024 * 1024)},
        code="too_large",
        field="photo",
    )
    if isinstance(upload, bytes | bytearray):
        if len(upload) > limit:
            raise too_large
        return bytes(upload)
    declared = getattr(upload, "size", None)
    if isinstance(declared, int) and declared > limit:
        raise too_large
    seekable = getattr(upload, "seekable", None)
    if callable(seekable) and seekable():
        upload.seek(0)  # type: ignore[union-attr,attr-defined]
    chunks: list[bytes] = []
    total = 0
    # Never ask for more than one byte past the limit, however the stream is made.
    while total <= limit:
        chunk = upload.read(limit + 1 - total)
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    if total > limit:
        raise too_large
    return b"".join(chunks)


def _sniff(data: bytes) -> str | None:
    """The Pillow format the magic bytes announce, or None."""
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if data[:8] == _PNG:
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def photo_encode(data: bytes) -> EncodedPhoto:
    """Decode a JPEG, PNG or WebP and re-encode it as a clean, upright, bounded JPEG."""
    bad_image = InvalidInput(
        _("This is not a photo we can read: please send a JPEG, PNG or WebP picture."),
        code="bad_image",
        field="photo",
    )
    fmt = _sniff(data)
    if fmt is None:
        raise bad_image
    max_pixels = settings.GUANJIA["PHOTO_MAX_PIXELS"]
    too_many_pixels = PayloadTooLarge(
        _("The photo has too many pixels: at most %(mp)d megapixels.")
        % {"mp": max_pixels // 1_000_000},
        code="too_many_pixels",
        field="photo",
    )
    # Pillow's own guard, at our limit: Image.open raises past twice this, warns past it.
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[fmt]) as im:
                width, height = im.size
                # The header's size, before a single pixel is decoded.
                if width * height > max_pixels:
                    raise too_many_pixels
                if width < 1 or height < 1:
                    raise bad_image
                side = settings.GUANJIA["PHOTO_MAX_SIDE"]
                if fmt == "JPEG":
                    # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when the photo is far larger.
                    im.draft("RGB", (side, side))
                im.load()
                clean = _clean(im, side)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise too_many_pixels from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        # Truncated or malformed files, unsupported modes, oversized text chunks.
        raise bad_image from exc
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return EncodedPhoto(data=out.getvalue(), width=clean.width, height=clean.height)


def _clean(im: Image.Image, side: int) -> Image.Image:
    try:
        upright = ImageOps.exif_transpose(im)
    except (SyntaxError, ValueError, TypeError, KeyError) as exc:
        # A broken orientation tag is no reason to refuse the photo; keep it as it is.
        logger.info("ignoring unreadable EXIF orientation: %s", exc)
        upright = im
    if upright.mode in ("RGBA", "LA", "PA") or (
        upright.mode == "P" and "transparency" in upright.info
    ):
        rgba = upright.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
    else:
        flat = upright.convert("RGB")
    flat.thumbnail((side, side), Image.Resampling.LANCZOS)
    # Nothing of the original's metadata travels on (Pillow writes a JPEG comment from info).
    flat.info = {}
    return flat


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _photo_path(ticket: Ticket) -> Path:
    """MEDIA_ROOT/tickets/<street>/<yyyy>/<mm>/<random>.jpg; the month is the upload's (real
    clock), so the orphan sweep knows where new files are."""
    code = ticket.street.code
    street = code if _SAFE_SEGMENT.match(code) else f"street-{ticket.street_id}"
    today = timezone.localdate()
    folder = _media_root() / PHOTO_DIR / street / f"{today:%Y}" / f"{today:%m}"
    return folder / f"{secrets.token_hex(16)}.jpg"


def _file_write(path: Path, data: bytes) -> None:
    """Write all or nothing: a temporary file in the same folder, synced, then renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o640)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def ticket_photo_file(photo: TicketPhoto) -> Path | None:
    """The file of `photo` on disk, or None when it is missing or lies outside MEDIA_ROOT."""
    root = _media_root().resolve()
    path = (root / photo.file).resolve()
    if not path.is_relative_to(root / PHOTO_DIR) or not path.is_file():
        return None
    return path


def ticket_photo_orphans_sweep(
    *, older_than: dt.timedelta = dt.timedelta(hours=1), now: dt.datetime | None = None
) -> int:
    """Remove photo files of this and last month that no row refers to, and stray temporary files.

    A file is written before its row commits; when the transaction around it rolls back, or the
    process dies in between, the file stays behind. Only files older than `older_than` go (a row
    may still be on its way). Safe to run any time, and twice. Returns how many files it removed.
    """
    now = now or timezone.now()
    cutoff = (now - older_than).timestamp()
    today = timezone.localdate(now)
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    removed = 0
    base = _media_root() / PHOTO_DIR
    if not base.is_dir():
        return 0
    for street_dir in base.iterdir():
        for day in (today, last_month):
            folder = street_dir / f"{day:%Y}" / f"{day:%m}"
            if not folder.is_dir():
                continue
            candidates = {
                p.relative_to(_media_root()).as_posix(): p
                for p in folder.iterdir()
                if p.is_file() and p.stat().st_mtime < cutoff
            }
            if not candidates:
                continue
            names = list(candidates)
            known: set[str] = set()
            for start in range(0, len(names), 500):
                known.update(
                    TicketPhoto.objects.filter(file__in=names[start : start + 500]).values_list(
                        "file", flat=True
                    )
                )
            for name, p in candidates.items():
                if name not in known:
                    p.unlink(missing_ok=True)
                    removed += 1
    if removed:
        logger.info("removed %d orphaned photo files", removed)
    return removed
