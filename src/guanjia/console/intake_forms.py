"""Forms of the console's triage pages: confirming or discarding a draft, the paste box, and
correcting the service or place of an order triage made. They check what was typed and say what
is wrong next to the field; the rules stay in the services."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.catalog.models import ORDERABLE, ServiceCategory
from guanjia.console.forms import MAX_ID
from guanjia.org.forms import PlaceIdFields, building_and_unit_clean
from guanjia.org.models import Compound
from guanjia.tickets.models import Channel
from guanjia.triage.services import MAX_TEXT

# The paste box takes one batch at a time: enough for an evening of a busy group, small enough
# that the page answers in a second or two.
PASTE_MAX_LINES = 200
PASTE_MAX_CHARS = 20_000
PASTE_CHANNELS = (Channel.WECHAT, Channel.HOTLINE, Channel.FORM)
TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")


def _category(code: str) -> ServiceCategory:
    found = ServiceCategory.objects.filter(ORDERABLE, active=True, code=code).first()
    if found is None:
        raise forms.ValidationError(_("Choose a service from the list."))
    return found


class PlaceFields(PlaceIdFields):
    """A compound of the given street, then (optionally) one of its buildings and units."""

    def __init__(self, *args: Any, street_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.street_id = street_id

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        compound_id = data.get("compound")
        compound = (
            Compound.objects.filter(pk=compound_id, street_id=self.street_id).first()
            if compound_id
            else None
        )
        if compound is None:
            self.add_error("compound", _("Choose the compound."))
            return data
        found = building_and_unit_clean(self, compound, data)
        if found is None:
            return data
        building, unit = found
        self.place_compound, self.place_building, self.place_unit = compound, building, unit
        return data


class DraftConfirmForm(PlaceFields):
    """A draft as the dispatcher corrected it: the order to take."""

    version = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    category = forms.CharField(label=gettext_lazy("Service"), max_length=60)
    room = forms.CharField(label=gettext_lazy("Room (optional)"), required=False, max_length=20)
    contact_phone = forms.CharField(
        label=gettext_lazy("Contact phone"), required=False, max_length=30
    )
    urgent = forms.BooleanField(label=gettext_lazy("Urgent"), required=False)
    description = forms.CharField(
        label=gettext_lazy("What is wrong?"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_category(self) -> ServiceCategory:
        return _category((self.cleaned_data.get("category") or "").strip())


class DraftDiscardForm(forms.Form):
    """Not an order; optionally what the message really was (a correction to learn from)."""

    version = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    category = forms.CharField(required=False, max_length=60)

    def clean_category(self) -> str:
        code = (self.cleaned_data.get("category") or "").strip()
        if code and not ServiceCategory.objects.filter(code=code).exists():
            raise forms.ValidationError(_("Choose a service from the list."))
        return code


class ReclassifyForm(PlaceFields):
    """A dispatcher corrects the service or the place of an open order."""

    version = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    category = forms.CharField(label=gettext_lazy("Service"), max_length=60)
    room = forms.CharField(label=gettext_lazy("Room (optional)"), required=False, max_length=20)

    def clean_category(self) -> ServiceCategory:
        return _category((self.cleaned_data.get("category") or "").strip())


# The paste box --------------------------------------------------------------------------------

# What WeChat (and most chat clients) put before a copied message: a time in brackets, a date and
# time, or a bare time; then the sender's nickname and a colon (half- or full-width).
_STAMP = re.compile(
    r"^(?:\[[^\]\n]{1,40}\]|【[^】\n]{1,40}】"
    r"|\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2})?"
    r"|\d{1,2}[:：]\d{2}(?:[:：]\d{2})?(?=\s))\s*"
)
_SENDER = re.compile(r"^(?P<name>[^:：\n]{1,24}?)\s*[:：]\s*(?P<text>\S.*)$")


@dataclass(frozen=True)
class PastedLine:
    number: int  # the line number in the box, from 1
    sender: str
    text: str


def paste_lines(raw: str, *, place_names: Iterable[str] = ()) -> list[PastedLine]:
    """One message per non-empty line, with a leading time stamp and "nickname:" cut off (the
    nickname becomes the sender). A prefix that names a compound of the street ("桂花苑：5栋
    楼道灯不亮") or looks like a link is part of the message and kept."""
    names = [n for n in place_names if n]
    out = []
    for number, line in enumerate(raw.splitlines(), start=1):
        text = _STAMP.sub("", line.strip(), count=1).strip()
        if not text:
            continue
        sender = ""
        match = _SENDER.match(text)
        if match is not None:
            name = match.group("name").strip()
            is_place = any(n in name for n in names)
            is_link = match.group("text").startswith("//")
            if name and not is_place and not is_link:
                sender, text = name, match.group("text").strip()
        out.append(PastedLine(number=number, sender=sender, text=text))
    return out


def paste_token() -> str:
    return secrets.token_hex(16)


def paste_external_id(user_id: int, token: str, line: PastedLine) -> str:
    """What makes a pasted line the same message when the box is sent twice: the form's one-time
    token, the line's place in the box and its text (an edited line is a new message)."""
    digest = hashlib.sha256(f"{line.sender}\n{line.text}".encode()).hexdigest()[:16]
    return f"paste:{user_id}:{token}:{line.number}:{digest}"


class PasteForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Messages, one per line"),
        widget=forms.Textarea(attrs={"rows": 12}),
        # Checked below with a message that says the limit; the field keeps a hard ceiling.
        max_length=PASTE_MAX_CHARS * 2,
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"),
        choices=[(c.value, c.label) for c in PASTE_CHANNELS],
        initial=Channel.WECHAT,
    )
    token = forms.CharField(max_length=32, widget=forms.HiddenInput)

    lines: list[PastedLine]

    def __init__(self, *args: Any, place_names: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.place_names = list(place_names)
        self.lines = []

    def clean_token(self) -> str:
        token = self.cleaned_data.get("token") or ""
        if not TOKEN_RE.match(token):
            raise forms.ValidationError(_("The form has expired; reload the page."))
        return token

    def clean_text(self) -> str:
        raw: str = self.cleaned_data.get("text") or ""
        if len(raw) > PASTE_MAX_CHARS:
            raise forms.ValidationError(
                _("Too much at once: at most %(n)d characters; paste the rest in a second batch.")
                % {"n": PASTE_MAX_CHARS}
            )
        lines = paste_lines(raw, place_names=self.place_names)
        if not lines:
            raise forms.ValidationError(_("Paste at least one message."))
        if len(lines) > PASTE_MAX_LINES:
            raise forms.ValidationError(
                _(
                    "Too many messages at once: %(count)d, at most %(n)d; paste the rest in a "
                    "second batch."
                )
                % {"count": len(lines), "n": PASTE_MAX_LINES}
            )
        long = [line.number for line in lines if len(line.text) > MAX_TEXT]
        if long:
            raise forms.ValidationError(
                _("Line %(line)d is longer than %(n)d characters.")
                % {"line": long[0], "n": MAX_TEXT}
            )
        self.lines = lines
        return raw
