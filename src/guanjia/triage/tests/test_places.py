"""find_place: compounds by name, alias and sloppy stem; building, unit and room the org's way."""

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guanjia.triage.places import BuildingEntry, CompoundEntry, Gazetteer, find_place


def _compound(
    name: str, aliases: list[str], buildings: int, units: int, mark: str
) -> dict[str, Any]:
    return {
        "name": name,
        "aliases": aliases,
        "buildings": [
            {"name": f"{b}{mark}", "units": [f"{u}单元" for u in range(1, units + 1)]}
            for b in range(1, buildings + 1)
        ],
    }


ORG: dict[str, Any] = {
    "street": "青石街道",
    "code": "qingshi",
    "communities": [
        {
            "name": "青石社区",
            "compounds": [
                _compound("青石新村", ["青石"], 12, 3, "幢"),
                _compound("棉纺厂宿舍", ["棉纺厂", "棉纺"], 9, 2, "幢"),
                _compound("桂花苑", ["桂花园"], 8, 3, "栋"),
                _compound("机械厂宿舍", ["机械厂"], 10, 2, "号楼"),
            ],
        },
        {
            "name": "荷塘社区",
            "compounds": [
                _compound("阳光花园", [], 12, 2, "幢"),
                _compound("东湖小区", ["东湖"], 6, 2, "幢"),
                _compound("幸福里小区", ["幸福里"], 10, 2, "幢"),
                _compound("荷塘新村", ["荷塘"], 11, 2, "幢"),
            ],
        },
    ],
}
GAZ = Gazetteer.from_org_json(ORG)


def place(text: str) -> tuple[str | None, str | None, str | None, str | None]:
    guess = find_place(text, GAZ)
    return guess.compound, guess.building, guess.unit, guess.room


def test_from_org_json_reads_compounds_buildings_and_units() -> None:
    assert len(GAZ.compounds) == 8
    first = GAZ.compounds[0]
    assert first.name == "青石新村"
    assert first.aliases == ("青石",)
    assert first.buildings[2] == BuildingEntry(name="3幢", units=("1单元", "2单元", "3单元"))


def test_a_gazetteer_can_be_built_from_entries() -> None:
    gaz = Gazetteer(
        compounds=(
            CompoundEntry(
                name="柳湾小区", aliases=(), buildings=(BuildingEntry("1幢", ("1单元",)),)
            ),
        )
    )
    assert find_place("柳湾1幢1单元", gaz).building == "1幢"
    assert find_place("柳湾小区", Gazetteer(compounds=())).compound is None


@pytest.mark.parametrize(
    ("text", "compound"),
    [
        ("青石新村门口的路灯坏了", "青石新村"),
        ("青石那边的路灯坏了", "青石新村"),  # alias
        ("棉纺厂宿舍区门口", "棉纺厂宿舍"),  # name + 区
        ("棉纺那个篮球架", "棉纺厂宿舍"),  # the shorter alias
        ("桂花苑小区的凉亭", "桂花苑"),  # name + 小区
        ("桂花园中心花园", "桂花苑"),
        ("机械厂那边", "机械厂宿舍"),
        ("荷塘的垃圾桶", "荷塘新村"),  # alias
        ("幸福里的吴爷爷", "幸福里小区"),
        ("钢厂宿舍的机械厂那边", "机械厂宿舍"),
    ],
)
def test_compound_by_name_alias_and_stem(text: str, compound: str) -> None:
    assert place(text)[0] == compound


def test_the_longest_form_wins() -> None:
    guess = find_place("棉纺厂宿舍5幢", GAZ)
    assert guess.reasons["compound"] == "name 棉纺厂宿舍"
    assert guess.spans == [(0, 5), (5, 7)]


@pytest.mark.parametrize(
    "text",
    [
        "今天阳光很好",  # stem of 阳光花园, an everyday word
        "幸福生活",
        "东门那边有人摆摊",
        "新村的路",
        "青石社区通知",  # the community, not 青石新村
        "青石街道办事处",
        "楼道灯坏了",
    ],
)
def test_common_words_streets_and_communities_are_not_compounds(text: str) -> None:
    assert place(text)[0] is None


def test_a_stop_word_stem_counts_with_a_building_or_suffix() -> None:
    assert place("阳光3幢楼下") == ("阳光花园", "3幢", None, None)
    assert place("阳光小区门口")[0] == "阳光花园"
    assert place("阳光花园门口")[0] == "阳光花园"


