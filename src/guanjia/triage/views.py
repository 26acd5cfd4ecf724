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
from guanjia.triage.services import intake_receive


@csrf_exempt  # the platform signs the request; it holds no cookie of ours
@require_POST
def robot_callback(request: HttpRequest, street: str) -> HttpResponse:
    found = Street.objects.filter(code=street.lower()).first()
    settings = IntakeSettings.objects.filter(street=found).first() if found else None
    if found is None or settings is None or not settings.robot_secret:
        return HttpResponse(status=404)
    if not robot_signature_ok(
        secret=settings.robot_secret,
        timestamp=request.headers.get("timestamp", ""),
        sign=request.headers.get("sign", ""),
        now=timezone.now(),
    ):
        return HttpResponse(status=403)
    if int(request.headers.get("content-length") or 0) > MAX_BODY:
        return HttpResponse(status=413)
    message = robot_message(request.body)
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
