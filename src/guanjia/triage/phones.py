"""Find the caller's phone number in a free-text message.

A number is a run of digits — Arabic, full-width or Chinese (一三八五七〇九…, 幺 for 1, 〇/零
for 0) — with spaces, dashes, dots or brackets between groups. Inside a run, every way of joining
whole groups is tried; what forms an 11-digit mobile (1[3-9]…) or a landline with its area code
(010/02x + 8 digits, 0xxx + 7–8 digits) is a candidate. An Arabic group is never split, so a room
number, a date, an amount, a ticket number or "5-2-301" never becomes a phone: they are too short
or too long. Chinese numerals are read one character per digit, so a candidate may start or end
inside them ("打我一三八…二七一下").

When there are several candidates, the one after a cue (电话, 手机, 联系, 打我, tel, …) wins, then
one standing on its own between separators, then the first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from guanjia.triage.text import DIGIT_CHARS, normalise

# Cues that announce a phone number; the longest is tried first so the reason names it whole.
PHONE_CUES: tuple[str, ...] = (
    "来电号码",
    "联系电话",
    "联系方式",
    "手机号码",
    "电话号码",
    "手机号",
    "电话",
    "手机",
    "号码",
    "联系",
    "打我",
    "回电",
    "致电",
    "拨打",
    "电联",
    "打给",
    "tel",
    "call",
    "phone",
    "mobile",
)
# Cues that announce some other number (a ticket, a parcel, an identity card).
OTHER_NUMBER_CUES: tuple[str, ...] = (
    "工单",
    "单号",
    "编号",
    "订单",
    "快递",
    "运单",
    "身份证",
    "卡号",
    "账号",
    "户号",
    "车牌",
    "no.",
)
_CUE_WINDOW = 12  # characters before a number in which a cue counts
_AFTER_WINDOW = 4  # characters after a number: "138…（手机）"

_DIGIT_CLASS = "".join(sorted(DIGIT_CHARS))
_SEPARATORS = " -.()/_+"
_RUN_RE = re.compile(
    rf"[{re.escape(_DIGIT_CLASS)}](?:[{re.escape(_SEPARATORS)}]{{0,3}}[{re.escape(_DIGIT_CLASS)}])*"
)
_GROUP_RE = re.compile(r"[0-9]+|[^0-9]")
_MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE_RE = re.compile(r"0(?:[12][0-9][0-9]{8}|[3-9][0-9]{2}[0-9]{7,8})")
_CUE_RE = re.compile("|".join(re.escape(c) for c in PHONE_CUES))
_OTHER_RE = re.compile("|".join(re.escape(c) for c in OTHER_NUMBER_CUES))


@dataclass(frozen=True)
class PhoneGuess:
    """A phone number found in a message: its digits, where it was written, and why we think so."""

    digits: str
    span: tuple[int, int]
    reason: str


@dataclass(frozen=True)
class _Group:
    digits: str
    start: int
    end: int
    chinese: bool
    separated_before: bool
    separated_after: bool


def _groups(norm: str, start: int, end: int) -> list[_Group]:
    """The digit groups of one run: whole Arabic numbers, and single Chinese numerals."""
    raw: list[tuple[str, int, int, bool]] = []
    pos = start
    while pos < end:
        ch = norm[pos]
        if "0" <= ch <= "9":
            stop = pos
            while stop < end and "0" <= norm[stop] <= "9":
                stop += 1
            raw.append((norm[pos:stop], pos, stop, False))
            pos = stop
        elif ch in DIGIT_CHARS:
            raw.append((DIGIT_CHARS[ch], pos, pos + 1, True))
            pos += 1
        else:
            pos += 1  # a separator
    groups = []
    for i, (digits, g_start, g_end, chinese) in enumerate(raw):
        before = i == 0 or raw[i - 1][2] < g_start
        after = i == len(raw) - 1 or raw[i + 1][1] > g_end
        groups.append(_Group(digits, g_start, g_end, chinese, before, after))
    return groups


def _kind(digits: str) -> str | None:
    if _MOBILE_RE.fullmatch(digits):
        return "mobile"
    if _LANDLINE_RE.fullmatch(digits):
        return "landline"
    return None


def _plausible(norm: str, groups: list[_Group], whole_run: bool) -> bool:
    """Whether joined groups look like one number written in parts: 138 5709 6627, 0571-8765 4321,
    (0571)87654321, 1 3 8 …, and not a room, a date and a time side by side ("300 1990.1.10").

    The separators are all alike, except the first (after the area code or the first three
    digits). Short Arabic groups (one or two digits) only come glued to Chinese numerals, in a
    number spelt digit by digit, or when the groups are the whole run (138 57 09 66 27).
    """
    if len(groups) == 1:
        return True
    separators = [
        norm[a.end : b.start].replace(" ", "") or " "
        for a, b in pairwise(groups)
        if b.start > a.end
    ]
    kinds = {sep for sep in separators[1:] if "(" not in sep and ")" not in sep}
    if len(kinds) > 1:
        return False
    if whole_run and len(set(separators)) <= 1:
        return True
    arabic = [g for g in groups if not g.chinese]
    spelt_out = all(len(g.digits) == 1 for g in arabic)
    for k, group in enumerate(groups):
        if group.chinese or len(group.digits) >= 3 or spelt_out:
            continue
        glued_before = k > 0 and not group.separated_before
        glued_after = k < len(groups) - 1 and not group.separated_after
        if not (glued_before or glued_after):
            return False
    return True


def _cue_before(norm: str, start: int) -> tuple[str | None, bool]:
    """The phone cue closest before `start` (within the window), and whether another kind of
    number is announced closer than it."""
    window_start = max(0, start - _CUE_WINDOW)
    window = norm[window_start:start]
    cue: str | None = None
    cue_at = -1
    for match in _CUE_RE.finditer(window):
        cue, cue_at = match.group(), match.start()
    other_at = -1
    for match in _OTHER_RE.finditer(window):
        other_at = match.start()
    return cue, other_at > cue_at


def _cue_after(norm: str, end: int) -> str | None:
    match = _CUE_RE.search(norm, end, end + _AFTER_WINDOW + 4)
    if match is None or match.start() > end + _AFTER_WINDOW:
        return None
    return match.group()


def find_phones(text: str) -> list[PhoneGuess]:
    """Every phone number in `text`, best first (cued, standing alone, earliest)."""
    norm = normalise(text)
    ranked: list[tuple[tuple[int, int, int], PhoneGuess]] = []
    for run in _RUN_RE.finditer(norm):
        groups = _groups(norm, run.start(), run.end())
        taken_until = -1
        for i, first in enumerate(groups):
            if first.start < taken_until:
                continue
            # A candidate starts on a group boundary; inside Chinese numerals any boundary is
            # one, between Arabic digits none is.
            digits = ""
            best: tuple[int, str] | None = None
            for j in range(i, len(groups)):
                digits += groups[j].digits
                if len(digits) > 12:
                    break
                kind = _kind(digits)
                if kind is not None and _plausible(
                    norm, groups[i : j + 1], i == 0 and j == len(groups) - 1
                ):
                    best = (j, kind)
                    if groups[j].separated_after:
                        break  # standing alone: take it rather than something longer
            if best is None:
                continue
            j, kind = best
            last = groups[j]
            found = "".join(g.digits for g in groups[i : j + 1])
            cue, other = _cue_before(norm, first.start)
            if cue is None:
                cue = _cue_after(norm, last.end)
            if other and cue is None:
                continue  # a ticket or parcel number, not a phone
            alone = first.separated_before and last.separated_after
            chinese = any(g.chinese for g in groups[i : j + 1])
            written = " in Chinese numerals" if chinese else ""
            reason = f"{kind}{written} after {cue}" if cue else f"{kind}{written}, no cue"
            guess = PhoneGuess(digits=found, span=(first.start, last.end), reason=reason)
            ranked.append(((0 if cue else 1, 0 if alone else 1, first.start), guess))
            taken_until = last.end
    ranked.sort(key=lambda item: item[0])
    return [guess for _, guess in ranked]


def find_phone(text: str) -> PhoneGuess | None:
    """The caller's phone number in `text`, or None (see the module docstring for the rules)."""
    found = find_phones(text)
    return found[0] if found else None


def phones_masked(text: str) -> str:
    """`text` with every phone number found in it masked (138****5678), in whatever writing it
    was given: what a message may show to someone without contact access, or in an order's
    description and timeline, which workers read. normalise() keeps every character in place, so
    the spans found there fit `text`."""
    from guanjia.core.phones import phone_mask  # pure, but keep this module free of Django

    out, last = [], 0
    for found in sorted(find_phones(normalise(text)), key=lambda p: p.span):
        start, end = found.span
        if start < last:
            continue
        out += [text[last:start], phone_mask(found.digits)]
        last = end
    return "".join(out) + text[last:]
