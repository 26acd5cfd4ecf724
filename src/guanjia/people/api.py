"""JSON API: the caller, and the handlers a dispatcher sends orders to."""

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router

from guanjia.catalog.selectors import category_by_code
from guanjia.core.errors import Forbidden, InvalidInput
from guanjia.core.problems import problems
from guanjia.people import roles
from guanjia.people.auth import api_caller
from guanjia.people.models import StaffProfile
from guanjia.people.schemas import MeOut, StaffFilters, StaffOut, StreetOut
from guanjia.people.selectors import handler_on_duty, staff_with_workload

router = Router(tags=["people"])


@router.get("/me", response={200: MeOut, **problems(401, 422)})
def me(request: HttpRequest) -> MeOut:
    """Who the caller is: roles, street and permissions (an API key answers as its account)."""
    user = api_caller(request)
    street = user.street
    return MeOut(
        username=user.username,
        display_name=user.display_name,
        roles=sorted(g.name for g in user.groups.all()),
        street=StreetOut(code=street.code, name=street.name) if street is not None else None,
        is_staff=user.is_staff,
        is_superuser=user.is_superuser,
        permissions=sorted(user.get_all_permissions()),
    )


@router.get("/staff", response={200: list[StaffOut], **problems(401, 403, 422)})
def staff_list(request: HttpRequest, filters: Query[StaffFilters]) -> list[StaffOut]:
    """Handlers of the caller's street(s) with their open workload; for dispatchers and
    managers."""
    user = api_caller(request)
    if not user.has_perm(roles.DISPATCH):
        raise Forbidden(_("Only dispatchers and managers see the staff list."), code="forbidden")
    category = None
    if filters.category:
        category = category_by_code(filters.category)
        if category is None:
            raise InvalidInput(_("Unknown service."), code="unknown_category", field="category")
    now = timezone.now()
    return [_staff_out(p, now) for p in staff_with_workload(user, category=category, now=now)]


def _staff_out(p: StaffProfile, now: dt.datetime) -> StaffOut:
    return StaffOut(
        username=p.user.username,
        display_name=p.user.display_name,
        title=p.title,
        street=p.street.code,
        vendor=p.vendor.name if p.vendor is not None else None,
        skills=sorted(c.code for c in (p.vendor.categories if p.vendor else p.skills).all()),
        on_duty=handler_on_duty(p, now),
        open_workload=p.open_workload,  # type: ignore[attr-defined]
    )
