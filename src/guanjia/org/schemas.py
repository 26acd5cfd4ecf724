"""Shapes of places in the JSON API."""

from decimal import Decimal

from ninja import Field, Schema

from guanjia.core.inputs import Input


class PlaceRef(Schema):
    id: int
    name: str


class CompoundOut(Schema):
    id: int
    name: str
    aliases: list[str]
    street: str = Field(description="the street's code")
    community: str
    latitude: Decimal | None
    longitude: Decimal | None
    households: int


class CompoundPage(Schema):
    items: list[CompoundOut]
    next_cursor: str | None = Field(
        description="pass as `cursor` for the next page; null on the last page"
    )


class CompoundFilters(Input):
    street: str | None = Field(None, max_length=40, description="a street code")
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(100, ge=1, le=500)


class BuildingOut(Schema):
    id: int
    name: str
    compound_id: int


class UnitOut(Schema):
    id: int
    name: str
    building_id: int
