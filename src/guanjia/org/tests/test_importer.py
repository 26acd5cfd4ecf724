"""The pure file parser: no database needed."""

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from guanjia.core.errors import InvalidInput
from guanjia.org import importer
from guanjia.org.importer import (
    BuildingSpec,
    CommunitySpec,
    CompoundSpec,
    StreetSpec,
    org_file_parse,
    org_file_read,
    org_streets_from_dict,
    place_sort_key,
    street_code_base,
    streets_check,
)
from guanjia.org.models import Building, Community, Compound, Street, Unit

DATA = Path(__file__).parent / "data"
HEADER = "街道,街道编码,社区,小区,别名,楼栋,单元,经度,纬度\n"


def errors_of(exc_info: pytest.ExceptionInfo[InvalidInput]) -> list[str]:
    return list(exc_info.value.extra["errors"])


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def test_limits_mirror_the_model_fields() -> None:
    def limit(model: type, name: str = "name") -> int | None:
        return model._meta.get_field(name).max_length  # type: ignore[attr-defined]

    assert limit(Street) == importer.MAX_STREET_NAME
    assert limit(Street, "code") == importer.MAX_STREET_CODE
    assert limit(Community) == importer.MAX_COMMUNITY_NAME
    assert limit(Compound) == importer.MAX_COMPOUND_NAME
    assert limit(Building) == importer.MAX_BUILDING_NAME
    assert limit(Unit) == importer.MAX_UNIT_NAME
    assert Compound._meta.get_field("latitude").decimal_places == 6  # type: ignore[union-attr]


# --- JSON ------------------------------------------------------------------------------------


def test_json_file_reads_into_specs() -> None:
    [street] = org_file_read(DATA / "org-hubin.json")

    assert street.name == "湖滨街道"
    assert street.code is None
    assert [c.name for c in street.communities] == ["东坡路社区", "青年路社区"]
    dongpo, liulang = street.communities[0].compounds
    assert dongpo.aliases == ["东坡", "东坡小区"]
    assert (dongpo.latitude, dongpo.longitude) == (Decimal("30.256800"), Decimal("120.165200"))
    assert dongpo.households == 320
    assert [b.name for b in dongpo.buildings] == ["1幢", "10幢", "9幢"]
    assert dongpo.buildings[1].units == ["1单元", "2单元", "3单元"]
    # lat/lng spellings and coordinates written as strings are accepted.
    assert (liulang.latitude, liulang.longitude) == (Decimal("30.251234"), Decimal("120.158765"))
    assert liulang.households is None
    assert street.communities[1].compounds[0].aliases == []


def test_dict_in_json_shape_reads_like_the_file() -> None:
    streets = org_streets_from_dict(
        {
            "street": "双港街道",
            "code": "shuanggang",
            "communities": [
                {
                    "name": "双港社区",
                    "compounds": [
                        {
                            "name": "大乐园小区",
                            "aliases": ["大乐园", "大乐园", "大乐园小区", " "],
                            "lon": 117.05,
                            "lat": 28.25,
                            "buildings": [
                                {"name": "1幢", "units": ["1单元", 2, {"name": "3单元"}]}
                            ],
                        }
                    ],
                }
            ],
        }
    )

    [street] = streets
    assert street.code == "shuanggang"
    compound = street.communities[0].compounds[0]
    # Repeats, blanks and the compound's own name are not aliases.
    assert compound.aliases == ["大乐园"]
    assert compound.longitude == Decimal("117.050000")
    assert compound.buildings[0].units == ["1单元", "2", "3单元"]


def test_json_may_hold_several_streets() -> None:
    streets = org_streets_from_dict(
        {"streets": [{"street": "望江街道", "code": "wangjiang"}, {"name": "清波街道"}]}
    )
    assert [(s.name, s.code) for s in streets] == [("望江街道", "wangjiang"), ("清波街道", None)]

    streets = org_streets_from_dict([{"street": "望江街道"}, {"street": "清波街道"}])
    assert [s.name for s in streets] == ["望江街道", "清波街道"]


def test_unreadable_json_names_line_and_column() -> None:
    with pytest.raises(InvalidInput) as exc_info:
        org_file_read(DATA / "org-broken.json")

    [error] = errors_of(exc_info)
    assert error.startswith("line 5, column ")
    assert "unreadable JSON" in error


