"""The labelled corpus shipped with the package, and turning labelled messages into training
examples. Pure (files of the package only, no database).

The corpus (corpus/messages/*.jsonl) is written by hand about three invented streets whose org
files are corpus/streets/<code>.json. One street, HELD_OUT, is never trained on by the benchmark:
it plays the street the model never saw.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from guanjia.triage.engine import danger_phrase, training_text
from guanjia.triage.model import Example, TriageModel, train
from guanjia.triage.places import Gazetteer

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
HELD_OUT = "taoyuan"
FIELDS = ("category", "urgent", "compound", "building", "unit", "room", "phone")


@dataclass(frozen=True)
class Labelled:
    """One line of a labelled file (the format of the corpus and of messages-dev.jsonl)."""

    text: str
    channel: str
    street: str
    category: str
    urgent: bool
    compound: str | None
    building: str | None
    unit: str | None
    room: str | None
    phone: str | None

    def expected(self, name: str) -> object:
        return getattr(self, name)


def read_labelled(path: Path, *, street: str = "") -> list[Labelled]:
    """Lines of a labelled JSONL file; `street` fills in lines that name none."""
    out = []
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                out.append(
                    Labelled(
                        text=str(row["text"]),
                        channel=str(row.get("channel") or ""),
                        street=str(row.get("street") or street),
                        category=str(row["category"]),
                        urgent=bool(row.get("urgent", False)),
                        compound=row.get("compound"),
                        building=row.get("building"),
                        unit=row.get("unit"),
                        room=row.get("room"),
                        phone=row.get("phone"),
                    )
                )
            except (ValueError, KeyError, TypeError) as e:
                raise ValueError(f"{path}:{number}: {e}") from e
    return out


def corpus() -> list[Labelled]:
    rows: list[Labelled] = []
    for path in sorted((CORPUS_DIR / "messages").glob("*.jsonl")):
        rows.extend(read_labelled(path))
    return rows


def corpus_street(code: str) -> Gazetteer:
    with (CORPUS_DIR / "streets" / f"{code}.json").open(encoding="utf-8") as f:
        return Gazetteer.from_org_json(json.load(f))


def corpus_streets() -> dict[str, Gazetteer]:
    return {p.stem: corpus_street(p.stem) for p in sorted((CORPUS_DIR / "streets").glob("*.json"))}


def examples_from(rows: Iterable[Labelled], gazetteers: dict[str, Gazetteer]) -> Iterator[Example]:
    """Training examples: each text masked by its own street's places, as at triage time."""
    empty = Gazetteer(compounds=())
    for row in rows:
        gazetteer = gazetteers.get(row.street, empty)
        yield Example(
            text=training_text(row.text, gazetteer), category=row.category, urgent=row.urgent
        )


def corpus_split() -> tuple[list[Labelled], list[Labelled]]:
    """(training rows, held-out rows): the held-out street's messages are never trained on."""
    rows = corpus()
    return [r for r in rows if r.street != HELD_OUT], [r for r in rows if r.street == HELD_OUT]


def train_corpus(
    *, extra: Sequence[Example] = (), held_out: bool = False, note: str = ""
) -> TriageModel:
    """A model from the shipped corpus (all of it, or without the held-out street) plus `extra`
    examples (the dispatchers' corrections)."""
    train_rows, test_rows = corpus_split()
    rows = train_rows if held_out else train_rows + test_rows
    examples = list(examples_from(rows, corpus_streets())) + list(extra)
    model = train(examples, note=note, urgent_rule=danger_phrase)
    model.meta["corpus"] = corpus_digest()
    return model


def corpus_digest() -> str:
    """A fingerprint of the shipped corpus: a model trained on another is out of date."""
    digest = hashlib.sha256()
    for path in sorted(CORPUS_DIR.rglob("*.json*")):
        digest.update(path.relative_to(CORPUS_DIR).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
