"""Read an org file (JSON, CSV, XLSX) into plain specs, or say everything that is wrong with it.

Pure: no ORM, no database. The importer checks what can be checked without the database (names,
lengths, coordinates, duplicates) and names the place of each problem in the file — a JSON path
such as `communities[0].compounds[3].buildings[1].name`, or a row and column of a sheet — so that
an operator can fix the whole file in one go. `guanjia.org.services.org_import` writes the result.

What a file leaves out is "not given" (None) rather than "empty": a compound without coordinates
keeps the coordinates it has. Aliases are given when the JSON key or the sheet column is there,
so an empty 别名 column does clear them. Sheets (CSV, every XLSX sheet with the columns) hold one
row per unit; a compound's cells repeat on its rows and must agree.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from guanjia.core.errors import InvalidInput

# Mirrors the model fields (org/models.py); tests/test_importer.py checks that they agree. Kept
# here so that this module stays free of the ORM.
MAX_STREET_NAME = 100
MAX_STREET_CODE = 40
MAX_COMMUNITY_NAME = 100
MAX_COMPOUND_NAME = 100
MAX_ALIAS = 100
MAX_BUILDING_NAME = 50
MAX_UNIT_NAME = 50
# PositiveIntegerField is safe up to 2**31 - 1 on every backend.
MAX_POSITIVE_INT = 2_147_483_647
COORDINATE_PLACES = Decimal("0.000001")

STREET_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
ALIAS_SEPARATORS_RE = re.compile(r"[、,，;；]")

# Sheet columns (CSV and XLSX), as street offices name them.
COL_STREET = "街道"
COL_CODE = "街道编码"
COL_COMMUNITY = "社区"
COL_COMPOUND = "小区"
COL_ALIASES = "别名"
COL_BUILDING = "楼栋"
COL_UNIT = "单元"
COL_LONGITUDE = "经度"
COL_LATITUDE = "纬度"
COL_HOUSEHOLDS = "户数"
REQUIRED_COLUMNS = (COL_STREET, COL_COMMUNITY, COL_COMPOUND, COL_BUILDING, COL_UNIT)
KNOWN_COLUMNS = (
    *REQUIRED_COLUMNS,
    COL_CODE,
    COL_ALIASES,
    COL_LONGITUDE,
    COL_LATITUDE,
    COL_HOUSEHOLDS,
)

SUFFIXES = (".json", ".csv", ".xlsx")


@dataclass
class BuildingSpec:
    """A building (楼栋) and its units (单元), in file order."""

    name: str
    units: list[str] = field(default_factory=list)


@dataclass
class CompoundSpec:
    """A compound (小区). `None` means "not given": an import keeps what the database has."""

    name: str
    aliases: list[str] | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    households: int | None = None
    buildings: list[BuildingSpec] = field(default_factory=list)


@dataclass
class CommunitySpec:
    name: str
    compounds: list[CompoundSpec] = field(default_factory=list)


@dataclass
class StreetSpec:
    """A street (街道). Without `code` the import finds the street by name or generates a code."""

    name: str
    code: str | None = None
    communities: list[CommunitySpec] = field(default_factory=list)

    def compounds(self) -> Iterator[tuple[CommunitySpec, CompoundSpec]]:
        for community in self.communities:
            for compound in community.compounds:
                yield community, compound


@dataclass
class OrgFile:
    """What a file held: its streets, and where it came from (for messages)."""

    streets: list[StreetSpec]
    source: str = ""


# --- sort keys -------------------------------------------------------------------------------

_DIGITS_RE = re.compile(r"\d+")
_CN_NUMERAL_RE = re.compile(r"[零〇一二两三四五六七八九十百]+")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_CN_DIGITS |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _chinese_numeral(text: str) -> int | None:
    """三 → 3, 十二 → 12, 二十 → 20, 一百零五 → 105; None when it is not a plain numeral."""
    total, current = 0, 0
    for char in text:
        if char in _CN_DIGITS:
            current = _CN_DIGITS[char]
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        elif char == "百":
            total += (current or 1) * 100
            current = 0
        else:  # pragma: no cover - the regex admits nothing else
            return None
    return total + current


def place_sort_key(name: str, position: int) -> int:
    """Order buildings and units as people read them: "10幢" after "9幢", "三单元" after "二单元".

    The first integer in the name (Arabic digits first, else a Chinese numeral); a name without a
    number sorts by its 1-based position in the file.
    """
    match = _DIGITS_RE.search(name)
    if match:
        return min(int(match.group()), MAX_POSITIVE_INT)
    match = _CN_NUMERAL_RE.search(name)
    if match:
        value = _chinese_numeral(match.group())
        if value is not None:
            return min(value, MAX_POSITIVE_INT)
    return min(position, MAX_POSITIVE_INT)


# --- problems --------------------------------------------------------------------------------


class Problems:
    """Collects every problem with the place it was found, so the user fixes the file once."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{where}: {message}" if where else message)

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self, source: str = "") -> None:
        if self.items:
            raise self.error(source)

    def error(self, source: str = "") -> InvalidInput:
        """The InvalidInput to raise: a summary, and every problem in `extra["errors"]`."""
        count = len(self.items)
        if source:
            message = _("%(source)s: %(count)d problem(s) found, nothing was imported.") % {
                "source": source,
                "count": count,
            }
        else:
            message = _("%(count)d problem(s) found, nothing was imported.") % {"count": count}
        return InvalidInput(message, code="invalid_org_file", extra={"errors": list(self.items)})


