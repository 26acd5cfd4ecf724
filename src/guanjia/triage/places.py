"""Find where a message is about: compound, building, unit and room, named the street's way.

Pure: a `Gazetteer` built once from the street's org document (the `import-org` format), and
`find_place(text, gazetteer)` for each message. The gazetteer precomputes every way a compound is
written — its name, its aliases, and the sloppy forms people use (the name without its generic
suffix: 青石 for 青石新村, 棉纺厂 for 棉纺厂宿舍) — into one regular expression, longest first.

Rules worth knowing:

- A stem that is an everyday word (阳光, 幸福, 东门…) or an alias that is one counts only when a
  building, a unit or a generic suffix (小区, 宿舍…) follows it. A name followed by 街道, 社区,
  路, 小学… is that street, community or road, not the compound.
- If several compounds are named, the one followed by a building wins, else the first.
- Building, unit and room are read right after the compound (青石新村3幢2单元302室, 青石3-2-301,
  红星2栋, 机械厂三号楼, 第三栋, 3#楼, 2门); failing that, a building written with its marker (幢,
  栋, 号楼) elsewhere in the message counts, if it is the only building named. Two buildings
  (3幢与4幢之间, 4幢 5幢 6幢都有) give none. A unit or room said later about the same building
  completes the address (…3幢与围墙之间…影响3幢1单元). Floors (三楼, 二楼到四楼), dates
  (3月3号), times, counts (两栋楼, 3个) and money are never buildings. The number is mapped to
  the building of that compound as the org names it (3栋 → 3号楼 when the org says 号楼); a
  number the compound lacks gives no building. Without a compound there is no building or
  unit, but a clear room (302室, 2单元302) is still returned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from guanjia.triage.text import chinese_number, normalise

# Generic endings of compound names; stripping one gives the stem people also use.
GENERIC_SUFFIXES: tuple[str, ...] = (
    "宿舍区",
    "宿舍",
    "小区",
    "新村",
    "花园",
    "家园",
    "公寓",
    "花苑",
    "大院",
    "家属院",
    "家属区",
    "家属楼",
    "苑",
    "园",
    "村",
    "里",
)
# What may follow a compound's form and still belong to it: 棉纺厂宿舍区, 桂花苑小区, 钢厂宿舍.
_TRAILING = (
    "宿舍区",
    "宿舍",
    "家属院",
    "家属区",
    "家属楼",
    "小区",
    "新村",
    "花园",
    "家园",
    "公寓",
    "大院",
    "区",
)
# Everyday words that are not taken for a compound unless a building, unit or suffix follows.
STOP_WORDS: frozenset[str] = frozenset(
    {
        "阳光",
        "幸福",
        "东门",
        "南门",
        "西门",
        "北门",
        "花园",
        "新村",
        "小区",
        "家园",
        "公寓",
        "中心",
        "和平",
        "友谊",
        "光明",
        "希望",
        "胜利",
        "团结",
        "文化",
        "人民",
        "东方",
        "新华",
        "桂花",
        "金色",
        "美丽",
    }
)
# After a compound's alias or stem, these make it a street, community, road, school… instead.
# (路灯, 路口, 路边 are the compound's own: 大乐园路灯坏了.)
_NOT_A_COMPOUND_AFTER = re.compile(
    r"街道|社区|居委|派出所|(?:路|街)(?![灯口边面上旁头])|镇|大道|公园|医院|小学|中学|学校"
    r"|幼儿园|菜场|市场|公司|站(?![着在岗])"
)

_NUM = r"(?:[0-9]{1,3}|[一二三四五六七八九十]{1,3})"
# 号 alone is a building only when what follows does not make it a date or a thing's number.
_NOT_BUILDING_AFTER_HAO = (
    r"[0-9一二三四五六七八九十]*[日月点]|线|床|窗|机|位|桌|口|[上下早晚中]午|晚上|早上|凌晨"
    r"|门|[前后起到至]|开始|以[前后]|之[前后]"
)
_BUILDING_MARK = rf"(?:号楼|幢楼?|栋楼?|座楼?|#楼?|号(?!{_NOT_BUILDING_AFTER_HAO}))"
_UNIT_MARK = r"(?:单元|门(?![口外前卫岗禁铃锁框牌面把头]))"
# A room: 3–4 digits not followed by what makes them a year, money, a time, a floor, or the
# first group of a phone number (138 5709 6627).
_ROOM = (
    r"(?P<room>[1-9][0-9]{2,3})(?:室|号(?!楼))?"
    r"(?![0-9年元块月日号点时分岁楼层.%万]|[ .-][0-9]{4}[ .-]?[0-9]{4}(?![0-9]))"
)
_GAP = r"[ ,:、的]{0,3}"
_SEP = r"[ ,、的-]{0,2}"
_FLOOR = rf"(?:{_SEP}{_NUM}[楼层])"

# The address right after a compound: building, unit, room in that order, each optional.
_ADDRESS_RE = re.compile(
    rf"{_GAP}(?:"
    rf"(?P<sb>[0-9]{{1,3}})-(?P<su>[1-9])(?:-(?P<sr>[0-9]{{3,4}}))?(?![0-9])"
    rf"|(?P<sb2>[0-9]{{1,3}})-(?P<sr2>[0-9]{{3,4}})(?![0-9])"
    rf"|(?:第?(?P<b>{_NUM})(?P<bm>{_BUILDING_MARK}))?(?:{_SEP}(?P<u>{_NUM}){_UNIT_MARK})?{_FLOOR}?(?:{_SEP}{_ROOM})?"
    r")"
)
# A building named anywhere, with a marker that cannot mean anything else.
_LOOSE_BUILDING_RE = re.compile(
    rf"(?<![几两多这那整每哪同0-9一二三四五六七八九十])(?P<b>{_NUM})(?P<bm>号楼|幢|栋(?!楼(?![下上道梯顶前后里]))|#楼?)"
    rf"(?:{_SEP}(?P<u>{_NUM}){_UNIT_MARK})?(?:{_SEP}{_ROOM})?"
)
_LONE_UNIT_RE = re.compile(rf"(?<![0-9一二三四五六七八九十幢栋楼#-])(?P<u>{_NUM})单元")
_SECOND_BUILDING_RE = re.compile(rf"\s*(?:跟|和|与|到|至|、|或|及|-)\s*{_NUM}(?:号楼|幢|栋|#)")
_LOOSE_ROOM_RE = re.compile(
    rf"(?<![0-9-])(?P<r1>[0-9]{{3,4}})室"
    rf"|(?:住|住在|家在|家是|单元)\s*-?{_ROOM}"
    rf"|(?<![0-9-])[0-9]{{1,3}}-[0-9]{{1,2}}-(?P<r2>[0-9]{{3,4}})(?![0-9])"
)


@dataclass(frozen=True)
class BuildingEntry:
    """A building as the org names it (3幢, 3号楼), with its units (1单元…)."""

    name: str
    units: tuple[str, ...]


@dataclass(frozen=True)
class CompoundEntry:
    """A compound as the org names it, its aliases and its buildings."""

    name: str
    aliases: tuple[str, ...]
    buildings: tuple[BuildingEntry, ...]


@dataclass(frozen=True)
class PlaceGuess:
    """Where a message is about. `spans` are the parts of the text that named the place."""

    compound: str | None = None
    building: str | None = None
    unit: str | None = None
    room: str | None = None
    reasons: dict[str, str] = field(default_factory=dict)
    spans: list[tuple[int, int]] = field(default_factory=list)


@dataclass(frozen=True)
class _Form:
    compound: int
    kind: str  # "name", "alias" or "stem"
    weak: bool  # an everyday word: needs a building, unit or suffix after it


def _number_key(name: str) -> int | None:
    match = re.search(r"[0-9]+", normalise(name))
    if match:
        return int(match.group())
    return chinese_number(re.sub(r"号楼|幢|栋|座|单元|号|#", "", name))


def _stem(name: str) -> str | None:
    for suffix in GENERIC_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None


class _Matcher:
    """Everything precomputed for one street: the forms' regular expression and number maps."""

    def __init__(self, compounds: tuple[CompoundEntry, ...]) -> None:
        claims: dict[str, set[int]] = {}
        kinds: dict[tuple[str, int], str] = {}
        for index, compound in enumerate(compounds):
            written = [(normalise(compound.name), "name")]
            written += [(normalise(alias), "alias") for alias in compound.aliases if alias]
            # Only the name has a stem: an alias is a short form already (桂花园 → 桂花 is a tree).
            stem = _stem(written[0][0])
            if stem:
                written.append((stem, "stem"))
            for text, kind in written:
                claims.setdefault(text, set()).add(index)
                previous = kinds.get((text, index))
                if previous is None or kind == "name" or (kind == "alias" and previous == "stem"):
                    kinds[(text, index)] = kind
        self.forms: dict[str, _Form] = {}
        for text, owners in claims.items():
            named = [i for i in owners if kinds[(text, i)] == "name"]
            if len(owners) > 1 and len(named) != 1:
                continue  # a form two compounds share tells nothing
            index = named[0] if named else next(iter(owners))
            kind = kinds[(text, index)]
            weak = kind != "name" and text in STOP_WORDS
            self.forms[text] = _Form(index, kind, weak)
        ordered = sorted(self.forms, key=len, reverse=True)
        self.form_re = re.compile("|".join(re.escape(f) for f in ordered)) if ordered else None
        self.trailing_re = re.compile("|".join(_TRAILING))
        self.buildings: list[dict[int, BuildingEntry]] = []
        for compound in compounds:
            by_number: dict[int, BuildingEntry] = {}
            for building in compound.buildings:
                key = _number_key(building.name)
                if key is not None:
                    by_number.setdefault(key, building)
            self.buildings.append(by_number)


