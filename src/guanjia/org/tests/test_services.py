"""org_import: creates, updates, never duplicates or deletes, all or nothing."""

import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from guanjia.core.errors import Conflict, InvalidInput
from guanjia.org.importer import (
    BuildingSpec,
    CommunitySpec,
    CompoundSpec,
    StreetSpec,
    org_file_parse,
    org_file_read,
    org_streets_from_dict,
)
from guanjia.org.models import Building, Community, Compound, Department, Household, Street, Unit
from guanjia.org.services import org_import
from guanjia.testing import factories as f

DATA = Path(__file__).parent / "data"
ORG_MODELS = (Street, Community, Compound, Building, Unit, Household, Department)


def org_rows() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in ORG_MODELS}


def counts(report: dict[str, Any], key: str) -> tuple[int, int, int, int]:
    c = report[key]
    return c["created"], c["updated"], c["unchanged"], c["kept"]


def hubin() -> dict[str, Any]:
    import json

    data: dict[str, Any] = json.loads((DATA / "org-hubin.json").read_text("utf-8"))
    return data


def test_import_creates_a_chinese_street_with_a_generated_code(db: None) -> None:
    report = org_import(org_file_parse(DATA / "org-hubin.json")).as_dict()

    assert report["street"] == {"code": "hb", "name": "湖滨街道", "created": True, "updated": False}
    assert counts(report, "communities") == (2, 0, 0, 0)
    assert counts(report, "compounds") == (3, 0, 0, 0)
    assert counts(report, "buildings") == (6, 0, 0, 0)
    assert counts(report, "units") == (11, 0, 0, 0)

    street = Street.objects.get(code="hb")
    dongpo = Compound.objects.get(street=street, name="东坡新村")
    assert dongpo.community.name == "东坡路社区"
    assert dongpo.aliases == ["东坡", "东坡小区"]
    assert (dongpo.latitude, dongpo.longitude) == (Decimal("30.256800"), Decimal("120.165200"))
    assert dongpo.households == 320
    # "10幢" after "9幢", whatever the order in the file; 一/二单元 read as numbers.
    assert list(dongpo.buildings.values_list("name", flat=True)) == ["1幢", "9幢", "10幢"]
    nine = dongpo.buildings.get(name="9幢")
    assert list(nine.units.values_list("name", "sort_key")) == [("一单元", 1), ("二单元", 2)]
    # Buildings without a number keep their order in the file.
    liulang = Compound.objects.get(name="柳浪苑")
    assert list(liulang.buildings.values_list("name", "sort_key")) == [("东楼", 1), ("西楼", 2)]
    assert liulang.households == 0
    # Every row carries its street, the tenant key.
    assert not Unit.objects.exclude(street=street).exists()
    assert not Building.objects.exclude(street=street).exists()


def test_reimport_finds_the_street_by_name_and_changes_nothing(db: None) -> None:
    org_import(org_file_read(DATA / "org-hubin.json"))
    before = org_rows()

    report = org_import(org_file_read(DATA / "org-hubin.json")).as_dict()

    assert org_rows() == before
    assert report["street"] == {
        "code": "hb",
        "name": "湖滨街道",
        "created": False,
        "updated": False,
    }
    assert counts(report, "communities") == (0, 0, 2, 0)
    assert counts(report, "compounds") == (0, 0, 3, 0)
    assert counts(report, "buildings") == (0, 0, 6, 0)
    assert counts(report, "units") == (0, 0, 11, 0)


def test_reimport_updates_what_changed_and_keeps_what_is_missing(db: None) -> None:
    org_import(org_streets_from_dict(hubin()))
    data = hubin()
    dongpo_road, youth_road = data["communities"]
    dongpo, liulang = dongpo_road["compounds"]
    dongpo["aliases"] = ["东坡"]
    dongpo["households"] = 330
    liulang["lat"], liulang["lng"] = 30.26, 120.17
    # 柳浪苑 moves to 青年路社区; the file forgets 青年路12号院 and one unit of 东坡新村 1幢.
    dongpo_road["compounds"] = [dongpo]
    youth_road["compounds"] = [liulang]
    dongpo["buildings"][0]["units"] = ["2单元"]
    # A unit without a number changes position: its sort key follows.
    liulang["buildings"][0]["units"] = ["甲单元", "1单元"]

    report = org_import(org_streets_from_dict(data)).as_dict()

    assert counts(report, "communities") == (0, 0, 2, 0)
    assert counts(report, "compounds") == (0, 2, 0, 1)
    assert counts(report, "buildings") == (0, 0, 5, 1)
    assert counts(report, "units") == (1, 0, 8, 3)
    dongpo_row = Compound.objects.get(name="东坡新村")
    assert (dongpo_row.aliases, dongpo_row.households) == (["东坡"], 330)
    liulang_row = Compound.objects.get(name="柳浪苑")
    assert liulang_row.community.name == "青年路社区"
    assert (liulang_row.latitude, liulang_row.longitude) == (Decimal("30.26"), Decimal("120.17"))
    # Nothing is deleted.
    assert Compound.objects.filter(name="青年路12号院").exists()
    assert Unit.objects.filter(building__compound=dongpo_row, building__name="1幢").count() == 2
    units = Unit.objects.filter(building__compound=liulang_row, building__name="东楼")
    assert set(units.values_list("name", "sort_key")) == {("甲单元", 1), ("1单元", 1)}

    # Units whose position changed get a new sort key: counted as updated.
    liulang["buildings"][0]["units"] = ["1单元", "乙单元", "甲单元"]
    report = org_import(org_streets_from_dict(data)).as_dict()
    assert counts(report, "units") == (1, 1, 8, 3)
    assert Unit.objects.get(building__compound=liulang_row, name="甲单元").sort_key == 3


