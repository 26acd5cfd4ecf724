"""The extractors over every labelled message of the corpus (src/guanjia/triage/corpus).

Each line of corpus/messages/*.jsonl is a message with its labels (street, compound, building,
unit, room, phone); corpus/streets/<street>.json is that street's org. Targets: every phone,
99% of compounds, 95% of buildings and units. The misses are printed (pytest -s shows them).
"""

import json
from pathlib import Path
from typing import Any

import pytest

from guanjia.triage.phones import find_phone
from guanjia.triage.places import Gazetteer, find_place

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
TARGETS = {"phone": 1.0, "compound": 0.99, "building": 0.95, "unit": 0.95}


def _messages() -> list[dict[str, Any]]:
    messages = []
    for path in sorted((CORPUS / "messages").glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                message = json.loads(line)
                message["_where"] = f"{path.name}:{number}"
                messages.append(message)
    return messages


def test_corpus_accuracy() -> None:
    messages = _messages()
    if not messages:
        pytest.skip("no labelled corpus yet")
    gazetteers: dict[str, Gazetteer] = {}
    right = dict.fromkeys([*TARGETS, "room"], 0)
    misses: list[str] = []
    for message in messages:
        street = message["street"]
        if street not in gazetteers:
            org = json.loads((CORPUS / "streets" / f"{street}.json").read_text(encoding="utf-8"))
            gazetteers[street] = Gazetteer.from_org_json(org)
        place = find_place(message["text"], gazetteers[street])
        phone = find_phone(message["text"])
        found = {
            "phone": phone.digits if phone else None,
            "compound": place.compound,
            "building": place.building,
            "unit": place.unit,
            "room": place.room,
        }
        for label, value in found.items():
            if value == message.get(label):
                right[label] += 1
            else:
                misses.append(
                    f"{message['_where']} {label}: want {message.get(label)!r} got {value!r} "
                    f"({place.reasons}) {message['text']}"
                )
    total = len(messages)
    print(f"\n{total} messages: " + ", ".join(f"{k} {v / total:.1%}" for k, v in right.items()))
    print("\n".join(misses))
    for label, target in TARGETS.items():
        assert right[label] / total >= target, f"{label}: {right[label]}/{total}"