@dataclass(frozen=True)
class RowRef:
    """A row of a sheet as a spreadsheet shows it: 1-based, the header being row 1."""

    number: int
    sheet: str = ""  # named only when a workbook has several sheets of rows

    def __str__(self) -> str:
        if self.sheet:
            return _("sheet %(sheet)s, row %(row)d") % {"sheet": self.sheet, "row": self.number}
        return _("row %(row)d") % {"row": self.number}


def _cell_place(row: RowRef, column: str) -> str:
    return _("%(row)s, column %(column)s") % {"row": row, "column": column}


def _check_name(value: str, limit: int, where: str, problems: Problems) -> bool:
    if not value:
        problems.add(where, _("a name is required."))
        return False
    if len(value) > limit:
        problems.add(
            where,
            _("too long: %(length)d characters, at most %(limit)d.")
            % {"length": len(value), "limit": limit},
        )
        return False
    return True


def _check_code(value: str, where: str, problems: Problems) -> str | None:
    code = value.strip().lower()
    if not code:
        return None
    if len(code) > MAX_STREET_CODE or not STREET_CODE_RE.match(code):
        problems.add(
            where,
            _(
                "invalid street code %(code)r: use at most %(limit)d lowercase letters, digits, "
                "hyphens or underscores."
            )
            % {"code": value, "limit": MAX_STREET_CODE},
        )
        return None
    return code


def _parse_coordinate(value: Any, limit: int, where: str, problems: Problems) -> Decimal | None:
    if isinstance(value, bool):
        problems.add(where, _("not a number: %(value)r.") % {"value": value})
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        problems.add(where, _("not a number: %(value)r.") % {"value": value})
        return None
    if not number.is_finite() or not -limit <= number <= limit:
        problems.add(
            where,
            _("out of range: %(value)s is not between -%(limit)d and %(limit)d.")
            % {"value": value, "limit": limit},
        )
        return None
    return number.quantize(COORDINATE_PLACES, rounding=ROUND_HALF_UP)


def _parse_households(value: Any, where: str, problems: Problems) -> int | None:
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if number is None or not 0 <= number <= MAX_POSITIVE_INT:
        problems.add(
            where, _("households must be a whole number ≥ 0, not %(value)r.") % {"value": value}
        )
        return None
    return number


def _split_aliases(text: str) -> list[str]:
    return [part.strip() for part in ALIAS_SEPARATORS_RE.split(text) if part.strip()]


def _clean_aliases(aliases: Iterable[str], compound_name: str) -> list[str]:
    """Aliases without blanks, repeats or the compound's own name, in file order."""
    seen: dict[str, None] = {}
    for alias in aliases:
        alias = alias.strip()
        if alias and alias != compound_name:
            seen.setdefault(alias, None)
    return list(seen)


# --- JSON ------------------------------------------------------------------------------------


