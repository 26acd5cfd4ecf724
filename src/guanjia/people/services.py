"""Writes to people: accounts, department members and the duty roster."""

import datetime as dt

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.catalog.models import HandlerKind, ServiceCategory
from guanjia.core.errors import InvalidInput
from guanjia.core.phones import phone_normalize
from guanjia.org.models import Department, DepartmentMember, Street
from guanjia.people import roles
from guanjia.people.models import Cover, Leave, Shift, StaffProfile, User

PASSWORD_MIN_LENGTH = 8
DISPLAY_NAME_MAX = 50


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    role: str,
    street_code: str | None = None,
    display_name: str = "",
    phone: str = "",
) -> User:
    """Create an account with one role (a group of people/roles.py).

    The role must be an existing group; the street, when given, must exist; the username must be
    free. Back-office roles (roles.STAFF_ROLES) sign in to the admin, `admin` is a superuser.
    Roles that handle orders (their group grants tickets.handle_ticket: workers, vendors) need a
    street and get a StaffProfile there; a vendor's member is linked to its Vendor in the admin.
    The password needs PASSWORD_MIN_LENGTH characters and nothing more, so that the documented
    demo password is accepted. Either everything is written or nothing.
    """
    username = (username or "").strip()
    display_name = (display_name or "").strip()
    group = Group.objects.filter(name=role).first()
    if group is None:
        valid = ", ".join(sorted(Group.objects.values_list("name", flat=True)))
        raise InvalidInput(
            _("Unknown role “%(role)s”. Valid roles: %(roles)s.") % {"role": role, "roles": valid},
            code="unknown_role",
            field="role",
        )
    _username_check(username)
    if len(password or "") < PASSWORD_MIN_LENGTH:
        raise InvalidInput(
            _("The password must have at least %(count)d characters.")
            % {"count": PASSWORD_MIN_LENGTH},
            code="password_too_short",
            field="password",
        )
    if len(display_name) > DISPLAY_NAME_MAX:
        raise InvalidInput(
            _("Too long: at most %(limit)d characters.") % {"limit": DISPLAY_NAME_MAX},
            code="too_long",
            field="display_name",
        )
    street = None
    if street_code:
        street = Street.objects.filter(code=street_code).first()
        if street is None:
            raise InvalidInput(
                _("There is no street with the code “%(code)s”.") % {"code": street_code},
                code="unknown_street",
                field="street",
            )
    handles_orders = group.permissions.filter(
        content_type__app_label="tickets", codename=roles.HANDLE.split(".")[1]
    ).exists()
    if handles_orders and street is None:
        raise InvalidInput(
            _("A %(role)s account needs a street (--street CODE).")
            % {"role": roles.role_label(role)},
            code="street_required",
            field="street",
        )
    phone = phone_normalize(phone) if phone else ""

    user = User(
        username=username,
        street=street,
        display_name=display_name,
        phone=phone,
        is_staff=role in roles.STAFF_ROLES,
        is_superuser=role == "admin",
    )
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # Taken by a concurrent create between the check above and this insert.
        raise _username_taken(username) from None
    user.groups.add(group)
    if handles_orders:
        assert street is not None
        StaffProfile.objects.create(user=user, street=street)
    return user


def _username_check(username: str) -> None:
    field = User._meta.get_field("username")
    if not username:
        raise InvalidInput(_("Please give a username."), code="required", field="username")
    max_length = getattr(field, "max_length", None) or 150
    if len(username) > max_length:
        raise InvalidInput(
            _("Too long: at most %(limit)d characters.") % {"limit": max_length},
            code="too_long",
            field="username",
        )
    try:
        User.username_validator(username)
    except ValidationError:
        raise InvalidInput(
            _("A username may contain only letters, digits and @ . + - _."),
            code="bad_username",
            field="username",
        ) from None
    if User.objects.filter(username=username).exists():
        raise _username_taken(username)


def _username_taken(username: str) -> InvalidInput:
    return InvalidInput(
        _("The username “%(username)s” is already taken.") % {"username": username},
        code="username_taken",
        field="username",
    )


