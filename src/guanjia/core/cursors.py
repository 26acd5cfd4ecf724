"""Opaque cursors for keyset pagination: the sort key of the last row shown, base64-encoded.

Lists page with `WHERE (created_at, id) < (:last_created_at, :last_id)` instead of OFFSET, so
page 10 000 costs what page 1 costs, and nothing is counted.
"""

import base64
import binascii
import datetime as dt
import json
from typing import Any

from django.utils.translation import gettext as _

from guanjia.core.errors import InvalidInput

# The largest id a bigint column holds: ids from outside are checked against it, so that a huge
# number is a 422 rather than a database overflow.
ID_MAX = 2**63 - 1


def cursor_encode(*values: Any) -> str:
    plain = [v.isoformat() if isinstance(v, dt.datetime) else v for v in values]
    text = json.dumps(plain, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def cursor_decode(raw: str, *kinds: type) -> tuple[Any, ...]:
    """The values of a cursor made by cursor_encode, checked against `kinds` (datetime, int,
    str), or InvalidInput (422) for anything a client made up."""
    bad = InvalidInput(_("This cursor is not valid."), code="bad_cursor", field="cursor")
    try:
        padded = raw + "=" * (-len(raw) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise bad from None
    if not isinstance(values, list) or len(values) != len(kinds):
        raise bad
    out: list[Any] = []
    for value, kind in zip(values, kinds, strict=True):
        if kind is dt.datetime:
            try:
                parsed = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
            except ValueError:
                parsed = None
            if parsed is None or parsed.tzinfo is None:
                raise bad
            out.append(parsed)
        elif kind is int:
            if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= ID_MAX:
                raise bad
            out.append(value)
        elif not isinstance(value, kind):
            raise bad
        else:
            out.append(value)
    return tuple(out)
