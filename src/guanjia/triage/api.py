"""JSON API: free-text messages in (POST /intake/messages), orders or drafts out."""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Status

from guanjia.core.errors import Forbidden, InvalidInput
from guanjia.core.idempotency import idempotent_answer
from guanjia.core.problems import problems
from guanjia.org.models import Street
from guanjia.people import roles
from guanjia.people.access import phone_for, streets_visible
from guanjia.people.auth import api_caller
from guanjia.people.models import User
from guanjia.tickets.api import IDEMPOTENCY_KEY
from guanjia.triage.schemas import IntakeMessageIn, IntakeOut, TriageOut
from guanjia.triage.services import Intake, intake_receive

router = Router(tags=["intake"])


def caller_street(user: User, code: str | None) -> Street:
    """The street a message is for: the caller's own, or the one named among those visible."""
    streets = streets_visible(user)
    if code:
        street = streets.filter(code=code.strip().lower()).first()
        if street is None:
            raise InvalidInput(_("Unknown street."), code="unknown_street", field="street")
        return street
    only = list(streets[:2])
    if len(only) != 1:
        raise InvalidInput(_("Name the street (its code)."), code="street_required", field="street")
    return only[0]


def intake_out(intake: Intake, viewer: User) -> IntakeOut:
    guess = dict(intake.message.guess)
    phone = guess.get("phone")
    return IntakeOut(
        kind=intake.kind,  # type: ignore[arg-type]
        message=intake.message.pk,
        ticket=intake.ticket.number if intake.ticket is not None else None,
        triage=TriageOut(
            category=guess["category"],
            confidence=guess["confidence"],
            urgent=guess["urgent"],
            compound=guess.get("compound"),
            building=guess.get("building"),
            unit=guess.get("unit"),
            room=guess.get("room"),
            phone=phone_for(viewer, phone) if phone else None,
            reasons=guess.get("reasons", {}),
        ),
    )


@router.post(
    "/intake/messages",
    response={201: IntakeOut, **problems(400, 401, 403, 422)},
    summary="Take a free-text message",
)
def intake_message_op(
    request: HttpRequest,
    response: HttpResponse,
    payload: IntakeMessageIn,
    idempotency_key: str | None = IDEMPOTENCY_KEY,
) -> Status[object]:
    """Triage a message (a WeChat group line, a hotline summary): when the model is sure and
    knows the compound it becomes an order, dispatched like any other; otherwise a draft waits
    in the dispatchers' queue with the guesses filled in; a message about the same place and
    problem as an open order joins it. Needs the right to take orders for others. With an
    `Idempotency-Key`, a system that resends after a timeout takes the message once."""
    user = api_caller(request)
    if not user.has_perm(roles.CREATE_FOR_OTHERS):
        raise Forbidden(_("You may not take orders for others."), code="forbidden")

    def produce() -> tuple[int, object]:
        intake = intake_receive(
            street=caller_street(user, payload.street),
            text=payload.text,
            channel=payload.channel,
            sender=payload.sender,
            received_at=payload.received_at,
            actor=user,
        )
        return 201, intake_out(intake, user).model_dump(mode="json")

    return Status(
        *idempotent_answer(
            owner=user,
            key=idempotency_key,
            operation="POST /intake/messages",
            payload=payload.model_dump(mode="json"),
            response=response,
            produce=produce,
        )
    )
