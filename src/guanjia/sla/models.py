"""Working calendars as the admin edits them; sla/calendar.py does the arithmetic."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanjia.org.models import Street
from guanjia.sla.calendar import DEFAULT_HOURS, hours_parse


def _default_hours() -> list[list[str]]:
    return [[a.strftime("%H:%M"), b.strftime("%H:%M")] for a, b in DEFAULT_HOURS]


class WorkCalendar(models.Model):
    """The working time of a street (or, with no street, of every street without its own)."""

    street = models.OneToOneField(
        Street,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="work_calendar",
        verbose_name=_("street"),
        help_text=_("Leave empty for the calendar of every street without its own."),
    )
    name = models.CharField(_("name"), max_length=100)
    hours = models.JSONField(
        _("working hours"),
        default=_default_hours,
        help_text=_(
            'Working periods of a working day, e.g. [["08:30", "12:00"], ["13:30", "17:30"]].'
        ),
    )

    class Meta:
        verbose_name = _("working calendar")
        verbose_name_plural = _("working calendars")
        # Several defaults: the first one counts (sla/selectors.py).
        ordering = ["street_id", "pk"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            hours_parse(self.hours)
        except ValueError as e:
            raise ValidationError({"hours": str(e)}) from e


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday")  # a day off, usually a weekday
    WORKDAY = "workday", _("Make-up working day")  # 调休: a weekend day worked


class CalendarDay(models.Model):
    """One exception to the Monday–Friday week: a public holiday or a make-up working day."""

    calendar = models.ForeignKey(WorkCalendar, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=DayKind.choices)
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["calendar", "date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="calendar_day_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"
