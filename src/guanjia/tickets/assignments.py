"""Department matters: a leader assigns a matter to a department with a deadline (交办), and a
composite request (一件事) is one parent with a child per department under one deadline.

Both are ordinary tickets in the one lifecycle (channel assignment, department categories with
no site visit and working-day clocks), so 签收, 办结, 督办 and the audit trail are the ones every
order has (docs/adr/0011-department-matters-are-tickets-without-a-compound.md). The closure rule
of composite requests lives in tickets/services.py, in the transition path.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.catalog.models import ServiceCategory
from guanjia.core.errors import Forbidden, InvalidInput
from guanjia.org.models import Department, Street
from guanjia.people import roles
from guanjia.people.models import User
from guanjia.people.selectors import department_head
from guanjia.tickets.models import Channel, Ticket
from guanjia.tickets.services import MAX_REASON, ticket_create, ticket_transition

MATTER = "assignment.matter"  # 交办事项
COMPOSITE = "composite.task"  # 一件事: the parent and its children


@dataclass(frozen=True)
class Part:
    """One department's share of a composite request."""

    department: Department
    description: str


def deadline_at(day: dt.date) -> dt.datetime:
    """A deadline given as a day: the end of that day, local time (on a working calendar that
    is the end of its working hours)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59)))


def _deadline_clean(deadline: dt.datetime | dt.date) -> dt.datetime:
    if isinstance(deadline, dt.datetime):
        return deadline
    return deadline_at(deadline)


def _leader_check(leader: User, street: Street) -> None:
    if (
        not leader.is_active
        or not leader.has_perm(roles.ASSIGN_MATTER)
        or leader.street_id not in (None, street.pk)
    ):
        raise Forbidden(_("You may not assign matters in this street."), code="not_permitted")


def _head_of(department: Department, street: Street) -> User:
    if department.street_id != street.pk:
        raise InvalidInput(
            _("This department is not in this street."), code="bad_department", field="department"
        )
    head = department_head(department)
    if head is None:
        raise InvalidInput(
            _("%(department)s has no head to receive the matter.") % {"department": department},
            code="no_head",
            field="department",
        )
    return head


def _text(title: str, description: str) -> str:
    title, description = (title or "").strip(), (description or "").strip()
    return f"{title}\n{description}" if title and description else title or description


def _category(code: str) -> ServiceCategory:
    return ServiceCategory.objects.get(code=code)


def _open_and_dispatch(
    *,
    street: Street,
    category: ServiceCategory,
    text: str,
    deadline: dt.datetime,
    leader: User,
    to: User,
    note: str,
    parent: Ticket | None,
    now: dt.datetime,
) -> Ticket:
    ticket = ticket_create(
        category=category,
        compound=None,
        street=street,
        channel=Channel.ASSIGNMENT,
        description=text,
        created_by=leader,
        external_deadline=deadline,
        resolve_due=deadline,
        parent=parent,
        now=now,
    )
    # The leader dispatches it themselves when they may dispatch; otherwise the system does it on
    # their behalf (the create event already names them).
    actor = leader if leader.has_perm(roles.DISPATCH) else None
    return ticket_transition(
        ticket=ticket, action="dispatch", actor=actor, assignee=to, note=note, now=now
    ).ticket


@transaction.atomic
def assignment_create(
    *,
    street: Street,
    department: Department,
    description: str,
    deadline: dt.datetime | dt.date,
    leader: User,
    title: str = "",
    source_note: str = "",
    parent: Ticket | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Assign a matter to a department (交办): one ticket of category assignment.matter, with no
    compound, dispatched at once to the department's head, due by the leader's deadline.

    The leader needs tickets.assign_matter in the street; the department needs a head; the
    deadline must be in the future. `source_note` (擂台赛当场交办) goes on the dispatch event.
    """
    now = now or timezone.now()
    _leader_check(leader, street)
    head = _head_of(department, street)
    if len(source_note or "") > MAX_REASON:
        raise InvalidInput(
            _("Too long: at most %(limit)d characters.") % {"limit": MAX_REASON},
            code="too_long",
            field="source_note",
        )
    return _open_and_dispatch(
        street=street,
        category=_category(MATTER),
        text=_text(title, description),
        deadline=_deadline_clean(deadline),
        leader=leader,
        to=head,
        note=(source_note or "").strip(),
        parent=parent,
        now=now,
    )


@transaction.atomic
def composite_create(
    *,
    street: Street,
    title: str,
    description: str,
    deadline: dt.datetime | dt.date,
    parts: Sequence[Part | tuple[Department, str]],
    leader: User,
    lead: Department | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Open a composite request (一件事): one parent held by the lead department's head (牵头部门,
    the first part's department unless `lead` is given) and one child per part, each dispatched
    to its department's head. One deadline for all.

    The parent cannot be resolved while a child is open, and the system resolves it when the last
    child is done (tickets/services.py). Returns the parent.
    """
    now = now or timezone.now()
    _leader_check(leader, street)
    shares = [p if isinstance(p, Part) else Part(p[0], p[1]) for p in parts]
    if not shares:
        raise InvalidInput(_("Name at least one department."), code="required", field="parts")
    lead = lead or shares[0].department
    heads = [_head_of(s.department, street) for s in shares]
    when = _deadline_clean(deadline)
    category = _category(COMPOSITE)
    parent = _open_and_dispatch(
        street=street,
        category=category,
        text=_text(title, description),
        deadline=when,
        leader=leader,
        to=_head_of(lead, street),
        note=str(lead),
        parent=None,
        now=now,
    )
    for share, head in zip(shares, heads, strict=True):
        _open_and_dispatch(
            street=street,
            category=category,
            text=_text(title, share.description),
            deadline=when,
            leader=leader,
            to=head,
            note=str(share.department),
            parent=parent,
            now=now,
        )
    return parent
