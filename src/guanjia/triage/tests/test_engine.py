"""The engine joins the rules and the model: places and phones cut out before the model reads,
danger phrases that no negation cancels, and the reasons a dispatcher sees."""

import pytest

from guanjia.triage.engine import danger_phrase, model_text, triage, triage_many
from guanjia.triage.model import Example, TriageModel, train
from guanjia.triage.places import BuildingEntry, CompoundEntry, Gazetteer

GAZ = Gazetteer(
    compounds=(
        CompoundEntry(
            name="桂花苑",
            aliases=("桂花园",),
            buildings=tuple(
                BuildingEntry(name=f"{i}栋", units=("1单元", "2单元")) for i in range(1, 9)
            ),
        ),
    )
)


@pytest.fixture(scope="module")
def model() -> TriageModel:
    return train(
        [
            Example("楼道灯不亮了", "repair.corridor_light", False),
            Example("声控灯坏了", "repair.corridor_light", False),
            Example("楼梯灯一直不亮 黑漆漆", "repair.corridor_light", False),
            Example("一股煤气味", "security.fire_safety", True),
            Example("消防通道被堵了", "security.fire_safety", False),
            Example("电动车着火了", "security.fire_safety", True),
            Example("谢谢师傅", "consult.other", False),
            Example("请问怎么办证", "consult.other", False),
        ]
    )


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("三楼一股煤气味 大家别开灯", "煤气味"),
        ("楼下电动车着火了", "着火"),
        ("老人晕倒在门口叫不醒", "晕倒"),
        ("有人拿刀在楼下", "拿刀"),
        ("孩子不见了 找了一个小时", "孩子不见了"),
        ("水管爆了一直往外喷", "水管爆"),
        ("对门奶奶两天没出门 敲门不应", "敲门不应"),
        ("我爷爷又跑出去了 穿着拖鞋", "爷爷又跑出去了"),
        ("卫生间地漏往上翻黑水", "卫生间地漏往上翻黑水"),
    ],
)
def test_danger_phrases_are_found(text: str, phrase: str) -> None:
    assert danger_phrase(text) == phrase


@pytest.mark.parametrize(
    "text",
    [
        "没有煤气味了，谢谢",
        "热水器打不着火",
        "不是着火，是烧烤的烟",
        "灭火器过期了",
        "插座烧黑了，未见明火",
        "安全出口锁着，一旦失火跑不出去",
        "孩子的医保卡丢了怎么补",
        "昨天走丢的那个大爷找到了没有",
        "烟感一直响，检查后没发现起火",
        "电动车推进电梯充电，担心电梯里起火",
        "拍手喊话都没反应 那盏灯就是不亮",
    ],
)
def test_negated_or_harmless_phrases_are_not_danger(text: str) -> None:
    assert danger_phrase(text) is None


def test_model_text_blanks_spans_and_keeps_length() -> None:
    assert model_text("桂花苑5栋灯坏了", [(0, 5)]) == "     灯坏了"
    assert model_text("abc", []) == "abc"


def test_triage_reads_place_phone_category_and_gives_reasons(model: TriageModel) -> None:
    result = triage(
        "@物业 桂花园5#2单元楼道灯又不亮了 电话 138 1234 5678", gazetteer=GAZ, model=model
    )
    assert (result.compound, result.building, result.unit) == ("桂花苑", "5栋", "2单元")
    assert result.phone == "13812345678"
    assert result.category == "repair.corridor_light"
    assert not result.urgent
    assert {"compound", "phone", "category"} <= set(result.reasons)
    assert result.model_version == model.version
    assert set(result.as_dict()) == {
        "category",
        "confidence",
        "urgent",
        "compound",
        "building",
        "unit",
        "room",
        "phone",
    }
    assert "reasons" in result.as_dict(reasons=True)


def test_a_danger_phrase_makes_a_message_urgent_whatever_the_model_says(
    model: TriageModel,
) -> None:
    result = triage("桂花苑3栋楼道里有一股液化气味", gazetteer=GAZ, model=model)
    assert result.urgent
    assert "液化气味" in result.reasons["urgent"]


def test_a_batch_answers_in_order(model: TriageModel) -> None:
    texts = ["谢谢师傅", "楼道灯不亮了", "一股煤气味"]
    got = triage_many(texts, gazetteer=GAZ, model=model)
    assert [g.category for g in got] == [
        "consult.other",
        "repair.corridor_light",
        "security.fire_safety",
    ]
