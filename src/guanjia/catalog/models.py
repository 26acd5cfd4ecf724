"""The service catalog: what residents can order and how each kind of order is handled."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceGroup(models.TextChoices):
    # 三有: basic public services, free.
    SECURITY = "security", _("Disorder? Security is here")
    REPAIR = "repair", _("Broken? Repairs are here")
    CLEANING = "cleaning", _("Dirty? Cleaning is here")
    # 三管: personal services, may be paid.
    HOUSEKEEPING = "housekeeping", _("Housekeeping taken care of")
    CARE = "care", _("Elder and child care taken care of")
    HOME_REPAIR = "home_repair", _("Small repairs taken care of")
    OTHER = "other", _("Other")
    GOVERNMENT = "government", _("Department matters")  # 交办 and 一件事, not shown to residents


class Frequency(models.TextChoices):
    HIGH = "high", _("High frequency")
    LOW = "low", _("Low frequency")


class DispatchMode(models.TextChoices):
    ASSIGN = "assign", _("Assigned")  # 指派: a dispatcher or the engine picks the handler
    GRAB = "grab", _("Grab pool")  # 抢单: qualified workers take it from a pool
    ROTATE = "rotate", _("Rotation")  # 轮派: rotated over the staff on duty


class HandlerKind(models.TextChoices):
    STAFF = "staff", _("Dedicated staff")
    VENDOR = "vendor", _("Contracted vendor")
    DESK = "desk", _("Service desk")  # answered by the dispatcher/operator, no site visit
    # A government department (交办, 一件事): assigned by a leader, never ordered by residents.
    DEPARTMENT = "department", _("Department")


# Categories residents (forms, hotline, Open311) may order: not the departments' matters.
ORDERABLE = ~models.Q(handler_kind=HandlerKind.DEPARTMENT)


class FollowUp(models.TextChoices):
    NONE = "none", _("No call-back")
    SAMPLE = "sample", _("Call back a sample")
    ALL = "all", _("Call back every order")


class SlaCalendar(models.TextChoices):
    # Mirrors guanjia.sla.calendar: 24x7 counts every minute; working counts working hours only.
    ALWAYS = "24x7", _("Around the clock")
    WORKING = "working", _("Working hours")


class ServiceCategory(models.Model):
    """One orderable service. `code` is a stable identifier (also the Open311 service_code).

    The catalog is shared by all streets of a deployment: a district runs one catalog so that its
    figures compare (docs/adr/0003-one-catalog-per-deployment.md).
    """

    code = models.CharField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    group = models.CharField(_("group"), max_length=20, choices=ServiceGroup.choices)
    frequency = models.CharField(
        _("frequency"), max_length=10, choices=Frequency.choices, default=Frequency.HIGH
    )
    dispatch_mode = models.CharField(
        _("dispatch mode"), max_length=10, choices=DispatchMode.choices, default=DispatchMode.ASSIGN
    )
    handler_kind = models.CharField(
        _("handled by"), max_length=10, choices=HandlerKind.choices, default=HandlerKind.STAFF
    )
    site_visit = models.BooleanField(_("needs a site visit"), default=True)
    life_safety = models.BooleanField(_("life safety"), default=False)
    after_photo_required = models.BooleanField(_("after-photo required"), default=False)
    accept_minutes = models.PositiveIntegerField(_("minutes to accept"), default=30)
    arrive_minutes = models.PositiveIntegerField(_("minutes to arrive"), default=120)
    resolve_minutes = models.PositiveIntegerField(_("minutes to resolve"), default=1440)
    # What the minutes above count: every minute, or working minutes of the street's calendar.
    calendar = models.CharField(
        _("SLA calendar"), max_length=10, choices=SlaCalendar.choices, default=SlaCalendar.ALWAYS
    )
    fee = models.DecimalField(_("fee (yuan)"), max_digits=8, decimal_places=2, default=0)
    fee_note = models.CharField(_("fee note"), max_length=200, blank=True)
    follow_up = models.CharField(
        _("follow-up policy"), max_length=10, choices=FollowUp.choices, default=FollowUp.SAMPLE
    )
    # Intake attributes, shaped like Open311 service definition attributes:
    # [{"code", "description", "datatype", "required", "order", "values": [{"key", "name"}]}]
    attributes = models.JSONField(_("intake attributes"), default=list, blank=True)
    keywords = models.CharField(_("keywords"), max_length=300, blank=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_personal(self) -> bool:
        return self.group in {
            ServiceGroup.HOUSEKEEPING,
            ServiceGroup.CARE,
            ServiceGroup.HOME_REPAIR,
        }