def _text_of(value: Any) -> str | None:
    """A name as text: strings, and integers (a unit named 1), nothing else."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _json_name(
    obj: Mapping[str, Any], key: str, limit: int, path: str, problems: Problems
) -> str | None:
    where = f"{path}.{key}" if path else key
    raw = obj.get(key)
    text = _text_of(raw) if raw is not None else ""
    if text is None:
        problems.add(where, _("must be text, not %(value)r.") % {"value": raw})
        return None
    return text if _check_name(text, limit, where, problems) else None


def _json_list(obj: Mapping[str, Any], key: str, path: str, problems: Problems) -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        problems.add(f"{path}.{key}" if path else key, _("must be a list."))
        return []
    return value


def _json_object(value: Any, path: str, problems: Problems) -> Mapping[str, Any] | None:
    if not isinstance(value, dict):
        problems.add(path, _("must be an object."))
        return None
    return value


LATITUDE_KEYS = ("latitude", "lat")
LONGITUDE_KEYS = ("longitude", "lng", "lon")


def _json_given(obj: Mapping[str, Any], keys: tuple[str, ...]) -> bool:
    return any(obj.get(key) not in (None, "") for key in keys)


def _json_coordinate(
    obj: Mapping[str, Any], keys: tuple[str, ...], limit: int, path: str, problems: Problems
) -> Decimal | None:
    for key in keys:
        value = obj.get(key)
        if value is not None and value != "":
            return _parse_coordinate(value, limit, f"{path}.{key}", problems)
    return None


def _json_compound(obj: Mapping[str, Any], path: str, problems: Problems) -> CompoundSpec | None:
    name = _json_name(obj, "name", MAX_COMPOUND_NAME, path, problems)
    aliases: list[str] | None = None
    if "aliases" in obj:
        raw_aliases = obj["aliases"]
        if isinstance(raw_aliases, str):  # "大乐园、乐园" written as one string
            raw_aliases = _split_aliases(raw_aliases)
        if not isinstance(raw_aliases, list):
            problems.add(f"{path}.aliases", _("must be a list."))
            raw_aliases = []
        texts: list[str] = []
        for i, raw in enumerate(raw_aliases):
            where = f"{path}.aliases[{i}]"
            text = _text_of(raw)
            if text is None:
                problems.add(where, _("must be text, not %(value)r.") % {"value": raw})
            elif len(text) > MAX_ALIAS:
                _check_name(text, MAX_ALIAS, where, problems)
            else:
                texts.append(text)
        aliases = _clean_aliases(texts, name or "")
    latitude = _json_coordinate(obj, LATITUDE_KEYS, 90, path, problems)
    longitude = _json_coordinate(obj, LONGITUDE_KEYS, 180, path, problems)
    if _json_given(obj, LATITUDE_KEYS) != _json_given(obj, LONGITUDE_KEYS):
        problems.add(path, _("give both latitude and longitude, or neither."))
    households = None
    if obj.get("households") is not None:
        households = _parse_households(obj["households"], f"{path}.households", problems)

    buildings: list[BuildingSpec] = []
    building_names: dict[str, int] = {}
    for b, raw_building in enumerate(_json_list(obj, "buildings", path, problems)):
        b_path = f"{path}.buildings[{b}]"
        building_obj = _json_object(raw_building, b_path, problems)
        if building_obj is None:
            continue
        building_name = _json_name(building_obj, "name", MAX_BUILDING_NAME, b_path, problems)
        if building_name is not None and building_name in building_names:
            problems.add(
                f"{b_path}.name",
                _("duplicate building %(name)s (also at buildings[%(index)d]).")
                % {"name": building_name, "index": building_names[building_name]},
            )
            building_name = None
        units: list[str] = []
        unit_names: dict[str, int] = {}
        for u, raw_unit in enumerate(_json_list(building_obj, "units", b_path, problems)):
            u_path = f"{b_path}.units[{u}]"
            if isinstance(raw_unit, dict):  # {"name": "1单元"} is accepted too
                unit_name = _json_name(raw_unit, "name", MAX_UNIT_NAME, u_path, problems)
            else:
                text = _text_of(raw_unit)
                if text is None:
                    problems.add(u_path, _("must be text, not %(value)r.") % {"value": raw_unit})
                    continue
                unit_name = text if _check_name(text, MAX_UNIT_NAME, u_path, problems) else None
            if unit_name is None:
                continue
            if unit_name in unit_names:
                problems.add(
                    u_path,
                    _("duplicate unit %(name)s (also at units[%(index)d]).")
                    % {"name": unit_name, "index": unit_names[unit_name]},
                )
                continue
            unit_names[unit_name] = u
            units.append(unit_name)
        if building_name is not None:
            building_names[building_name] = b
            buildings.append(BuildingSpec(name=building_name, units=units))
    if name is None:
        return None
    return CompoundSpec(
        name=name,
        aliases=aliases,
        latitude=latitude,
        longitude=longitude,
        households=households,
        buildings=buildings,
    )


def _json_street(obj: Mapping[str, Any], path: str, problems: Problems) -> StreetSpec | None:
    key = "street" if "street" in obj else "name"
    name = _json_name(obj, key, MAX_STREET_NAME, path, problems)
    code: str | None = None
    if obj.get("code") is not None:
        raw_code = obj["code"]
        where = f"{path}.code" if path else "code"
        if isinstance(raw_code, str):
            code = _check_code(raw_code, where, problems)
        else:
            problems.add(where, _("must be text, not %(value)r.") % {"value": raw_code})

    communities: list[CommunitySpec] = []
    community_names: dict[str, int] = {}
    compound_places: dict[str, str] = {}
    prefix = f"{path}." if path else ""
    for c, raw_community in enumerate(_json_list(obj, "communities", path, problems)):
        c_path = f"{prefix}communities[{c}]"
        community_obj = _json_object(raw_community, c_path, problems)
        if community_obj is None:
            continue
        community_name = _json_name(community_obj, "name", MAX_COMMUNITY_NAME, c_path, problems)
        if community_name is not None and community_name in community_names:
            problems.add(
                f"{c_path}.name",
                _("duplicate community %(name)s (also at communities[%(index)d]).")
                % {"name": community_name, "index": community_names[community_name]},
            )
            community_name = None
        compounds: list[CompoundSpec] = []
        for k, raw_compound in enumerate(_json_list(community_obj, "compounds", c_path, problems)):
            k_path = f"{c_path}.compounds[{k}]"
            compound_obj = _json_object(raw_compound, k_path, problems)
            if compound_obj is None:
                continue
            compound = _json_compound(compound_obj, k_path, problems)
            if compound is None:
                continue
            if compound.name in compound_places:
                # Compound names are unique in a street, whatever the community.
                problems.add(
                    f"{k_path}.name",
                    _("duplicate compound %(name)s in this street (also at %(place)s).")
                    % {"name": compound.name, "place": compound_places[compound.name]},
                )
                continue
            compound_places[compound.name] = k_path
            compounds.append(compound)
        if community_name is not None:
            community_names[community_name] = c
            communities.append(CommunitySpec(name=community_name, compounds=compounds))
    if name is None:
        return None
    return StreetSpec(name=name, code=code, communities=communities)


def _streets_from_json_value(data: Any, problems: Problems) -> list[StreetSpec]:
    """One street (`{"street": ...}`), several (`{"streets": [...]}`) or a list of streets."""
    if isinstance(data, dict) and "streets" in data and "street" not in data:
        items: list[tuple[str, Any]] = [
            (f"streets[{i}]", s) for i, s in enumerate(_json_list(data, "streets", "", problems))
        ]
    elif isinstance(data, list):
        items = [(f"[{i}]", s) for i, s in enumerate(data)]
    elif isinstance(data, dict):
        items = [("", data)]
    else:
        problems.add("", _("The file must hold an object with a street, or a list of streets."))
        return []
    streets: list[StreetSpec] = []
    for path, raw in items:
        obj = _json_object(raw, path or "$", problems)
        if obj is None:
            continue
        if not path and "street" not in obj and "name" not in obj:
            problems.add("street", _("a street name is required."))
            continue
        street = _json_street(obj, path, problems)
        if street is not None:
            streets.append(street)
    _check_streets_distinct(streets, problems)
    return streets


def _check_streets_distinct(streets: list[StreetSpec], problems: Problems) -> None:
    names: set[str] = set()
    codes: set[str] = set()
    for street in streets:
        if street.name in names:
            problems.add(street.name, _("this street appears twice in the file."))
        if street.code and street.code in codes:
            problems.add(
                street.name, _("street code %(code)s appears twice.") % {"code": street.code}
            )
        names.add(street.name)
        if street.code:
            codes.add(street.code)


def org_streets_from_dict(data: dict[str, Any] | list[Any]) -> list[StreetSpec]:
    """Streets from data in the JSON shape (see org-example in tests/data); all or nothing.

    Raises InvalidInput with `extra["errors"]`: every problem, each naming its JSON path.
    """
    problems = Problems()
    streets = _streets_from_json_value(data, problems)
    problems.raise_if_any()
    return streets


def _read_json(raw: bytes, problems: Problems) -> list[StreetSpec]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.add("", _("The JSON file is not UTF-8 (byte %(pos)d).") % {"pos": exc.start})
        return []
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.add(
            _("line %(line)d, column %(column)d") % {"line": exc.lineno, "column": exc.colno},
            _("unreadable JSON: %(reason)s.") % {"reason": exc.msg},
        )
        return []
    return _streets_from_json_value(data, problems)


# --- CSV and XLSX ----------------------------------------------------------------------------

Row = tuple["RowRef", dict[str, Any]]


def _decode_csv(raw: bytes, problems: Problems) -> str | None:
    # Excel on Chinese Windows saves CSV as GBK/GB18030; everything else writes UTF-8.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    problems.add("", _("The CSV file is neither UTF-8 nor GB18030 text."))
    return None


def _header(cells: Iterable[Any]) -> list[str]:
    return ["" if c is None else str(c).strip().lstrip("\ufeff") for c in cells]


def _check_header(header: list[str], sheet: str, problems: Problems) -> bool:
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        problems.add(
            str(RowRef(1, sheet)),
            _("missing column(s): %(columns)s (the first row must name the columns: %(all)s).")
            % {"columns": "、".join(missing), "all": "、".join(KNOWN_COLUMNS)},
        )
        return False
    return True


def _rows_from_table(
    table: Iterable[Iterable[Any]], problems: Problems, sheet: str = ""
) -> Iterator[Row]:
    """(row, {column: value}) for each non-empty row after the header."""
    iterator = iter(table)
    first = next(iterator, None)
    if first is None:
        problems.add(sheet, _("The file is empty."))
        return
    header = _header(first)
    if not _check_header(header, sheet, problems):
        return
    for number, cells in enumerate(iterator, start=2):
        values = list(cells)
        row = {
            column: values[i] if i < len(values) else None
            for i, column in enumerate(header)
            if column in KNOWN_COLUMNS
        }
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row.values()):
            continue
        yield RowRef(number, sheet), row


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a unit typed as 1 in Excel comes back as 1.0
    return str(value).strip()


@dataclass
class _SheetRow:
    """One checked row of a sheet: a unit, or a building or a compound without units."""

    ref: RowRef
    street: str
    code: str | None
    community: str
    compound: str
    aliases: list[str] | None
    building: str
    unit: str
    latitude: Decimal | None
    longitude: Decimal | None
    households: int | None


def _sheet_row(ref: RowRef, row: dict[str, Any], problems: Problems) -> _SheetRow | None:
    """The row's values, or None after noting each of its problems."""
    texts = {column: _cell_text(value) for column, value in row.items()}
    found = len(problems.items)
    for column, limit in (
        (COL_STREET, MAX_STREET_NAME),
        (COL_COMMUNITY, MAX_COMMUNITY_NAME),
        (COL_COMPOUND, MAX_COMPOUND_NAME),
    ):
        _check_name(texts[column], limit, _cell_place(ref, column), problems)
    building, unit = texts[COL_BUILDING], texts[COL_UNIT]
    if building:
        _check_name(building, MAX_BUILDING_NAME, _cell_place(ref, COL_BUILDING), problems)
    elif unit:
        problems.add(_cell_place(ref, COL_BUILDING), _("a unit needs a building."))
    if unit:
        _check_name(unit, MAX_UNIT_NAME, _cell_place(ref, COL_UNIT), problems)
    code = None
    if texts.get(COL_CODE):
        code = _check_code(texts[COL_CODE], _cell_place(ref, COL_CODE), problems)
    latitude = longitude = None
    if texts.get(COL_LATITUDE):
        place = _cell_place(ref, COL_LATITUDE)
        latitude = _parse_coordinate(row[COL_LATITUDE], 90, place, problems)
    if texts.get(COL_LONGITUDE):
        place = _cell_place(ref, COL_LONGITUDE)
        longitude = _parse_coordinate(row[COL_LONGITUDE], 180, place, problems)
    if len(problems.items) == found and (latitude is None) != (longitude is None):
        problems.add(str(ref), _("give both latitude and longitude, or neither."))
    households = None
    if texts.get(COL_HOUSEHOLDS):
        place = _cell_place(ref, COL_HOUSEHOLDS)
        households = _parse_households(row[COL_HOUSEHOLDS], place, problems)
    aliases: list[str] | None = None
    if COL_ALIASES in row:
        # The column is there: the file says what the aliases are, even when it says none.
        aliases = _split_aliases(texts[COL_ALIASES])
        for alias in aliases:
            _check_name(alias, MAX_ALIAS, _cell_place(ref, COL_ALIASES), problems)
    if len(problems.items) > found:
        return None
    return _SheetRow(
        ref=ref,
        street=texts[COL_STREET],
        code=code,
        community=texts[COL_COMMUNITY],
        compound=texts[COL_COMPOUND],
        aliases=aliases,
        building=building,
        unit=unit,
        latitude=latitude,
        longitude=longitude,
        households=households,
    )


