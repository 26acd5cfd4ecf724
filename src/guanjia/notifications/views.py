"""The in-app inbox: a user's own notifications, the bell's fragment, marking read. Only the
recipient sees a notification; anyone else gets 404."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from guanjia.core.errors import NotFound
from guanjia.core.forms import MAX_ID
from guanjia.notifications.models import Notification
from guanjia.notifications.selectors import (
    Cursor,
    notification_inbox,
    notification_ticket_url,
)
from guanjia.notifications.services import notification_read, notification_read_all
from guanjia.notifications.templatetags.notifications import bell_context
from guanjia.notifications.texts import notification_text
from guanjia.people.models import User


@dataclass(frozen=True)
class Row:
    n: Notification
    text: str
    number: str
    url: str


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    before = Cursor.parse(request.GET.get("before", ""))
    page, cursor = notification_inbox(user, before=before)
    urls: dict[str, str] = {}
    rows = []
    for n in page:
        number = str(n.payload.get("number", ""))
        if number not in urls:
            urls[number] = notification_ticket_url(user, number) if number else ""
        rows.append(Row(n=n, text=notification_text(n), number=number, url=urls[number]))
    return render(request, "notifications/inbox.html", {"rows": rows, "cursor": cursor})


@login_required
@require_GET
def bell(request: HttpRequest) -> HttpResponse:
    return render(request, "notifications/_bell.html", bell_context(request.user))


@login_required
@require_POST
def read(request: HttpRequest, pk: int) -> HttpResponse:
    if pk > MAX_ID:
        raise Http404
    try:
        notification_read(user=_user(request), notification_id=pk)
    except NotFound as e:
        raise Http404 from e
    return HttpResponseRedirect(reverse("notifications:inbox"))


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    notification_read_all(user=_user(request))
    return HttpResponseRedirect(reverse("notifications:inbox"))
