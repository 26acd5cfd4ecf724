"""Normalisation keeps offsets; Chinese numerals read as numbers."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guanjia.triage.text import chinese_number, normalise


def test_full_width_digits_letters_and_punctuation_become_half_width() -> None:
    assert normalise("１３８－５７０９　６６２７") == "138-5709 6627"
    assert normalise("３＃楼（０５７１）ＴＥＬ：") == "3#楼(0571)tel:"
    assert normalise("电话，联系：") == "电话,联系:"


def test_dashes_and_spaces_are_unified_one_for_one() -> None:
    assert normalise("5—2–301") == "5-2-301"
    assert normalise("a\t\u3000b\nc") == "a  b c"


def test_chinese_text_and_its_punctuation_stay() -> None:
    text = "青石新村三幢。《通知》、一二三〇"
    assert normalise(text) == text


@given(st.text())
def test_normalise_keeps_the_length(text: str) -> None:
    assert len(normalise(text)) == len(text)


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("一", 1),
        ("九", 9),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("二十三", 23),
        ("九十九", 99),
        ("两", 2),
        ("幺", 1),
        ("〇", 0),
        ("零", 0),
        ("12", 12),
        ("三百零二", 302),
        ("一百一十", 110),
    ],
)
def test_chinese_number_reads_small_numbers(written: str, value: int) -> None:
    assert chinese_number(written) == value


@pytest.mark.parametrize("written", ["", "一三八", "十十", "百", "三百十", "楼", "二十幺", "3a"])
def test_chinese_number_refuses_what_is_not_a_number(written: str) -> None:
    assert chinese_number(written) is None


def test_every_number_up_to_99_reads_back() -> None:
    digits = "一二三四五六七八九"
    for n in range(1, 100):
        tens, units = divmod(n, 10)
        written = ("" if tens < 2 else digits[tens - 1]) + ("十" if tens else "")
        written += digits[units - 1] if units else ""
        assert chinese_number(written) == n, written
