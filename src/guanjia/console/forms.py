"""Forms of the console. They check what was typed and say what is wrong next to the field; the
rules on orders stay in the ticket services."""

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from guanjia.catalog.models import ServiceCategory
from guanjia.resident.forms import PlaceForm
from guanjia.tickets.models import Channel

MAX_ID = 2**63 - 1
# The channels an operator takes orders from; the others are systems, not people.
ENTRY_CHANNELS = (Channel.HOTLINE, Channel.WECHAT, Channel.FORM, Channel.PATROL)


class QueueFilterForm(forms.Form):
    compound = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    category = forms.CharField(required=False, max_length=60)
    status = forms.CharField(required=False, max_length=20)
    overdue = forms.BooleanField(required=False)


class ActionForm(forms.Form):
    """Every console action posts the version it saw; each action reads the fields it needs."""

    version = forms.IntegerField(min_value=1, max_value=MAX_ID)
    assignee = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    reason = forms.CharField(required=False, max_length=500)
    note = forms.CharField(required=False, max_length=500)
    original = forms.CharField(required=False, max_length=60)
    deadline = forms.DateTimeField(
        required=False, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    overall = forms.IntegerField(required=False, min_value=1, max_value=5)
    speed = forms.IntegerField(required=False, min_value=1, max_value=5)
    service = forms.IntegerField(required=False, min_value=1, max_value=5)
    comment = forms.CharField(required=False, max_length=500)

    def clean_deadline(self) -> dt.datetime | None:
        value: dt.datetime | None = self.cleaned_data.get("deadline")
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value


class OrderEntryForm(PlaceForm):
    """An order taken on the phone: who calls, what, where. The place checks are the residents'
    form's own (compound, then building and unit, or a public spot)."""

    phone = forms.CharField(label=gettext_lazy("Caller's phone"), required=False, max_length=30)
    contact_name = forms.CharField(
        label=gettext_lazy("Contact name"), required=False, max_length=50
    )
    category = forms.ModelChoiceField(
        label=gettext_lazy("Service"),
        queryset=ServiceCategory.objects.filter(active=True).order_by("sort_order", "code"),
        to_field_name="code",
        empty_label=gettext_lazy("Choose…"),
    )
    description = forms.CharField(
        label=gettext_lazy("What is wrong?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    urgent = forms.BooleanField(label=gettext_lazy("Urgent"), required=False)
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"),
        choices=[(c.value, c.label) for c in ENTRY_CHANNELS],
        initial=Channel.HOTLINE,
    )
    # The duplicates shown were for this place and service: a second submit with the same
    # key saves anyway; a changed place or service is checked again.
    confirm = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def duplicate_key(self) -> str:
        data: dict[str, Any] = self.cleaned_data
        category = data.get("category")
        return ":".join(
            str(x)
            for x in (
                data.get("compound") or "",
                data.get("building") or "",
                category.code if category else "",
            )
        )
