"""Forms of the residents' pages. They check what a person typed and say what is wrong next to
the field; the rules on orders themselves stay in the ticket services."""

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.catalog.models import ServiceCategory
from guanjia.core.errors import GuanjiaError
from guanjia.core.phones import phone_normalize
from guanjia.org.forms import PlaceIdFields, building_and_unit_clean
from guanjia.org.models import Compound
from guanjia.tickets.photos import photo_encode, photo_read

MAX_PHOTOS = 3
# Suggestions for the public spots of a compound; anything else may be typed.
SPOT_SUGGESTIONS = ("东门", "南门", "西门", "北门", "主干道", "停车场", "垃圾房", "广场")


class PlaceForm(PlaceIdFields):
    """Where: compound, then building and unit (or a public spot of the compound)."""

    room = forms.CharField(label=gettext_lazy("Room (optional)"), required=False, max_length=20)
    spot = forms.CharField(
        label=gettext_lazy("Or a public spot (gate, road…)"), required=False, max_length=100
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        compound_id = data.get("compound")
        compound = (
            Compound.objects.select_related("street").filter(pk=compound_id).first()
            if compound_id
            else None
        )
        if compound is None:
            self.add_error("compound", _("Please choose your compound."))
            return data
        self.place_compound = compound
        found = building_and_unit_clean(self, compound, data)
        if found is None:
            return data
        building, unit = found
        if building is None and not (data.get("spot") or "").strip():
            self.add_error(
                "building", _("Please choose the building, or type a public spot below.")
            )
        if data.get("room") and unit is None:
            self.add_error("unit", _("Please choose the unit of this room."))
        self.place_building, self.place_unit = building, unit
        return data


class OrderForm(PlaceForm):
    """The last step: what is wrong, photos, how to reach the resident, and consent."""

    description = forms.CharField(
        label=gettext_lazy("What is wrong?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    contact_phone = forms.CharField(
        label=gettext_lazy("Phone number to call back"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        error_messages={"required": gettext_lazy("Please leave a phone number.")},
    )
    contact_name = forms.CharField(
        label=gettext_lazy("Whom to ask for (optional)"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    consent = forms.BooleanField(
        label=gettext_lazy("I agree that my phone number, place and photos are used as above."),
        error_messages={"required": gettext_lazy("Please tick the box to agree, or call us.")},
    )

    def __init__(self, *args: Any, category: ServiceCategory, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.category = category
        self.photos: list[bytes] = []
        # Shown next to the photo field (a file input cannot keep what was chosen).
        self.photo_errors: list[str] = []
        self.attribute_fields: list[str] = []
        for attribute in sorted(category.attributes, key=lambda a: a.get("order", 0)):
            name = f"attr_{attribute['code']}"
            self.fields[name] = _attribute_field(attribute)
            self.attribute_fields.append(name)

    def clean_contact_phone(self) -> str:
        raw = self.cleaned_data.get("contact_phone", "")
        try:
            return phone_normalize(raw)
        except GuanjiaError as e:
            raise forms.ValidationError(str(e.message)) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not (data.get("description") or "").strip() and not any(
            data.get(name) for name in self.attribute_fields
        ):
            self.add_error("description", _("Please describe the problem."))
        self._photos_clean()
        if self.photo_errors:
            # Marks the form invalid; the messages themselves are shown by the photo field.
            self.add_error(None, forms.ValidationError("", code="photos"))
        return data

    def _photos_clean(self) -> None:
        uploads = [u for u in self.files.getlist("photos") if u] if self.files else []
        if len(uploads) > MAX_PHOTOS:
            self.photo_errors.append(_("At most %(count)d photos, please.") % {"count": MAX_PHOTOS})
            return
        for index, upload in enumerate(uploads, start=1):
            try:
                data = photo_read(upload)
                photo_encode(data)  # decodes it once here, so a bad photo never makes an order
            except GuanjiaError as e:
                self.photo_errors.append(
                    _("Photo %(index)d: %(problem)s") % {"index": index, "problem": e.message}
                )
                continue
            self.photos.append(data)

    def attributes(self) -> dict[str, Any]:
        values = {}
        for name in self.attribute_fields:
            value = self.cleaned_data.get(name)
            if value not in (None, ""):
                values[name.removeprefix("attr_")] = value
        return values


def _attribute_field(attribute: dict[str, Any]) -> forms.Field:
    label = attribute.get("description") or attribute["code"]
    field = _attribute_field_of_kind(attribute, label)
    field.error_messages["required"] = _("Please fill in “%(name)s”.") % {"name": label}
    return field


def _attribute_field_of_kind(attribute: dict[str, Any], label: str) -> forms.Field:
    required = bool(attribute.get("required"))
    kind = attribute.get("datatype", "string")
    if kind in ("singlevaluelist", "multivaluelist"):
        choices = [("", _("Choose…"))] + [
            (v["key"], v["name"]) for v in attribute.get("values", [])
        ]
        return forms.ChoiceField(label=label, required=required, choices=choices)
    if kind == "datetime":
        return forms.CharField(
            label=label,
            required=required,
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        )
    if kind == "number":
        return forms.DecimalField(label=label, required=required)
    if kind == "text":
        return forms.CharField(
            label=label, required=required, max_length=2000, widget=forms.Textarea({"rows": 2})
        )
    return forms.CharField(label=label, required=required, max_length=200)


class RatingForm(forms.Form):
    STARS = [(i, str(i)) for i in range(5, 0, -1)]

    speed = forms.TypedChoiceField(
        label=gettext_lazy("Speed"), choices=STARS, coerce=int, required=False, empty_value=None
    )
    service = forms.TypedChoiceField(
        label=gettext_lazy("Attitude"), choices=STARS, coerce=int, required=False, empty_value=None
    )
    overall = forms.TypedChoiceField(
        label=gettext_lazy("Overall"),
        choices=STARS,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Please choose how many stars.")},
    )
    comment = forms.CharField(
        label=gettext_lazy("Anything to add? (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CancelForm(forms.Form):
    REASONS = [
        ("solved", gettext_lazy("It is sorted out already")),
        ("mistake", gettext_lazy("I ordered by mistake")),
        ("other", gettext_lazy("Another reason")),
    ]
    reason = forms.ChoiceField(
        label=gettext_lazy("Why do you cancel?"),
        choices=REASONS,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Please choose a reason.")},
    )
    note = forms.CharField(label=gettext_lazy("Other reason"), required=False, max_length=200)

    def reason_text(self) -> str:
        label = str(dict(self.REASONS)[self.cleaned_data["reason"]])
        note = (self.cleaned_data.get("note") or "").strip()
        return f"{label}：{note}" if note else label


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("What is still wrong?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Please tell us what is still wrong.")},
    )


class MyPhoneForm(forms.Form):
    """My orders, step 1: the phone number the orders were placed with."""

    phone = forms.CharField(
        label=gettext_lazy("Your mobile number"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        error_messages={"required": gettext_lazy("Please enter your phone number.")},
    )

    def clean_phone(self) -> str:
        try:
            return phone_normalize(self.cleaned_data.get("phone", ""))
        except GuanjiaError as e:
            raise forms.ValidationError(str(e.message)) from None


class MyCodeForm(forms.Form):
    """My orders, step 2: the six digits from the text message."""

    code = forms.CharField(
        label=gettext_lazy("The 6-digit code from the text message"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9 ]*",
            }
        ),
        error_messages={"required": gettext_lazy("Please enter the code.")},
    )

    def clean_code(self) -> str:
        code = "".join((self.cleaned_data.get("code") or "").split())
        if not (len(code) == 6 and code.isascii() and code.isdigit()):
            raise forms.ValidationError(_("The code is 6 digits."))
        return code
