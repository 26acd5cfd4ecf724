"""The code printed on each building's QR poster (`/r/<code>`): the building's id and an HMAC of
it, so that nobody walks the buildings of a street by counting. Derived, not stored: no migration,
and every building has one at once. Rotating SECRET_KEY changes the codes (reprint the posters).
"""

from django.utils.crypto import constant_time_compare, salted_hmac

from guanjia.org.models import Building

_SALT = "guanjia.resident.building-qr"
_DIGEST_CHARS = 12


def _digest(building_id: int) -> str:
    return salted_hmac(_SALT, str(building_id), algorithm="sha256").hexdigest()[:_DIGEST_CHARS]


def building_code(building: Building) -> str:
    """The poster code of `building`: `<id>-<12 hex digits>`."""
    return f"{building.pk}-{_digest(building.pk)}"


def building_by_code(code: str) -> Building | None:
    """The building a poster code names, or None for anything forged, malformed or gone."""
    head, sep, digest = code.partition("-")
    if not sep or not head.isdigit() or len(head) > 18 or len(digest) != _DIGEST_CHARS:
        return None
    building_id = int(head)
    if not constant_time_compare(digest, _digest(building_id)):
        return None
    return Building.objects.select_related("compound", "street").filter(pk=building_id).first()
