"""The address-string parser: compound by name or alias, then building, unit and room."""

import pytest

from guanjia.open311.address import (
    AddressMatch,
    CompoundNames,
    address_parse,
    compound_find,
    number_parse,
)

COMPOUNDS = [
    CompoundNames(1, "大乐园小区", ("乐园新村",)),
    CompoundNames(2, "幸福1小区"),
    CompoundNames(3, "乐园小区"),
    CompoundNames(4, "金桥花园", ("金桥",)),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", 3),
        ("12", 12),
        ("三", 3),
        ("两", 2),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("二十一", 21),
        ("九十九", 99),
        ("一百", None),
        ("十二三", None),
        ("x", None),
    ],
)
def test_numbers_in_digits_and_chinese(text: str, expected: int | None) -> None:
    assert number_parse(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("大乐园小区3幢2单元301", AddressMatch(1, 3, 2, "301")),
        ("双港街道大乐园小区3幢2单元301室", AddressMatch(1, 3, 2, "301")),
        ("大乐园小区 3号楼 2单元", AddressMatch(1, 3, 2)),
        ("大乐园 三号楼 二单元", AddressMatch(1, 3, 2)),
        ("大乐园小区十二幢三单元502室", AddressMatch(1, 12, 3, "502")),
        ("大乐园小区5栋", AddressMatch(1, 5)),
        ("大乐园小区3号2单元", AddressMatch(1, 3, 2)),
        ("大乐园小区3座", AddressMatch(1, 3)),
        ("乐园新村7幢", AddressMatch(1, 7)),  # an alias
        ("乐园新村(大乐园小区)5栋", AddressMatch(1, 5)),
        ("大乐园小区东门", AddressMatch(1)),
        ("大乐园小区2单元", AddressMatch(1, None, 2)),
        ("大乐园小区3楼", AddressMatch(1)),  # 3楼 is the third floor, not building 3
        ("大乐园小区3幢2单元-301", AddressMatch(1, 3, 2, "301")),
        ("幸福1小区12幢1单元", AddressMatch(2, 12, 1)),  # the 1 of the name is no building
        ("乐园小区4幢", AddressMatch(3, 4)),  # shorter name, no longer one contained
        ("金桥花园1幢", AddressMatch(4, 1)),
    ],
)
def test_addresses(text: str, expected: AddressMatch) -> None:
    assert address_parse(text, COMPOUNDS) == expected


def test_the_longest_name_wins_and_a_tie_between_compounds_is_no_match() -> None:
    assert compound_find("大乐园小区", COMPOUNDS) == (1, 5)
    tied = [CompoundNames(1, "东苑"), CompoundNames(2, "西苑")]
    assert compound_find("东苑西苑之间", tied) is None
    # Two names of the same compound are no tie.
    assert (
        compound_find("乐园新村大乐园", [CompoundNames(1, "大乐园小区", ("乐园新村",))]) is not None
    )


@pytest.mark.parametrize("text", ["", "   ", "某某路88号", "小区"])
def test_no_compound_is_no_match(text: str) -> None:
    assert address_parse(text, COMPOUNDS) is None


def test_a_stem_shorter_than_two_characters_is_not_a_name() -> None:
    # "A小区" would otherwise match any text with an "A" in it.
    assert address_parse("A座3幢", [CompoundNames(9, "A小区")]) is None
