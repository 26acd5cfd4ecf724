"""Writes to places (streets, communities, compounds, buildings, units)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from guanjia.core.errors import Conflict, InvalidInput
from guanjia.org.importer import (
    COORDINATE_PLACES,
    OrgFile,
    StreetSpec,
    place_sort_key,
    street_code_base,
    street_code_clean,
    streets_check,
)
from guanjia.org.models import Building, Community, Compound, Street, Unit


@dataclass
class Counts:
    """What an import did to one kind of place.

    `updated` counts rows that existed and changed; `unchanged` rows that existed and did not;
    `kept` rows of the street that the file did not mention (an import never deletes).
    """

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: int = 0

    def add(self, other: Counts) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.kept += other.kept

    def as_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)


@dataclass
class StreetReport:
    code: str
    name: str
    created: bool
    updated: bool = False
    communities: Counts = field(default_factory=Counts)
    compounds: Counts = field(default_factory=Counts)
    buildings: Counts = field(default_factory=Counts)
    units: Counts = field(default_factory=Counts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "created": self.created,
            "updated": self.updated,
            "communities": self.communities.as_dict(),
            "compounds": self.compounds.as_dict(),
            "buildings": self.buildings.as_dict(),
            "units": self.units.as_dict(),
        }


LEVELS = ("communities", "compounds", "buildings", "units")


@dataclass
class ImportReport:
    """The outcome of `org_import`: per street, and summed over the streets."""

    streets: list[StreetReport] = field(default_factory=list)
    dry_run: bool = False

    def total(self, level: str) -> Counts:
        counts = Counts()
        for street in self.streets:
            counts.add(getattr(street, level))
        return counts

    def as_dict(self) -> dict[str, Any]:
        """The `import-org --json` document.

        `street` (code, name, created, updated) when the file held one street; `streets` always,
        each with its own counts; the counts per level summed over the streets.
        """
        document: dict[str, Any] = {}
        if len(self.streets) == 1:
            street = self.streets[0]
            document["street"] = {
                "code": street.code,
                "name": street.name,
                "created": street.created,
                "updated": street.updated,
            }
        document["streets"] = [street.as_dict() for street in self.streets]
        for level in LEVELS:
            document[level] = self.total(level).as_dict()
        document["dry_run"] = self.dry_run
        return document


def _coordinate(value: Decimal | float | str | None) -> Decimal | None:
    # Specs built in code may carry floats; the column keeps 6 places.
    if value is None:
        return None
    return Decimal(str(value)).quantize(COORDINATE_PLACES, rounding=ROUND_HALF_UP)


def _street_code_free(base: str, reserved: set[str]) -> str:
    """`base`, or `base-2`, `base-3`… : the first code no street has (nor this import took)."""
    taken = set(Street.objects.filter(code__startswith=base).values_list("code", flat=True))
    taken |= reserved
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _street_find_or_create(spec: StreetSpec, *, reserved: set[str]) -> tuple[Street, StreetReport]:
    """The street a spec names, created if new.

    With a code the code decides: an existing street keeps its code and takes the file's name; an
    unknown code makes a new street, even beside a namesake (城关镇 exists in many counties).
    Without a code the name decides, so a re-import finds the street again; a new street gets a
    code from its name, with a numeric suffix when another street already has it. Two streets
    with the name and no code to choose between them are refused.
    """
    if spec.code:
        street = Street.objects.filter(code=spec.code).first()
        if street is None:
            street = Street.objects.create(code=spec.code, name=spec.name)
            reserved.add(street.code)
            return street, StreetReport(code=street.code, name=street.name, created=True)
        updated = street.name != spec.name
        if updated:
            street.name = spec.name
            street.save(update_fields=["name"])
        return street, StreetReport(
            code=street.code, name=street.name, created=False, updated=updated
        )

    namesakes = list(Street.objects.filter(name=spec.name).order_by("code")[:3])
    if len(namesakes) > 1:
        message = _(
            "Several streets are named %(name)s (%(codes)s): give the street code in the file "
            "or with --street-code."
        ) % {"name": spec.name, "codes": ", ".join(s.code for s in namesakes)}
        raise InvalidInput(
            message, code="ambiguous_street", extra={"errors": [f"{spec.name}: {message}"]}
        )
    if namesakes:
        street = namesakes[0]
        return street, StreetReport(code=street.code, name=street.name, created=False)
    code = _street_code_free(street_code_base(spec.name), reserved)
    street = Street.objects.create(code=code, name=spec.name)
    reserved.add(code)
    return street, StreetReport(code=street.code, name=street.name, created=True)


Key = tuple[Any, ...]


def _counts(existing: int, mentioned: int, created: int, updated: int) -> Counts:
    return Counts(
        created=created,
        updated=updated,
        unchanged=mentioned - created - updated,
        kept=existing - (mentioned - created),
    )


def _ids(
    model: type[models.Model],
    street: Street,
    key_fields: tuple[str, ...],
    existing: dict[Key, int],
    created: Sequence[models.Model],
) -> dict[Key, int]:
    """Primary keys of a street's rows by their natural key, the ones just created included."""
    if all(obj.pk is not None for obj in created):
        return existing | {tuple(getattr(obj, f) for f in key_fields): obj.pk for obj in created}
    # A backend that cannot return ids from a bulk insert (SQLite before 3.35): read them back.
    rows = model._default_manager.filter(street=street).order_by()
    return {tuple(row[1:]): row[0] for row in rows.values_list("pk", *key_fields)}


