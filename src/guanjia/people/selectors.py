"""Reads about people: who can handle what, how busy they are, whether they are on duty."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from guanjia.catalog.models import ServiceCategory
from guanjia.org.models import Department, DepartmentMember, Street
from guanjia.people import duty
from guanjia.people.access import AnyUser, user_street_filter
from guanjia.people.models import ApiKey, Cover, Leave, Shift, StaffProfile, User

# A worker's open orders beyond which automatic assignment and grabbing stop (HC 小区物业 uses 10).
DEFAULT_WORKLOAD_CAP = 10


def handler_profile(user: User) -> StaffProfile | None:
    try:
        profile = user.staff
    except StaffProfile.DoesNotExist:
        return None
    return profile if profile.active and user.is_active else None


def handler_qualified(profile: StaffProfile, category: ServiceCategory, day: dt.date) -> bool:
    """A staff member needs the skill; a vendor's member needs the vendor under contract for it."""
    if profile.vendor_id is not None:
        vendor = profile.vendor
        return (
            vendor is not None
            and vendor.under_contract(day)
            and vendor.categories.filter(pk=category.pk).exists()
        )
    return profile.skills.filter(pk=category.pk).exists()


def handler_open_workload(user: User) -> int:
    from guanjia.tickets.models import OPEN_STATUSES, Ticket

    return Ticket.objects.filter(assignee=user, status__in=OPEN_STATUSES).count()


def _near(day: dt.date) -> tuple[dt.date, dt.date]:
    """The days whose shifts may run on `day`: the day before (a night shift) and the day."""
    return day - dt.timedelta(days=1), day


def duty_prefetches(when: dt.datetime, *, through: str = "") -> list[str | Prefetch[Any]]:
    """What handler_on_duty reads at `when`, for prefetch_related on StaffProfile (or on another
    model `through` its path to the profile, "staff__" from User): the shifts, and the leave and
    covers near that day (four queries for any number of profiles, five when someone covers)."""
    first, day = _near(timezone.localdate(when))
    return [
        f"{through}shifts",
        Prefetch(f"{through}leaves", queryset=Leave.objects.filter(start__lte=day, end__gte=first)),
        Prefetch(f"{through}covered", queryset=Cover.objects.filter(day__range=(first, day))),
        Prefetch(
            f"{through}covers",
            queryset=Cover.objects.filter(day__range=(first, day))
            .select_related("staff")
            .prefetch_related("staff__shifts"),
        ),
    ]


def _rows(profile: StaffProfile, name: str, **near: Any) -> list[Any]:
    """The profile's related rows: prefetched ones as they are, else only those `near` asks."""
    cached = getattr(profile, "_prefetched_objects_cache", {})
    manager = getattr(profile, name)
    return list(manager.all() if name in cached else manager.filter(**near))


def _windows(shifts: list[Shift]) -> tuple[duty.ShiftWindow, ...]:
    return tuple((s.weekday, s.start, s.end) for s in shifts)


def handler_on_leave(profile: StaffProfile, when: dt.datetime) -> bool:
    """Whether `when`'s day (local) is a day of leave for the person."""
    first, day = _near(timezone.localdate(when))
    leave = _rows(profile, "leaves", start__lte=day, end__gte=first)
    return duty.on_leave([(x.start, x.end) for x in leave], day)


def handler_on_duty(profile: StaffProfile, when: dt.datetime) -> bool:
    """On duty at `when` by the weekly shifts, leave and covers (people/duty.py has the rules).
    No shifts at all: on duty at any hour of a day without leave.

    The one place every caller asks; prefetch duty_prefetches(when) to ask for many at once.
    """
    local = timezone.localtime(when)
    first, day = _near(local.date())
    covers = _rows(profile, "covers", day__range=(first, day))
    return duty.on_duty_at(
        local,
        shifts=_windows(list(profile.shifts.all())),
        leave=[(x.start, x.end) for x in _rows(profile, "leaves", start__lte=day, end__gte=first)],
        covered_days=frozenset(c.day for c in _rows(profile, "covered", day__range=(first, day))),
        covers=[duty.CoverTaken(c.day, _windows(list(c.staff.shifts.all()))) for c in covers],
    )


