"""Which orders a user may see, and in what capacity they act on one.

Everything that lists or fetches orders starts from `ticket_scope`; everything that changes one asks
`ticket_capacities`. A ticket outside a user's scope does not exist for them (404, not 403).
"""

from django.db.models import Q, QuerySet

from guanjia.catalog.models import DispatchMode
from guanjia.people import roles
from guanjia.people.access import AnyUser, user_street_filter
from guanjia.people.models import Resident
from guanjia.tickets import lifecycle
from guanjia.tickets.models import Ticket


def ticket_scope(user: AnyUser) -> QuerySet[Ticket]:
    """The orders `user` may see.

    - street-wide roles (operator, dispatcher, manager): every order of their street(s);
    - handlers (workers, vendors): orders assigned to them, and the grab pool of their skills;
    - residents with an account: the orders they reported or follow;
    - anyone else: nothing.
    """
    qs = Ticket.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_superuser:
        return qs.filter(user_street_filter(user))
    if user.has_perm(roles.VIEW_STREET_TICKETS):
        return qs.filter(user_street_filter(user))
    visible = Q(pk__in=[])
    if user.has_perm(roles.HANDLE):
        visible |= Q(assignee=user)
        profile = getattr(user, "staff", None)
        if profile is not None and profile.active:
            visible |= Q(
                street_id=profile.street_id,
                status=lifecycle.NEW,
                category__dispatch_mode=DispatchMode.GRAB,
                category__in=profile.skills.all(),
            )
    resident = Resident.objects.filter(user=user).first()
    if resident is not None:
        visible |= Q(reporter=resident) | Q(followers__resident=resident)
    return qs.filter(visible).distinct() if resident is not None else qs.filter(visible)


def ticket_capacities(
    user: AnyUser | None, ticket: Ticket, *, resident: Resident | None = None
) -> frozenset[str]:
    """The capacities (see lifecycle.py) in which `user` — or the resident holding the ticket's
    tracking link — acts on `ticket`. No user and no resident means the system itself; a resident
    with no account behind them is only ever the reporter, never the system."""
    if user is None and resident is None:
        return frozenset({lifecycle.SYSTEM})
    caps: set[str] = set()
    if resident is not None and resident.pk in _reporter_ids(ticket):
        caps.add(lifecycle.REPORTER)
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset(caps)
    in_street = user.street_id is None or user.street_id == ticket.street_id  # type: ignore[union-attr]
    if in_street:
        if user.has_perm(roles.DISPATCH):
            caps.add(lifecycle.DISPATCHER)
        if user.has_perm(roles.CALLBACK):
            caps.add(lifecycle.OPERATOR)
        if user.has_perm(roles.EXTEND):
            caps.add(lifecycle.MANAGER)
        if user.has_perm(roles.HANDLE):
            caps.add(lifecycle.HANDLER)
    if ticket.assignee_id is not None and ticket.assignee_id == user.pk:
        caps.add(lifecycle.ASSIGNEE)
    own = Resident.objects.filter(user=user).first()
    if own is not None and own.pk in _reporter_ids(ticket):
        caps.add(lifecycle.REPORTER)
    return frozenset(caps)


def _reporter_ids(ticket: Ticket) -> set[int]:
    ids = set(ticket.followers.values_list("resident_id", flat=True))
    if ticket.reporter_id is not None:
        ids.add(ticket.reporter_id)
    return ids