@dataclass
class _SheetCompound:
    spec: CompoundSpec
    community: str
    row: RowRef
    units: dict[str, tuple[BuildingSpec, set[str]]] = field(default_factory=dict)
    coordinates_row: RowRef | None = None
    households_row: RowRef | None = None


@dataclass
class _SheetStreet:
    name: str
    code: str | None
    row: RowRef
    communities: dict[str, CommunitySpec] = field(default_factory=dict)
    compounds: dict[str, _SheetCompound] = field(default_factory=dict)


class _SheetStreets:
    """Rows grouped back into streets. A compound's cells repeat on each of its rows: they must
    agree (aliases add up), and a compound name belongs to one community of its street."""

    def __init__(self, problems: Problems) -> None:
        self.problems = problems
        self.streets: dict[str, _SheetStreet] = {}
        self.code_owners: dict[str, str] = {}

    def add(self, row: _SheetRow) -> None:
        street = self._street(row)
        if street is None:
            return
        entry = self._compound(street, row)
        if entry is None:
            return
        self._compound_cells(entry, row)
        if row.building:
            self._unit(entry, row)

    def specs(self) -> list[StreetSpec]:
        return [
            StreetSpec(name=s.name, code=s.code, communities=list(s.communities.values()))
            for s in self.streets.values()
        ]

    def _street(self, row: _SheetRow) -> _SheetStreet | None:
        street = self.streets.get(row.street)
        if street is None:
            street = self.streets[row.street] = _SheetStreet(row.street, row.code, row.ref)
        if not row.code:  # the code may be given on one row of the street only
            return street
        if street.code is None:
            street.code = row.code
        elif street.code != row.code:
            self.problems.add(
                _cell_place(row.ref, COL_CODE),
                _("street %(street)s has code %(code)s at %(place)s.")
                % {"street": row.street, "code": street.code, "place": street.row},
            )
            return None
        owner = self.code_owners.setdefault(row.code, row.street)
        if owner != row.street:
            self.problems.add(
                _cell_place(row.ref, COL_CODE),
                _("code %(code)s is already used by street %(street)s.")
                % {"code": row.code, "street": owner},
            )
            return None
        return street

    def _compound(self, street: _SheetStreet, row: _SheetRow) -> _SheetCompound | None:
        entry = street.compounds.get(row.compound)
        if entry is None:
            spec = CompoundSpec(name=row.compound, aliases=None if row.aliases is None else [])
            entry = _SheetCompound(spec=spec, community=row.community, row=row.ref)
            street.compounds[row.compound] = entry
            community = street.communities.get(row.community)
            if community is None:
                community = street.communities[row.community] = CommunitySpec(row.community)
            community.compounds.append(spec)
            return entry
        if entry.community != row.community:
            # Compound names are unique in a street: the same name under two communities is
            # either a typo or two compounds that must be told apart.
            self.problems.add(
                _cell_place(row.ref, COL_COMMUNITY),
                _(
                    "duplicate compound %(compound)s in this street: it is in community "
                    "%(community)s at %(place)s."
                )
                % {"compound": row.compound, "community": entry.community, "place": entry.row},
            )
            return None
        return entry

    def _compound_cells(self, entry: _SheetCompound, row: _SheetRow) -> None:
        spec = entry.spec
        if row.aliases:
            spec.aliases = _clean_aliases([*(spec.aliases or []), *row.aliases], spec.name)
        if row.latitude is not None and row.longitude is not None:
            if entry.coordinates_row and (spec.latitude, spec.longitude) != (
                row.latitude,
                row.longitude,
            ):
                self.problems.add(
                    _cell_place(row.ref, COL_LONGITUDE),
                    _("coordinates differ from %(place)s for the same compound.")
                    % {"place": entry.coordinates_row},
                )
            elif not entry.coordinates_row:
                spec.latitude, spec.longitude = row.latitude, row.longitude
                entry.coordinates_row = row.ref
        if row.households is not None:
            if entry.households_row and spec.households != row.households:
                self.problems.add(
                    _cell_place(row.ref, COL_HOUSEHOLDS),
                    _("households differ from %(place)s for the same compound.")
                    % {"place": entry.households_row},
                )
            elif not entry.households_row:
                spec.households = row.households
                entry.households_row = row.ref

    def _unit(self, entry: _SheetCompound, row: _SheetRow) -> None:
        if row.building not in entry.units:
            building = BuildingSpec(row.building)
            entry.units[row.building] = (building, set())
            entry.spec.buildings.append(building)
        building, seen = entry.units[row.building]
        if not row.unit:  # a building listed without its units
            return
        if row.unit in seen:
            self.problems.add(
                _cell_place(row.ref, COL_UNIT),
                _("duplicate unit %(unit)s in %(compound)s %(building)s.")
                % {"unit": row.unit, "compound": row.compound, "building": row.building},
            )
            return
        seen.add(row.unit)
        building.units.append(row.unit)