def test_invalid_json_lists_every_problem_with_its_path() -> None:
    with pytest.raises(InvalidInput) as exc_info:
        org_file_read(DATA / "org-invalid.json")

    errors = errors_of(exc_info)
    places = [e.split(": ", 1)[0] for e in errors]
    assert places == [
        "code",
        "communities[0].compounds[0].latitude",
        "communities[0].compounds[0].longitude",
        "communities[0].compounds[0].buildings[0].units[1]",
        "communities[0].compounds[0].buildings[1].name",
        "communities[0].compounds[0].buildings[2].name",
        "communities[0].compounds[1].name",
        "communities[1].name",
    ]
    assert "out of range" in errors[1]
    assert "not a number" in errors[2]
    assert "duplicate unit 1单元" in errors[3]
    assert "duplicate building 1幢" in errors[4]
    assert "a name is required" in errors[5]
    assert "duplicate compound 东坡新村" in errors[6]
    assert "org-invalid.json" in str(exc_info.value)


def test_json_checks_types_and_lengths() -> None:
    with pytest.raises(InvalidInput) as exc_info:
        org_streets_from_dict(
            {
                "street": "街" * 101,
                "communities": [
                    {
                        "name": "社区",
                        "compounds": [
                            {"name": ["not text"], "buildings": "1幢"},
                            {"name": "小区", "latitude": 30, "households": -3},
                            "a string",
                        ],
                    }
                ],
            }
        )

    errors = errors_of(exc_info)
    assert errors[0].startswith("street: too long: 101 characters, at most 100")
    assert errors[1].startswith("communities[0].compounds[0].name: must be text")
    assert errors[2].startswith("communities[0].compounds[0].buildings: must be a list")
    assert errors[3].startswith("communities[0].compounds[1]: give both latitude and longitude")
    assert errors[4].startswith("communities[0].compounds[1].households: households must be")
    assert errors[5].startswith("communities[0].compounds[2]: must be an object")
    assert len(errors) == 6


def test_json_that_is_not_a_street() -> None:
    with pytest.raises(InvalidInput) as exc_info:
        org_streets_from_dict({"communities": []})
    assert errors_of(exc_info) == ["street: a street name is required."]


def test_the_same_street_twice_in_a_file_is_refused() -> None:
    with pytest.raises(InvalidInput) as exc_info:
        org_streets_from_dict([{"street": "清波街道"}, {"street": "清波街道"}])
    assert errors_of(exc_info) == ["清波街道: this street appears twice in the file."]


# --- CSV -------------------------------------------------------------------------------------


def test_csv_with_bom_and_two_streets() -> None:
    wangjiang, qingbo = org_file_read(DATA / "org-two-streets.csv")

    assert (wangjiang.name, wangjiang.code) == ("望江街道", "wangjiang")
    assert [c.name for c in wangjiang.communities] == ["近江社区", "始版桥社区"]
    jinjiang = wangjiang.communities[0].compounds[0]
    # Aliases of every row of the compound, split on 、 , and ，.
    assert jinjiang.aliases == ["近江", "江家园", "江苑", "近江一区"]
    assert (jinjiang.longitude, jinjiang.latitude) == (Decimal("120.183210"), Decimal("30.236540"))
    assert [(b.name, b.units) for b in jinjiang.buildings] == [
        ("1幢", ["1单元", "2单元"]),
        ("2幢", ["1单元"]),
    ]
    assert (qingbo.name, qingbo.code) == ("清波街道", None)
    assert qingbo.communities[0].compounds[0].aliases == ["清波", "清波门"]


def test_csv_in_gb18030_as_excel_saves_it(tmp_path: Path) -> None:
    text = HEADER + "清波街道,,清波门社区,清波公寓,,1幢,1单元,,\n"
    path = write(tmp_path, "gbk.csv", text.encode("gb18030"))

    [street] = org_file_read(path)
    assert street.communities[0].compounds[0].buildings[0].units == ["1单元"]


def test_csv_without_required_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "org.csv", "街道,小区,单元\n清波街道,清波公寓,1单元\n")

    with pytest.raises(InvalidInput) as exc_info:
        org_file_read(path)
    [error] = errors_of(exc_info)
    assert error.startswith("row 1: missing column(s): 社区、楼栋")