def test_with_two_compounds_the_one_with_a_building_wins_else_the_first() -> None:
    assert place("机械厂和棉纺厂5幢") == ("棉纺厂宿舍", "5幢", None, None)
    assert place("从东湖搬到荷塘")[0] == "东湖小区"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("青石新村3幢漏水", ("青石新村", "3幢", None, None)),
        ("青石新村3栋漏水", ("青石新村", "3幢", None, None)),
        ("青石新村3号楼漏水", ("青石新村", "3幢", None, None)),
        ("青石新村3号漏水", ("青石新村", "3幢", None, None)),
        ("青石新村3#漏水", ("青石新村", "3幢", None, None)),
        ("青石新村3#楼漏水", ("青石新村", "3幢", None, None)),
        ("青石新村三号楼漏水", ("青石新村", "3幢", None, None)),
        ("青石新村三栋漏水", ("青石新村", "3幢", None, None)),
        ("青石新村十二幢漏水", ("青石新村", "12幢", None, None)),
        ("青石新村3座漏水", ("青石新村", "3幢", None, None)),
        ("青石3-2-301漏水", ("青石新村", "3幢", "2单元", "301")),
        ("青石3-2漏水", ("青石新村", "3幢", "2单元", None)),
        ("青石新村3幢2单元302室", ("青石新村", "3幢", "2单元", "302")),
        ("青石新村3栋二单元", ("青石新村", "3幢", "2单元", None)),
        ("青石新村3幢2门", ("青石新村", "3幢", "2单元", None)),
        ("青石新村3幢2门口", ("青石新村", "3幢", None, None)),
        ("青石新村3幢302室", ("青石新村", "3幢", None, "302")),
        ("青石新村5幢1102", ("青石新村", "5幢", None, "1102")),
        ("青石新村，5幢，2单元，302", ("青石新村", "5幢", "2单元", "302")),
        ("青石新村的4幢", ("青石新村", "4幢", None, None)),
        ("青石新村 ３幢 ２单元", ("青石新村", "3幢", "2单元", None)),
        ("机械厂3栋1单元", ("机械厂宿舍", "3号楼", "1单元", None)),  # the org says 号楼
        ("机械厂宿舍三号楼", ("机械厂宿舍", "3号楼", None, None)),
        ("桂花园3#楼", ("桂花苑", "3栋", None, None)),
        ("桂花苑3幢", ("桂花苑", "3栋", None, None)),
    ],
)
def test_building_unit_and_room_forms(text: str, expected: tuple[str | None, ...]) -> None:
    assert place(text) == expected


def test_a_building_or_unit_the_compound_lacks_is_none_with_a_reason() -> None:
    guess = find_place("青石新村13幢", GAZ)
    assert (guess.compound, guess.building) == ("青石新村", None)
    assert guess.reasons["building"] == "no building 13 in 青石新村"
    guess = find_place("东湖小区3幢5单元", GAZ)
    assert (guess.building, guess.unit) == ("3幢", None)
    assert guess.reasons["unit"] == "no unit 5 in 东湖小区 3幢"


@pytest.mark.parametrize(
    "text",
    [
        "青石新村3月3号停水",
        "青石新村下午3点停水",
        "青石新村三楼漏水",
        "青石新村二楼到四楼的灯都坏了",
        "青石新村两栋楼都停电了",
        "青石新村3个单元都停电",
        "青石新村交了300元物业费",
        "青石新村 电话13857096627",
        "青石新村2026年的事",
        "青石新村12号下午停水",
    ],
)
def test_dates_times_floors_counts_money_and_phones_are_not_addresses(text: str) -> None:
    assert place(text) == ("青石新村", None, None, None)


def test_a_building_elsewhere_in_the_message() -> None:
    assert place("棉纺那边的广场舞太吵 我在5幢六楼都听得见") == ("棉纺厂宿舍", "5幢", None, None)
    guess = find_place("机械厂那个老厂房天天敲锣打鼓 2号楼听得最清楚", GAZ)
    assert guess.building == "2号楼"
    assert guess.reasons["building"] == "building 2 elsewhere in the message"


def test_several_buildings_give_none() -> None:
    assert place("荷塘新村3幢与4幢之间的路灯")[1] is None
    assert place("荷塘新村飞线充电 4幢 5幢 6幢都有")[1] is None
    assert place("荷塘新村3幢到5幢那段路")[1] is None


def test_a_later_mention_completes_the_address() -> None:
    text = "荷塘新村3幢与围墙之间装了水泵，影响3幢1单元低层住户"
    assert place(text) == ("荷塘新村", "3幢", "1单元", None)
    assert place("东湖2幢 有人撬门 快来 1单元六楼") == ("东湖小区", "2幢", "1单元", None)


