"""What every back-office (Django admin) page shares: the street scope and viewer-aware columns.

The admin is one more client of the permission layer (people/access.py, tickets/access.py): it
never decides on its own who sees which rows or which phone numbers.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import Promise, cached_property

from guanjia.org.models import Street
from guanjia.people.access import AnyUser, user_street_filter


class CappedCountPaginator(Paginator):
    """Counts at most CAP rows, so a list over millions of orders never runs a full COUNT(*).

    Past the cap the list offers CAP rows' worth of pages; filters narrow it down.
    """

    CAP = 10_000

    @cached_property
    def count(self) -> int:
        object_list = self.object_list
        if isinstance(object_list, QuerySet):
            # Only the keys: annotations meant for the shown rows stay out of the count.
            return object_list.order_by().values("pk")[: self.CAP].count()
        return min(len(object_list), self.CAP)


class ViewerField:
    """A read-only column whose value depends on who is looking (masked phones, names).

    The admin compares fields by equality and hashes them, and asks for the field list several
    times per request, so two instances for the same viewer and name are equal.
    """

    def __init__(
        self,
        name: str,
        label: str | Promise,
        user: AnyUser,
        render: Callable[[AnyUser, Any], str],
    ) -> None:
        self.__name__ = name
        self.short_description = label
        self.user = user
        self.render = render

    def __call__(self, obj: Any) -> str:
        return self.render(self.user, obj)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, ViewerField)
            and other.__name__ == self.__name__
            and other.user.pk == self.user.pk
        )

    def __hash__(self) -> int:
        return hash((self.__name__, self.user.pk))

    def __repr__(self) -> str:
        return f"ViewerField({self.__name__!r})"


def street_scope_q(user: AnyUser, model: type[models.Model], field: str = "street") -> models.Q:
    """Rows of `model` in the streets `user` works in (people.access.user_street_filter)."""
    if model is Street:
        q = user_street_filter(user)
        street_id = getattr(user, "street_id", None)
        # user_street_filter answers "all streets" with an empty Q and "none" with pk__in=[].
        return models.Q(pk=street_id) if q and street_id is not None else q
    return user_street_filter(user, field)


class StreetScopedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """A model admin whose rows, and whose choices in foreign keys, stay in the user's street.

    `street_field` names the path to the street (`street`, `ticket__street`); a user without a
    street (district level) sees every street.
    """

    street_field = "street"
    show_full_result_count = False
    paginator = CappedCountPaginator

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        return qs.filter(street_scope_q(request.user, self.model, self.street_field))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if street_keyed(db_field.related_model):
            kwargs.setdefault("queryset", scoped_choices(db_field.related_model, request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if street_keyed(db_field.related_model):
            kwargs.setdefault("queryset", scoped_choices(db_field.related_model, request.user))
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class StreetScopedInline(admin.TabularInline):  # type: ignore[type-arg]
    """An inline whose foreign-key choices stay in the user's street."""

    extra = 0

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if street_keyed(db_field.related_model):
            kwargs.setdefault("queryset", scoped_choices(db_field.related_model, request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def street_keyed(model: type[models.Model]) -> bool:
    """Whether rows of `model` belong to a street (the Street itself included)."""
    if model is Street:
        return True
    try:
        model._meta.get_field("street")
    except FieldDoesNotExist:
        return False
    return True


def scoped_choices(model: type[models.Model], user: AnyUser) -> QuerySet[Any]:
    """The rows of a street-keyed `model` that a user may pick: those of the user's street."""
    return model._default_manager.filter(street_scope_q(user, model))