def _streets_from_rows(rows: Iterable[Row], problems: Problems) -> list[StreetSpec]:
    """Streets from one-row-per-unit sheets (CSV, XLSX)."""
    streets = _SheetStreets(problems)
    for ref, row in rows:
        sheet_row = _sheet_row(ref, row, problems)
        if sheet_row is not None:
            streets.add(sheet_row)
    if not streets.streets and not problems:
        problems.add("", _("The file holds no rows after the header."))
    return streets.specs()


def _read_csv(raw: bytes, problems: Problems) -> list[StreetSpec]:
    text = _decode_csv(raw, problems)
    if text is None:
        return []
    try:
        table = csv.reader(io.StringIO(text))
        return _streets_from_rows(_rows_from_table(table, problems), problems)
    except csv.Error as exc:  # a NUL byte, an unterminated quote at the end of the file
        problems.add("", _("unreadable CSV: %(reason)s") % {"reason": exc})
        return []


def _read_xlsx(raw: bytes, problems: Problems) -> list[StreetSpec]:
    # Imported here: openpyxl is heavy and only XLSX needs it.
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds (zip, xml, key errors) on bad files
        problems.add("", _("unreadable XLSX file: %(reason)s") % {"reason": exc})
        return []
    try:
        return _streets_from_rows(_workbook_rows(workbook, problems), problems)
    finally:
        workbook.close()


