"""Reading a Chinese address string: which compound, and which building, unit and room in it.

Pure: the caller passes the compounds' names and aliases and looks the building and unit up
itself. Residents and other platforms write the same place many ways — "大乐园小区3幢2单元301",
"大乐园 三号楼 二单元", "乐园新村(大乐园小区)5栋" — so the rules are deliberately small:

- the compound is the longest name or alias contained in the text (a name ending in 小区 also
  matches without it); two different compounds tied for the longest match is no match;
- the building is a number before 幢, 栋, 号楼 or 座 (or 号 followed by a unit) after the
  compound's name ("3楼" is a floor, not read); the unit a number before 单元; the room a number
  before 室, or right after the unit;
- numbers are digits or Chinese numerals up to 99 (三, 十二, 二十一).
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class CompoundNames:
    id: int
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class AddressMatch:
    compound_id: int
    building: int | None = None  # the building's number: 3 for 3幢 / 3号楼 / 三栋
    unit: int | None = None  # 2 for 2单元
    room: str = ""  # 301 for 301室


_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_DIGITS |= {"七": 7, "八": 8, "九": 9}
_NUMBER = r"(\d{1,3}|[零〇一二两三四五六七八九十]{1,3})"
# A bare 楼 ("3楼") is a floor, not a building, so it is not read.
_BUILDING = re.compile(_NUMBER + r"\s*(?:号楼|幢|栋|座|号(?=\s*\S{0,3}单元))")
_UNIT = re.compile(_NUMBER + r"\s*单元")
_ROOM = re.compile(r"(\d{2,5})\s*室")
_ROOM_AFTER_UNIT = re.compile(r"^\s*[-—－]?\s*(\d{3,5})(?!\d)")


def number_parse(text: str) -> int | None:
    """12 → 12, 十二 → 12, 二十一 → 21, 三 → 3; None for anything else."""
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    if "十" in text:
        tens, _, ones = text.partition("十")
        if len(ones) > 1 or (tens and tens not in _DIGITS) or (ones and ones not in _DIGITS):
            return None
        return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0)
    if len(text) == 1 and text in _DIGITS:
        return _DIGITS[text]
    return None


def _names(compound: CompoundNames) -> list[str]:
    names = [compound.name, *compound.aliases]
    for name in list(names):
        stem = name.removesuffix("小区")
        if stem != name and len(stem) >= 2:
            names.append(stem)
    return [n for n in (name.strip() for name in names) if n]


def compound_find(text: str, compounds: Iterable[CompoundNames]) -> tuple[int, int] | None:
    """(compound id, end of the matched name in `text`) for the longest name contained in it."""
    best: tuple[int, int, int] | None = None  # (length, compound id, end)
    tied = False
    for compound in compounds:
        for name in _names(compound):
            at = text.find(name)
            if at < 0:
                continue
            if best is None or len(name) > best[0]:
                best, tied = (len(name), compound.id, at + len(name)), False
            elif len(name) == best[0] and compound.id != best[1]:
                tied = True
    if best is None or tied:
        return None
    return best[1], best[2]


def address_parse(text: str, compounds: Iterable[CompoundNames]) -> AddressMatch | None:
    """The compound named in `text` and the building, unit and room if it says them."""
    text = (text or "").strip()
    found = compound_find(text, compounds)
    if found is None:
        return None
    compound_id, end = found
    # Numbers before the compound's name (a street number, a community) are not its building.
    rest = text[end:]
    building = unit = None
    room = ""
    match = _BUILDING.search(rest)
    if match:
        building = number_parse(match.group(1))
        rest = rest[match.end() :]
    match = _UNIT.search(rest)
    if match:
        unit = number_parse(match.group(1))
        after = rest[match.end() :]
        room_match = _ROOM.search(after) or _ROOM_AFTER_UNIT.search(after)
        if room_match:
            room = room_match.group(1)
    else:
        room_match = _ROOM.search(rest)
        if room_match:
            room = room_match.group(1)
    return AddressMatch(compound_id=compound_id, building=building, unit=unit, room=room)