@dataclass(frozen=True)
class Gazetteer:
    """The compounds of one street, with a matcher built once for many messages."""

    compounds: tuple[CompoundEntry, ...]
    _matcher: _Matcher = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_matcher", _Matcher(self.compounds))

    @classmethod
    def from_org_json(cls, doc: dict[str, Any]) -> Gazetteer:
        """The gazetteer of an org document: {street, code, communities: [{compounds: [{name,
        aliases, buildings: [{name, units}]}]}]}."""
        compounds = []
        for community in doc.get("communities", []):
            for compound in community.get("compounds", []):
                buildings = tuple(
                    BuildingEntry(name=b["name"], units=tuple(b.get("units", [])))
                    for b in compound.get("buildings", [])
                )
                compounds.append(
                    CompoundEntry(
                        name=compound["name"],
                        aliases=tuple(compound.get("aliases", [])),
                        buildings=buildings,
                    )
                )
        return cls(compounds=tuple(compounds))


@dataclass
class _Mention:
    compound: int
    form: str
    kind: str
    start: int
    end: int  # after any trailing suffix
    address: re.Match[str] | None


def _address_at(norm: str, pos: int) -> re.Match[str] | None:
    match = _ADDRESS_RE.match(norm, pos)
    if match is None or not any(
        match[g] for g in ("sb", "sb2", "b", "u", "room", "sr", "sr2", "su")
    ):
        return None
    return match


