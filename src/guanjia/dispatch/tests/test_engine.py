"""The assignment engine over plain data: no database."""

import datetime as dt

from django.utils import translation

from guanjia.dispatch import engine
from guanjia.dispatch.engine import CandidateIn, OrderIn

T0 = dt.datetime(2026, 5, 25, 2, 0, tzinfo=dt.UTC)
LIGHT = OrderIn(category="repair.corridor_light", compound_id=1, latitude=28.25, longitude=117.05)


def c(username: str, **kw: object) -> CandidateIn:
    kw.setdefault("user_id", abs(hash(username)) % 10_000)
    kw.setdefault("latitude", 28.23)
    kw.setdefault("longitude", 117.05)
    return CandidateIn(username=username, **kw)  # type: ignore[arg-type]


def names(ranked: list[engine.Ranked] | tuple[engine.Ranked, ...]) -> list[str]:
    return [r.candidate.username for r in ranked]


def test_only_qualified_candidates_are_ranked() -> None:
    ranked = engine.rank(LIGHT, [c("a"), c("b", qualified=False)])
    assert names(ranked) == ["a"]
    assert engine.decide(LIGHT, [c("b", qualified=False)]).pick is None


def test_the_primary_on_duty_comes_first_then_the_backup() -> None:
    people = [
        c("idle"),
        c("backup", designation=engine.BACKUP, open_orders=2),
        c("primary", designation=engine.PRIMARY, open_orders=4),
    ]
    d = engine.decide(LIGHT, people)
    assert d.pick is not None and d.pick.candidate.username == "primary"
    assert d.rule == "dedicated"
    assert names(d.ranked) == ["primary", "backup", "idle"]

    off = [
        p if p.username != "primary" else c("primary", designation=engine.PRIMARY, on_duty=False)
        for p in people
    ]
    d = engine.decide(LIGHT, off)
    assert d.pick is not None and d.pick.candidate.username == "backup"


def test_without_dedicated_staff_the_score_prefers_on_duty_less_busy_nearer() -> None:
    people = [
        c("off", on_duty=False),
        c("busy", open_orders=5),
        c("far", latitude=28.30),
        c("near"),
    ]
    d = engine.decide(LIGHT, people)
    assert names(d.ranked) == ["near", "far", "busy", "off"]
    assert d.rule == "score"
    assert d.pick is not None and d.pick.candidate.username == "near"
    near = d.ranked[0]
    assert near.distance_km is not None and 2.0 < near.distance_km < 2.5  # 0.02° of latitude


def test_fairness_breaks_ties_by_orders_today() -> None:
    d = engine.decide(LIGHT, [c("many", assigned_today=3), c("few", assigned_today=1)])
    assert names(d.ranked) == ["few", "many"]


def test_the_cap_binds_automatic_assignment_but_the_candidate_is_still_shown() -> None:
    full = c("primary", designation=engine.PRIMARY, open_orders=10)
    d = engine.decide(LIGHT, [full, c("other", open_orders=3)])
    assert names(d.ranked)[0] == "primary"  # shown first: the dispatcher may still choose them
    top = d.ranked[0]
    assert not top.auto_eligible
    assert engine.OVER_WORKLOAD in top.warnings
    assert d.pick is not None and d.pick.candidate.username == "other"
    # A lower cap set by the street binds the same way.
    d = engine.decide(LIGHT, [c("a", open_orders=3, cap=3)])
    assert d.pick is None and d.rule == "nobody"


def test_nobody_on_duty_means_no_automatic_pick() -> None:
    d = engine.decide(LIGHT, [c("a", on_duty=False), c("b", on_duty=False)])
    assert d.pick is None
    assert len(d.ranked) == 2
    assert all(engine.OFF_DUTY in r.warnings for r in d.ranked)