def _communities_write(street: Street, spec: StreetSpec, report: StreetReport) -> dict[Key, int]:
    existing = {
        (name,): pk
        for name, pk in Community.objects.filter(street=street).order_by().values_list("name", "pk")
    }
    new = [Community(street=street, name=c.name) for c in spec.communities]
    new = [obj for obj in new if (obj.name,) not in existing]
    Community.objects.bulk_create(new)
    # A community has nothing but its name: it is created or left as it is.
    report.communities = _counts(len(existing), len(spec.communities), len(new), 0)
    return _ids(Community, street, ("name",), existing, new)


def _compounds_write(
    street: Street, spec: StreetSpec, community_ids: dict[Key, int], report: StreetReport
) -> dict[Key, int]:
    existing = {(c.name,): c for c in Compound.objects.filter(street=street).order_by()}
    new: list[Compound] = []
    changed: list[Compound] = []
    changed_fields: set[str] = set()
    mentioned = 0
    for community, compound in spec.compounds():
        mentioned += 1
        values: dict[str, Any] = {"community_id": community_ids[(community.name,)]}
        # None means "not in the file": keep what the database has rather than erase it.
        if compound.aliases is not None:
            values["aliases"] = list(compound.aliases)
        if compound.latitude is not None and compound.longitude is not None:
            values["latitude"] = _coordinate(compound.latitude)
            values["longitude"] = _coordinate(compound.longitude)
        if compound.households is not None:
            values["households"] = compound.households
        obj = existing.get((compound.name,))
        if obj is None:
            new.append(Compound(street=street, name=compound.name, **values))
            continue
        diff = [name for name, value in values.items() if getattr(obj, name) != value]
        if diff:
            for name in diff:
                setattr(obj, name, values[name])
            changed.append(obj)
            changed_fields.update(diff)
    Compound.objects.bulk_create(new)
    if changed:
        Compound.objects.bulk_update(changed, sorted(changed_fields))
    report.compounds = _counts(len(existing), mentioned, len(new), len(changed))
    ids = {key: obj.pk for key, obj in existing.items()}
    return _ids(Compound, street, ("name",), ids, new)


