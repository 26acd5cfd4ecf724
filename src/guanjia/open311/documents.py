"""The Open311 documents, as plain data for open311/renderers.py.

Field names, order and types follow GeoReport v2: ids and codes are strings, every datetime
carries its offset (+08:00), booleans are true/false. Public reads carry nothing personal:
no name, phone or email, no room; phone and ID-card numbers typed into a description are masked;
and a personal service (三管: housekeeping, care, home repairs) shows neither its description nor
more of its place than the compound, since "elder care, 3幢2单元" already points at a household.
"""

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from guanjia.catalog.models import ServiceCategory, ServiceGroup
from guanjia.core.errors import GuanjiaError
from guanjia.core.phones import phone_mask
from guanjia.org.models import Street
from guanjia.tickets import lifecycle
from guanjia.tickets.models import Ticket

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this server's Open311 interface last changed; bump it with every change clients may notice.
CHANGESET = "2026-11-29T00:00:00+08:00"
MIME_TYPES = ["text/xml", "application/json"]

_CLOSED = {lifecycle.CLOSED, lifecycle.CANCELLED}
_PERSONAL_GROUPS = {ServiceGroup.HOUSEKEEPING, ServiceGroup.CARE, ServiceGroup.HOME_REPAIR}
_KEYWORD_SEPARATORS = re.compile(r"\s*[,，、;；]\s*")
# Digit runs that are phone numbers (a mobile, a landline with its area code, optionally +86
# and separators) or ID-card numbers, not part of a longer run of digits.
_SEP = r"[\s-]?"
_PERSONAL_NUMBER = re.compile(
    r"(?<![\d\w])(?:(?:\+|00)?86" + _SEP + r")?"
    r"("
    r"\d{17}[\dXx]"  # 居民身份证号
    r"|1[3-9]\d(?:" + _SEP + r"\d){8}"  # mobile: 11 digits
    r"|0\d{2,3}" + _SEP + r"[2-9]\d{2,3}" + _SEP + r"\d{4}"  # landline: area code + 7–8 digits
    r")(?!\d)",
    re.ASCII,
)


def text_mask_personal(text: str) -> str:
    """Mask phone numbers (138****5678, 057****5678) and ID-card numbers a resident typed."""
    return _PERSONAL_NUMBER.sub(lambda m: phone_mask(re.sub(r"[^\dXx]", "", m.group(1))), text)


def datetime_w3(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def _coordinate(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _english() -> bool:
    return (get_language() or settings.LANGUAGE_CODE).startswith("en")


def service_name(category: ServiceCategory) -> str:
    return category.name_en if _english() and category.name_en else category.name


def error_document(error: GuanjiaError, status: int) -> list[dict[str, Any]]:
    return [{"code": status, "description": str(error.message)}]


def services_document(categories: list[ServiceCategory]) -> list[dict[str, Any]]:
    return [
        {
            "service_code": c.code,
            "service_name": service_name(c),
            "description": c.description,
            "metadata": bool(c.attributes),
            "type": "realtime",
            "keywords": ",".join(k for k in _KEYWORD_SEPARATORS.split(c.keywords) if k),
            "group": str(ServiceGroup(c.group).label) if c.group in ServiceGroup.values else "",
        }
        for c in categories
    ]


def definition_document(category: ServiceCategory) -> dict[str, Any]:
    attributes = sorted(category.attributes, key=lambda a: (a.get("order", 0), a["code"]))
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True,
                "code": a["code"],
                "datatype": a.get("datatype", "string"),
                "required": bool(a.get("required")),
                "datatype_description": a.get("datatype_description", ""),
                "order": int(a.get("order", i + 1)),
                "description": a.get("description", a["code"]),
                "values": [
                    {"key": str(v["key"]), "name": v.get("name", v["key"])}
                    for v in a.get("values", [])
                ],
            }
            for i, a in enumerate(attributes)
        ],
    }


def _status_notes(ticket: Ticket) -> str:
    duplicate_of = getattr(ticket, "duplicate_number", None)
    if ticket.status == lifecycle.CANCELLED and duplicate_of:
        return _("Merged into %(number)s, which is handled instead.") % {"number": duplicate_of}
    return lifecycle.status_label(ticket.status)


def request_document(ticket: Ticket) -> dict[str, Any]:
    """One request as the public sees it (see the module docstring for what is left out)."""
    personal = ticket.category.group in _PERSONAL_GROUPS
    compound = ticket.compound
    # Department matters are not published (open311/selectors.py); be safe if one slips through.
    address = compound.name if compound is not None else ""
    address_id = str(compound.pk) if compound is not None else ""
    if not personal and ticket.building is not None:
        address += ticket.building.name
        address_id += f"/{ticket.building_id}"
        if ticket.unit is not None:
            address += ticket.unit.name
            address_id += f"/{ticket.unit_id}"
    return {
        "service_request_id": ticket.number,
        "status": "closed" if ticket.status in _CLOSED else "open",
        "status_notes": _status_notes(ticket),
        "service_name": service_name(ticket.category),
        "service_code": ticket.category.code,
        "description": None if personal else text_mask_personal(ticket.description),
        "agency_responsible": ticket.street.name,
        "service_notice": None,
        "requested_datetime": datetime_w3(ticket.created_at),
        "updated_datetime": datetime_w3(ticket.updated_at),
        "expected_datetime": datetime_w3(ticket.resolve_due),
        "address": address,
        "address_id": address_id,
        "zipcode": None,
        "lat": _coordinate(compound.latitude if compound is not None else None),
        "long": _coordinate(compound.longitude if compound is not None else None),
        "media_url": getattr(ticket, "open311_media_url", None) or None,
    }


def requests_document(tickets: list[Ticket]) -> list[dict[str, Any]]:
    return [request_document(t) for t in tickets]


def created_document(
    ticket: Ticket, *, notices: list[str], account_id: str | None
) -> list[dict[str, Any]]:
    return [
        {
            "service_request_id": ticket.number,
            "service_notice": " ".join(notices) or None,
            "account_id": account_id,
        }
    ]


def tokens_document(ticket: Ticket) -> list[dict[str, Any]]:
    # Realtime: the token of an order is its number (docs/adr, Open311 decision).
    return [{"service_request_id": ticket.number, "token": ticket.number}]


def discovery_document(*, url: str, street: Street | None = None) -> dict[str, Any]:
    """`street` is the jurisdiction asked about (or the only one): its hotline is the contact."""
    options = getattr(settings, "GUANJIA", {})
    contact = options.get("OPEN311_CONTACT")
    if not contact and street is not None and street.hotline:
        contact = _("%(street)s service hotline: %(hotline)s") % {
            "street": street.name,
            "hotline": street.hotline,
        }
    return {
        "changeset": CHANGESET,
        "contact": contact or _("The street office's service desk (the 24-hour hotline)."),
        "key_service": options.get("OPEN311_KEY_SERVICE")
        or _("Ask the street office for an API key (guanjia apikey create)."),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": url,
                "changeset": CHANGESET,
                "type": "test" if settings.DEBUG else "production",
                "formats": MIME_TYPES,
            }
        ],
    }
