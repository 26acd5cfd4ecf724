"""The model file and the street's places, as the running service sees them.

The model lives at settings.TRIAGE_MODEL_PATH (var/triage/model.npz). A fresh install has none:
the first use trains one from the shipped corpus (a few seconds), so no model is ever downloaded
and none is committed as a binary. `guanjia triage-train` retrains with the dispatchers'
corrections; every process notices the new file by its modification time.
"""

from __future__ import annotations

import fcntl
import json
import threading
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Max, Prefetch

from guanjia.org.models import Building, Compound, Street, Unit
from guanjia.triage.model import Example, TriageModel
from guanjia.triage.places import BuildingEntry, CompoundEntry, Gazetteer

_lock = threading.Lock()
_loaded: dict[Path, tuple[float, TriageModel]] = {}
_places: dict[int, tuple[tuple[object, ...], Gazetteer]] = {}


def model_path() -> Path:
    return Path(settings.TRIAGE_MODEL_PATH)


def model_save(model: TriageModel) -> Path:
    path = model_path()
    model.save(path)
    with _lock:
        _loaded.pop(path, None)
    return path


def model_train(*, extra: list[Example] | None = None, note: str = "") -> TriageModel:
    from guanjia.triage.training import train_corpus

    return train_corpus(extra=extra or [], note=note)


def correction_examples() -> list[Example]:
    """Training examples from the dispatchers' corrections: each corrected message's text with
    its final category and urgency (the last correction of each wins), masked by its street's
    places as at triage time."""
    from guanjia.triage.engine import training_text
    from guanjia.triage.models import IntakeMessage, TriageCorrection

    final: dict[int, dict[str, str]] = {}
    for c in TriageCorrection.objects.filter(field__in=("category", "urgent")).order_by("at", "pk"):
        final.setdefault(c.message_id, {})[c.field] = c.corrected
    out = []
    messages = IntakeMessage.objects.filter(pk__in=final).select_related("street")
    for message in messages.order_by("pk"):
        fields = final[message.pk]
        out.append(
            Example(
                text=training_text(message.text, street_gazetteer(message.street)),
                category=fields.get("category", message.category),
                urgent=fields["urgent"] == "True" if "urgent" in fields else message.urgent,
            )
        )
    return out


def _train_once(path: Path, *, stale: str | None) -> None:
    """Train and install a model unless another process did it meanwhile (a lock file: two
    processes starting together train once)."""
    from guanjia.triage.training import corpus_digest

    path.parent.mkdir(parents=True, exist_ok=True)
    with (path.parent / (path.name + ".lock")).open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists() and TriageModel.load(path).meta.get("corpus") == corpus_digest():
            return
        extra = correction_examples() if stale else []
        note = "shipped corpus changed" if stale else "first use, shipped corpus"
        model_train(extra=extra, note=f"{note}; {len(extra)} corrections").save(path)


def current_model() -> TriageModel:
    """The model on disk, trained first when there is none yet or when the shipped corpus has
    changed since (an upgrade brought new examples; the dispatchers' corrections are kept).
    Every process reloads the file when its modification time changes."""
    from guanjia.triage.training import corpus_digest

    path = model_path()
    if not path.exists():
        _train_once(path, stale=None)
    mtime = path.stat().st_mtime
    with _lock:
        cached = _loaded.get(path)
        if cached is not None and cached[0] == mtime:
            return cached[1]
    model = TriageModel.load(path)
    if model.meta.get("corpus") != corpus_digest():
        _train_once(path, stale=str(model.meta.get("corpus")))
        mtime = path.stat().st_mtime
        model = TriageModel.load(path)
    with _lock:
        _loaded[path] = (mtime, model)
    return model


def _places_fingerprint(street: Street) -> tuple[object, ...]:
    """What changes when the street's places change: its compounds as they are named, and how
    many buildings and units there are (two cheap aggregate queries and one short list)."""
    compounds = tuple(
        Compound.objects.filter(street=street).order_by("pk").values_list("pk", "name", "aliases")
    )
    buildings = Building.objects.filter(street=street).aggregate(n=Count("pk"), top=Max("pk"))
    units = Unit.objects.filter(street=street).aggregate(n=Count("pk"), top=Max("pk"))
    return (
        json.dumps(compounds, ensure_ascii=False),
        buildings["n"],
        buildings["top"],
        units["n"],
        units["top"],
    )


def street_gazetteer(street: Street) -> Gazetteer:
    """The street's compounds (names, aliases), buildings and units as the triage engine reads
    them. Built once per process and kept while the places' fingerprint stays the same (an
    import or a rename is seen by the next message)."""
    fingerprint = _places_fingerprint(street)
    with _lock:
        cached = _places.get(street.pk)
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    compounds = (
        Compound.objects.filter(street=street)
        .order_by("pk")
        .prefetch_related(
            Prefetch(
                "buildings",
                queryset=Building.objects.order_by("sort_key", "name").prefetch_related("units"),
            )
        )
    )
    gazetteer = Gazetteer(
        compounds=tuple(
            CompoundEntry(
                name=c.name,
                aliases=tuple(c.aliases or ()),
                buildings=tuple(
                    BuildingEntry(name=b.name, units=tuple(u.name for u in b.units.all()))
                    for b in c.buildings.all()
                ),
            )
            for c in compounds
        )
    )
    with _lock:
        _places[street.pk] = (fingerprint, gazetteer)
    return gazetteer