def _mentions(norm: str, matcher: _Matcher) -> list[_Mention]:
    found: list[_Mention] = []
    if matcher.form_re is None:
        return found
    for match in matcher.form_re.finditer(norm):
        form = matcher.forms[match.group()]
        end = match.end()
        trailing = matcher.trailing_re.match(norm, end)
        if trailing:
            end = trailing.end()
        elif form.kind != "name" and _NOT_A_COMPOUND_AFTER.match(norm, end):
            continue  # 青石社区, 桃源街道, 南苑路
        address = _address_at(norm, end)
        if (
            form.weak
            and not trailing
            and not (address and (address["b"] or address["u"] or address["sb"] or address["sb2"]))
        ):
            continue
        found.append(_Mention(form.compound, match.group(), form.kind, match.start(), end, address))
    return found


def _valid_room(room: str) -> bool:
    number = int(room)
    return number >= 101 and 1 <= number % 100 <= 40


def _loose_room(norm: str) -> re.Match[str] | None:
    for match in _LOOSE_ROOM_RE.finditer(norm):
        room = match["r1"] or match["room"] or match["r2"]
        if room and _valid_room(room):
            return match
    return None


@dataclass
class _Address:
    """Building, unit and room numbers as written, before they are mapped to the org."""

    building: int | None = None
    unit: int | None = None
    room: str | None = None
    how: str = "after the compound"
    spans: list[tuple[int, int]] = field(default_factory=list)


def _choose(mentions: list[_Mention]) -> _Mention | None:
    for mention in mentions:
        address = mention.address
        if address is not None and (address["b"] or address["sb"] or address["sb2"]):
            return mention
    return mentions[0] if mentions else None


