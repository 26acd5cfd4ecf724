"""The ticket lifecycle table: every move, where it may start, where it ends, who may make it.

Pure: no database. tickets/services.py is the only caller that changes a ticket's status, and it
asks `move_target` first. Capacities name the actor's relation to the ticket, worked out by the
service from permissions and ownership:

- system      the worker or an automatic rule (no user)
- dispatcher  holds tickets.dispatch_ticket in the ticket's street
- assignee    the ticket's current handler
- handler     holds tickets.handle_ticket (may grab from a pool)
- reporter    the resident who ordered it (or follows it)
- operator    holds tickets.callback_ticket (call-backs, 回访)
- manager     holds tickets.extend_ticket
"""

from dataclasses import dataclass

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from guanjia.core.errors import Conflict, Forbidden, InvalidInput


class Status(TextChoices):
    NEW = "new", _("Awaiting dispatch")  # 待派单: in the dispatcher's queue
    DISPATCHED = "dispatched", _("Dispatched")  # 已派单: sent to a handler, not yet accepted
    ACCEPTED = "accepted", _("Accepted")  # 已接单: the handler signed for it (签收)
    ON_SITE = "on_site", _("On site")  # 已到场
    RESOLVED = "resolved", _("Resolved")  # 已完成: waiting for the resident's rating
    CLOSED = "closed", _("Closed")  # 已办结: rated, or closed automatically when unrated
    PAUSED = "paused", _("Paused")  # 挂起: clocks stopped; paused_from says where to resume
    CANCELLED = "cancelled", _("Cancelled")  # 已撤销: withdrawn, or merged into another order


NEW = Status.NEW.value
DISPATCHED = Status.DISPATCHED.value
ACCEPTED = Status.ACCEPTED.value
ON_SITE = Status.ON_SITE.value
RESOLVED = Status.RESOLVED.value
CLOSED = Status.CLOSED.value
PAUSED = Status.PAUSED.value
CANCELLED = Status.CANCELLED.value

OPEN = frozenset({NEW, DISPATCHED, ACCEPTED, ON_SITE, PAUSED})

SYSTEM = "system"
DISPATCHER = "dispatcher"
ASSIGNEE = "assignee"
HANDLER = "handler"
REPORTER = "reporter"
OPERATOR = "operator"
MANAGER = "manager"

# Marker targets resolved at run time.
SAME = "=same"  # the status does not change (extend)
RESTORE = "=restore"  # back to the status the ticket was paused from (resume)


@dataclass(frozen=True)
class Move:
    action: str
    sources: frozenset[str]
    target: str
    who: frozenset[str]
    needs_reason: bool = False


def _m(action: str, sources: set[str], target: str, who: set[str], reason: bool = False) -> Move:
    return Move(action, frozenset(sources), target, frozenset(who), reason)


MOVES: dict[str, Move] = {
    m.action: m
    for m in [
        _m("dispatch", {NEW}, DISPATCHED, {DISPATCHER, SYSTEM}),
        _m("grab", {NEW}, ACCEPTED, {HANDLER}),
        _m("accept", {DISPATCHED}, ACCEPTED, {ASSIGNEE}),
        _m("arrive", {ACCEPTED}, ON_SITE, {ASSIGNEE}),
        # From accepted only where the category has no site visit (see move_target). The system
        # resolves only a composite parent (一件事) once its last child is done (services.py).
        _m("resolve", {ON_SITE, ACCEPTED}, RESOLVED, {ASSIGNEE, SYSTEM}),
        _m("return", {DISPATCHED, ACCEPTED}, NEW, {ASSIGNEE}, reason=True),
        _m("transfer", {DISPATCHED, ACCEPTED, ON_SITE}, DISPATCHED, {DISPATCHER}),
        _m("pause", {NEW, DISPATCHED, ACCEPTED, ON_SITE}, PAUSED, {DISPATCHER, ASSIGNEE}, True),
        _m("resume", {PAUSED}, RESTORE, {DISPATCHER, ASSIGNEE}),
        _m("extend", set(OPEN), SAME, {MANAGER}, reason=True),
        # A low rating reopens instead of closing (see move_target).
        _m("rate", {RESOLVED}, CLOSED, {REPORTER, OPERATOR}),
        _m("close", {RESOLVED}, CLOSED, {SYSTEM}),
        _m("reopen", {RESOLVED, CLOSED}, DISPATCHED, {REPORTER, OPERATOR, DISPATCHER}, True),
        # A reporter may only withdraw before the handler accepted (see move_target).
        _m("cancel", {NEW, DISPATCHED, ACCEPTED}, CANCELLED, {REPORTER, DISPATCHER}, True),
        _m("merge", {NEW, DISPATCHED}, CANCELLED, {DISPATCHER}),
    ]
}

ACTIONS = tuple(MOVES)
# Steps the system records on the timeline without a status change (escalation ladder).
SYSTEM_STEPS = ("create", "warn", "overdue", "remind", "supervise", "merge_in", "photo")


def move_target(
    action: str,
    status: str,
    capacities: frozenset[str] | set[str],
    *,
    paused_from: str = "",
    site_visit: bool = True,
    low_rating: bool = False,
) -> str:
    """Return the status `action` leads to from `status`, or raise.

    Raises InvalidInput for an unknown action, Conflict when the table forbids the move from this
    status, Forbidden when none of the actor's capacities may make it.
    """
    move = MOVES.get(action)
    if move is None:
        raise InvalidInput(_("Unknown action."), code="unknown_action", field="action")
    if status not in move.sources:
        raise Conflict(
            _("This order cannot be “%(action)s” while it is “%(status)s”.")
            % {"action": action_label(action), "status": status_label(status)},
            code="transition_not_allowed",
        )
    allowed = set(capacities) & move.who
    if action == "cancel" and allowed == {REPORTER} and status not in {NEW, DISPATCHED}:
        raise Conflict(
            _("The handler has already accepted this order; please call the service desk."),
            code="already_accepted",
        )
    if not allowed:
        raise Forbidden(_("You may not do this to this order."), code="not_permitted")
    if action == "resolve" and status == ACCEPTED and site_visit:
        raise Conflict(
            _("Mark the arrival on site before resolving this order."), code="arrival_required"
        )
    if move.target == SAME:
        return status
    if move.target == RESTORE:
        return paused_from or NEW
    if action == "rate" and low_rating:
        return DISPATCHED
    return move.target


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def status_label(status: str) -> str:
    return str(Status(status).label) if status in Status.values else status


ACTION_LABELS = {
    "create": _("Ordered"),
    "dispatch": _("Dispatch"),
    "grab": _("Grab"),
    "accept": _("Accept"),
    "arrive": _("Arrive"),
    "resolve": _("Resolve"),
    "return": _("Return"),
    "transfer": _("Transfer"),
    "pause": _("Pause"),
    "resume": _("Resume"),
    "extend": _("Extend"),
    "rate": _("Rate"),
    "close": _("Close"),
    "reopen": _("Reopen"),
    "cancel": _("Cancel"),
    "merge": _("Merge"),
    "merge_in": _("Duplicate merged in"),
    "photo": _("Photo added"),
    "warn": _("Warning"),
    "overdue": _("Overdue"),
    "remind": _("Reminder"),
    "supervise": _("Supervision"),
    # Not moves of the table: a dispatcher's correction of the service or place, and a group
    # message about the same problem joining the order (triage).
    "reclassify": _("Service or place corrected"),
    "message_joined": _("Message joined"),
}