def test_missing_attributes_keep_what_the_database_has(db: None) -> None:
    org_import(org_streets_from_dict(hubin()))
    data = hubin()
    dongpo = data["communities"][0]["compounds"][0]
    for key in ("aliases", "latitude", "longitude", "households"):
        del dongpo[key]

    report = org_import(org_streets_from_dict(data)).as_dict()

    assert counts(report, "compounds") == (0, 0, 3, 0)
    row = Compound.objects.get(name="东坡新村")
    assert (row.aliases, row.households, row.latitude) == (
        ["东坡", "东坡小区"],
        320,
        Decimal("30.2568"),
    )


def test_generated_code_avoids_another_streets_code(db: None) -> None:
    # 红北街道 would be "hb" too: the new street gets a suffix, not the other street's rows.
    f.StreetFactory(code="hb", name="红北街道")
    f.StreetFactory(code="hb-2", name="黄埠镇")

    report = org_import(org_file_read(DATA / "org-hubin.json")).as_dict()

    assert report["street"]["code"] == "hb-3"
    assert report["street"]["created"] is True
    assert Street.objects.get(code="hb").name == "红北街道"
    # A second import finds 湖滨街道 by its name again.
    assert org_import(org_file_read(DATA / "org-hubin.json")).as_dict()["street"]["code"] == "hb-3"
    assert Street.objects.filter(name="湖滨街道").count() == 1


def test_streets_of_one_file_get_distinct_generated_codes(db: None) -> None:
    report = org_import(
        org_streets_from_dict(
            [{"street": "红北街道"}, {"street": "黄埠镇"}, {"street": "湖滨街道"}]
        )
    ).as_dict()

    assert [s["code"] for s in report["streets"]] == ["hb", "hb-2", "hb-3"]
    assert "street" not in report  # several streets: the list only


def test_a_code_decides_over_the_name(db: None) -> None:
    f.StreetFactory(code="hubin", name="湖滨街道办")
    data = hubin()
    data["code"] = "hubin"

    report = org_import(org_streets_from_dict(data)).as_dict()

    assert report["street"] == {
        "code": "hubin",
        "name": "湖滨街道",
        "created": False,
        "updated": True,
    }
    assert Street.objects.get(code="hubin").name == "湖滨街道"

    # An unknown code is a new street, even beside a namesake (城关镇 is in many counties).
    data["code"] = "hubin-xihu"
    report = org_import(org_streets_from_dict(data)).as_dict()
    assert report["street"]["created"] is True
    assert Street.objects.filter(name="湖滨街道").count() == 2

    # Now the name alone cannot tell them apart.
    del data["code"]
    with pytest.raises(InvalidInput) as exc_info:
        org_import(org_streets_from_dict(data))
    assert exc_info.value.code == "ambiguous_street"
    assert "hubin, hubin-xihu" in str(exc_info.value)


def test_street_code_argument_overrides_the_file(db: None) -> None:
    report = org_import(org_file_parse(DATA / "org-hubin.json"), street_code="HuBin").as_dict()
    assert report["street"]["code"] == "hubin"

    with pytest.raises(InvalidInput):
        org_import(org_file_parse(DATA / "org-hubin.json"), street_code="hu bin")
    with pytest.raises(InvalidInput) as exc_info:
        org_import(org_file_parse(DATA / "org-two-streets.csv"), street_code="x")
    assert exc_info.value.field == "street_code"


def test_csv_with_two_streets(db: None) -> None:
    report = org_import(org_file_parse(DATA / "org-two-streets.csv")).as_dict()

    assert [(s["code"], s["name"], s["created"]) for s in report["streets"]] == [
        ("wangjiang", "望江街道", True),
        ("qb", "清波街道", True),
    ]
    # Counts are summed over the streets.
    assert counts(report, "compounds") == (3, 0, 0, 0)
    assert counts(report, "units") == (6, 0, 0, 0)
    assert report["streets"][0]["units"]["created"] == 4


def test_a_failure_leaves_nothing_behind(db: None) -> None:
    f.StreetFactory(code="qb-a", name="清波街道")
    f.StreetFactory(code="qb-b", name="清波街道")
    before = org_rows()

    # The first street would import; the second is ambiguous: neither is written.
    with pytest.raises(InvalidInput):
        org_import(org_streets_from_dict([hubin(), {"street": "清波街道"}]))

    assert org_rows() == before


