"""Routing data: who is dedicated to what (专人负责制), and when the street dispatches by itself."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanjia.catalog.models import ServiceCategory
from guanjia.org.models import Compound, Street
from guanjia.people.selectors import DEFAULT_WORKLOAD_CAP


class DispatchRule(models.Model):
    """专人负责制: a category's dedicated handler in a compound (or, without one, in every compound
    of the street), with a backup for when the primary is off duty or full."""

    street = models.ForeignKey(Street, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(
        ServiceCategory, on_delete=models.CASCADE, related_name="+", verbose_name=_("service")
    )
    compound = models.ForeignKey(
        Compound,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("compound"),
        help_text=_("Empty: every compound of the street."),
    )
    primary = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("primary handler"),
    )
    backup = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("backup handler"),
    )

    class Meta:
        verbose_name = _("dedicated handler rule")
        verbose_name_plural = _("dedicated handler rules")
        ordering = ["street", "category", "compound"]
        constraints = [
            models.UniqueConstraint(
                fields=["street", "category", "compound"], name="dispatchrule_unique_compound"
            ),
            models.UniqueConstraint(
                fields=["street", "category"],
                condition=models.Q(compound__isnull=True),
                name="dispatchrule_unique_street",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} → {self.primary}"


class AutoDispatch(models.TextChoices):
    OFF = "off", _("Off: the dispatcher assigns")
    ALWAYS = "always", _("Always")
    OUTSIDE_HOURS = "outside_hours", _("Outside the dispatcher's hours")


class StreetDispatchSettings(models.Model):
    """How a street dispatches new orders. No row means auto-dispatch off and the default cap."""

    street = models.OneToOneField(Street, on_delete=models.CASCADE, related_name="dispatch")
    mode = models.CharField(
        _("auto-dispatch"), max_length=20, choices=AutoDispatch.choices, default=AutoDispatch.OFF
    )
    # The dispatcher's desk hours (local time); `end` before `start` runs past midnight.
    dispatcher_start = models.TimeField(_("dispatcher from"), default=dt.time(8, 0))
    dispatcher_end = models.TimeField(_("dispatcher until"), default=dt.time(18, 0))
    workload_cap = models.PositiveSmallIntegerField(
        _("workload cap"),
        default=DEFAULT_WORKLOAD_CAP,
        help_text=_("Open orders beyond which a worker is not assigned automatically."),
    )

    class Meta:
        verbose_name = _("street dispatch settings")
        verbose_name_plural = _("street dispatch settings")

    def __str__(self) -> str:
        return str(self.street)

    def dispatcher_at_desk(self, local_time: dt.time) -> bool:
        start, end = self.dispatcher_start, self.dispatcher_end
        if start <= end:
            return start <= local_time < end
        return local_time >= start or local_time < end
