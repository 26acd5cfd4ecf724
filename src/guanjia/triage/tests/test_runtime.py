"""The model file: trained on first use, retrained when the shipped corpus changes (keeping the
dispatchers' corrections), reloaded by every process when the file changes."""

from pathlib import Path
from typing import Any

import pytest

from guanjia.triage import runtime
from guanjia.triage.model import Example, TriageModel, train
from guanjia.triage.training import corpus_digest

SMALL = [
    Example("楼道灯不亮", "repair.corridor_light", False),
    Example("声控灯坏了", "repair.corridor_light", False),
    Example("谢谢师傅", "consult.other", False),
    Example("请问怎么办", "consult.other", False),
]


@pytest.fixture
def trained(monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path) -> list[str]:
    """Stand in a small model for the corpus one (the real training is tested in bench and
    test_channels); record each training's note."""
    settings.TRIAGE_MODEL_PATH = tmp_path / "model.npz"
    notes: list[str] = []

    def small(*, extra: list[Example] | None = None, note: str = "") -> TriageModel:
        notes.append(note)
        model = train(SMALL + list(extra or []), note=note)
        model.meta["corpus"] = corpus_digest()
        return model

    monkeypatch.setattr(runtime, "model_train", small)
    monkeypatch.setattr(runtime, "correction_examples", lambda: [])
    return notes


def test_the_first_use_trains_and_saves_a_model_then_reuses_it(trained: list[str]) -> None:
    model = runtime.current_model()
    assert runtime.model_path().exists()
    assert runtime.current_model() is model
    assert trained == ["first use, shipped corpus; 0 corrections"]


def test_a_model_of_an_older_corpus_is_retrained_once(trained: list[str]) -> None:
    old = train(SMALL, note="old")
    old.meta["corpus"] = "0000"
    old.save(runtime.model_path())
    model = runtime.current_model()
    assert model.meta["corpus"] == corpus_digest()
    assert trained == ["shipped corpus changed; 0 corrections"]
    runtime.current_model()
    assert len(trained) == 1


def test_a_new_file_is_picked_up_by_its_modification_time(trained: list[str]) -> None:
    first = runtime.current_model()
    newer = train(SMALL, note="retrained")
    newer.meta["corpus"] = corpus_digest()
    runtime.model_save(newer)
    assert runtime.current_model().meta["note"] == "retrained"
    assert runtime.current_model() is not first


def test_the_places_are_read_again_when_they_change(db: None) -> None:
    from guanjia.org.importer import org_streets_from_dict
    from guanjia.org.models import Street
    from guanjia.org.services import org_import

    doc = {
        "street": "新街道",
        "code": "xinjie",
        "communities": [
            {
                "name": "新社区",
                "compounds": [
                    {"name": "甲小区", "buildings": [{"name": "1幢", "units": ["1单元"]}]}
                ],
            }
        ],
    }
    org_import(org_streets_from_dict(doc))
    street = Street.objects.get(code="xinjie")
    first = runtime.street_gazetteer(street)
    assert runtime.street_gazetteer(street) is first  # unchanged: the same object
    doc["communities"][0]["compounds"].append(
        {"name": "乙小区", "aliases": ["乙"], "buildings": [{"name": "2号楼", "units": []}]}
    )
    org_import(org_streets_from_dict(doc))
    again = runtime.street_gazetteer(street)
    assert [c.name for c in again.compounds] == ["甲小区", "乙小区"]