def _read_numbers(norm: str, chosen: _Mention, reasons: dict[str, str]) -> _Address:
    """The building, unit and room numbers after the compound, or elsewhere in the message."""
    found = _Address()
    loose = list(_LOOSE_BUILDING_RE.finditer(norm))
    match = chosen.address
    if match is None or not (match["b"] or match["sb"] or match["sb2"]):
        if len({chinese_number(m["b"]) for m in loose}) == 1:
            match = loose[0]
            found.how = "elsewhere in the message"
        elif loose:
            reasons["building"] = "several buildings named"
    if match is None:
        return found
    found.building, found.unit, found.room = _read_address(match)
    found.spans.append(_trimmed_span(norm, match))
    if match["b"] and _SECOND_BUILDING_RE.match(norm, match.end("bm")):
        reasons["building"] = "two buildings named"
        found.building = found.unit = None
    if found.building is None:
        return found
    # The same building named again may say its unit or room (3幢…，影响3幢1单元).
    for other in loose:
        building, unit, room = _read_address(other)
        if other.span() == match.span() or building != found.building:
            continue
        if found.unit is not None and unit not in (None, found.unit):
            continue
        if (found.unit is None and unit is not None) or (found.room is None and room):
            found.unit = found.unit if found.unit is not None else unit
            found.room = found.room or room
            found.spans.append(other.span())
    if found.unit is None:
        lone = list(_LONE_UNIT_RE.finditer(norm))
        if len({chinese_number(m["u"]) for m in lone}) == 1:
            found.unit = chinese_number(lone[0]["u"])
            found.spans.extend(m.span() for m in lone)
    return found


def find_place(text: str, gaz: Gazetteer) -> PlaceGuess:
    """Compound, building, unit and room named in `text` (see the module docstring)."""
    matcher = gaz._matcher
    norm = normalise(text)
    reasons: dict[str, str] = {}
    spans: list[tuple[int, int]] = []
    chosen = _choose(_mentions(norm, matcher))
    building: str | None = None
    unit: str | None = None
    numbers = _Address()
    if chosen is not None:
        compound = gaz.compounds[chosen.compound]
        reasons["compound"] = (
            f"{chosen.kind} {chosen.form}"
            if chosen.kind == "name"
            else f"{chosen.kind} {chosen.form} of {compound.name}"
        )
        spans.append((chosen.start, chosen.end))
        numbers = _read_numbers(norm, chosen, reasons)
        spans.extend(numbers.spans)
        entry = matcher.buildings[chosen.compound].get(numbers.building or -1)
        if numbers.building is None:
            pass
        elif entry is None:
            reasons["building"] = f"no building {numbers.building} in {compound.name}"
        else:
            building = entry.name
            reasons["building"] = f"building {numbers.building} {numbers.how}"
            if numbers.unit is not None:
                unit = next((u for u in entry.units if _number_key(u) == numbers.unit), None)
                reasons["unit"] = (
                    f"unit {numbers.unit} {numbers.how}"
                    if unit
                    else f"no unit {numbers.unit} in {compound.name} {entry.name}"
                )
    room = numbers.room if numbers.room and _valid_room(numbers.room) else None
    if room is not None:
        reasons["room"] = f"room {numbers.how}"
    else:
        loose_room = _loose_room(norm)
        if loose_room is not None:
            room = loose_room["r1"] or loose_room["room"] or loose_room["r2"]
            reasons["room"] = "room number"
            spans.append(loose_room.span())
    return PlaceGuess(
        compound=gaz.compounds[chosen.compound].name if chosen else None,
        building=building,
        unit=unit,
        room=room,
        reasons=reasons,
        spans=_merged(spans),
    )


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans in order, overlapping ones joined (touching ones stay apart)."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _read_address(match: re.Match[str]) -> tuple[int | None, int | None, str | None]:
    groups = match.groupdict()
    if groups.get("sb"):
        return int(groups["sb"]), int(groups["su"]), groups.get("sr")
    if groups.get("sb2"):
        return int(groups["sb2"]), None, groups["sr2"]
    building = chinese_number(groups["b"]) if groups.get("b") else None
    unit = chinese_number(groups["u"]) if groups.get("u") else None
    return building, unit, groups.get("room")


def _trimmed_span(norm: str, match: re.Match[str]) -> tuple[int, int]:
    start, end = match.span()
    while start < end and norm[start] in " ,:、的":
        start += 1
    return start, end