def _workbook_rows(workbook: Any, problems: Problems) -> Iterator[Row]:
    """Rows of every sheet with the columns, in order: offices often keep a street per sheet.

    A sheet that names none of the required columns (instructions, a cover page) is skipped;
    one that names some of them is checked like a CSV file.
    """
    sheets = []
    for sheet in workbook.worksheets:
        first = next(sheet.iter_rows(max_row=1, values_only=True), None)
        header = _header(first or ())
        if any(column in header for column in REQUIRED_COLUMNS):
            sheets.append(sheet)
    if not sheets:
        sheet = workbook.worksheets[0]
        yield from _rows_from_table(sheet.iter_rows(values_only=True), problems)
        return
    for sheet in sheets:
        name = sheet.title if len(sheets) > 1 else ""
        yield from _rows_from_table(sheet.iter_rows(values_only=True), problems, name)


def org_file_parse(path: Path) -> OrgFile:
    """The streets of an org file, chosen by suffix (.json, .csv, .xlsx); all or nothing.

    Raises InvalidInput with `extra["errors"]` listing every problem, each naming its place.
    """
    problems = Problems()
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        problems.add(
            path.name,
            _("unknown file type %(suffix)r: use .json, .csv or .xlsx.")
            % {"suffix": path.suffix or path.name},
        )
        problems.raise_if_any()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.add(str(path), _("cannot read the file: %(reason)s") % {"reason": exc.strerror})
        raise problems.error() from exc
    if suffix == ".json":
        streets = _read_json(raw, problems)
    elif suffix == ".csv":
        streets = _read_csv(raw, problems)
    else:
        streets = _read_xlsx(raw, problems)
    if not streets and not problems:
        problems.add("", _("The file holds no street."))
    problems.raise_if_any(path.name)
    return OrgFile(streets=streets, source=str(path))


