"""The exported model scores exactly as scikit-learn does, survives a save and load, and the
urgency threshold catches every urgent training example out of fold."""

from pathlib import Path

import numpy as np
import pytest

from guanjia.triage.model import (
    CATEGORY_C,
    Example,
    Lexicon,
    TriageModel,
    features,
    lexicon_from,
    train,
)

EXAMPLES = [
    Example("楼道灯不亮了 晚上黑漆漆的", "repair.corridor_light", False),
    Example("声控灯坏了好几天了，请来换一下", "repair.corridor_light", False),
    Example("三楼楼梯灯一直不亮", "repair.corridor_light", False),
    Example("感应灯拍手也不亮", "repair.corridor_light", False),
    Example("楼道里一股煤气味 大家别开灯", "security.fire_safety", True),
    Example("楼下有电动车着火了 快来人", "security.fire_safety", True),
    Example("消防通道被车堵死了", "security.fire_safety", False),
    Example("灭火器过期两年了", "security.fire_safety", False),
    Example("谢谢师傅 灯修好了 👍", "consult.other", False),
    Example("请问高龄津贴怎么申请", "consult.other", False),
    Example("门禁修好了，给物业点赞", "consult.other", False),
    Example("是不是明天要停水？", "consult.other", False),
]


@pytest.fixture(scope="module")
def model() -> TriageModel:
    return train(EXAMPLES, note="test")


def test_features_are_words_characters_bigrams_and_symbols_with_digits_collapsed() -> None:
    tokens = features("3楼楼道灯坏了👍", Lexicon(["楼道灯", "楼道", "坏了"]))
    assert {"w:楼道灯", "w:楼道", "w:坏了"} <= set(tokens)  # overlapping words all count
    assert "c:灯" in tokens
    assert "b:楼道" in tokens and "b:道灯" in tokens
    assert "s:👍" in tokens
    assert not any("3" in t for t in tokens)  # which floor says nothing about the category


def test_the_lexicon_comes_from_jieba_and_the_domain_words() -> None:
    words = lexicon_from(["小区门口的垃圾桶满了"])
    assert "垃圾桶" in words  # a domain word
    assert "门口" in words  # found by jieba in the text
    assert all(2 <= len(w) <= 6 for w in words)


def test_a_lexicon_finds_every_word_and_stops_at_dead_prefixes() -> None:
    lexicon = Lexicon(["声控灯", "控灯", "灯泡"])
    assert lexicon.matches("声控灯泡坏了") == ["声控灯", "控灯", "灯泡"]
    assert lexicon.matches("什么都没有") == []


def test_exported_scores_equal_scikit_learns(model: TriageModel) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts = [e.text for e in EXAMPLES]
    lexicon = Lexicon(lexicon_from(texts))
    vectorizer = TfidfVectorizer(analyzer=lambda t: features(t, lexicon), sublinear_tf=True)
    matrix = vectorizer.fit_transform(texts)
    reference = LogisticRegression(C=CATEGORY_C, max_iter=3000).fit(
        matrix, [e.category for e in EXAMPLES]
    )
    probe = ["灯不亮", "一股煤气味", "谢谢", "从没见过的词语"]
    expected = reference.predict_proba(vectorizer.transform(probe))
    got = model.predict(probe)
    for row, prediction in zip(expected, got, strict=True):
        best = int(np.argmax(row))
        assert prediction.category == reference.classes_[best]
        assert prediction.confidence == pytest.approx(row[best], abs=1e-9)


def test_save_and_load_give_the_same_predictions(model: TriageModel, tmp_path: Path) -> None:
    path = tmp_path / "m.npz"
    model.save(path)
    loaded = TriageModel.load(path)
    probe = ["楼道灯坏了", "煤气味很重", "谢谢"]
    assert loaded.version == model.version
    assert loaded.predict(probe) == model.predict(probe)


def test_a_model_file_of_another_format_is_refused(model: TriageModel, tmp_path: Path) -> None:
    path = tmp_path / "m.npz"
    model.save(path)
    with np.load(path) as data:
        arrays = dict(data)
    arrays["meta"] = np.array('{"format": 999}')
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="format 999"):
        TriageModel.load(path)


def test_cues_name_the_words_behind_the_category(model: TriageModel) -> None:
    [prediction] = model.predict(["楼道灯又不亮了"])
    assert prediction.category == "repair.corridor_light"
    assert prediction.cues and all(isinstance(c, str) and c for c in prediction.cues)


def test_the_urgency_threshold_keeps_every_urgent_example(model: TriageModel) -> None:
    scores = model.predict([e.text for e in EXAMPLES])
    urgent = [s.urgent_score for s, e in zip(scores, EXAMPLES, strict=True) if e.urgent]
    assert 0.1 <= model.urgent_threshold <= 0.5
    assert min(urgent) >= model.urgent_threshold


def test_training_needs_two_categories() -> None:
    with pytest.raises(ValueError, match="two categories"):
        train([Example("灯坏了", "repair.corridor_light", False)])


def test_an_empty_batch_predicts_nothing(model: TriageModel) -> None:
    assert model.predict([]) == []


def test_two_categories_score_as_scikit_learns_binary_model() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    two = [e for e in EXAMPLES if e.category != "security.fire_safety"]
    model = train(two)
    lexicon = Lexicon(lexicon_from([e.text for e in two]))
    vectorizer = TfidfVectorizer(analyzer=lambda t: features(t, lexicon), sublinear_tf=True)
    matrix = vectorizer.fit_transform([e.text for e in two])
    reference = LogisticRegression(C=CATEGORY_C, max_iter=3000).fit(
        matrix, [e.category for e in two]
    )
    probe = ["灯不亮", "谢谢"]
    expected = reference.predict_proba(vectorizer.transform(probe))
    for row, prediction in zip(expected, model.predict(probe), strict=True):
        assert prediction.category == reference.classes_[int(np.argmax(row))]
        assert prediction.confidence == pytest.approx(row.max(), abs=1e-9)