@transaction.atomic
def department_member_add(
    *, department: Department, user: User, is_head: bool = False
) -> DepartmentMember:
    """Make `user` a member (or the head) of `department`, able to handle its matters.

    A member handles department matters as a worker handles orders: through a StaffProfile in the
    department's street whose skills include every department category (handler_kind
    department), so dispatch checks them like anyone else. The user joins the `department` role
    group when it exists. A department has one head: naming a new head demotes the old one.
    Safe to repeat.
    """
    if user.street_id not in (None, department.street_id):
        raise InvalidInput(
            _("%(name)s works in another street.") % {"name": user},
            code="other_street",
            field="user",
        )
    profile, _created = StaffProfile.objects.get_or_create(
        user=user, defaults={"street_id": department.street_id}
    )
    if profile.street_id != department.street_id or profile.vendor_id is not None:
        raise InvalidInput(
            _("%(name)s cannot handle this department's matters.") % {"name": user},
            code="other_street",
            field="user",
        )
    profile.skills.add(
        *ServiceCategory.objects.filter(handler_kind=HandlerKind.DEPARTMENT, active=True)
    )
    group = Group.objects.filter(name="department").first()
    if group is not None:
        user.groups.add(group)
    if is_head:
        DepartmentMember.objects.filter(department=department, is_head=True).exclude(
            user=user
        ).update(is_head=False)
    member, created = DepartmentMember.objects.get_or_create(
        department=department,
        user=user,
        defaults={"street_id": department.street_id, "is_head": is_head},
    )
    if not created and is_head and not member.is_head:
        member.is_head = True
        member.save(update_fields=["is_head"])
    return member


# The duty roster (排班): weekly shifts, leave (请假) and cover (顶班) -------------------------

REASON_MAX = 200
LEAVE_MAX_DAYS = 366


def _staff_name(profile: StaffProfile) -> str:
    return str(profile.user)


@transaction.atomic
def shift_create(*, staff: StaffProfile, weekday: int, start: dt.time, end: dt.time) -> Shift:
    """Add a weekly shift. `end` before `start` runs past midnight; an empty window (start equal
    to end) and a window overlapping another shift of the same person on that weekday are
    refused."""
    if not 0 <= weekday <= 6:
        raise InvalidInput(_("Choose a day of the week."), code="invalid", field="weekday")
    if start == end:
        raise InvalidInput(
            _("A shift must end at another time than it starts."), code="empty_shift", field="end"
        )

    def minutes(s: dt.time, e: dt.time) -> tuple[int, int]:
        first = s.hour * 60 + s.minute
        last = e.hour * 60 + e.minute
        return first, last if last > first else last + 24 * 60

    a, b = minutes(start, end)
    for other in Shift.objects.filter(staff=staff, weekday=weekday):
        c, d = minutes(other.start, other.end)
        if a < d and c < b:
            raise InvalidInput(
                _("%(name)s already has a shift %(start)s–%(end)s that day.")
                % {
                    "name": _staff_name(staff),
                    "start": other.start.strftime("%H:%M"),
                    "end": other.end.strftime("%H:%M"),
                },
                code="shift_overlap",
                field="start",
            )
    return Shift.objects.create(staff=staff, weekday=weekday, start=start, end=end)


@transaction.atomic
def shift_delete(*, shift: Shift) -> None:
    """Remove a weekly shift. Covers already recorded for its days stay: they name a day, not a
    shift, and the substitute works whatever shifts remain that day (none: nothing)."""
    shift.delete()


