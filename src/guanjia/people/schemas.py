"""Shapes of people in the JSON API."""

from ninja import Field, Schema

from guanjia.core.inputs import Input


class StreetOut(Schema):
    code: str
    name: str


class MeOut(Schema):
    username: str
    display_name: str
    roles: list[str]
    street: StreetOut | None = Field(description="null: every street (district level)")
    is_staff: bool
    is_superuser: bool
    permissions: list[str]


class StaffFilters(Input):
    category: str | None = Field(
        None, max_length=60, description="only handlers qualified for this service code"
    )


class StaffOut(Schema):
    username: str
    display_name: str
    title: str
    street: str
    vendor: str | None = Field(description="the vendor's name for a vendor's member")
    skills: list[str] = Field(
        description="service codes it handles: a staff member's skills, a vendor's contract"
    )
    on_duty: bool
    open_workload: int = Field(description="open orders assigned now")
