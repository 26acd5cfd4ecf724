"""Benchmark message triage: accuracy per field and per category, and messages per second.

1. Held-out street: a model trained on the shipped corpus WITHOUT the held-out street's messages
   is scored on that street's messages (a street it never saw, its places known only from its org
   file).
2. Any labelled file given as `LABELLED.jsonl ORG.json` (the format of the corpus; e.g. the
   examples' messages-dev.jsonl with its org-example.json) is scored with the model trained on the
   whole shipped corpus.
3. Speed: the engine alone on one thread, and the whole `guanjia triage --street` command (Python
   start-up, Django, model load and place query included) pinned to one core with `taskset`, on a
   throwaway SQLite database with the held-out street imported.

Figures only: nothing here asserts a timing. Run: .venv/bin/python bench/triage.py [FILE ORG ...]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core, as the target says

import json  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import Counter, defaultdict  # noqa: E402
from pathlib import Path  # noqa: E402

from guanjia.triage.engine import Triage, triage_many  # noqa: E402
from guanjia.triage.model import TriageModel  # noqa: E402
from guanjia.triage.places import Gazetteer  # noqa: E402
from guanjia.triage.training import (  # noqa: E402
    CORPUS_DIR,
    FIELDS,
    HELD_OUT,
    Labelled,
    corpus_split,
    read_labelled,
    train_corpus,
)

ROOT = Path(__file__).resolve().parent.parent
GUANJIA = ROOT / ".venv" / "bin" / "guanjia"
TARGETS = {"category": 0.93, "compound": 0.99, "building": 0.95, "unit": 0.95, "phone": 1.0}


def score(title: str, rows: list[Labelled], got: list[Triage]) -> None:
    n = len(rows)
    print(f"\n## {title}: {n} messages")
    for name in FIELDS:
        if name == "urgent":
            continue
        right = sum(getattr(g, name) == r.expected(name) for r, g in zip(rows, got, strict=True))
        target = TARGETS.get(name)
        mark = (
            ""
            if target is None
            else f"  (target ≥ {target:.0%}: {'ok' if right / n >= target else 'MISSED'})"
        )
        print(f"{name:9} {right / n:7.2%}  {right}/{n}{mark}")
    tp = sum(r.urgent and g.urgent for r, g in zip(rows, got, strict=True))
    fp = sum(g.urgent and not r.urgent for r, g in zip(rows, got, strict=True))
    fn = sum(r.urgent and not g.urgent for r, g in zip(rows, got, strict=True))
    recall = tp / (tp + fn) if tp + fn else 1.0
    precision = tp / (tp + fp) if tp + fp else 1.0
    print(
        f"urgent    recall {recall:.2%} ({tp}/{tp + fn}, target 100%)  "
        f"precision {precision:.2%} ({tp}/{tp + fp}, target ≥ 80%)"
    )
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    for r, g in zip(rows, got, strict=True):
        confusion[r.category][g.category] += 1
    print("\nper category (truth: right/total, and what it was mistaken for)")
    for category in sorted(confusion):
        row = confusion[category]
        total = sum(row.values())
        wrong = ", ".join(f"{c}×{k}" for c, k in row.most_common() if c != category)
        print(f"  {category:26} {row[category]:3}/{total:<3} {wrong}")
    misses = [(r, g) for r, g in zip(rows, got, strict=True) if g.category != r.category]
    for r, g in misses[:15]:
        print(f"    ✗ {r.category} → {g.category} ({g.confidence:.2f}): {r.text[:60]}")


def engine_speed(texts: list[str], gazetteer: Gazetteer, model: TriageModel) -> float:
    triage_many(texts[:50], gazetteer=gazetteer, model=model)  # warm jieba and caches
    started = time.perf_counter()
    for i in range(0, len(texts), 512):
        triage_many(texts[i : i + 512], gazetteer=gazetteer, model=model)
    return len(texts) / (time.perf_counter() - started)


def command_speed(texts: list[str], org: Path, model_path: Path) -> tuple[float, float] | None:
    """Messages per second through `guanjia triage`, whole process, on one core."""
    if not GUANJIA.exists():
        print("(no .venv/bin/guanjia: skipping the command timing)")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "GUANJIA_VAR_DIR": tmp,
            "GUANJIA_TRIAGE_MODEL": str(model_path),
        }
        env.pop("DATABASE_URL", None)  # always SQLite: a throwaway database
        subprocess.run([GUANJIA, "migrate", "-v0"], env=env, check=True, cwd=tmp)  # noqa: S603
        subprocess.run(  # noqa: S603
            [GUANJIA, "import-org", str(org)],
            env=env,
            check=True,
            cwd=tmp,
            stdout=subprocess.DEVNULL,
        )
        code = json.loads(org.read_text(encoding="utf-8"))["code"]
        pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
        data = ("\n".join(texts) + "\n").encode()
        started = time.perf_counter()
        done = subprocess.run(  # noqa: S603
            [*pin, GUANJIA, "triage", "--street", code],
            env=env,
            input=data,
            capture_output=True,
            check=True,
            cwd=tmp,
        )
        wall = time.perf_counter() - started
        lines = done.stdout.decode().splitlines()
        assert len(lines) == len(texts), (len(lines), len(texts))
        return len(texts) / wall, wall


def main(argv: list[str]) -> None:
    train_rows, test_rows = corpus_split()
    print(
        f"corpus: {len(train_rows) + len(test_rows)} messages; held-out street {HELD_OUT}: "
        f"{len(test_rows)}"
    )
    started = time.perf_counter()
    held_out_model = train_corpus(held_out=True, note="bench, held-out street excluded")
    print(f"trained without {HELD_OUT} in {time.perf_counter() - started:.1f} s")
    street_org = CORPUS_DIR / "streets" / f"{HELD_OUT}.json"
    gazetteer = Gazetteer.from_org_json(json.loads(street_org.read_text(encoding="utf-8")))
    texts = [r.text for r in test_rows]
    score(
        f"held-out street {HELD_OUT} (never trained on)",
        test_rows,
        triage_many(texts, gazetteer=gazetteer, model=held_out_model),
    )

    full_model = train_corpus(note="bench, whole corpus")
    for file, org in zip(argv[::2], argv[1::2], strict=False):
        org_doc = json.loads(Path(org).read_text(encoding="utf-8"))
        rows = read_labelled(Path(file), street=org_doc.get("code", ""))
        score(
            f"{file} (street {org_doc.get('street')}, whole-corpus model)",
            rows,
            triage_many(
                [r.text for r in rows],
                gazetteer=Gazetteer.from_org_json(org_doc),
                model=full_model,
            ),
        )

    every = [r.text for r in train_rows + test_rows]
    stream = (every * (20000 // max(1, len(every)) + 1))[:20000]
    rate = engine_speed(stream, gazetteer, full_model)
    print(f"\nengine: {rate:,.0f} messages/s on one thread ({len(stream):,} messages)")
    with tempfile.TemporaryDirectory() as tmp:
        model_path = Path(tmp) / "model.npz"
        full_model.save(model_path)
        timed = command_speed(stream, street_org, model_path)
    if timed is not None:
        per_second, wall = timed
        print(
            f"guanjia triage: {per_second:,.0f} messages/s on one core, whole command "
            f"({len(stream):,} messages in {wall:.2f} s, start-up included; target ≥ 2,000)"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