def test_csv_errors_name_row_and_column(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "org.csv",
        HEADER
        + "清波街道,,清波门社区,清波公寓,,1幢,1单元,200,30\n"  # row 2: longitude out of range
        + "清波街道,,清波门社区,,,1幢,1单元,,\n"  # row 3: no compound
        + "清波街道,,清波门社区,清波公寓,,1幢,1单元,,\n"  # row 4: fine
        + "清波街道,,清波门社区,清波公寓,,1幢,1单元,,\n"  # row 5: same unit again
        + "清波街道,,涌金社区,清波公寓,,2幢,1单元,,\n"  # row 6: compound in two communities
        + "清波街道,,清波门社区,清波公寓,,,2单元,,\n"  # row 7: unit without building
        + "清波街道,Qing Bo,清波门社区,清波公寓,,1幢,3单元,abc,30\n",  # row 8
    )

    with pytest.raises(InvalidInput) as exc_info:
        org_file_read(path)
    assert errors_of(exc_info) == [
        "row 2, column 经度: out of range: 200 is not between -180 and 180.",
        "row 3, column 小区: a name is required.",
        "row 5, column 单元: duplicate unit 1单元 in 清波公寓 1幢.",
        "row 6, column 社区: duplicate compound 清波公寓 in this street: "
        "it is in community 清波门社区 at row 4.",
        "row 7, column 楼栋: a unit needs a building.",
        "row 8, column 街道编码: invalid street code 'Qing Bo': use at most 40 lowercase "
        "letters, digits, hyphens or underscores.",
        "row 8, column 经度: not a number: 'abc'.",
    ]


def test_csv_rows_of_one_compound_must_agree(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "org.csv",
        HEADER
        + "清波街道,qingbo,清波门社区,清波公寓,,1幢,1单元,120.1,30.1\n"
        + "清波街道,qingbo,清波门社区,清波公寓,,1幢,2单元,120.2,30.1\n"
        + "清波街道,other,清波门社区,清波公寓,,1幢,3单元,,\n"
        + "涌金街道,qingbo,涌金社区,涌金小区,,1幢,1单元,,30.1\n",
    )

    with pytest.raises(InvalidInput) as exc_info:
        org_file_read(path)
    assert errors_of(exc_info) == [
        "row 3, column 经度: coordinates differ from row 2 for the same compound.",
        "row 4, column 街道编码: street 清波街道 has code qingbo at row 2.",
        "row 5: give both latitude and longitude, or neither.",
    ]


def test_blank_rows_are_skipped_and_empty_sheets_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "org.csv", HEADER + ",,,,,,,,\n\n清波街道,,清波门社区,清波公寓,,,,,\n")
    [street] = org_file_read(path)
    assert street.communities[0].compounds[0].buildings == []

    with pytest.raises(InvalidInput) as exc_info:
        org_file_read(write(tmp_path, "header-only.csv", HEADER))
    assert errors_of(exc_info) == ["The file holds no rows after the header."]

    with pytest.raises(InvalidInput) as exc_info:
        org_file_read(write(tmp_path, "empty.csv", ""))
    assert errors_of(exc_info) == ["The file is empty."]


# --- XLSX ------------------------------------------------------------------------------------


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_with_numbers_typed_as_numbers(tmp_path: Path) -> None:
    header = ["街道", "街道编码", "社区", "小区", "别名", "楼栋", "单元", "经度", "纬度", "户数"]
    path = write(
        tmp_path,
        "org.xlsx",
        xlsx_bytes(
            [
                header,
                [
                    "南星街道",
                    None,
                    "馒头山社区",
                    "馒头山小区",
                    "馒头山",
                    "1幢",
                    1,
                    120.1701,
                    30.2302,
                    86,
                ],
                ["南星街道", None, "馒头山社区", "馒头山小区", None, "1幢", 2.0, None, None, None],
                ["南星街道", None, "馒头山社区", "馒头山小区", None, 2, "1单元", None, None, None],
            ]
        ),
    )

    [street] = org_file_read(path)
    compound = street.communities[0].compounds[0]
    assert compound.aliases == ["馒头山"]
    assert (compound.longitude, compound.latitude) == (Decimal("120.170100"), Decimal("30.230200"))
    assert compound.households == 86
    assert [(b.name, b.units) for b in compound.buildings] == [
        ("1幢", ["1", "2"]),
        ("2", ["1单元"]),
    ]


def test_xlsx_errors_name_row_and_column(tmp_path: Path) -> None:
    header = ["街道", "社区", "小区", "楼栋", "单元", "纬度", "经度"]
    path = write(
        tmp_path,
        "org.xlsx",
        xlsx_bytes([header, ["南星街道", "馒头山社区", "馒头山小区", "1幢", "1单元", 95, 120]]),
    )
    with pytest.raises(InvalidInput) as exc_info:
        org_file_read(path)
    assert errors_of(exc_info) == [
        "row 2, column 纬度: out of range: 95 is not between -90 and 90."
    ]


