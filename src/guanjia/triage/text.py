"""Text normalisation for free-text intake, and Chinese numerals.

`normalise` maps character for character (the result has the same length as the input), so a span
found in the normalised text indexes the original message too: the extractors search the
normalised text and report spans the caller can mask in the original.
"""

from __future__ import annotations

import re

# Everything that is a dash in a phone number or a "5-2-301" address.
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d\u30fc\u2500"
# Whitespace of any kind becomes one plain space (one for one: runs are not collapsed, which
# would move every later offset; the extractors accept runs of spaces instead).
_SPACES = (
    "\t\n\r\v\f\u00a0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def _build_table() -> dict[int, str]:
    table: dict[int, str] = {}
    # Full-width ASCII (！ to ～) to half-width: digits, letters, ＃, （）, ：，… The meaning of
    # Chinese punctuation survives (，→ , and ：→ :), and 。、「」 are not in this block.
    for code in range(0xFF01, 0xFF5F):
        table[code] = chr(code - 0xFEE0)
    for ch in _DASHES:
        table[ord(ch)] = "-"
    for ch in _SPACES:
        table[ord(ch)] = " "
    table[0x00B7] = "."  # middle dot, sometimes used between digit groups
    table[0x30FB] = "."
    for code in range(ord("A"), ord("Z") + 1):
        table[code] = chr(code + 32)
    for code in range(ord("Ａ"), ord("Ｚ") + 1):
        table[code] = chr(code - 0xFEE0 + 32)
    return table


_TABLE = _build_table()
_CHARS = {chr(code): value for code, value in _TABLE.items()}
# str.translate walks every character in Python-level lookups for non-ASCII text; a regular
# expression that only stops at the few characters to change is several times faster.
_TO_CHANGE = re.compile("[" + "".join(re.escape(ch) for ch in sorted(_CHARS)) + "]")


def normalise(text: str) -> str:
    """Half-width digits, letters and punctuation, one kind of dash and space, ASCII lower case.

    The result has exactly the same length as `text`: index i of the result is character i of
    the input, normalised.
    """
    return _TO_CHANGE.sub(lambda match: _CHARS[match.group()], text)


# Digits as one writes them in a phone number, one character per digit.
DIGIT_CHARS: dict[str, str] = {
    "〇": "0",
    "零": "0",
    "○": "0",
    "一": "1",
    "幺": "1",
    "二": "2",
    "两": "2",
    "三": "3",
    "四": "4",
    "五": "5",
    "六": "6",
    "七": "7",
    "八": "8",
    "九": "9",
}
for _d in "0123456789":
    DIGIT_CHARS[_d] = _d
del _d

_UNITS = {
    "一": 1,
    "幺": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_ZEROS = "〇零○"
_NUMERAL_RE = re.compile(
    r"^(?:(?P<h>[一二两三四五六七八九])百(?:(?P<hz>[〇零])?)?)?"
    r"(?:(?P<t>[一二三四五六七八九])?(?P<ten>十))?"
    r"(?P<u>[一幺二两三四五六七八九])?$"
)


def chinese_number(s: str) -> int | None:
    """The value of a small number written in Arabic digits or Chinese numerals, or None.

    Accepts 0–999: "12", "十二", "二十三", "十", "两", "幺", "〇"/"零", "三百零二", "一百一十".
    A digit-by-digit reading ("一三八") is not a number here; phones.py reads those.
    """
    s = s.strip()
    if not s:
        return None
    if s.isascii() and s.isdigit():
        return int(s)
    if s in _ZEROS:
        return 0
    match = _NUMERAL_RE.match(s)
    if match is None:
        return None
    hundreds, zero, tens_digit, ten, unit = (
        match["h"],
        match["hz"],
        match["t"],
        match["ten"],
        match["u"],
    )
    if not (hundreds or ten or unit):
        return None
    value = 0
    if hundreds:
        value += _UNITS[hundreds] * 100
    if ten:
        if zero:
            return None  # "三百零十" is not a number
        value += (_UNITS[tens_digit] if tens_digit else 1) * 10
    elif zero and not unit:
        return None
    if hundreds and ten and not tens_digit:
        return None  # "三百十" — one writes 三百一十
    if unit:
        if unit == "幺" and (hundreds or ten):
            return None
        value += _UNITS[unit]
    if hundreds and not ten and unit and not zero:
        return None  # "三百二" means 320 colloquially; too ambiguous for a room or building
    return value
