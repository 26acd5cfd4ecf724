"""Who may see what: the one permission layer that pages, the API, the admin and commands use."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from guanjia.core.phones import phone_mask
from guanjia.org.models import Street
from guanjia.people import roles
from guanjia.people.models import User

AnyUser = User | AnonymousUser


def user_street_filter(user: AnyUser, field: str = "street") -> Q:
    """Rows of the streets this user works in: one street, or all for district-level accounts."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.street_id is None:  # type: ignore[union-attr]
        # District-level accounts (no street) see every street; only administrators have them
        # unless a role explicitly grants street-wide reading.
        return Q()
    return Q(**{f"{field}_id": user.street_id})  # type: ignore[union-attr]


def streets_visible(user: AnyUser) -> QuerySet[Street]:
    if not user.is_authenticated:
        return Street.objects.none()
    if user.street_id is None:  # type: ignore[union-attr]
        return Street.objects.all() if user.is_superuser else Street.objects.none()
    return Street.objects.filter(pk=user.street_id)  # type: ignore[union-attr]


def contact_visible(user: AnyUser) -> bool:
    """Full names and phone numbers only for roles that need to call residents back."""
    return bool(user.is_authenticated and user.has_perm(roles.VIEW_CONTACT))


def phone_for(user: AnyUser, phone: str) -> str:
    return phone if contact_visible(user) else phone_mask(phone)


def name_for(user: AnyUser, name: str) -> str:
    """Names are personal data too: a worker sees 张** rather than 张建国."""
    if contact_visible(user) or not name:
        return name
    return name[0] + "*" * min(len(name) - 1, 2) if len(name) > 1 else "*"
