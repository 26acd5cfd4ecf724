"""POST requests: an Open311 request becomes an ordinary order (channel open311).

Everything after the parameters is tickets.services.ticket_create, so a request posted here is
checked, numbered, timed and dispatched like one taken at the hotline.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from guanjia.catalog.models import ServiceCategory
from guanjia.core.errors import Forbidden, InvalidInput
from guanjia.core.phones import phone_normalize
from guanjia.open311.models import Open311Request
from guanjia.open311.places import place_find
from guanjia.open311.selectors import param, service_get
from guanjia.org.models import Street
from guanjia.people import roles
from guanjia.people.apikeys import apikey_authenticate
from guanjia.people.models import User
from guanjia.tickets.models import Channel, Ticket
from guanjia.tickets.services import MAX_DESCRIPTION, ticket_create

# GeoReport v2 allows 4000 characters; an order keeps 2000 (what a worker reads on a phone).
MAX_OPEN311_DESCRIPTION = 4000
TRUNCATION_MARK = "…"
MAX_CONTACT_NAME = 50
MAX_MEDIA_URL = 500
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


@dataclass
class Submitted:
    ticket: Ticket
    notices: list[str] = field(default_factory=list)


def api_key_user(raw: str | None, street: Street) -> User:
    """The account behind `api_key`, if it may take orders in `street`; Forbidden (403) otherwise.

    A key of the street's own accounts may; a district-level key needs the permission to take
    orders on others' behalf (tickets.create_for_others); a key of another street may not.
    """
    user = apikey_authenticate(raw) if raw else None
    if user is None:
        raise Forbidden(_("A valid api_key is required."), code="bad_api_key")
    if user.street_id == street.pk:
        return user
    if user.street_id is None and (user.is_superuser or user.has_perm(roles.CREATE_FOR_OTHERS)):
        return user
    raise Forbidden(
        _("This api_key may not submit requests to this jurisdiction."), code="not_permitted"
    )


def attributes_from_params(category: ServiceCategory, params: Any) -> dict[str, Any]:
    """`attribute[CODE]=v` and `attribute[CODE][]=v` (repeated) for the service's attributes.

    Codes the service does not define are ignored, like any unknown parameter. `params` is a
    QueryDict (getlist).
    """
    kinds = {a["code"]: a.get("datatype", "string") for a in category.attributes}
    values: dict[str, Any] = {}
    for key in params:
        match = _ATTRIBUTE.match(key)
        if match is None or match.group(1) not in kinds:
            continue
        code = match.group(1)
        items = [v.strip() for v in params.getlist(key) if v.strip()]
        if not items:
            continue
        if kinds[code] == "multivaluelist":
            values[code] = list(dict.fromkeys([*values.get(code, []), *items]))
        else:
            values[code] = items[-1]
    return values


def _description(raw: str | None, category: ServiceCategory, notices: list[str]) -> str:
    text = (raw or "").strip()
    if len(text) > MAX_OPEN311_DESCRIPTION:
        raise InvalidInput(
            _("description is longer than %(limit)d characters.")
            % {"limit": MAX_OPEN311_DESCRIPTION},
            code="too_long",
            field="description",
        )
    if len(text) > MAX_DESCRIPTION:
        text = text[: MAX_DESCRIPTION - len(TRUNCATION_MARK)] + TRUNCATION_MARK
        notices.append(
            _("The description was shortened to %(limit)d characters.") % {"limit": MAX_DESCRIPTION}
        )
    # A request with nothing but a service and a place is still an order of that service.
    return text or category.name


def _contact_phone(raw: str | None, notices: list[str]) -> str:
    if raw is None:
        return ""
    try:
        return phone_normalize(raw)
    except InvalidInput:
        notices.append(_("The phone number was not understood and was not kept."))
        return ""


def _contact_name(first: str | None, last: str | None) -> str:
    """Chinese names family name first and unspaced (张 + 建国 → 张建国); Latin ones as written
    (Ann Lee); with only one part given, that part."""
    if first and last and (first + last).isascii():
        return f"{first} {last}"[:MAX_CONTACT_NAME]
    return "".join(p for p in (last, first) if p)[:MAX_CONTACT_NAME]


def _media_url(raw: str | None) -> str:
    if raw is None:
        return ""
    try:
        if len(raw) > MAX_MEDIA_URL:
            raise ValidationError("too long")
        URLValidator(schemes=["http", "https"])(raw)
    except ValidationError:
        raise InvalidInput(
            _("media_url is not an http(s) address."), code="bad_media_url", field="media_url"
        ) from None
    return raw


def open311_request_submit(*, street: Street, params: Any) -> Submitted:
    """Take a GeoReport v2 POST (a QueryDict) as an order of `street`.

    Checks in the order the standard's errors are ranked: the key (403), the service (404),
    then the location and the values (400). Email, device_id and account_id are not kept.
    """
    values: Mapping[str, str] = params
    user = api_key_user(param(values, "api_key"), street)
    code = param(values, "service_code")
    if code is None:
        raise InvalidInput(_("service_code is required."), code="required", field="service_code")
    category = service_get(code)
    place = place_find(
        street,
        lat=param(values, "lat"),
        long=param(values, "long"),
        address_string=param(values, "address_string"),
        address_id=param(values, "address_id"),
    )
    notices: list[str] = []
    description = _description(param(values, "description"), category, notices)
    media_url = _media_url(param(values, "media_url"))
    phone = _contact_phone(param(values, "phone"), notices)
    with transaction.atomic():
        ticket = ticket_create(
            category=category,
            compound=place.compound,
            building=place.building,
            unit=place.unit,
            room=place.room,
            spot=place.spot,
            channel=Channel.OPEN311,
            description=description,
            contact_phone=phone,
            contact_name=_contact_name(param(values, "first_name"), param(values, "last_name")),
            attributes=attributes_from_params(category, params),
            created_by=user,
        )
        if media_url:
            Open311Request.objects.create(ticket=ticket, street=street, media_url=media_url)
    notices.insert(
        0,
        _("Received as order %(number)s; it will be taken up within %(minutes)d minutes.")
        % {"number": ticket.number, "minutes": category.accept_minutes},
    )
    return Submitted(ticket=ticket, notices=notices)
