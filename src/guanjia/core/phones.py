"""Phone numbers as residents give them: mobiles (11 digits) and landlines (area code + number)."""

import re

from django.utils.translation import gettext_lazy as _

from guanjia.core.errors import InvalidInput

_SEPARATORS = re.compile(r"[\s\-()（）]+")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Area codes are 3 or 4 digits starting with 0 (010, 0571); local numbers 7 or 8 digits.
_LANDLINE = re.compile(r"^0\d{2,3}[2-9]\d{6,7}$")


def phone_normalize(raw: str) -> str:
    """Return the digits of a mobile or landline number, or raise InvalidInput."""
    text = _SEPARATORS.sub("", raw or "")
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    if _MOBILE.match(text) or (_LANDLINE.match(text) and 10 <= len(text) <= 12):
        return text
    raise InvalidInput(
        _("Please enter an 11-digit mobile number or a landline with its area code."),
        code="invalid_phone",
        field="phone",
    )


def phone_mask(phone: str) -> str:
    """Keep the first 3 and last 4 digits: 138****2345, 057****5678.

    Always four stars, so the mask does not tell a landline's length either.
    """
    if not phone:
        return ""
    if len(phone) <= 7:
        return "****"
    return f"{phone[:3]}****{phone[-4:]}"
