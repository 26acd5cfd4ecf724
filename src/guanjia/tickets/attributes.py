"""Intake attributes of a service (Open311 service definition attributes), checked at intake."""

import datetime as dt
import math
from typing import Any

from django.utils.translation import gettext as _

from guanjia.catalog.models import ServiceCategory
from guanjia.core.errors import InvalidInput

DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")


def attributes_clean(category: ServiceCategory, values: dict[str, Any]) -> dict[str, Any]:
    """Return the values keyed by attribute code, checked against the category's definitions.

    Unknown codes are refused (so a typo does not silently drop what the resident said); required
    ones must be present; list values must be among the defined keys.
    """
    definitions = {a["code"]: a for a in category.attributes}
    clean: dict[str, Any] = {}
    for code in values:
        if code not in definitions:
            raise InvalidInput(
                _("Unknown attribute “%(code)s”.") % {"code": code},
                code="unknown_attribute",
                field=f"attributes.{code}",
            )
    for code, d in definitions.items():
        value = values.get(code)
        if value in (None, "", []):
            if d.get("required"):
                raise InvalidInput(
                    _("Please fill in “%(name)s”.") % {"name": d.get("description", code)},
                    code="required",
                    field=f"attributes.{code}",
                )
            continue
        clean[code] = _value_clean(d, value, f"attributes.{code}")
    return clean


def _value_clean(d: dict[str, Any], value: Any, field: str) -> Any:
    kind = d.get("datatype", "string")
    keys = {v["key"] for v in d.get("values", [])}
    bad = InvalidInput(
        _("“%(name)s” has an invalid value.") % {"name": d.get("description", d["code"])},
        code="bad_attribute",
        field=field,
    )
    if kind == "number":
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise bad from None
        if not math.isfinite(
            number
        ):  # "NaN" and "inf" parse, but JSON (and PostgreSQL) refuse them
            raise bad
        return number
    if kind == "datetime":
        try:
            return dt.datetime.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise bad from None
    if kind == "singlevaluelist":
        if str(value) not in keys:
            raise bad
        return str(value)
    if kind == "multivaluelist":
        items = value if isinstance(value, list) else [value]
        if not all(str(v) in keys for v in items):
            raise bad
        return [str(v) for v in items]
    text = str(value).strip()
    if len(text) > (2000 if kind == "text" else 200):
        raise bad
    return text
