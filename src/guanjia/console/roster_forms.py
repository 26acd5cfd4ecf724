"""Forms of the duty roster (排班). They check what was typed; the rules on shifts, leave and
covers stay in people.services."""

from typing import TYPE_CHECKING

from django import forms
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from guanjia.console.forms import MAX_ID
from guanjia.people.services import REASON_MAX

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

WEEKDAY_CHOICES = [(str(i), WEEKDAYS[i]) for i in range(7)]


def _staff_field(label: "StrOrPromise") -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=1, max_value=MAX_ID)


class WeekForm(forms.Form):
    week = forms.DateField(required=False, input_formats=["%Y-%m-%d"])


class ShiftForm(forms.Form):
    staff = _staff_field(_("Staff"))
    weekday = forms.TypedChoiceField(label=_("Day"), choices=WEEKDAY_CHOICES, coerce=int)
    start = forms.TimeField(label=_("From"), input_formats=["%H:%M"])
    end = forms.TimeField(label=_("Until"), input_formats=["%H:%M"])


class LeaveForm(forms.Form):
    staff = _staff_field(_("Staff"))
    start = forms.DateField(label=_("First day"), input_formats=["%Y-%m-%d"])
    end = forms.DateField(label=_("Last day"), input_formats=["%Y-%m-%d"])
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX)


class CoverForm(forms.Form):
    staff = _staff_field(_("Whose shift"))
    day = forms.DateField(label=_("Day"), input_formats=["%Y-%m-%d"])
    substitute = _staff_field(_("Covered by"))
    reason = forms.CharField(label=_("Reason (optional)"), max_length=REASON_MAX, required=False)