def test_rotation_goes_to_the_least_recently_assigned_on_duty() -> None:
    order = OrderIn(category="security.noise", mode=engine.ROTATE, compound_id=1)
    people = [
        c("recent", last_assigned_at=T0),
        c("earlier", last_assigned_at=T0 - dt.timedelta(hours=2)),
        c("never"),
        c("asleep", on_duty=False),
        c("primary", designation=engine.PRIMARY, last_assigned_at=T0),
    ]
    d = engine.decide(order, people)
    assert names(d.ranked) == ["never", "earlier", "primary", "recent", "asleep"]
    assert d.rule == "rotation"
    assert d.pick is not None and d.pick.candidate.username == "never"
    # After "never" takes it, the turn moves on.
    people[2] = c("never", last_assigned_at=T0 + dt.timedelta(minutes=1))
    d = engine.decide(order, people)
    assert d.pick is not None and d.pick.candidate.username == "earlier"


def test_grab_categories_go_to_the_pool_but_are_still_ranked() -> None:
    order = OrderIn(category="personal.home_repair", mode=engine.GRAB, compound_id=1)
    d = engine.decide(order, [c("a"), c("b", open_orders=2)])
    assert d.pick is None and d.rule == "pool"
    assert names(d.ranked) == ["a", "b"]


def test_vendor_categories_go_to_contracted_vendors_first() -> None:
    roof = OrderIn(category="repair.roof_leak", handler_kind="vendor", frequency="low")
    people = [c("staff"), c("roofer", is_vendor=True, open_orders=3)]
    d = engine.decide(roof, people)
    assert d.pick is not None and d.pick.candidate.username == "roofer"
    # A high-frequency staff category prefers staff even when a vendor could do it.
    d = engine.decide(LIGHT, people)
    assert d.pick is not None and d.pick.candidate.username == "staff"
    # 三管 low-frequency personal services likewise (housekeeping, elder care).
    care = OrderIn(category="personal.elder_care", handler_kind="vendor", frequency="low")
    d = engine.decide(care, [c("carer", is_vendor=True), c("staff")])
    assert d.pick is not None and d.pick.candidate.username == "carer"


def test_a_worker_of_other_compounds_is_warned_about() -> None:
    d = engine.decide(
        LIGHT, [c("mine", compounds=frozenset({1})), c("theirs", compounds=frozenset({2}))]
    )
    assert names(d.ranked) == ["mine", "theirs"]
    assert engine.OTHER_COMPOUND in d.ranked[1].warnings
    assert engine.OTHER_COMPOUND not in d.ranked[0].warnings


def test_explanations_say_why_in_english() -> None:
    with translation.override("en"):
        d = engine.decide(
            LIGHT, [c("e1", designation=engine.PRIMARY, open_orders=3, latitude=28.2428)]
        )
        assert d.pick is not None
        assert d.pick.explanation == "dedicated·on duty·3 open orders·0.8 km away"


def test_explanations_are_chinese_when_chinese_is_active() -> None:
    with translation.override("zh-hans"):
        d = engine.decide(
            LIGHT,
            [
                c("e1", designation=engine.PRIMARY, open_orders=3, latitude=28.2428),
                c("e2", designation=engine.BACKUP, open_orders=10, on_duty=False, assigned_today=2),
            ],
        )
        assert d.ranked[0].explanation == "专人负责·在岗·手头3单·距离0.8公里"
        assert d.ranked[1].explanation == (
            "专人负责（备岗）·不在岗·手头10单·已达上限10单·距离2.2公里·今日已派2单"
        )
        rotation = engine.decide(OrderIn(category="security.noise", mode=engine.ROTATE), [c("g")])
        assert rotation.pick is not None
        assert rotation.pick.explanation.startswith("轮到")


def test_haversine() -> None:
    # One degree of latitude is about 111.2 km.
    assert abs(engine.haversine_km(28.0, 117.0, 29.0, 117.0) - 111.2) < 0.1
    assert engine.haversine_km(28.0, 117.0, 28.0, 117.0) == 0.0
