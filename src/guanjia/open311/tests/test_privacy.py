"""Numbers residents type into descriptions are masked in public reads; distances are honest."""

import pytest

from guanjia.open311.documents import text_mask_personal
from guanjia.open311.places import distance_m, nearest


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("请打13812345678联系", "请打138****5678联系"),
        ("电话 138 1234 5678", "电话 138****5678"),
        ("电话138-1234-5678。", "电话138****5678。"),
        ("+86 13812345678", "138****5678"),
        ("座机0571-88885678", "座机057****5678"),
        ("座机 010 6666 1234", "座机 010****1234"),
        ("身份证330102199001011234", "身份证330****1234"),
        ("身份证33010219900101123X", "身份证330****123X"),
        ("两个号码13812345678和13987654321", "两个号码138****5678和139****4321"),
    ],
)
def test_phone_and_id_numbers_are_masked(text: str, expected: str) -> None:
    assert text_mask_personal(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "SHUANGGANG-20260525-0001 的重复单",  # an order number
        "2026-05-25 10:00 灯不亮",  # a date
        "3幢2单元301室",
        "编号123456789012345",  # a 15-digit code is not a phone
        "138123456789",  # 12 digits starting like a mobile: not a mobile
    ],
)
def test_other_numbers_are_left_alone(text: str) -> None:
    assert text_mask_personal(text) == text


def test_distances() -> None:
    # One thousandth of a degree of latitude is about 111 m anywhere.
    assert distance_m(28.25, 117.05, 28.251, 117.05) == pytest.approx(111.2, abs=0.5)
    assert distance_m(28.25, 117.05, 28.25, 117.05) == 0
    points = [(1, 28.25, 117.05), (2, 28.26, 117.06), (3, 28.30, 117.10)]
    found = nearest(points, 28.259, 117.059)
    assert found is not None and found[0] == 2 and found[1] < 200
    assert nearest([], 0, 0) is None
