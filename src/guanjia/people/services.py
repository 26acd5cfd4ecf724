"""Writes to people: accounts."""

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from guanjia.catalog.models import HandlerKind, ServiceCategory
from guanjia.core.errors import InvalidInput
from guanjia.core.phones import phone_normalize
from guanjia.org.models import Department, DepartmentMember, Street
from guanjia.people import roles
from guanjia.people.models import StaffProfile, User

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
