"""The lifecycle table, checked move by move against DESIGN.md ("Ticket lifecycle").

Pure: no database. The expectations below are written out by hand from the design document, not
derived from lifecycle.MOVES, so that a wrong row in the code shows up as a failing case.
"""

import itertools

import pytest

from guanjia.core.errors import Conflict, Forbidden, InvalidInput
from guanjia.tickets import lifecycle
from guanjia.tickets.lifecycle import move_target

STATUSES = ["new", "dispatched", "accepted", "on_site", "resolved", "closed", "paused", "cancelled"]
CAPACITIES = ["system", "dispatcher", "assignee", "handler", "reporter", "operator", "manager"]
OPEN_STATES = {"new", "dispatched", "accepted", "on_site", "paused"}
SAME = "(same)"  # extend keeps the status
RESTORE = "(paused_from)"  # resume goes back where the pause started

# action: (from, to, who) — DESIGN.md's table, column by column.
DESIGN: dict[str, tuple[set[str], str, set[str]]] = {
    "dispatch": ({"new"}, "dispatched", {"dispatcher", "system"}),  # dispatcher, auto-dispatch
    "grab": ({"new"}, "accepted", {"handler"}),  # a qualified worker takes it from the pool
    "accept": ({"dispatched"}, "accepted", {"assignee"}),
    "arrive": ({"accepted"}, "on_site", {"assignee"}),
    # system: a composite parent (一件事) once its last child is done (docs/adr/0011).
    "resolve": ({"on_site", "accepted"}, "resolved", {"assignee", "system"}),
    "return": ({"dispatched", "accepted"}, "new", {"assignee"}),
    "transfer": ({"dispatched", "accepted", "on_site"}, "dispatched", {"dispatcher"}),
    "pause": ({"new", "dispatched", "accepted", "on_site"}, "paused", {"dispatcher", "assignee"}),
    "resume": ({"paused"}, RESTORE, {"dispatcher", "assignee"}),
    "extend": (OPEN_STATES, SAME, {"manager"}),
    "rate": ({"resolved"}, "closed", {"reporter", "operator"}),
    "close": ({"resolved"}, "closed", {"system"}),
    "reopen": ({"resolved", "closed"}, "dispatched", {"reporter", "operator", "dispatcher"}),
    "cancel": ({"new", "dispatched", "accepted"}, "cancelled", {"reporter", "dispatcher"}),
    "merge": ({"new", "dispatched"}, "cancelled", {"dispatcher"}),
}
# "reason required" / "reason" / "a new deadline with a reason" in the design's notes column.
NEEDS_REASON = {"return", "pause", "extend", "cancel"}
NO_REASON = {"dispatch", "grab", "accept", "arrive", "resolve", "rate", "close"}


def expected(
    action: str,
    status: str,
    capacity: str,
    *,
    site_visit: bool = True,
    paused_from: str = "dispatched",
    low_rating: bool = False,
) -> str | tuple[type[Exception], str]:
    """The target status, or (error class, error code)."""
    sources, target, who = DESIGN[action]
    if status not in sources:
        return Conflict, "transition_not_allowed"
    if capacity not in who:
        return Forbidden, "not_permitted"
    if action == "cancel" and capacity == "reporter" and status == "accepted":
        return Conflict, "already_accepted"  # a resident may withdraw only before accept
    if action == "resolve" and status == "accepted" and site_visit:
        return Conflict, "arrival_required"  # *accepted only where there is no site visit
    if target == SAME:
        return status
    if target == RESTORE:
        return paused_from
    if action == "rate" and low_rating:
        return "dispatched"  # a rating ≤ 2 reopens instead of closing
    return target


def outcome(action: str, status: str, capacities: set[str], **kwargs: object) -> object:
    try:
        return move_target(action, status, capacities, **kwargs)  # type: ignore[arg-type]
    except (Conflict, Forbidden, InvalidInput) as e:
        return type(e), e.code


def test_the_expectation_table_covers_every_action_and_status() -> None:
    assert set(DESIGN) == set(lifecycle.MOVES) == set(lifecycle.ACTIONS)
    assert set(STATUSES) == set(lifecycle.Status.values)
    assert lifecycle.OPEN == OPEN_STATES


@pytest.mark.parametrize(("action", "status"), list(itertools.product(DESIGN, STATUSES)))
def test_every_move_for_every_capacity(action: str, status: str) -> None:
    wrong = {}
    for capacity in CAPACITIES:
        want = expected(action, status, capacity)
        got = outcome(action, status, {capacity}, paused_from="dispatched")
        if got != want:
            wrong[capacity] = (got, want)
    assert wrong == {}, f"{action} from {status}: capacity → (got, expected)"