def handlers_for_category(street_id: int, category: ServiceCategory) -> QuerySet[User]:
    """Active accounts in the street that may handle `category` (skill or vendor contract)."""
    from django.db.models import Q

    return (
        User.objects.filter(is_active=True, staff__active=True, staff__street_id=street_id)
        .filter(
            Q(staff__vendor__isnull=True, staff__skills=category)
            | Q(staff__vendor__active=True, staff__vendor__categories=category)
        )
        .distinct()
        .order_by("username")
    )


def apikeys_list() -> QuerySet[ApiKey]:
    """Every API key, revoked ones included, with its account, roles and street in 3 queries."""
    return ApiKey.objects.select_related("user", "street", "user__street").prefetch_related(
        "user__groups"
    )


def handlers_loaded(where: Q, *, now: dt.datetime) -> QuerySet[StaffProfile]:
    """Active handlers matching `where`, each annotated with `open_workload`, their skills (or
    their vendor's contracted categories) and their duty rows near `now` prefetched.

    One query counts every handler's open orders (an aggregate joined on the assignee); the
    prefetches add a fixed number more: the queries do not grow with the number of handlers, and
    handler_on_duty(p, now) asks nothing more.
    """
    from guanjia.tickets.models import OPEN_STATUSES

    return (
        StaffProfile.objects.filter(where, active=True, user__is_active=True)
        .select_related("user", "vendor", "street")
        .annotate(
            open_workload=Count(
                "user__assigned_tickets",
                filter=Q(user__assigned_tickets__status__in=OPEN_STATUSES),
            )
        )
        .prefetch_related(
            Prefetch("skills", queryset=ServiceCategory.objects.only("id", "code")),
            Prefetch("vendor__categories", queryset=ServiceCategory.objects.only("id", "code")),
            *duty_prefetches(now),
        )
        .order_by("user__username")
    )


def staff_with_workload(
    user: AnyUser, *, category: ServiceCategory | None = None, now: dt.datetime | None = None
) -> list[StaffProfile]:
    """Active handlers of the user's street(s) as handlers_loaded gives them; with `category`,
    only those qualified for it."""
    qs = handlers_loaded(user_street_filter(user), now=now or timezone.now())
    if category is not None:
        qs = qs.filter(
            Q(vendor__isnull=True, skills=category)
            | Q(vendor__active=True, vendor__categories=category)
        ).distinct()
    return list(qs)


def user_by_username(username: str) -> User | None:
    return User.objects.filter(username=username).select_related("staff").first()


def own_phone(user: User) -> str:
    """The phone a resident's account orders with: its Resident's, else the account's own."""
    resident = getattr(user, "resident", None)
    if resident is not None and resident.phone:
        return str(resident.phone)
    return user.phone


def department_head(department: Department) -> User | None:
    """The head of `department` (who receives its matters), if it has an active one."""
    member = (
        DepartmentMember.objects.filter(department=department, is_head=True, user__is_active=True)
        .select_related("user")
        .first()
    )
    return member.user if member is not None else None


def department_by_name(street: Street, name: str) -> Department | None:
    return Department.objects.filter(street=street, name=name).first()


# The duty roster (排班) ------------------------------------------------------------------------

ON, LEAVE, COVERED = "on", "leave", "covered"


@dataclass(frozen=True)
class RosterEntry:
    """One window in a day's cell: an own shift (on, on leave, or covered by `other`), or a
    cover the person works for `other`."""

    start: dt.time
    end: dt.time
    state: str  # on, leave, covered
    shift_id: int | None = None  # the own weekly shift (None for a cover worked)
    other: str = ""

    @property
    def is_cover(self) -> bool:
        return self.shift_id is None


