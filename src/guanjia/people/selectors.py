"""Reads about people: who can handle what, how busy they are, whether they are on duty."""

import datetime as dt

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from guanjia.catalog.models import ServiceCategory
from guanjia.org.models import Department, DepartmentMember, Street
from guanjia.people.access import AnyUser, user_street_filter
from guanjia.people.models import ApiKey, StaffProfile, User

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


def handler_on_duty(profile: StaffProfile, when: dt.datetime) -> bool:
    """On duty if any weekly shift covers `when` (local time). No shifts at all: always on duty."""
    local = timezone.localtime(when)
    shifts = list(profile.shifts.all())
    if not shifts:
        return True
    t = local.time()
    today = local.weekday()
    yesterday = (today - 1) % 7
    for s in shifts:
        if s.start <= s.end:
            if s.weekday == today and s.start <= t < s.end:
                return True
        # A night shift started yesterday and runs past midnight, or starts today.
        elif (s.weekday == today and t >= s.start) or (s.weekday == yesterday and t < s.end):
            return True
    return False


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


def staff_with_workload(
    user: AnyUser, *, category: ServiceCategory | None = None
) -> list[StaffProfile]:
    """Active handlers of the user's street(s), each annotated with `open_workload`.

    One query counts every handler's open orders (an aggregate joined on the assignee), and two
    more fetch skills and shifts for all of them at once: the number of queries does not grow
    with the number of handlers. With `category`, only those qualified for it.
    """
    from guanjia.tickets.models import OPEN_STATUSES

    qs = (
        StaffProfile.objects.filter(user_street_filter(user), active=True, user__is_active=True)
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
            "shifts",
        )
        .order_by("user__username")
    )
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
