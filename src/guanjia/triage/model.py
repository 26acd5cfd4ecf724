"""The triage classifier: what a message is about (a catalogue code) and whether it is urgent.

Training uses scikit-learn (TF-IDF over jieba words and character bigrams, multinomial logistic
regression); the trained weights are exported to a plain ``.npz`` file (no pickle, so loading a
model file cannot run code) and applied with numpy and one sparse product, which is several times
faster per message than calling scikit-learn and needs no scikit-learn at run time.

The text given to the model has places and phone numbers already cut out (the engine does it), so
the model learns what is wrong, never where: a street it never saw reads the same as the one it
was trained on.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from scipy import sparse

FORMAT = 1
_DIGITS = re.compile(r"\d+")
_CJK = re.compile(r"[\u3400-\u9fff]+")
# Emoji and pictographs (👍🔥😡): a thumbs-up says thanks, a flame says fire.
_SYMBOL = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")
MAX_WORD = 6

_jieba_lock = threading.Lock()
_jieba_tokenizer = None

# Words jieba's general dictionary splits badly in this domain; they keep their meaning whole.
DOMAIN_WORDS = (
    "声控灯 感应灯 楼道灯 楼梯灯 路灯 单元门 门禁 电磁锁 对讲机 化粪池 窨井 下水道 地漏 排水沟 "
    "防水层 外墙 渗水 漏水 总阀 水表 电表箱 空气开关 跳闸 晾衣架 健身器材 井盖 车棚 信报箱 "
    "电瓶车 电动车 飞线 充电桩 液化气 煤气 燃气 消防通道 灭火器 消火栓 消防栓 烟感 "
    "广场舞 装修 噪音 垃圾桶 垃圾房 建筑垃圾 大件垃圾 楼道堆物 小广告 消杀 灭鼠 白蚁 蟑螂 蚊子 "
    "绿化带 修剪 除草 枯树 家政 保洁 擦玻璃 月嫂 陪诊 助浴 独居老人 助餐 托管 接送 看护 "
    "水龙头 马桶 坐便器 热水器 门锁 晾衣杆 高龄津贴 养老补贴"
).split()


def _tokenizer():  # type: ignore[no-untyped-def]
    """jieba's tokenizer, built once per process (its dictionary takes about a second)."""
    global _jieba_tokenizer
    if _jieba_tokenizer is None:
        with _jieba_lock:
            if _jieba_tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                for word in DOMAIN_WORDS:
                    tokenizer.add_word(word, freq=2000)
                _jieba_tokenizer = tokenizer
    return _jieba_tokenizer


def lexicon_from(texts: Iterable[str]) -> frozenset[str]:
    """The words jieba finds in `texts` (two to MAX_WORD Chinese characters), plus the domain
    words: the lexicon a model reads messages with."""
    words = set(DOMAIN_WORDS)
    tokenizer = _tokenizer()
    for text in texts:
        for run in _CJK.findall(unicodedata.normalize("NFKC", text)):
            for word in tokenizer.cut(run, HMM=False):
                if 2 <= len(word) <= MAX_WORD:
                    words.add(word)
    return frozenset(words)


class Lexicon:
    """Finds every lexicon word in a text, overlaps included, by walking prefixes: one dict
    lookup per character and candidate length, with no segmentation to disagree between
    training and use."""

    def __init__(self, words: Iterable[str]) -> None:
        self.words = frozenset(words)
        self.prefixes = frozenset(w[:i] for w in self.words for i in range(1, len(w)))
        self.longest = max((len(w) for w in self.words), default=1)

    def matches(self, run: str) -> list[str]:
        words, prefixes, longest = self.words, self.prefixes, self.longest
        found = []
        n = len(run)
        for i in range(n - 1):
            for j in range(i + 2, min(n, i + longest) + 1):
                piece = run[i:j]
                if piece in words:
                    found.append(piece)
                if piece not in prefixes:
                    break
        return found


def features(text: str, lexicon: Lexicon) -> list[str]:
    """The tokens the model sees: the lexicon's words found in the text (``w:``), single
    Chinese characters (``c:``) and character bigrams (``b:``) of Chinese runs, and symbols such
    as emoji (``s:``). Digits collapse to ``#``: which room or floor says nothing of the
    category."""
    text = _DIGITS.sub("#", unicodedata.normalize("NFKC", text).lower())
    out: list[str] = []
    for run in _CJK.findall(text):
        out.extend("w:" + w for w in lexicon.matches(run))
        out.extend("c:" + ch for ch in run)
        out.extend("b:" + run[i : i + 2] for i in range(len(run) - 1))
    out.extend("s:" + ch for ch in _SYMBOL.findall(text))
    return out


