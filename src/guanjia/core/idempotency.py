"""Exactly-once writes for requests that carry an `Idempotency-Key`.

The first request with a key runs, and its answer is stored in the same transaction as the change
it made; a repeat with the same key and the same request gets that answer again; the same key
with another request is refused (422). Two requests with one key at the same moment: the second
waits for the first (PostgreSQL blocks on the unique key, SQLite on its write lock taken at
BEGIN) and then gets the first one's answer. Refusals (4xx) are not stored: they changed nothing,
and the same request may be tried again once the cause is fixed.
"""

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core.errors import Conflict, InvalidInput
from guanjia.core.models import IdempotencyRecord
from guanjia.people.models import User

# How long a key is remembered (at least 24 h, as promised to clients).
KEEP = dt.timedelta(hours=48)


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    replayed: bool


class _Taken(Exception):
    pass


def request_fingerprint(operation: str, payload: Any) -> str:
    """A hash of what was asked: the operation and the validated body, keys sorted, so that
    spacing and key order do not make two equal requests differ."""
    text = json.dumps([operation, payload], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def idempotent_call(
    *,
    owner: User,
    key: str,
    fingerprint: str,
    produce: Callable[[], tuple[int, Any]],
    now: dt.datetime | None = None,
) -> Answer:
    """Run `produce` (which returns status and JSON body) once per owner and key."""
    now = now or timezone.now()
    found = _stored(owner, key, fingerprint, now)
    if found is not None:
        return found
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        owner=owner,
                        key=key,
                        request_hash=fingerprint,
                        response_status=0,
                        response_body={},
                        created_at=now,
                    )
            except IntegrityError:
                # A request with this key committed meanwhile: answer as it did.
                raise _Taken from None
            status, body = produce()
            record.response_status = status
            record.response_body = body
            record.save(update_fields=["response_status", "response_body"])
    except _Taken:
        found = _stored(owner, key, fingerprint, now)
        if found is None:  # pragma: no cover - the winner's row is committed when we get here
            raise Conflict(
                _("A request with this Idempotency-Key is still running; try again."),
                code="idempotency_in_progress",
            ) from None
        return found
    return Answer(status=status, body=body, replayed=False)


def _stored(owner: User, key: str, fingerprint: str, now: dt.datetime) -> Answer | None:
    record = IdempotencyRecord.objects.filter(owner=owner, key=key).first()
    if record is None:
        return None
    if record.created_at < now - KEEP:
        record.delete()  # forgotten: the key may be used afresh
        return None
    if record.request_hash != fingerprint:
        raise InvalidInput(
            _("This Idempotency-Key was used for another request."),
            code="idempotency_mismatch",
            field="Idempotency-Key",
        )
    return Answer(status=record.response_status, body=record.response_body, replayed=True)


def idempotency_purge(*, now: dt.datetime | None = None, batch: int = 1000) -> int:
    """Forget keys older than KEEP, a batch at a time (short transactions). Returns how many."""
    cutoff = (now or timezone.now()) - KEEP
    removed = 0
    while True:
        ids = list(
            IdempotencyRecord.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[
                :batch
            ]
        )
        if not ids:
            return removed
        removed += IdempotencyRecord.objects.filter(pk__in=ids).delete()[0]


def idempotent_answer(
    *,
    owner: User,
    key: str | None,
    operation: str,
    payload: Any,
    response: HttpResponse,
    produce: Callable[[], tuple[int, Any]],
) -> tuple[int, Any]:
    """An API write with an optional `Idempotency-Key`: without one `produce` simply runs; with
    one it runs once per owner and key (idempotent_call) and a replay says so in the
    `Idempotent-Replayed: true` header. Returns the status and body to answer with."""
    if key is None:
        return produce()
    answer = idempotent_call(
        owner=owner,
        key=key,
        fingerprint=request_fingerprint(operation, payload),
        produce=produce,
    )
    if answer.replayed:
        response["Idempotent-Replayed"] = "true"
    return answer.status, answer.body