def _reason(reason: str, *, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise InvalidInput(_("Please give a reason."), code="required", field="reason")
    if len(reason) > REASON_MAX:
        raise InvalidInput(
            _("Too long: at most %(limit)d characters.") % {"limit": REASON_MAX},
            code="too_long",
            field="reason",
        )
    return reason


@transaction.atomic
def leave_create(
    *,
    staff: StaffProfile,
    start: dt.date,
    end: dt.date,
    reason: str,
    actor: User | None,
    now: dt.datetime | None = None,
) -> Leave:
    """Record leave (请假) for whole days, `start` to `end` included: the person is off duty on
    those days (people/duty.py). Refused: an end before the start, more than LEAVE_MAX_DAYS
    days, no reason, leave overlapping leave already recorded, and leave on a day the person
    covers someone else's shift (remove that cover first)."""
    reason = _reason(reason, required=True)
    if end < start:
        raise InvalidInput(
            _("The last day of leave cannot be before the first."),
            code="end_before_start",
            field="end",
        )
    if (end - start).days + 1 > LEAVE_MAX_DAYS:
        raise InvalidInput(
            _("Leave is recorded for at most %(days)d days at a time.") % {"days": LEAVE_MAX_DAYS},
            code="too_long",
            field="end",
        )
    name = _staff_name(staff)
    clash = Leave.objects.filter(staff=staff, start__lte=end, end__gte=start).first()
    if clash is not None:
        raise InvalidInput(
            _("%(name)s is already on leave from %(start)s to %(end)s.")
            % {"name": name, "start": clash.start, "end": clash.end},
            code="leave_overlap",
            field="start",
        )
    cover = (
        Cover.objects.filter(substitute=staff, day__range=(start, end))
        .select_related("staff__user")
        .first()
    )
    if cover is not None:
        raise InvalidInput(
            _("%(name)s covers %(other)s's shift on %(day)s; remove that cover first.")
            % {"name": name, "other": _staff_name(cover.staff), "day": cover.day},
            code="covering",
            field="start",
        )
    return Leave.objects.create(
        street_id=staff.street_id,
        staff=staff,
        start=start,
        end=end,
        reason=reason,
        created_by=actor,
        created_at=now or timezone.now(),
    )


@transaction.atomic
def leave_delete(*, leave: Leave) -> None:
    """Withdraw leave: the person's shifts on those days count again."""
    leave.delete()


@transaction.atomic
def cover_create(
    *,
    staff: StaffProfile,
    substitute: StaffProfile,
    day: dt.date,
    reason: str = "",
    actor: User | None,
    now: dt.datetime | None = None,
) -> Cover:
    """Record a cover (顶班): on `day` the substitute works `staff`'s shifts of that weekday in
    their place (people/duty.py).

    The substitute must be another active staff member (not a vendor's) of the same street who
    shares one of `staff`'s skills, and not on leave that day. `staff` must have a shift that day,
    and one cover per person and day.
    """
    reason = _reason(reason, required=False)
    name, other = _staff_name(staff), _staff_name(substitute)
    if substitute.pk == staff.pk:
        raise InvalidInput(
            _("Choose someone else to cover %(name)s's shift.") % {"name": name},
            code="cover_self",
            field="substitute",
        )
    if substitute.street_id != staff.street_id:
        raise InvalidInput(
            _("%(name)s works in another street.") % {"name": other},
            code="other_street",
            field="substitute",
        )
    if not (substitute.active and substitute.user.is_active) or substitute.vendor_id is not None:
        raise InvalidInput(
            _("%(name)s cannot cover a shift.") % {"name": other},
            code="not_staff",
            field="substitute",
        )
    skills = set(staff.skills.values_list("pk", flat=True))
    if skills and not substitute.skills.filter(pk__in=skills).exists():
        raise InvalidInput(
            _("%(substitute)s has none of %(name)s's skills.")
            % {"substitute": other, "name": name},
            code="not_qualified",
            field="substitute",
        )
    if not Shift.objects.filter(staff=staff, weekday=day.weekday()).exists():
        raise InvalidInput(
            _("%(name)s has no shift on %(day)s: there is nothing to cover.")
            % {"name": name, "day": day},
            code="no_shift",
            field="day",
        )
    if Leave.objects.filter(staff=substitute, start__lte=day, end__gte=day).exists():
        raise InvalidInput(
            _("%(name)s is on leave on %(day)s.") % {"name": other, "day": day},
            code="on_leave",
            field="substitute",
        )
    taken = Cover.objects.filter(staff=staff, day=day).select_related("substitute__user").first()
    if taken is not None:
        raise InvalidInput(
            _("%(name)s's shift on %(day)s is already covered by %(other)s.")
            % {"name": name, "day": day, "other": _staff_name(taken.substitute)},
            code="already_covered",
            field="day",
        )
    try:
        with transaction.atomic():
            return Cover.objects.create(
                street_id=staff.street_id,
                staff=staff,
                substitute=substitute,
                day=day,
                reason=reason,
                created_by=actor,
                created_at=now or timezone.now(),
            )
    except IntegrityError:
        # Recorded by someone else between the check above and this insert.
        raise InvalidInput(
            _("%(name)s's shift on %(day)s is already covered.") % {"name": name, "day": day},
            code="already_covered",
            field="day",
        ) from None


@transaction.atomic
def cover_delete(*, cover: Cover) -> None:
    """Withdraw a cover: the shift is the covered person's again."""
    cover.delete()
