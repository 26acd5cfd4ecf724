"""Shapes of orders in the JSON API, and how an order becomes one for a given viewer."""

import datetime as dt
from typing import Annotated, Any, Literal

from django.urls import reverse
from ninja import Field, Schema
from pydantic import AwareDatetime, ConfigDict, StrictInt, StrictStr

from guanjia.core.cursors import ID_MAX
from guanjia.core.inputs import Input
from guanjia.org.schemas import PlaceRef
from guanjia.people.access import AnyUser, name_for, phone_for
from guanjia.tickets import lifecycle
from guanjia.tickets.models import Channel, PhotoKind, Ticket, TicketEvent, TicketPhoto
from guanjia.tickets.selectors import TicketDetail

ChannelName = Literal[
    "form", "wechat", "hotline", "open311", "api", "patrol", "inspection", "assignment"
]
StatusName = Literal[
    "new", "dispatched", "accepted", "on_site", "resolved", "closed", "paused", "cancelled"
]
# Every move a caller can ask for; `close` is the system's own (auto-close).
ActionName = Literal[
    "dispatch",
    "grab",
    "accept",
    "arrive",
    "resolve",
    "return",
    "transfer",
    "pause",
    "resume",
    "extend",
    "rate",
    "reopen",
    "cancel",
    "merge",
]
PhotoKindName = Literal["report", "before", "after"]
NUMBER_EXAMPLE = "SHUANGGANG-20260525-0001"
# A place named as in the org ("大乐园小区", "3幢", "1单元") or by id.
PlaceIn = (
    Annotated[StrictInt, Field(ge=1, le=ID_MAX)]
    | Annotated[StrictStr, Field(min_length=1, max_length=100)]
)

assert set(ChannelName.__args__) == set(Channel.values)  # type: ignore[attr-defined]
assert set(StatusName.__args__) == set(lifecycle.Status.values)  # type: ignore[attr-defined]
assert set(ActionName.__args__) == set(lifecycle.ACTIONS) - {"close"}  # type: ignore[attr-defined]
assert set(PhotoKindName.__args__) == set(PhotoKind.values)  # type: ignore[attr-defined]


class TicketIn(Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "category": "repair.corridor_light",
                    "compound": "大乐园小区",
                    "building": "1幢",
                    "unit": "1单元",
                    "room": "301",
                    "description": "三楼楼道灯不亮",
                    "contact_name": "张建国",
                    "contact_phone": "13812345678",
                    "channel": "wechat",
                }
            ]
        }
    )

    category: str = Field(max_length=60, description="a service code, see GET /services")
    compound: PlaceIn = Field(description="the compound's id, name or alias")
    building: PlaceIn | None = Field(None, description="the building's id or name (3幢)")
    unit: PlaceIn | None = Field(None, description="the unit's id or name (1单元)")
    room: str = Field("", max_length=20)
    address: str = Field(
        "", max_length=100, description="a public spot of the compound (its gate, a road)"
    )
    description: str = Field("", max_length=2000)
    contact_name: str = Field("", max_length=50)
    contact_phone: str = Field(
        "", max_length=30, description="mobile or landline; residents order with their own"
    )
    channel: ChannelName = "api"
    urgent: bool = False
    attributes: dict[str, Any] = Field(
        default_factory=dict, description="intake attributes of the service, by code"
    )
    external_ref: str = Field(
        "", max_length=100, description="the order's id on a forwarding platform"
    )
    external_deadline: AwareDatetime | None = None


class RatingIn(Input):
    overall: int = Field(ge=1, le=5)
    speed: int | None = Field(None, ge=1, le=5)
    service: int | None = Field(None, ge=1, le=5)
    comment: str = Field("", max_length=500)


class TransitionIn(Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"action": "dispatch", "version": 1, "assignee": "electrician1"}]
        }
    )

    action: ActionName
    version: int = Field(ge=1, le=2**31 - 1, description="the version last seen (409 if stale)")
    assignee: str | None = Field(
        None,
        max_length=150,
        description="username of a staff member or vendor (dispatch, transfer)",
    )
    reason: str = Field("", max_length=500)
    note: str = Field("", max_length=500)
    rating: RatingIn | None = None
    deadline: AwareDatetime | None = Field(None, description="the new resolve deadline (extend)")
    original: str | None = Field(None, max_length=60, description="the original's number (merge)")


class TicketFiltersIn(Input):
    status: str | None = Field(
        None, max_length=200, description="comma-separated statuses, e.g. new,dispatched"
    )
    category: str | None = Field(None, max_length=60, description="a service code")
    compound: int | None = Field(None, ge=1, le=ID_MAX, description="a compound id")
    assignee: str | None = Field(None, max_length=150, description="a username")
    channel: ChannelName | None = None
    urgent: bool | None = None
    overdue: bool | None = Field(None, description="open with a deadline passed")
    created_after: AwareDatetime | None = None
    created_before: AwareDatetime | None = None
    q: str | None = Field(None, max_length=100, description="text in the number or description")
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(20, ge=1, le=100)