def test_a_broken_xlsx_is_an_error_not_a_crash(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as exc_info:
        org_file_read(write(tmp_path, "org.xlsx", b"not a zip file"))
    assert errors_of(exc_info)[0].startswith("unreadable XLSX file")


# --- files -----------------------------------------------------------------------------------


def test_unknown_file_type_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as exc_info:
        org_file_read(write(tmp_path, "org.xls", b""))
    assert errors_of(exc_info) == ["org.xls: unknown file type '.xls': use .json, .csv or .xlsx."]

    with pytest.raises(InvalidInput) as exc_info:
        org_file_read(tmp_path / "missing.json")
    assert "cannot read the file" in errors_of(exc_info)[0]


def test_parse_keeps_the_source() -> None:
    org_file = org_file_parse(DATA / "org-hubin.json")
    assert org_file.source.endswith("org-hubin.json")
    assert len(org_file.streets) == 1


# --- sort keys, codes, specs built in code ---------------------------------------------------


@pytest.mark.parametrize(
    ("name", "position", "expected"),
    [
        ("1幢", 5, 1),
        ("10幢", 1, 10),
        ("A区3栋", 1, 3),
        ("三单元", 1, 3),
        ("十二幢", 1, 12),
        ("二十一幢", 1, 21),
        ("一百零五号楼", 1, 105),
        ("东楼", 2, 2),
        ("99999999999幢", 1, 2_147_483_647),
    ],
)
def test_place_sort_key(name: str, position: int, expected: int) -> None:
    assert place_sort_key(name, position) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("双港街道", "sg"),
        ("湖滨街道", "hb"),
        ("城关镇", "cg"),
        ("沙河乡", "sh"),
        ("街道", "jd"),  # only a suffix: keep it rather than nothing
        ("CBD街道", "cbd"),
        ("·", "street"),
    ],
)
def test_street_code_base(name: str, expected: str) -> None:
    assert street_code_base(name) == expected


def test_streets_check_guards_specs_built_in_code() -> None:
    compound = CompoundSpec(
        name="小区",
        latitude=Decimal("91"),
        buildings=[BuildingSpec("1幢", ["1单元", "1单元"]), BuildingSpec("1幢")],
    )
    street = StreetSpec(
        name="湖滨街道",
        communities=[
            CommunitySpec("社区", [compound]),
            CommunitySpec("社区", [CompoundSpec("小区")]),
        ],
    )

    assert streets_check([street]) == [
        "湖滨街道 › 小区: out of range: 91 is not between -90 and 90.",
        "湖滨街道 › 小区: give both latitude and longitude, or neither.",
        "湖滨街道 › 小区 › 1幢 › 1单元: duplicate unit 1单元.",
        "湖滨街道 › 小区 › 1幢: duplicate building 1幢.",
        "湖滨街道 › 社区: duplicate community 社区.",
        "湖滨街道 › 小区: duplicate compound 小区 in this street.",
    ]


def test_xlsx_with_a_street_per_sheet_and_an_instructions_sheet(tmp_path: Path) -> None:
    workbook = Workbook()
    notes = workbook.active
    assert notes is not None
    notes.title = "填写说明"
    notes.append(["每行一个单元，经纬度可留空。"])
    header = ["街道", "社区", "小区", "楼栋", "单元", "经度", "纬度"]
    wangjiang = workbook.create_sheet("望江")
    wangjiang.append(header)
    wangjiang.append(["望江街道", "近江社区", "近江家园", "1幢", "1单元", 120.18, 30.23])
    qingbo = workbook.create_sheet("清波")
    qingbo.append(header)
    qingbo.append(["清波街道", "清波门社区", "清波公寓", "1幢", "1单元", None, None])
    qingbo.append(["清波街道", "清波门社区", "清波公寓", "1幢", "1单元", None, None])
    path = tmp_path / "org.xlsx"
    workbook.save(path)

    with pytest.raises(InvalidInput) as exc_info:
        org_file_read(path)
    # With several sheets of rows, a place names its sheet.
    assert errors_of(exc_info) == [
        "sheet 清波, row 3, column 单元: duplicate unit 1单元 in 清波公寓 1幢."
    ]

    qingbo.delete_rows(3)
    workbook.save(path)
    assert [s.name for s in org_file_read(path)] == ["望江街道", "清波街道"]
