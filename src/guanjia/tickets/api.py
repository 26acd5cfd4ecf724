"""JSON API: orders. Thin: selectors read, services write, schemas shape."""

import datetime as dt
from typing import Annotated

from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Header, Path, Query, Router, Status
from ninja.files import UploadedFile

from guanjia.core.cursors import ID_MAX, cursor_decode, cursor_encode
from guanjia.core.errors import InvalidInput, NotFound
from guanjia.core.idempotency import idempotent_answer
from guanjia.core.problems import problems
from guanjia.people.auth import api_caller
from guanjia.people.selectors import user_by_username
from guanjia.tickets import lifecycle
from guanjia.tickets.intake import ticket_intake
from guanjia.tickets.photos import ticket_photo_add
from guanjia.tickets.schemas import (
    NUMBER_EXAMPLE,
    PhotoKindName,
    PhotoOut,
    TicketCreatedOut,
    TicketDetailOut,
    TicketFiltersIn,
    TicketIn,
    TicketPage,
    TransitionIn,
    TransitionOut,
    WarningOut,
    photo_out,
    ticket_created_out,
    ticket_detail_out,
    ticket_out,
)
from guanjia.tickets.selectors import (
    TicketFilters,
    ticket_detail_of,
    ticket_get,
    ticket_page,
    ticket_photo_path,
)
from guanjia.tickets.services import Rating, ticket_transition
from guanjia.tickets.views import photo_response

router = Router(tags=["tickets"])

# The order's number in the path. Not length-limited here: malformed is 404, not 422.
NUMBER_DESCRIPTION = "the order's number; unknown or malformed: 404"
Number = Annotated[str, Path(description=NUMBER_DESCRIPTION, examples=[NUMBER_EXAMPLE])]

IDEMPOTENCY_KEY = Header(
    None,
    alias="Idempotency-Key",
    pattern=r"^[!-~]{1,255}$",
    description="makes the create exactly-once per caller: a repeat with the same key and body "
    "gets the first answer again (kept 48 h); the same key with another body is 422",
)


@router.post(
    "/tickets",
    response={201: TicketCreatedOut, **problems(400, 401, 403, 422)},
    summary="Create an order",
)
def ticket_create_op(
    request: HttpRequest,
    response: HttpResponse,
    payload: TicketIn,
    idempotency_key: str | None = IDEMPOTENCY_KEY,
) -> Status[object]:
    """Take an order. Possible duplicates (open orders of the same compound, service and building
    in the last 48 h) are listed in the answer, never refused."""
    user = api_caller(request)

    def produce() -> tuple[int, object]:
        intake = ticket_intake(
            caller=user,
            category=payload.category,
            compound=payload.compound,
            building=payload.building,
            unit=payload.unit,
            room=payload.room,
            address=payload.address,
            description=payload.description,
            contact_name=payload.contact_name,
            contact_phone=payload.contact_phone,
            channel=payload.channel,
            urgent=payload.urgent,
            attributes=payload.attributes,
            external_ref=payload.external_ref,
            external_deadline=payload.external_deadline,
        )
        out = ticket_created_out(intake.ticket, intake.possible_duplicates, user)
        return 201, out.model_dump(mode="json")

    return Status(
        *idempotent_answer(
            owner=user,
            key=idempotency_key,
            operation="POST /tickets",
            payload=payload.model_dump(mode="json"),
            response=response,
            produce=produce,
        )
    )


@router.get("/tickets", response={200: TicketPage, **problems(401, 422)}, summary="List orders")
def tickets_list(request: HttpRequest, filters: Query[TicketFiltersIn]) -> TicketPage:
    """The orders the caller may see, newest first, a page at a time (`next_cursor`)."""
    user = api_caller(request)
    statuses = [s.strip() for s in (filters.status or "").split(",") if s.strip()]
    unknown = [s for s in statuses if s not in lifecycle.Status.values]
    if unknown:
        raise InvalidInput(
            _("Unknown status: %(status)s.") % {"status": ", ".join(unknown)},
            code="unknown_status",
            field="status",
        )
    after = cursor_decode(filters.cursor, dt.datetime, int) if filters.cursor else None
    rows, more = ticket_page(
        user,
        TicketFilters(
            statuses=statuses,
            category=filters.category,
            compound_id=filters.compound,
            assignee=filters.assignee,
            channel=filters.channel,
            urgent=filters.urgent,
            overdue=filters.overdue,
            created_after=filters.created_after,
            created_before=filters.created_before,
            text=filters.q,
        ),
        after=after,  # type: ignore[arg-type]
        limit=filters.limit,
        now=timezone.now(),
    )
    last = rows[-1] if rows else None
    return TicketPage(
        items=[ticket_out(t, user) for t in rows],
        next_cursor=cursor_encode(last.created_at, last.pk) if more and last else None,
    )