def _sorted_places_write(
    model: type[Building] | type[Unit],
    street: Street,
    parent_field: str,
    wanted: list[tuple[int, str, int]],
) -> tuple[Counts, dict[Key, int]]:
    """Buildings of compounds or units of buildings, `wanted` as (parent id, name, sort key).

    Matched by (parent, name); the sort key is all that an import can change.
    """
    rows = model._default_manager.filter(street=street).order_by()
    existing: dict[Key, Any] = {
        (getattr(obj, parent_field), obj.name): obj
        for obj in rows.only("pk", parent_field, "name", "sort_key")
    }
    new: list[Any] = []
    changed: list[Any] = []
    for parent_id, name, sort_key in wanted:
        obj = existing.get((parent_id, name))
        if obj is None:
            new.append(
                model(street=street, name=name, sort_key=sort_key, **{parent_field: parent_id})
            )
        elif obj.sort_key != sort_key:
            obj.sort_key = sort_key
            changed.append(obj)
    model._default_manager.bulk_create(new)
    if changed:
        model._default_manager.bulk_update(changed, ["sort_key"])
    counts = _counts(len(existing), len(wanted), len(new), len(changed))
    ids = {key: obj.pk for key, obj in existing.items()}
    return counts, _ids(model, street, (parent_field, "name"), ids, new)


def _buildings_write(
    street: Street, spec: StreetSpec, compound_ids: dict[Key, int], report: StreetReport
) -> dict[Key, int]:
    wanted = [
        (compound_ids[(compound.name,)], building.name, place_sort_key(building.name, position))
        for _community, compound in spec.compounds()
        for position, building in enumerate(compound.buildings, start=1)
    ]
    report.buildings, ids = _sorted_places_write(Building, street, "compound_id", wanted)
    return ids


def _units_write(
    street: Street,
    spec: StreetSpec,
    compound_ids: dict[Key, int],
    building_ids: dict[Key, int],
    report: StreetReport,
) -> None:
    wanted = [
        (
            building_ids[(compound_ids[(compound.name,)], building.name)],
            unit,
            place_sort_key(unit, position),
        )
        for _community, compound in spec.compounds()
        for building in compound.buildings
        for position, unit in enumerate(building.units, start=1)
    ]
    report.units, _unit_ids = _sorted_places_write(Unit, street, "building_id", wanted)


def _streets_of(data: OrgFile | Sequence[StreetSpec] | Iterable[StreetSpec]) -> list[StreetSpec]:
    if isinstance(data, OrgFile):
        return list(data.streets)
    return list(data)


@transaction.atomic
def org_import(data: OrgFile | list[StreetSpec], *, street_code: str | None = None) -> ImportReport:
    """Create or update the places of one or more streets; all or nothing, never a delete.

    Idempotent: places are matched by name within their parent (streets by code, else by name),
    so a second import of the same file creates nothing. It updates what changed (a compound's
    community, aliases, coordinates, households; the sort keys of buildings and units) and keeps,
    without touching, whatever the file does not mention. `street_code` sets the code of the
    single street in `data`. A few queries per level and street, whatever the size.
    """
    streets = _streets_of(data)
    if street_code is not None:
        if len(streets) != 1:
            raise InvalidInput(
                _("A street code needs a file with exactly one street; this one has %(count)d.")
                % {"count": len(streets)},
                code="street_code_ambiguous",
                field="street_code",
            )
        streets = [dataclasses.replace(streets[0], code=street_code_clean(street_code))]
    errors = streets_check(streets)
    if errors:
        raise InvalidInput(
            _("%(count)d problem(s) found, nothing was imported.") % {"count": len(errors)},
            code="invalid_org_file",
            extra={"errors": errors},
        )

    report = ImportReport()
    reserved: set[str] = set()
    try:
        for spec in streets:
            street, street_report = _street_find_or_create(spec, reserved=reserved)
            community_ids = _communities_write(street, spec, street_report)
            compound_ids = _compounds_write(street, spec, community_ids, street_report)
            building_ids = _buildings_write(street, spec, compound_ids, street_report)
            _units_write(street, spec, compound_ids, building_ids, street_report)
            report.streets.append(street_report)
    except IntegrityError as exc:
        # Only a concurrent writer can break a unique constraint after the reads above (two
        # imports of one new street on PostgreSQL); the transaction rolls back whole.
        raise Conflict(
            _(
                "Another change to the same places was saved meanwhile; nothing was imported. "
                "Run the import again."
            ),
            code="org_import_conflict",
        ) from exc
    return report
