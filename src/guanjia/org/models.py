"""Places: Street → Community → Compound → Building → Unit → Household.

Every row below Street carries `street` (the tenant key) so that lists filter and, at province
scale, distribute by street without joins.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class Street(models.Model):
    """A street office (街道): the tenant. `code` is short, stable and unique (`shuanggang`)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    # The 24-hour service hotline residents call (shown on the residents' pages).
    hotline = models.CharField(_("service hotline"), max_length=30, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("street")
        verbose_name_plural = _("streets")
        ordering = ["code"]
        constraints = [
            # Ticket numbers upper-case the code, so "sg" and "SG" would collide there.
            models.CheckConstraint(
                condition=models.Q(code=Lower("code")), name="street_code_lower"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Community(models.Model):
    """A community (社区) or village (村) under a street."""

    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="communities")
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["street", "name"]
        constraints = [
            models.UniqueConstraint(fields=["street", "name"], name="community_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Compound(models.Model):
    """A residential compound (小区), the place residents name first."""

    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="compounds")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="compounds")
    name = models.CharField(_("name"), max_length=100)
    aliases = models.JSONField(_("aliases"), default=list, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    households = models.PositiveIntegerField(_("number of households"), default=0)

    class Meta:
        verbose_name = _("compound")
        verbose_name_plural = _("compounds")
        ordering = ["street", "name"]
        constraints = [
            models.UniqueConstraint(fields=["street", "name"], name="compound_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Building(models.Model):
    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="+")
    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="buildings")
    name = models.CharField(_("name"), max_length=50)
    # Position among the compound's buildings, so "10幢" sorts after "9幢".
    sort_key = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["compound", "sort_key", "name"]
        constraints = [
            models.UniqueConstraint(fields=["compound", "name"], name="building_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.compound.name}{self.name}"


class Unit(models.Model):
    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="+")
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="units")
    name = models.CharField(_("name"), max_length=50)
    sort_key = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["building", "sort_key", "name"]
        constraints = [
            models.UniqueConstraint(fields=["building", "name"], name="unit_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Household(models.Model):
    """A dwelling: a room in a unit. Residents belong to one."""

    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="+")
    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="households")
    room = models.CharField(_("room"), max_length=20)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [
            models.UniqueConstraint(fields=["unit", "room"], name="household_unique_room"),
        ]

    def __str__(self) -> str:
        return f"{self.unit.building}{self.unit.name}{self.room}"


class Department(models.Model):
    """A government department or unit that matters can be assigned to (交办)."""

    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="departments")
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.UniqueConstraint(fields=["street", "name"], name="department_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class DepartmentMember(models.Model):
    """A user working in a department. The head (负责人) receives the matters assigned to it.

    Membership says who belongs where; what a member may handle still comes from their
    StaffProfile skills (the department categories), as for any handler.
    """

    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="department_memberships"
    )
    is_head = models.BooleanField(_("head of department"), default=False)

    class Meta:
        verbose_name = _("department member")
        verbose_name_plural = _("department members")
        constraints = [
            models.UniqueConstraint(fields=["department", "user"], name="department_member_unique"),
            # One head per department: matters go to exactly one person.
            models.UniqueConstraint(
                fields=["department"],
                condition=models.Q(is_head=True),
                name="department_one_head",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department}: {self.user}"
