"""Triage: a resident's message and the street's places in, the order's fields and the reason for
each guess out. Pure: no database, no settings; the model and the gazetteer are passed in.

Order of work, as a dispatcher reads a message: find the phone and the place first (rules over
the street's own names, so a street the model never saw reads as well as any), cut them out, then
ask the model what is wrong and whether it is dangerous. Urgency is the model's score or a danger
phrase (a gas smell, a fire, a person down) that no negation ("没有煤气味") cancels — a missed gas
leak costs more than a false alarm.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from guanjia.triage.model import TriageModel
from guanjia.triage.phones import PhoneGuess, find_phone
from guanjia.triage.places import Gazetteer, PlaceGuess, find_place
from guanjia.triage.text import normalise

# Phrases that mean danger to life or property now. Kept short and literal: the model does the
# rest; these only guarantee that the unmistakable cases are never scored below the threshold.
DANGER = re.compile(
    r"(煤气|燃气|液化气|天然气|瓦斯)的?(味|泄漏|漏了|漏气)"
    r"|着火|起火|失火|冒烟|烧起来|火苗|明火|爆炸|冒火花|打火花|冒火星"
    r"|晕倒|昏倒|昏迷|叫不醒|没气了|(叫|喊)(他|她|人|了几声).{0,4}?没反应|敲门.{0,4}?没(反应|人应)"
    r"|摔倒.{0,4}?起不来"
    r"|(倒|躺)在(地上|门口|楼梯)"
    r"|持刀|拿刀|动刀|砍人|要杀人|打起来了|在打架"
    r"|(孩子|小孩|娃).{0,2}?(丢了|不见了|走失|找不到)|(困在|被困|关在).{0,4}?(电梯|里面)"
    r"|(水管|总管|主管).{0,6}?(爆|喷)|往外喷"
    r"|(马桶|地漏|厕所|卫生间|家里|屋里).{0,6}?(翻|冒|涌|漫|倒灌).{0,3}?(水|粪)"
    r"|(屋里|家里|房间|卧室|客厅|卫生间|厨房).{0,6}?(淹了|全是水|进水了)"
    r"|敲门.{0,2}?不应"
    r"|(爷爷|奶奶|外公|外婆|老伴).{0,4}?(走丢了|走失了|跑出去了|不见了)"
)
# A phrase right after one of these is not happening now (negated, feared, supposed) ...
NEGATED = re.compile(
    r"(没有|没|没发现|未发现|未见|未|不是|并非|非|无|不|防|以防|极易|容易|真)被?\s*$"
)
# ... nor one feared or supposed a few characters before (担心电梯里起火, 怕哪天烧起来) ...
SUPPOSED = re.compile(r"担心|怕|一旦|要是|万一|如果|假如")
# ... nor one shortly after a time in the past.
PAST = re.compile(r"昨天|前天|上次|之前|上周|上个月|去年")
# A message that says the danger is over (a follow-up, a thank-you) is not urgent by phrase.
RESOLVED = re.compile(
    r"已经?(处理|修好|换掉|换好|扑灭|灭了|解决|恢复|排除)|处理完毕|修好了|没事了|放心|撤销|无需"
    r"|真的假的|是真的吗|是不是真的|找到了"
)


@dataclass(frozen=True)
class Triage:
    category: str
    confidence: float
    urgent: bool
    compound: str | None
    building: str | None
    unit: str | None
    room: str | None
    phone: str | None
    reasons: dict[str, str] = field(default_factory=dict)
    model_version: str = ""

    def as_dict(self, *, reasons: bool = False) -> dict[str, object]:
        """The shape `guanjia triage` prints, one object per message."""
        out: dict[str, object] = {
            "category": self.category,
            "confidence": round(self.confidence, 3),
            "urgent": self.urgent,
            "compound": self.compound,
            "building": self.building,
            "unit": self.unit,
            "room": self.room,
            "phone": self.phone,
        }
        if reasons:
            out["reasons"] = self.reasons
        return out


def danger_phrase(text: str) -> str | None:
    """The first danger phrase of `text` that is happening now: not negated or past by the few
    characters before it, in a message that does not say the danger is over."""
    if RESOLVED.search(text):
        return None
    for match in DANGER.finditer(text):
        before = text[max(0, match.start() - 6) : match.start()]
        if not (NEGATED.search(before) or SUPPOSED.search(before) or PAST.search(before)):
            return match.group(0)
    return None


def model_text(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """`text` with the places and phone numbers blanked out: what the model reads."""
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        for i in range(max(0, start), min(len(chars), end)):
            chars[i] = " "
    return "".join(chars)


@dataclass(frozen=True)
class _Read:
    text: str
    masked: str
    place: PlaceGuess
    phone: PhoneGuess | None


def _read(raw: str, gazetteer: Gazetteer) -> _Read:
    text = normalise(raw)
    phone = find_phone(text)
    place = find_place(text, gazetteer)
    spans = list(place.spans)
    if phone is not None:
        spans.append(phone.span)
    return _Read(text=text, masked=model_text(text, spans), place=place, phone=phone)


def training_text(raw: str, gazetteer: Gazetteer) -> str:
    """The text the model trains on for a labelled message: masked exactly as at triage time."""
    return _read(raw, gazetteer).masked


def triage_many(texts: Sequence[str], *, gazetteer: Gazetteer, model: TriageModel) -> list[Triage]:
    """Triage `texts` in order (one model call for the batch: much faster than one by one)."""
    reads = [_read(t, gazetteer) for t in texts]
    predictions = model.predict([r.masked for r in reads])
    out = []
    for read, prediction in zip(reads, predictions, strict=True):
        place = read.place
        phone = read.phone
        reasons: dict[str, str] = dict(place.reasons)
        cue = "、".join(prediction.cues) or "—"
        reasons["category"] = f"{cue} → {prediction.category} ({prediction.confidence:.0%})"
        danger = danger_phrase(read.text)
        urgent = danger is not None or prediction.urgent_score >= model.urgent_threshold
        if danger is not None:
            reasons["urgent"] = f"danger phrase “{danger}”"
        elif urgent:
            reasons["urgent"] = f"model score {prediction.urgent_score:.2f}"
        if phone is not None:
            reasons["phone"] = phone.reason
        out.append(
            Triage(
                category=prediction.category,
                confidence=prediction.confidence,
                urgent=urgent,
                compound=place.compound,
                building=place.building,
                unit=place.unit,
                room=place.room,
                phone=phone.digits if phone is not None else None,
                reasons=reasons,
                model_version=model.version,
            )
        )
    return out


def triage(text: str, *, gazetteer: Gazetteer, model: TriageModel) -> Triage:
    return triage_many([text], gazetteer=gazetteer, model=model)[0]