def org_file_read(path: Path) -> list[StreetSpec]:
    """The streets of an org file (see `org_file_parse`)."""
    return org_file_parse(path).streets


# --- street codes and a last check for specs built in code -----------------------------------

# Longest first: "街道办事处" before "街道". The suffix says what a street is, not which one.
STREET_NAME_SUFFIXES = ("街道办事处", "街道", "地区", "镇", "乡", "街")
STREET_CODE_FALLBACK = "street"
_NOT_CODE_RE = re.compile(r"[^a-z0-9]+")


def street_code_base(name: str) -> str:
    """A short code from a street's name: the pinyin initials without the suffix (双港街道 → sg).

    Letters and digits in the name are kept whole (CBD街道 → cbd). Room is left for a numeric
    suffix when another street already has the code.
    """
    # Imported here: pypinyin loads its dictionaries on import, which only this needs.
    from pypinyin import Style, lazy_pinyin

    stem = name.strip()
    for suffix in STREET_NAME_SUFFIXES:
        if stem.endswith(suffix) and len(stem) > len(suffix):
            stem = stem[: -len(suffix)]
            break
    initials = "".join(lazy_pinyin(stem, style=Style.FIRST_LETTER, errors="default"))
    code = _NOT_CODE_RE.sub("", initials.lower())[: MAX_STREET_CODE - 6]
    return code or STREET_CODE_FALLBACK


