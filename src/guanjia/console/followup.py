"""The call-back (回访) rule: which finished orders an operator calls, and what a call's outcome
does to the list (docs/adr/0013-follow-up-sample.md).

Due for a call, among the orders of the last REOPEN_DAYS with a contact phone and a service whose
follow-up policy is not "none":
- every order resolved and not rated since (the call takes the rating);
- of the orders the resident rated (and so closed): every rating of LOW_RATING_MAX stars or less,
  every one of a service whose policy is "all", and a fixed share of the others, chosen by a keyed
  hash of the order number — the same orders for every operator, and not guessable by a handler.

A call is one "followup" event on the order. Reached (with the rating heard) or refused takes the
order off the list; no answer hides it for RETRY_HOURS, then it comes back.
"""

import datetime as dt
import hashlib

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.functions import MD5, Concat, Substr
from django.db.models.lookups import LessThan
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from guanjia.catalog.models import FollowUp
from guanjia.tickets import lifecycle
from guanjia.tickets.models import TicketEvent

EVENT = "followup"
REACHED = "reached"
NO_ANSWER = "no_answer"
REFUSED = "refused"
OUTCOMES = {
    REACHED: _("Reached: rating taken"),
    NO_ANSWER: _("No answer"),
    REFUSED: _("Declined the call-back"),
}
FINAL = (REACHED, REFUSED)  # the order leaves the list
RETRY_HOURS = 24  # after no answer, the order comes back this much later
LOW_RATING_MAX = 3  # stars: every rating this low or lower is called back
SAMPLE_SHARE = 0.15  # of the other rated orders
# The sample takes the orders whose hash starts below this 4-hex-digit threshold (of 65536).
_HASH_DIGITS = 4
SAMPLE_BELOW = f"{round(SAMPLE_SHARE * 16**_HASH_DIGITS):0{_HASH_DIGITS}x}"


def sample_salt() -> str:
    """A key from SECRET_KEY, so that who knows the code cannot tell which orders are sampled
    (a handler could otherwise fake the ratings the office never checks)."""
    return salted_hmac("guanjia.console.followup", "sample", algorithm="sha256").hexdigest()[:16]


def in_sample(number: str) -> bool:
    """The rule in Python, as the database applies it (tests, the ADR, a report)."""
    digest = hashlib.md5((sample_salt() + number).encode(), usedforsecurity=False).hexdigest()
    return digest[:_HASH_DIGITS] < SAMPLE_BELOW


def _sample_key() -> Substr:
    # md5 is in PostgreSQL and Django registers it on SQLite: the same hex digits on both.
    return Substr(MD5(Concat(Value(sample_salt()), F("number"))), 1, _HASH_DIGITS)


def _called(now: dt.datetime) -> Exists:
    """A call since this resolution that took the order off the list (reached or refused), or a
    no-answer less than RETRY_HOURS ago."""
    return Exists(
        TicketEvent.objects.filter(
            ticket=OuterRef("pk"), type=EVENT, at__gte=OuterRef("resolved_at")
        ).filter(Q(payload__outcome__in=FINAL) | Q(at__gte=now - dt.timedelta(hours=RETRY_HOURS)))
    )


UNRATED = Q(status=lifecycle.RESOLVED) & (
    Q(rated_at__isnull=True) | Q(rated_at__lt=F("resolved_at"))
)
RATED = Q(status=lifecycle.CLOSED, rating_overall__isnull=False, rated_at__gte=F("resolved_at"))


def window_start(now: dt.datetime) -> dt.datetime:
    """Orders resolved before this are not called any more (nor could a call reopen them)."""
    return now - dt.timedelta(days=settings.GUANJIA["REOPEN_DAYS"])


def callable_filter(now: dt.datetime) -> Q:
    """The orders the rule calls at all (whatever calls were already made)."""
    sampled = (
        Q(rating_overall__lte=LOW_RATING_MAX)
        | Q(category__follow_up=FollowUp.ALL)
        | Q(LessThan(_sample_key(), Value(SAMPLE_BELOW)))
    )
    return (
        Q(status__in=(lifecycle.RESOLVED, lifecycle.CLOSED), resolved_at__gte=window_start(now))
        & ~Q(contact_phone="")
        & ~Q(category__follow_up=FollowUp.NONE)
        & (UNRATED | (RATED & sampled))
    )


def due_filter(now: dt.datetime) -> Q:
    """The orders on the list at `now`: called by the rule and not called already."""
    return Q(callable_filter(now), ~_called(now))
