"""Forms of the console. They check what was typed and say what is wrong next to the field; the
rules on orders stay in the ticket services."""

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.catalog.models import ORDERABLE, ServiceCategory
from guanjia.console import followup
from guanjia.core.forms import MAX_ID as MAX_ID  # the console's pages import it from here
from guanjia.resident.forms import PlaceForm
from guanjia.tickets.models import Channel

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
    # Typed, with the catalog as suggestions (a datalist): 楼道 finds 楼道灯/公共照明.
    category = forms.CharField(label=gettext_lazy("Service"), max_length=100)
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

    def clean_category(self) -> ServiceCategory:
        """The service typed: its code, its name (Chinese or English), or the one active service
        whose name contains what was typed."""
        text = (self.cleaned_data.get("category") or "").strip()
        active = ServiceCategory.objects.filter(ORDERABLE, active=True)
        found = active.filter(Q(code=text) | Q(name=text) | Q(name_en__iexact=text)).first()
        if found is None and text:
            matches = list(active.filter(Q(name__icontains=text) | Q(name_en__icontains=text))[:2])
            found = matches[0] if len(matches) == 1 else None
        if found is None:
            raise forms.ValidationError(_("Choose a service from the list."))
        return found

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


class FollowUpForm(forms.Form):
    """One call-back's outcome from the 回访 list; the rating only when the resident was reached."""

    version = forms.IntegerField(min_value=1, max_value=MAX_ID)
    outcome = forms.ChoiceField(choices=[(k, v) for k, v in followup.OUTCOMES.items()])
    overall = forms.IntegerField(
        label=gettext_lazy("Overall"), required=False, min_value=1, max_value=5
    )
    comment = forms.CharField(
        label=gettext_lazy("What the resident said"), required=False, max_length=500
    )
