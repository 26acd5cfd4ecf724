"""People: accounts, residents known by phone, staff and vendors."""

import datetime as dt

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanjia.catalog.models import ServiceCategory
from guanjia.core.phones import phone_mask
from guanjia.org.models import Compound, Household, Street


class User(AbstractUser):
    """An account. `street` scopes it to one street office; null means every street (district).

    What a user may do comes from permissions granted through role groups
    (people/roles.py), never from checks on role names.
    """

    street = models.ForeignKey(
        Street, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta(AbstractUser.Meta):  # type: ignore[name-defined]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username


class Resident(models.Model):
    """A resident known by phone within a street. Orders link here, not to accounts."""

    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="residents")
    phone = models.CharField(_("phone"), max_length=20)
    name = models.CharField(_("person's name"), max_length=50, blank=True)
    household = models.ForeignKey(
        Household, on_delete=models.SET_NULL, null=True, blank=True, related_name="residents"
    )
    user = models.OneToOneField(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="resident"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        constraints = [
            models.UniqueConstraint(fields=["street", "phone"], name="resident_unique_phone"),
        ]

    def __str__(self) -> str:
        # De-identified (GB/T 35273 §7.2): titles, logs and links show no name and no full number.
        return phone_mask(self.phone)


class Vendor(models.Model):
    """A contracted company that bought-in services (家政, 助老, 防水…) are ordered from."""

    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="vendors")
    name = models.CharField(_("name"), max_length=100)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    categories = models.ManyToManyField(
        ServiceCategory, related_name="vendors", blank=True, verbose_name=_("categories")
    )
    contract_start = models.DateField(_("contract start"), null=True, blank=True)
    contract_end = models.DateField(_("contract end"), null=True, blank=True)
    # Minutes the contract allows to arrive on site; overrides the category when shorter.
    contract_arrive_minutes = models.PositiveIntegerField(
        _("contract minutes to arrive"), null=True, blank=True
    )
    prices = models.JSONField(_("prices"), default=dict, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("vendor")
        verbose_name_plural = _("vendors")
        constraints = [
            models.UniqueConstraint(fields=["street", "name"], name="vendor_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def under_contract(self, day: dt.date) -> bool:
        if not self.active:
            return False
        if self.contract_start and day < self.contract_start:
            return False
        return not (self.contract_end and day > self.contract_end)


class StaffProfile(models.Model):
    """What a handler (worker or vendor account) can do and where: skills, compounds, base."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="staff")
    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="staff")
    title = models.CharField(_("title"), max_length=50, blank=True)  # 电工, 保安, 维修工
    vendor = models.ForeignKey(
        Vendor, on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    skills = models.ManyToManyField(
        ServiceCategory, related_name="staff", blank=True, verbose_name=_("skills")
    )
    compounds = models.ManyToManyField(
        Compound, related_name="staff", blank=True, verbose_name=_("compounds served")
    )
    # Where the handler starts from (the service center), for distance ranking.
    base_latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    base_longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return str(self.user)


class Shift(models.Model):
    """A weekly on-duty window. `end` before `start` means the shift runs past midnight."""

    staff = models.ForeignKey(StaffProfile, on_delete=models.CASCADE, related_name="shifts")
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), choices=[(i, str(i + 1)) for i in range(7)]
    )
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["staff", "weekday", "start"]


class ApiKey(models.Model):
    """A key for `Authorization: Bearer <key>`. The key itself is shown once and never stored:
    only its SHA-256 (the key is random, so no salt is needed) and its first characters, so that
    a listing can say which key is which.

    A key acts as its `user`, so the one permission layer (roles, streets, ticket scope) governs
    keys too. `street` narrows a district-level user to one street; null means the user's own
    scope.
    """

    PREFIX_LENGTH = 8

    name = models.CharField(_("name"), max_length=100, unique=True)
    prefix = models.CharField(_("prefix"), max_length=PREFIX_LENGTH, db_index=True)
    hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_keys", verbose_name=_("user")
    )
    street = models.ForeignKey(
        Street,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("street"),
    )
    created_at = models.DateTimeField(_("created at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Leave(models.Model):
    """请假: a staff member off duty from `start` to `end`, both days included.

    A shift belongs to the day it starts: leave on a day takes away the shifts that start on it,
    a night shift's hours after midnight included. Written through people.services.leave_create.
    """

    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(
        StaffProfile, on_delete=models.CASCADE, related_name="leaves", verbose_name=_("staff")
    )
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    reason = models.CharField(_("reason"), max_length=200)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("leave")
        verbose_name_plural = _("leave")
        ordering = ["start", "staff"]
        indexes = [models.Index(fields=["staff", "end"], name="leave_staff_end")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")), name="leave_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.start}–{self.end}"


class Cover(models.Model):
    """顶班: on `day`, `substitute` works the shifts `staff` has on that weekday, in their place.

    While the cover stands the substitute is on duty in those hours and `staff` is not. Written
    through people.services.cover_create.
    """

    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(
        StaffProfile, on_delete=models.CASCADE, related_name="covered", verbose_name=_("staff")
    )
    substitute = models.ForeignKey(
        StaffProfile, on_delete=models.CASCADE, related_name="covers", verbose_name=_("covered by")
    )
    day = models.DateField(_("day"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("cover")
        verbose_name_plural = _("covers")
        ordering = ["day", "staff"]
        indexes = [models.Index(fields=["substitute", "day"], name="cover_substitute_day")]
        constraints = [
            models.UniqueConstraint(fields=["staff", "day"], name="cover_one_per_day"),
            models.CheckConstraint(
                condition=~models.Q(substitute=models.F("staff")), name="cover_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.staff} → {self.substitute}"
