"""Forms of the workers' pages: they read what was posted; the services decide."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from guanjia.tickets.models import PhotoKind
from guanjia.tickets.services import MAX_REASON
from guanjia.workbench.selectors import HANDLER_ACTIONS

NOTE_MAX = 300
MATERIALS_MAX = 150


class ActionForm(forms.Form):
    """One move: its name, the version the worker saw, and the words that go with it."""

    action = forms.ChoiceField(choices=[(a, a) for a in HANDLER_ACTIONS])
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=MAX_REASON, widget=forms.Textarea
    )
    note = forms.CharField(
        label=_("Note (optional)"), required=False, max_length=NOTE_MAX, widget=forms.Textarea
    )
    materials = forms.CharField(
        label=_("Materials used (optional)"), required=False, max_length=MATERIALS_MAX
    )
    back = forms.ChoiceField(choices=[("task", "task"), ("home", "home")], required=False)

    def event_note(self) -> str:
        """The resolve event's note: the worker's note, then the materials used."""
        note = self.cleaned_data.get("note", "").strip()
        materials = self.cleaned_data.get("materials", "").strip()
        if materials:
            line = gettext("Materials: %(materials)s") % {"materials": materials}
            note = f"{note}\n{line}" if note else line
        return note


class PhotoForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Which photo"),
        choices=[(PhotoKind.BEFORE, _("Before the work")), (PhotoKind.AFTER, _("After the work"))],
        widget=forms.RadioSelect,
        initial=PhotoKind.AFTER,
    )
    photo = forms.FileField(label=_("Photo"))