@router.get(
    "/tickets/{number}",
    response={200: TicketDetailOut, **problems(401, 404, 422)},
    summary="One order with its timeline",
)
def ticket_detail_op(request: HttpRequest, number: Number) -> TicketDetailOut:
    """An order the caller may see, with its events, photos, deadlines and rating. Unknown,
    malformed or out of the caller's scope: 404."""
    user = api_caller(request)
    return ticket_detail_out(ticket_detail_of(ticket_get(user, number)), user)


@router.post(
    "/tickets/{number}/transitions",
    response={200: TransitionOut, **problems(400, 401, 403, 404, 409, 422)},
    summary="Move an order through its lifecycle",
)
def ticket_transition_op(request: HttpRequest, number: str, payload: TransitionIn) -> TransitionOut:
    """One move of the lifecycle table. A stale `version` or a move the table forbids is 409
    (with a code saying why); an assignee without the service's skill is 422; workload, shift
    and compound never refuse a dispatcher's choice, they come back as `warnings`."""
    user = api_caller(request)
    ticket = ticket_get(user, number)
    assignee = None
    if payload.assignee is not None:
        assignee = user_by_username(payload.assignee)
        if assignee is None:
            raise InvalidInput(
                _("%(name)s cannot take orders here.") % {"name": payload.assignee},
                code="assignee_not_handler",
                field="assignee",
            )
    original = None
    if payload.original is not None:
        try:
            original = ticket_get(user, payload.original)
        except NotFound:
            raise InvalidInput(
                _("Choose another order of this street."), code="bad_original", field="original"
            ) from None
    rating = None
    if payload.rating is not None:
        r = payload.rating
        rating = Rating(overall=r.overall, speed=r.speed, service=r.service, comment=r.comment)
    result = ticket_transition(
        ticket=ticket,
        action=payload.action,
        actor=user,
        version=payload.version,
        assignee=assignee,
        reason=payload.reason,
        note=payload.note,
        rating=rating,
        deadline=payload.deadline,
        original=original,
    )
    try:
        fresh = ticket_get(user, number)
    except NotFound:
        fresh = result.ticket  # the move took it out of the caller's scope (a return)
    return TransitionOut(
        ticket=ticket_detail_out(ticket_detail_of(fresh), user),
        warnings=[WarningOut(code=w.code, message=str(w.message)) for w in result.warnings],
    )


@router.post(
    "/tickets/{number}/photos",
    response={201: PhotoOut, **problems(400, 401, 403, 404, 409, 413, 422)},
    summary="Add a photo to an order",
)
def ticket_photo_op(
    request: HttpRequest,
    number: Number,
    kind: Form[PhotoKindName],
    file: File[UploadedFile],
) -> Status[PhotoOut]:
    """A resident's photo (report) or the handler's (before, after): JPEG, PNG or WebP, re-encoded
    without metadata. Over the size or pixel limit: 413."""
    user = api_caller(request)
    ticket = ticket_get(user, number)
    photo = ticket_photo_add(ticket=ticket, kind=kind, upload=file, actor=user)
    return Status(201, photo_out(photo))


@router.get(
    "/photos/{photo_id}",
    url_name="photo_file",
    response=problems(401, 404, 422),
    summary="A photo's file",
    openapi_extra={
        "responses": {
            200: {
                "description": "the photo, re-encoded as JPEG without metadata",
                "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def photo_file(
    request: HttpRequest, photo_id: Annotated[int, Path(ge=1, le=ID_MAX)]
) -> FileResponse:
    """The file of a photo of an order the caller may see (the `url` of a photo); 404
    otherwise."""
    path = ticket_photo_path(api_caller(request), photo_id)
    if path is None:
        raise NotFound(_("Not found."), code="not_found")
    return photo_response(path)
