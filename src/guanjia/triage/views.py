"""The group robot's callback: signed by the street's secret, not by an account."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from guanjia.catalog.models import ServiceCategory
from guanjia.core.errors import InvalidInput
from guanjia.org.models import Street
from guanjia.tickets.models import Channel
from guanjia.triage.models import IntakeSettings
from guanjia.triage.robot import (
    MAX_BODY,
    robot_answer_text,
    robot_message,
    robot_reply,
    robot_signature_ok,
)
from guanjia.triage.services import intake_receive, robot_signature_take


@csrf_exempt  # the platform signs the request; it holds no cookie of ours
@require_POST
def robot_callback(request: HttpRequest, street: str) -> HttpResponse:
    """Strangers learn nothing: an unknown street or one without a robot is 404, a bad or old
    signature 403, with empty bodies; only a signed message is read and answered."""
    found = Street.objects.filter(code=street.lower()[:40]).first()
    settings = IntakeSettings.objects.filter(street=found).first() if found else None
    if found is None or settings is None or not settings.robot_secret:
        return HttpResponse(status=404)
    now = timezone.now()
    sign = request.headers.get("sign", "")
    if len(sign) > 64 or not robot_signature_ok(
        secret=settings.robot_secret,
        timestamp=request.headers.get("timestamp", ""),
        sign=sign,
        now=now,
    ):
        return HttpResponse(status=403)
    try:
        length = int(request.headers.get("content-length") or 0)
    except ValueError:
        return HttpResponse(status=400)
    if length > MAX_BODY or length < 0:  # refused before the body is read
        return HttpResponse(status=413)
    if len(request.body) > MAX_BODY:
        return HttpResponse(status=413)
    message = robot_message(request.body)
    if not robot_signature_take(
        street=found,
        sign=sign,
        message_id=message.message_id if message is not None else "",
        now=now,
    ):
        return HttpResponse(status=403)
    if message is None:
        return JsonResponse({"msgtype": "empty"})  # nothing to answer in the group
    try:
        intake = intake_receive(
            street=found,
            text=message.text,
            channel=Channel.WECHAT,
            sender=message.sender,
            external_id=message.message_id,
        )
    except InvalidInput as e:
        return JsonResponse(robot_reply(str(e.message), at=message.sender_id))
    category = ServiceCategory.objects.filter(code=intake.message.category).first()
    text = robot_answer_text(
        kind=intake.kind,
        number=intake.ticket.number if intake.ticket else None,
        category=category.name if category else intake.message.category,
        urgent=intake.message.urgent,
        message_id=intake.message.pk,
    )
    return JsonResponse(robot_reply(text, at=message.sender_id))