@dataclass(frozen=True)
class Prediction:
    category: str
    confidence: float
    urgent_score: float
    # The tokens that pushed hardest towards the category, strongest first (for the reason).
    cues: tuple[str, ...]


@dataclass(frozen=True)
class Example:
    text: str
    category: str
    urgent: bool


class TriageModel:
    """Exported weights: vocabulary → column, idf, one weight row per class, and a binary
    urgency head over the same features."""

    def __init__(
        self,
        *,
        vocabulary: Sequence[str],
        idf: np.ndarray,
        coef: np.ndarray,
        intercept: np.ndarray,
        classes: Sequence[str],
        urgent_coef: np.ndarray,
        urgent_intercept: float,
        meta: dict[str, object],
    ) -> None:
        self.vocabulary = list(vocabulary)
        self.index = {token: i for i, token in enumerate(self.vocabulary)}
        # Only words with a weight matter when reading: the lexicon is the vocabulary's words.
        self.lexicon = Lexicon(t[2:] for t in self.vocabulary if t.startswith("w:"))
        self.idf = idf.astype(np.float64)
        # Columns: one per class, then the urgency head; one sparse product scores both.
        self.weights = np.hstack([coef.T, urgent_coef.reshape(-1, 1)]).astype(np.float64)
        self.intercept = intercept.astype(np.float64)
        self.classes = list(classes)
        self.urgent_intercept = float(urgent_intercept)
        self.meta = meta

    @property
    def version(self) -> str:
        return str(self.meta.get("version", "unknown"))

    @property
    def urgent_threshold(self) -> float:
        return float(self.meta.get("urgent_threshold", 0.5))  # type: ignore[arg-type]

    def _matrix(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """TF-IDF rows as scikit-learn's vectorizer makes them (sublinear tf, l2 norm)."""
        get = self.index.get
        lexicon = self.lexicon
        rows: list[int] = []
        columns: list[int] = []
        for row, text in enumerate(texts):
            found = [j for j in map(get, features(text, lexicon)) if j is not None]
            columns.extend(found)
            rows.extend([row] * len(found))
        matrix = sparse.csr_matrix(
            (np.ones(len(columns)), (np.asarray(rows, dtype=np.int64), columns)),
            shape=(len(texts), len(self.vocabulary)),
        )  # duplicates are summed: the counts
        matrix.data = (1.0 + np.log(matrix.data)) * self.idf[matrix.indices]
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sparse.diags(1.0 / norms) @ matrix

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        if not texts:
            return []
        matrix = self._matrix(texts)
        scores = np.asarray(matrix @ self.weights)
        logits = scores[:, :-1] + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        probabilities = np.exp(logits)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        urgent = 1.0 / (1.0 + np.exp(-(scores[:, -1] + self.urgent_intercept)))
        out = []
        for row in range(len(texts)):
            best = int(probabilities[row].argmax())
            out.append(
                Prediction(
                    category=self.classes[best],
                    confidence=float(probabilities[row, best]),
                    urgent_score=float(urgent[row]),
                    cues=self._cues(matrix, row, best),
                )
            )
        return out

    def _cues(self, matrix: sparse.csr_matrix, row: int, column: int) -> tuple[str, ...]:
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        columns = matrix.indices[start:end]
        if not len(columns):
            return ()
        pull = matrix.data[start:end] * self.weights[columns, column]
        order = np.argsort(-pull)[:3]
        return tuple(self.vocabulary[columns[i]].split(":", 1)[1] for i in order if pull[i] > 0)

    # -- files ---------------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        n_classes = len(self.classes)
        np.savez_compressed(
            tmp,
            vocabulary=np.array(self.vocabulary, dtype=str),
            idf=self.idf,
            coef=self.weights[:, :n_classes].T,
            intercept=self.intercept,
            classes=np.array(self.classes, dtype=str),
            urgent_coef=self.weights[:, n_classes],
            urgent_intercept=np.array([self.urgent_intercept]),
            meta=np.array(json.dumps({**self.meta, "format": FORMAT}, ensure_ascii=False)),
        )
        tmp.replace(path)  # readers never see half a file

    @classmethod
    def load(cls, path: Path) -> TriageModel:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("format") != FORMAT:
                raise ValueError(f"{path}: model format {meta.get('format')}, expected {FORMAT}")
            return cls(
                vocabulary=[str(v) for v in data["vocabulary"]],
                idf=data["idf"],
                coef=data["coef"],
                intercept=data["intercept"],
                classes=[str(c) for c in data["classes"]],
                urgent_coef=data["urgent_coef"],
                urgent_intercept=float(data["urgent_intercept"][0]),
                meta=meta,
            )


# Chosen by leave-one-street-out cross-validation on the two training streets (bench/triage.py's
# held-out street not involved): 10 → 89.5%, 20 → 89.9%, 40 → 90.2%, 80 → 90.3%, 160 → 90.3%.
CATEGORY_C = 80.0
URGENT_BETA = 1.0  # recall and precision alike; the danger phrases carry recall


def _urgent_threshold(scores: np.ndarray, truth: np.ndarray, ruled: np.ndarray) -> float:
    """The threshold on out-of-fold scores that maximises F-beta (beta = URGENT_BETA) of
    "the rule fires or the score reaches the threshold"."""
    best, best_f = 0.5, -1.0
    for t in np.arange(0.15, 0.51, 0.01):
        said = ruled | (scores >= t)
        tp = float((said & truth).sum())
        fp = float((said & ~truth).sum())
        fn = float((~said & truth).sum())
        b2 = URGENT_BETA**2
        f = (1 + b2) * tp / ((1 + b2) * tp + b2 * fn + fp) if tp else 0.0
        if f > best_f + 1e-12:
            best, best_f = float(t), f
    return best


def train(
    examples: Sequence[Example],
    *,
    note: str = "",
    urgent_rule: Callable[[str], object] | None = None,
) -> TriageModel:
    """Fit the category and urgency heads on `examples` (texts with places already cut out).

    The urgency threshold is chosen on out-of-fold scores, together with `urgent_rule` (the
    engine's danger phrases), to maximise F1. Recall is carried by the phrases (a gas smell, a
    fire, a person down are never left to a score); weighting recall more in the score itself
    paged the manager for a third of ordinary complaints on a street the model never saw.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    if len({e.category for e in examples}) < 2:
        raise ValueError("training needs examples of at least two categories")
    texts = [e.text for e in examples]
    lexicon = Lexicon(lexicon_from(texts))
    vectorizer = TfidfVectorizer(
        analyzer=lambda text: features(text, lexicon), sublinear_tf=True, min_df=1, norm="l2"
    )
    matrix = vectorizer.fit_transform(texts)
    labels = [e.category for e in examples]
    classifier = LogisticRegression(C=CATEGORY_C, max_iter=3000)
    classifier.fit(matrix, labels)

    urgent = np.array([e.urgent for e in examples], dtype=int)
    urgent_head = LogisticRegression(C=10.0, max_iter=3000, class_weight="balanced")
    threshold = 0.5
    if 0 < urgent.sum() < len(urgent):
        folds = max(2, min(5, int(urgent.sum())))
        oof = cross_val_predict(
            urgent_head,
            matrix,
            urgent,
            cv=StratifiedKFold(folds, shuffle=True, random_state=7),
            method="predict_proba",
        )[:, 1]
        ruled = np.array([bool(urgent_rule(e.text)) if urgent_rule else False for e in examples])
        threshold = _urgent_threshold(oof, urgent == 1, ruled)
        threshold = max(0.15, min(0.5, threshold))
        urgent_head.fit(matrix, urgent)
        urgent_coef = urgent_head.coef_[0]
        urgent_intercept = float(urgent_head.intercept_[0])
    else:
        urgent_coef = np.zeros(matrix.shape[1])
        urgent_intercept = -10.0

    digest = examples_digest(examples)[:8]
    trained_at = datetime.now(UTC)
    coef, intercept = classifier.coef_, classifier.intercept_
    if coef.shape[0] == 1:  # two classes: one row for the second; softmax over [0, w·x + b]
        coef = np.vstack([np.zeros_like(coef[0]), coef[0]])
        intercept = np.array([0.0, intercept[0]])
    vocabulary = vectorizer.get_feature_names_out()
    return TriageModel(
        vocabulary=[str(v) for v in vocabulary],
        idf=vectorizer.idf_,
        coef=coef,
        intercept=intercept,
        classes=[str(c) for c in classifier.classes_],
        urgent_coef=urgent_coef,
        urgent_intercept=urgent_intercept,
        meta={
            "version": f"{trained_at:%Y%m%d%H%M}-{digest}",
            "trained_at": trained_at.isoformat(),
            "examples": len(examples),
            "urgent_threshold": threshold,
            "note": note,
        },
    )


def examples_digest(examples: Iterable[Example]) -> str:
    return hashlib.sha256(
        "\n".join(f"{e.category}\t{int(e.urgent)}\t{e.text}" for e in examples).encode()
    ).hexdigest()