@dataclass(frozen=True)
class RosterDay:
    day: dt.date
    entries: tuple[RosterEntry, ...]
    on_leave: bool


@dataclass(frozen=True)
class RosterRow:
    profile: StaffProfile
    days: tuple[RosterDay, ...]

    @property
    def no_shifts(self) -> bool:
        return not self.profile.shifts.all()


@dataclass(frozen=True)
class RosterWeek:
    monday: dt.date
    days: tuple[dt.date, ...]
    rows: tuple[RosterRow, ...]
    leaves: tuple[Leave, ...]  # leave touching the week
    covers: tuple[Cover, ...]  # covers in the week


def week_monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def roster_staff(user: AnyUser) -> QuerySet[StaffProfile]:
    """The staff on a user's roster: active, not a vendor's, in the user's street(s)."""
    return (
        StaffProfile.objects.filter(
            user_street_filter(user), active=True, user__is_active=True, vendor__isnull=True
        )
        .select_related("user")
        .order_by("title", "user__username")
    )


def roster_week(user: AnyUser, monday: dt.date) -> RosterWeek:
    """The week from `monday`: each staff member's shifts day by day, marked on leave or covered,
    and the covers each works. Four queries, whatever the number of staff."""
    days = tuple(monday + dt.timedelta(days=i) for i in range(7))
    sunday = days[-1]
    profiles = list(roster_staff(user).prefetch_related("shifts"))
    leaves = tuple(
        Leave.objects.filter(user_street_filter(user), start__lte=sunday, end__gte=monday)
        .select_related("staff__user")
        .order_by("start", "staff__user__username")
    )
    covers = tuple(
        Cover.objects.filter(user_street_filter(user), day__range=(monday, sunday))
        .select_related("staff__user", "substitute__user")
        .order_by("day", "staff__user__username")
    )
    shifts_of = {p.pk: list(p.shifts.all()) for p in profiles}
    leave_of: dict[int, list[tuple[dt.date, dt.date]]] = {}
    for x in leaves:
        leave_of.setdefault(x.staff_id, []).append((x.start, x.end))
    covered = {(c.staff_id, c.day): c for c in covers}
    worked: dict[tuple[int, dt.date], list[Cover]] = {}
    for c in covers:
        worked.setdefault((c.substitute_id, c.day), []).append(c)
    rows = []
    for p in profiles:
        cells = []
        for day in days:
            off = duty.on_leave(leave_of.get(p.pk, ()), day)
            cover = covered.get((p.pk, day))
            entries = [
                RosterEntry(
                    start=s.start,
                    end=s.end,
                    state=COVERED if cover is not None else LEAVE if off else ON,
                    shift_id=s.pk,
                    other=str(cover.substitute.user) if cover is not None else "",
                )
                for s in shifts_of[p.pk]
                if s.weekday == day.weekday()
            ]
            for c in worked.get((p.pk, day), ()):
                entries.extend(
                    RosterEntry(start=s.start, end=s.end, state=ON, other=str(c.staff.user))
                    for s in shifts_of.get(c.staff_id, ())
                    if s.weekday == day.weekday()
                )
            entries.sort(key=lambda e: e.start)
            cells.append(RosterDay(day=day, entries=tuple(entries), on_leave=off))
        rows.append(RosterRow(profile=p, days=tuple(cells)))
    return RosterWeek(monday=monday, days=days, rows=tuple(rows), leaves=leaves, covers=covers)


def roster_item(user: AnyUser, what: str, pk: int) -> Shift | Leave | Cover | None:
    """A weekly shift, leave or cover of the user's street(s) by id; None for anything else."""
    if what == "shift":
        return Shift.objects.filter(user_street_filter(user, "staff__street"), pk=pk).first()
    if what == "leave":
        return Leave.objects.filter(user_street_filter(user), pk=pk).first()
    if what == "cover":
        return Cover.objects.filter(user_street_filter(user), pk=pk).first()
    return None