def test_specs_built_in_code_are_checked_and_accept_floats(db: None) -> None:
    street = StreetSpec(
        name="南星街道",
        code="nanxing",
        communities=[
            CommunitySpec(
                "馒头山社区",
                [
                    CompoundSpec(
                        "馒头山小区",
                        latitude=30.2302,  # type: ignore[arg-type]
                        longitude=120.1701,  # type: ignore[arg-type]
                        buildings=[BuildingSpec("1幢", ["1单元"])],
                    )
                ],
            )
        ],
    )
    org_import([street])
    assert Compound.objects.get(name="馒头山小区").latitude == Decimal("30.2302")

    street.communities.append(CommunitySpec("其他社区", [CompoundSpec("馒头山小区")]))
    with pytest.raises(InvalidInput) as exc_info:
        org_import([street])
    assert exc_info.value.extra["errors"] == [
        "南星街道 › 馒头山小区: duplicate compound 馒头山小区 in this street."
    ]


def big_street(compounds: int, buildings: int, units: int) -> dict[str, Any]:
    return {
        "street": "双港街道",
        "code": "shuanggang",
        "communities": [
            {
                "name": f"第{c}社区",
                "compounds": [
                    {
                        "name": f"第{c}-{k}小区",
                        "aliases": [f"{c}-{k}"],
                        "latitude": 28.25 + k / 1000,
                        "longitude": 117.05,
                        "buildings": [
                            {"name": f"{b}幢", "units": [f"{u}单元" for u in range(1, units + 1)]}
                            for b in range(1, buildings + 1)
                        ],
                    }
                    for k in range(compounds // 4)
                ],
            }
            for c in range(4)
        ],
    }


def queries_for(data: dict[str, Any]) -> tuple[int, int]:
    """(inserts, other queries) of one import."""
    with CaptureQueriesContext(connection) as ctx:
        org_import(org_streets_from_dict(data))
    inserts = sum(1 for q in ctx.captured_queries if q["sql"].lstrip().startswith("INSERT"))
    return inserts, len(ctx.captured_queries) - inserts


def test_queries_do_not_grow_with_the_street(db: None) -> None:
    """A few queries per level, not per row (timings are in the report, not asserted here)."""
    small_inserts, small_others = queries_for(big_street(4, 2, 2))
    Street.objects.filter(code="shuanggang").update(code="small")
    large_inserts, large_others = queries_for(big_street(40, 10, 3))

    assert Unit.objects.filter(street__code="shuanggang").count() == 1200
    assert large_others == small_others <= 12
    # bulk_create splits a large insert into batches (SQLite binds at most 999 parameters):
    # 1,200 units of 4 columns take 5 batches, 400 buildings 2.
    assert small_inserts == 5
    assert large_inserts <= 5 + 4 + 1

    # A re-import with every compound changed is one bulk update.
    data = big_street(40, 10, 3)
    for community in data["communities"]:
        for compound in community["compounds"]:
            compound["households"] = 100
    with CaptureQueriesContext(connection) as ctx:
        report = org_import(org_streets_from_dict(data)).as_dict()
    assert counts(report, "compounds") == (0, 40, 0, 0)
    assert len(ctx.captured_queries) <= small_others + 1


def test_unchanged_reimport_writes_nothing(db: None) -> None:
    data = big_street(8, 3, 2)
    org_import(org_streets_from_dict(data))
    with CaptureQueriesContext(connection) as ctx:
        org_import(org_streets_from_dict(copy.deepcopy(data)))
    writes = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []


def test_backends_that_return_no_ids_from_bulk_inserts(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite before 3.35 (still in some LTS distributions) leaves pk unset after bulk_create.
    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)

    report = org_import(org_file_read(DATA / "org-hubin.json")).as_dict()

    assert counts(report, "units") == (11, 0, 0, 0)
    nine = Building.objects.get(compound__name="东坡新村", name="9幢")
    assert nine.units.count() == 2


def test_a_failure_while_writing_rolls_everything_back(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    f.StreetFactory(code="other", name="其他街道")
    before = org_rows()

    def unit_insert_fails(*args: Any, **kwargs: Any) -> None:
        # What a concurrent import of the same new street looks like on PostgreSQL.
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(Unit.objects, "bulk_create", unit_insert_fails)
    with pytest.raises(Conflict) as exc_info:
        org_import(org_file_parse(DATA / "org-hubin.json"))

    assert exc_info.value.code == "org_import_conflict"
    # The street, communities, compounds and buildings written before the units are gone too.
    assert org_rows() == before


def test_street_codes_are_lower_case_in_the_database(db):
    """Ticket numbers upper-case the code: "sg" and "SG" must not both exist."""
    from django.db import IntegrityError, transaction

    from guanjia.org.models import Street

    with pytest.raises(IntegrityError), transaction.atomic():
        Street.objects.create(code="SG", name="大写街道")