def street_code_clean(value: str) -> str:
    """A street code given by a user, lowercased; InvalidInput when it is not a valid slug."""
    problems = Problems()
    code = _check_code(value, "code", problems)
    if code is None and not problems:
        problems.add("code", _("a street code is required."))
    problems.raise_if_any()
    assert code is not None
    return code


def streets_check(streets: Iterable[StreetSpec]) -> list[str]:
    """Problems with specs built in code rather than read from a file, placed by their names.

    Files are checked while they are read; this guards `org_import` against the rest: empty or
    too long names, repeats where the database wants one row.
    """
    problems = Problems()
    streets = list(streets)
    for street in streets:
        _check_name(street.name, MAX_STREET_NAME, street.name or "?", problems)
        if street.code is not None:
            _check_code(street.code, street.name, problems)
        communities: set[str] = set()
        compounds: set[str] = set()
        for community in street.communities:
            where = f"{street.name} › {community.name}"
            _check_name(community.name, MAX_COMMUNITY_NAME, where, problems)
            if community.name in communities:
                problems.add(where, _("duplicate community %(name)s.") % {"name": community.name})
            communities.add(community.name)
            for compound in community.compounds:
                where = f"{street.name} › {compound.name}"
                _check_name(compound.name, MAX_COMPOUND_NAME, where, problems)
                if compound.name in compounds:
                    problems.add(
                        where,
                        _("duplicate compound %(name)s in this street.") % {"name": compound.name},
                    )
                compounds.add(compound.name)
                for coordinate, limit in ((compound.latitude, 90), (compound.longitude, 180)):
                    if coordinate is not None and not -limit <= coordinate <= limit:
                        problems.add(
                            where,
                            _("out of range: %(value)s is not between -%(limit)d and %(limit)d.")
                            % {"value": coordinate, "limit": limit},
                        )
                if (compound.latitude is None) != (compound.longitude is None):
                    problems.add(where, _("give both latitude and longitude, or neither."))
                if compound.households is not None and compound.households < 0:
                    problems.add(
                        where,
                        _("households must be a whole number ≥ 0, not %(value)r.")
                        % {"value": compound.households},
                    )
                buildings: set[str] = set()
                for building in compound.buildings:
                    b_where = f"{where} › {building.name}"
                    _check_name(building.name, MAX_BUILDING_NAME, b_where, problems)
                    if building.name in buildings:
                        problems.add(
                            b_where,
                            _("duplicate building %(name)s.") % {"name": building.name},
                        )
                    buildings.add(building.name)
                    units: set[str] = set()
                    for unit in building.units:
                        u_where = f"{b_where} › {unit}"
                        _check_name(unit, MAX_UNIT_NAME, u_where, problems)
                        if unit in units:
                            problems.add(u_where, _("duplicate unit %(name)s.") % {"name": unit})
                        units.add(unit)
    _check_streets_distinct(streets, problems)
    return problems.items
