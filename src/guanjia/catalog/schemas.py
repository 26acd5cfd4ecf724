"""Shapes of the service catalog in the JSON API."""

from decimal import Decimal
from typing import Any

from ninja import Field, Schema


class AttributeValue(Schema):
    key: str
    name: str


class Attribute(Schema):
    """An intake attribute, shaped like an Open311 service definition attribute."""

    code: str
    description: str = ""
    datatype: str = "string"
    required: bool = False
    order: int = 0
    values: list[AttributeValue] = []


class ServiceOut(Schema):
    code: str
    name: str
    name_en: str
    description: str
    group: str
    group_label: str
    frequency: str
    dispatch_mode: str = Field(description="assign, grab (抢单) or rotate")
    handler_kind: str = Field(description="staff, vendor or desk")
    site_visit: bool
    life_safety: bool
    after_photo_required: bool
    accept_minutes: int
    arrive_minutes: int | None = Field(description="null where there is no site visit")
    resolve_minutes: int
    fee: Decimal
    fee_note: str
    attributes: list[Attribute]


def attributes_out(raw: list[dict[str, Any]]) -> list[Attribute]:
    return [Attribute(**{k: v for k, v in a.items() if k in Attribute.model_fields}) for a in raw]
