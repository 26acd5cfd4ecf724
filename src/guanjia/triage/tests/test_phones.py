"""find_phone: mobiles and landlines however they are written, and nothing else."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guanjia.triage.phones import find_phone, find_phones

CHINESE_DIGITS = {
    "0": ["〇", "零"],
    "1": ["一", "幺"],
    "2": ["二", "两"],
    "3": ["三"],
    "4": ["四"],
    "5": ["五"],
    "6": ["六"],
    "7": ["七"],
    "8": ["八"],
    "9": ["九"],
}
FULL_WIDTH = {d: chr(ord(d) + 0xFEE0) for d in "0123456789"}


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("来电号码：13758706613", "13758706613"),
        ("联系电话 135 6870 2219", "13568702219"),
        ("有事打我 133-6870-1128", "13368701128"),
        ("电话138.5709.6627", "13857096627"),
        ("手机：１３８５７０９６６２７", "13857096627"),
        ("打我一三八五七〇九六六二七谢谢", "13857096627"),
        ("打我幺三八五七零九六六二七一下", "13857096627"),
        ("电话138五七〇九6627", "13857096627"),
        ("tel: +86 138 5709 6627", "13857096627"),
        ("电话0571-8765 4321", "057187654321"),
        ("电话(0571)87654321", "057187654321"),
        ("电话（0571）8765432", "05718765432"),
        ("号码010-12345678", "01012345678"),
        ("call 零五七一 八七六五 四三二一", "057187654321"),
        ("3幢2单元302室13857096627", "13857096627"),
        ("302 13857096627", "13857096627"),
        ("电话 138 57 09 66 27", "13857096627"),  # the whole run, one kind of separator
        ("电话：13857096627/13900001111", "13857096627"),
    ],
)
def test_phone_writings(text: str, digits: str) -> None:
    guess = find_phone(text)
    assert guess is not None
    assert guess.digits == digits


def test_span_and_reason() -> None:
    text = "楼道灯坏了。联系电话 135 6870 2219，谢谢"
    guess = find_phone(text)
    assert guess is not None
    assert text[guess.span[0] : guess.span[1]] == "135 6870 2219"
    assert guess.reason == "mobile after 联系电话"


@pytest.mark.parametrize(
    "text",
    [
        "5-2-301漏水",
        "3幢2单元302室",
        "1102室楼上漏水",
        "2026-11-29下午3点",
        "2026年11月29日 15:30",
        "3月3号交了1380元物业费",
        "工单号SHUANGGANG-20260525-0001",
        "快递单号 13857096627 一直没送到",
        "身份证号330106199001011234",
        "一二三四五六七八九十",
        "孩子10岁，其父今年满80周岁",
        "12345678901",
        "138570966",
        "二楼到四楼全是黑的",
    ],
)
def test_not_phones(text: str) -> None:
    assert find_phone(text) is None


def test_the_cued_number_wins() -> None:
    text = "老王13900001111昨天来过，我的电话是13857096627"
    guess = find_phone(text)
    assert guess is not None
    assert guess.digits == "13857096627"
    assert [g.digits for g in find_phones(text)] == ["13857096627", "13900001111"]


def test_without_cues_the_first_wins() -> None:
    guess = find_phone("138 5709 6627 或者 13900001111")
    assert guess is not None
    assert guess.digits == "13857096627"


mobiles = st.builds(
    lambda second, rest: "1" + second + rest,
    st.sampled_from("3456789"),
    st.text(alphabet="0123456789", min_size=9, max_size=9),
)
PREFIXES = ["联系电话：", "有事打我 ", "来电号码", "手机 ", "tel:", "麻烦回电", "", "住户说"]
SUFFIXES = ["", "，谢谢", " 陈阿姨", "。", "（手机）", "，尽快处理"]


@st.composite
def written_mobiles(draw: st.DrawFn) -> tuple[str, str]:
    """A random mobile inside a sentence, each digit Arabic, full-width or Chinese, groups split
    by random separators."""
    number = draw(mobiles)
    cuts = draw(st.sampled_from([(3, 7), (3, 6), (3,), (4, 8), ()]))
    separator = draw(st.sampled_from(["", " ", "-", ".", "  ", " - ", "—", "\u3000"]))
    parts = []
    for i, digit in enumerate(number):
        if i in cuts:
            parts.append(separator)
        style = draw(st.sampled_from(["arabic", "full", "chinese"]))
        if style == "full":
            parts.append(FULL_WIDTH[digit])
        elif style == "chinese":
            parts.append(draw(st.sampled_from(CHINESE_DIGITS[digit])))
        else:
            parts.append(digit)
    sentence = draw(st.sampled_from(["小区3幢门口灯坏了。", "楼下积水。", ""]))
    return sentence + draw(st.sampled_from(PREFIXES)) + "".join(parts) + draw(
        st.sampled_from(SUFFIXES)
    ), number


@given(written_mobiles())
def test_any_writing_of_a_mobile_is_found(case: tuple[str, str]) -> None:
    text, number = case
    guess = find_phone(text)
    assert guess is not None, text
    assert guess.digits == number, text


@given(
    st.integers(1, 30),
    st.integers(1, 6),
    st.integers(101, 2804),
    st.integers(1990, 2030),
    st.integers(1, 12),
    st.integers(1, 28),
    st.integers(0, 99999),
)
def test_addresses_dates_and_amounts_are_never_phones(
    building: int, unit: int, room: int, year: int, month: int, day: int, amount: int
) -> None:
    texts = [
        f"{building}-{unit}-{room}",
        f"{building}幢{unit}单元{room}室",
        f"{year}-{month:02d}-{day:02d} {month}:{day:02d}",
        f"{year}年{month}月{day}号",
        f"交了{amount}元 {amount}.50元",
        f"{building}-{unit}-{room} {year}.{month}.{day}",
    ]
    for text in texts:
        assert find_phone(text) is None, text


@given(st.text(alphabet="0123456789一二三四五六七八九〇幺两 -.()电话，幢室", max_size=60))
def test_whatever_is_found_is_a_phone_inside_the_text(text: str) -> None:
    for guess in find_phones(text):
        start, end = guess.span
        assert 0 <= start < end <= len(text)
        assert len(guess.digits) in (11, 12)
        assert guess.digits[0] in "01"