def test_without_a_compound_only_the_room() -> None:
    assert place("3幢2单元302室的灯坏了") == (None, None, None, "302")
    assert place("我住501，楼上太吵") == (None, None, None, "501")
    assert place("5-2-301漏水") == (None, None, None, "301")
    assert place("三楼楼梯灯坏了") == (None, None, None, None)


def test_spans_cover_what_named_the_place() -> None:
    text = "来电人反映青石新村5幢2单元302室漏水，电话13857096627"
    guess = find_place(text, GAZ)
    named = [text[a:b] for a, b in guess.spans]
    assert named == ["青石新村", "5幢2单元302室"]
    assert guess.reasons == {
        "compound": "name 青石新村",
        "building": "building 5 after the compound",
        "unit": "unit 2 after the compound",
        "room": "room after the compound",
    }


CHINESE = "一二三四五六七八九"


def _chinese(n: int) -> str:
    tens, units = divmod(n, 10)
    return (
        ("" if tens < 2 else CHINESE[tens - 1])
        + ("十" if tens else "")
        + (CHINESE[units - 1] if units else "")
    )


@given(
    st.sampled_from([(c.name, c.aliases) for c in GAZ.compounds]),
    st.data(),
)
def test_any_writing_of_a_known_address(
    compound: tuple[str, tuple[str, ...]], data: st.DataObject
) -> None:
    name, aliases = compound
    entry = next(c for c in GAZ.compounds if c.name == name)
    building_no = data.draw(st.integers(1, len(entry.buildings)))
    building = entry.buildings[building_no - 1]
    unit_no = data.draw(st.integers(1, len(building.units)))
    room = data.draw(st.sampled_from(["", "301", "1102", "602"]))
    written_name = data.draw(st.sampled_from([name, *aliases]))
    number = data.draw(st.sampled_from([str(building_no), _chinese(building_no)]))
    mark = data.draw(st.sampled_from(["幢", "栋", "号楼", "#", "#楼"]))
    unit = data.draw(
        st.sampled_from([f"{unit_no}单元", f"{_chinese(unit_no)}单元", f"{unit_no}门"])
    )
    gap = data.draw(st.sampled_from(["", " ", "的"]))
    lead = data.draw(st.sampled_from(["", "来电人反映", "@物业 ", "住"]))
    tail = data.draw(st.sampled_from(["楼道灯坏了", " 漏水", "，电话13857096627", "。"]))
    text = f"{lead}{written_name}{gap}{number}{mark}{unit}{room}{'室' if room else ''}{tail}"
    assert place(text) == (name, building.name, f"{unit_no}单元", room or None), text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("青石新村5幢的2单元", ("青石新村", "5幢", "2单元", None)),
        ("青石新村5栋楼2单元", ("青石新村", "5幢", "2单元", None)),
        ("青石新村5幢2单元3楼301", ("青石新村", "5幢", "2单元", "301")),
        ("棉纺厂家属院3幢", ("棉纺厂宿舍", "3幢", None, None)),
        ("青石新村2号门那边", ("青石新村", None, None, None)),  # a gate, not a building
        ("东湖路灯坏了", ("东湖小区", None, None, None)),  # the compound's street lamp
        ("东湖路派出所", (None, None, None, None)),  # a road
        ("青石新村5幢2单元 138 5709 6627", ("青石新村", "5幢", "2单元", None)),
        ("青石新村5幢2单元302 13857096627", ("青石新村", "5幢", "2单元", "302")),
    ],
)
def test_more_forms_and_what_they_are_not(text: str, expected: tuple[str | None, ...]) -> None:
    assert place(text) == expected


PIECES = [
    "青石",
    "新村",
    "3幢",
    "2单元",
    "302",
    "室",
    "-",
    " ",
    "楼",
    "号",
    "十二",
    "棉纺厂",
    "两栋",
    "，",
    "第",
]


@given(st.lists(st.sampled_from(PIECES), max_size=12).map("".join) | st.text(max_size=60))
def test_any_text_gives_ordered_spans_inside_it(text: str) -> None:
    guess = find_place(text, GAZ)
    assert all(0 <= a < b <= len(text) for a, b in guess.spans)
    assert all(b1 <= a2 for (_, b1), (a2, _) in zip(guess.spans, guess.spans[1:], strict=False))
    if guess.building is not None:
        assert guess.compound is not None
