import datetime as dt
from typing import Literal

from ninja import Field, Schema


class IntakeMessageIn(Schema):
    text: str = Field(
        min_length=1,
        max_length=2000,
        description="the message as it arrived",
        examples=["@物业 桂花苑5幢2单元楼道灯又不亮了"],
    )
    channel: Literal["wechat", "hotline", "form", "api"] = Field(
        description="where it came from: a WeChat group, a hotline summary, a form, a system"
    )
    sender: str = Field("", max_length=100, description="who sent it (a nickname or a number)")
    received_at: dt.datetime | None = Field(
        None, description="when it arrived, with a time zone; default now"
    )
    street: str | None = Field(
        None,
        max_length=20,
        description="the street's code; needed only by accounts that work in several streets",
    )


class TriageOut(Schema):
    category: str
    confidence: float
    urgent: bool
    compound: str | None
    building: str | None
    unit: str | None
    room: str | None
    phone: str | None = Field(description="masked unless the caller may see full numbers")
    reasons: dict[str, str]


class IntakeOut(Schema):
    kind: Literal["order", "draft", "joined"] = Field(
        description="order: created (and dispatched as any order); draft: waits for a "
        "dispatcher; joined: the same place and problem as an open order"
    )
    message: int = Field(description="the message's id")
    ticket: str | None = Field(description="the order's number (order, joined), else null")
    triage: TriageOut