class TicketOut(Schema):
    number: str
    version: int
    status: StatusName
    paused_from: StatusName | None
    category: str = Field(description="the service code")
    category_name: str
    channel: ChannelName
    urgent: bool
    compound: PlaceRef
    building: PlaceRef | None
    unit: PlaceRef | None
    room: str
    address: str
    description: str
    attributes: dict[str, Any]
    contact_name: str = Field(description="masked for roles without contact access")
    contact_phone: str = Field(description="masked (138****2345) for roles without contact access")
    assignee: str | None = Field(description="the handler's username")
    accept_due: dt.datetime | None = Field(description="deadline to accept (签收)")
    arrive_due: dt.datetime | None = Field(description="deadline to arrive; null: no site visit")
    resolve_due: dt.datetime | None = Field(description="deadline to resolve")
    external_ref: str
    external_deadline: dt.datetime | None
    duplicate_of: str | None = Field(description="the original's number after a merge")
    created_at: dt.datetime
    updated_at: dt.datetime
    dispatched_at: dt.datetime | None
    accepted_at: dt.datetime | None
    on_site_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    cancelled_at: dt.datetime | None


class EventOut(Schema):
    type: str = Field(description="an action (dispatch, accept, …) or a system step (warn, …)")
    from_status: str | None
    to_status: str | None
    actor: str | None = Field(description="username; null for the system")
    at: dt.datetime
    note: str


class PhotoOut(Schema):
    id: int
    kind: PhotoKindName
    url: str
    width: int
    height: int
    created_at: dt.datetime


class RatingOut(Schema):
    overall: int
    speed: int | None
    service: int | None
    comment: str
    rated_at: dt.datetime | None


class TicketDetailOut(TicketOut):
    events: list[EventOut]
    photos: list[PhotoOut]
    rating: RatingOut | None


class DuplicateOut(Schema):
    number: str
    status: StatusName
    building: PlaceRef | None
    unit: PlaceRef | None
    created_at: dt.datetime


class TicketCreatedOut(TicketOut):
    possible_duplicates: list[DuplicateOut] = Field(
        description="open orders of the same place and service in the last 48 h, to merge"
    )


class TicketPage(Schema):
    items: list[TicketOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page")


class WarningOut(Schema):
    code: str
    message: str


class TransitionOut(Schema):
    ticket: TicketDetailOut
    warnings: list[WarningOut]


def _place(obj: Any) -> PlaceRef | None:
    return PlaceRef(id=obj.pk, name=obj.name) if obj is not None else None


def ticket_fields(t: Ticket, viewer: AnyUser) -> dict[str, Any]:
    """The fields every shape of an order shares, for this viewer (phones masked or not)."""
    return {
        "number": t.number,
        "version": t.version,
        "status": t.status,
        "paused_from": t.paused_from or None,
        "category": t.category.code,
        "category_name": t.category.name,
        "channel": t.channel,
        "urgent": t.urgent,
        "compound": _place(t.compound),
        "building": _place(t.building),
        "unit": _place(t.unit),
        "room": t.room,
        "address": t.spot,
        "description": t.description,
        "attributes": t.attributes or {},
        "contact_name": name_for(viewer, t.contact_name),
        "contact_phone": phone_for(viewer, t.contact_phone),
        "assignee": t.assignee.username if t.assignee is not None else None,
        "accept_due": t.accept_due,
        "arrive_due": t.arrive_due,
        "resolve_due": t.resolve_due,
        "external_ref": t.external_ref,
        "external_deadline": t.external_deadline,
        "duplicate_of": t.duplicate_of.number if t.duplicate_of is not None else None,
        "created_at": t.created_at,
        "updated_at": t.updated_at,
        "dispatched_at": t.dispatched_at,
        "accepted_at": t.accepted_at,
        "on_site_at": t.on_site_at,
        "resolved_at": t.resolved_at,
        "closed_at": t.closed_at,
        "cancelled_at": t.cancelled_at,
    }


def ticket_out(t: Ticket, viewer: AnyUser) -> TicketOut:
    return TicketOut(**ticket_fields(t, viewer))


def event_out(e: TicketEvent) -> EventOut:
    return EventOut(
        type=e.type,
        from_status=e.from_status or None,
        to_status=e.to_status or None,
        actor=e.actor.username if e.actor is not None else None,
        at=e.at,
        note=e.note,
    )


def photo_out(p: TicketPhoto) -> PhotoOut:
    return PhotoOut(
        id=p.pk,
        kind=p.kind,  # type: ignore[arg-type]
        url=reverse("api:photo_file", args=[p.pk]),
        width=p.width,
        height=p.height,
        created_at=p.created_at,
    )


def ticket_detail_out(d: TicketDetail, viewer: AnyUser) -> TicketDetailOut:
    t = d.ticket
    rating = None
    if t.rating_overall is not None:
        rating = RatingOut(
            overall=t.rating_overall,
            speed=t.rating_speed,
            service=t.rating_service,
            comment=t.rating_comment,
            rated_at=t.rated_at,
        )
    return TicketDetailOut(
        **ticket_fields(t, viewer),
        events=[event_out(e) for e in d.events],
        photos=[photo_out(p) for p in d.photos],
        rating=rating,
    )


def ticket_created_out(t: Ticket, duplicates: list[Ticket], viewer: AnyUser) -> TicketCreatedOut:
    return TicketCreatedOut(
        **ticket_fields(t, viewer),
        possible_duplicates=[
            DuplicateOut(
                number=d.number,
                status=d.status,  # type: ignore[arg-type]
                building=_place(d.building),
                unit=_place(d.unit),
                created_at=d.created_at,
            )
            for d in duplicates
        ],
    )