@pytest.mark.parametrize(("action", "status"), list(itertools.product(DESIGN, STATUSES)))
def test_nobody_may_do_anything_without_a_capacity(action: str, status: str) -> None:
    if status in DESIGN[action][0]:
        assert outcome(action, status, set()) == (Forbidden, "not_permitted")
    else:
        assert outcome(action, status, set()) == (Conflict, "transition_not_allowed")


@pytest.mark.parametrize("status", STATUSES)
def test_unknown_action_is_invalid_input(status: str) -> None:
    with pytest.raises(InvalidInput) as e:
        move_target("teleport", status, {"dispatcher", "system", "manager"})
    assert (e.value.code, e.value.field) == ("unknown_action", "action")


@pytest.mark.parametrize("status", ["new", "dispatched", "accepted", "on_site"])
def test_resume_returns_to_the_status_paused_from(status: str) -> None:
    for capacity in ("dispatcher", "assignee"):
        assert move_target("resume", "paused", {capacity}, paused_from=status) == status


def test_resume_without_a_recorded_origin_goes_back_to_the_queue() -> None:
    assert move_target("resume", "paused", {"dispatcher"}, paused_from="") == "new"


@pytest.mark.parametrize("status", sorted(OPEN_STATES))
def test_extend_keeps_the_status(status: str) -> None:
    assert move_target("extend", status, {"manager"}) == status


@pytest.mark.parametrize("status", ["resolved", "closed", "cancelled"])
def test_extend_is_refused_once_finished(status: str) -> None:
    with pytest.raises(Conflict):
        move_target("extend", status, {"manager"})


def test_resolve_from_accepted_only_without_site_visit() -> None:
    assert move_target("resolve", "accepted", {"assignee"}, site_visit=False) == "resolved"
    assert move_target("resolve", "on_site", {"assignee"}, site_visit=False) == "resolved"
    assert move_target("resolve", "on_site", {"assignee"}, site_visit=True) == "resolved"
    with pytest.raises(Conflict) as e:
        move_target("resolve", "accepted", {"assignee"}, site_visit=True)
    assert e.value.code == "arrival_required"
    for status, capacity in itertools.product(STATUSES, CAPACITIES):
        want = expected("resolve", status, capacity, site_visit=False)
        assert outcome("resolve", status, {capacity}, site_visit=False) == want


def test_reporter_may_cancel_only_before_accept() -> None:
    assert move_target("cancel", "new", {"reporter"}) == "cancelled"
    assert move_target("cancel", "dispatched", {"reporter"}) == "cancelled"
    with pytest.raises(Conflict) as e:
        move_target("cancel", "accepted", {"reporter"})
    assert e.value.code == "already_accepted"
    # A dispatcher who also follows the order still cancels as a dispatcher.
    assert move_target("cancel", "accepted", {"reporter", "dispatcher"}) == "cancelled"
    for status in ("on_site", "resolved", "closed", "paused", "cancelled"):
        with pytest.raises(Conflict):
            move_target("cancel", status, {"reporter", "dispatcher"})


def test_low_rating_reopens_instead_of_closing() -> None:
    for capacity in ("reporter", "operator"):
        assert move_target("rate", "resolved", {capacity}, low_rating=True) == "dispatched"
        assert move_target("rate", "resolved", {capacity}, low_rating=False) == "closed"
    for status, capacity in itertools.product(STATUSES, CAPACITIES):
        assert outcome("rate", status, {capacity}, low_rating=True) == expected(
            "rate", status, capacity, low_rating=True
        )


def test_capacities_combine() -> None:
    # A worker who is also the assignee accepts as the assignee.
    assert move_target("accept", "dispatched", {"handler", "assignee"}) == "accepted"
    # Being a handler is not being the assignee.
    with pytest.raises(Forbidden):
        move_target("accept", "dispatched", {"handler", "reporter", "operator", "manager"})
    # Only the system closes; everyone else together may not.
    with pytest.raises(Forbidden):
        move_target("close", "resolved", set(CAPACITIES) - {"system"})


def test_reasons_are_required_where_the_design_asks_for_one() -> None:
    for action in NEEDS_REASON:
        assert lifecycle.MOVES[action].needs_reason, action
    for action in NO_REASON:
        assert not lifecycle.MOVES[action].needs_reason, action


def test_every_action_and_status_has_a_label() -> None:
    for action in [*DESIGN, *lifecycle.SYSTEM_STEPS]:
        assert action in lifecycle.ACTION_LABELS, action
    for status in STATUSES:
        assert lifecycle.status_label(status) != status
