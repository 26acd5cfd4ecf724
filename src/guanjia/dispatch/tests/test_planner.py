"""The batch planner against brute force on small instances, and the properties of every plan."""

from __future__ import annotations

import math
import random

import pytest

from guanjia.dispatch import planner
from guanjia.dispatch.plan_io import parse_problem
from guanjia.dispatch.planner import (
    Order,
    Plan,
    Problem,
    Worker,
    plan_cost,
    plan_greedy,
    plan_optimal,
)

CATEGORIES = ["repair.light", "repair.water_leak", "clean.corridor"]


def random_problem(rng: random.Random, *, max_orders: int = 6, max_workers: int = 3) -> Problem:
    workers = tuple(
        Worker(
            id=f"w{j}" if rng.random() < 0.5 else j,
            skills=frozenset(rng.sample(CATEGORIES, rng.choice([0, 1, 1, 2, 2, 3]))),
            x=rng.uniform(0, 1000),
            y=rng.uniform(0, 1000),
            open_orders=rng.randint(0, 2),
            capacity=rng.randint(0, 4),
        )
        for j in range(rng.randint(1, max_workers))
    )
    orders = tuple(
        Order(
            id=f"o{i}" if rng.random() < 0.5 else 100 + i,
            category=rng.choice(CATEGORIES),
            x=rng.uniform(0, 1000),
            y=rng.uniform(0, 1000),
            # Small whole priorities make ties, the case where sequencing is easiest to get wrong.
            priority=rng.choice([0, 1, 1, 2, 3, 2.5]),
        )
        for i in range(rng.randint(1, max_orders))
    )
    return Problem(
        service_minutes=rng.choice([0, 10, 30]),
        speed_m_per_min=rng.choice([40, 80]),
        workers=workers,
        orders=orders,
    )


def brute_force(problem: Problem) -> tuple[int, float]:
    """(most orders assignable, least cost among plans with that many), by trying every plan."""
    room = [w.free for w in problem.workers]
    choice: list[int] = []
    best = (-1, math.inf)
    cache: dict[tuple[int, tuple[int, ...]], float] = {}

    def visit(i: int) -> None:
        nonlocal best
        if i == len(problem.orders):
            pairs = [(oi, wi) for oi, wi in enumerate(choice) if wi >= 0]
            if len(pairs) < best[0]:
                return
            cost = cost_all_sequences(problem, pairs, cache)
            if len(pairs) > best[0] or (len(pairs) == best[0] and cost < best[1]):
                best = (len(pairs), cost)
            return
        choice.append(-1)
        visit(i + 1)
        choice.pop()
        for wi, w in enumerate(problem.workers):
            if room[wi] > 0 and problem.orders[i].category in w.skills:
                room[wi] -= 1
                choice.append(wi)
                visit(i + 1)
                choice.pop()
                room[wi] += 1

    visit(0)
    return best


def cost_all_sequences(
    problem: Problem,
    pairs: list[tuple[int, int]],
    cache: dict[tuple[int, tuple[int, ...]], float],
) -> float:
    """The cost of a set of pairs with each worker's sequence chosen by trying every order.

    Independent of the planner's rule that higher priorities go first.
    """
    from itertools import permutations

    total = 0.0
    for wi, w in enumerate(problem.workers):
        mine = tuple(oi for oi, owner in pairs if owner == wi)
        if (wi, mine) in cache:
            total += cache[wi, mine]
            continue
        best = math.inf
        for sequence in permutations(mine):
            cost = 0.0
            for k, oi in enumerate(sequence):
                o = problem.orders[oi]
                distance = math.hypot(o.x - w.x, o.y - w.y)
                cost += o.priority * (
                    distance / problem.speed_m_per_min
                    + (w.open_orders + k) * problem.service_minutes
                )
            best = min(best, cost)
        cache[wi, mine] = best
        total += best
    return total


def check_plan(problem: Problem, plan: Plan) -> None:
    workers = {w.id: w for w in problem.workers}
    orders = {o.id: o for o in problem.orders}
    assigned = [o for o, _ in plan.assignments]
    # Every order exactly once, either assigned or unassigned.
    assert sorted(map(repr, assigned + list(plan.unassigned))) == sorted(
        repr(o.id) for o in problem.orders
    )
    taken: dict[object, int] = {}
    for order_id, worker_id in plan.assignments:
        assert orders[order_id].category in workers[worker_id].skills
        taken[worker_id] = taken.get(worker_id, 0) + 1
    for worker_id, count in taken.items():
        assert count <= workers[worker_id].free
    # Each worker's orders are listed highest priority first: the cheapest sequence.
    for worker_id in taken:
        priorities = [orders[o].priority for o, w in plan.assignments if w == worker_id]
        assert priorities == sorted(priorities, reverse=True)
    index_o = {o.id: i for i, o in enumerate(problem.orders)}
    index_w = {w.id: j for j, w in enumerate(problem.workers)}
    pairs = [(index_o[o], index_w[w]) for o, w in plan.assignments]
    assert plan.cost == pytest.approx(plan_cost(problem, pairs), rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("encoding", ["levels", "slots"])
@pytest.mark.parametrize("seed", range(200))
def test_planner_matches_brute_force(seed: int, encoding: str) -> None:
    problem = random_problem(random.Random(seed))
    plan = plan_optimal(problem, encoding=encoding)
    check_plan(problem, plan)
    count, cost = brute_force(problem)
    assert len(plan.assignments) == count
    assert plan.cost == pytest.approx(cost, rel=1e-9, abs=1e-6)


@pytest.mark.parametrize("seed", range(40))
def test_greedy_is_a_valid_plan_never_better_than_optimal(seed: int) -> None:
    problem = random_problem(random.Random(10_000 + seed), max_orders=12, max_workers=5)
    greedy, best = plan_greedy(problem), plan_optimal(problem)
    check_plan(problem, greedy)
    check_plan(problem, best)
    assert len(greedy.assignments) <= len(best.assignments)
    if len(greedy.assignments) == len(best.assignments):
        assert best.cost <= greedy.cost + 1e-6


def test_larger_instance_keeps_the_rules() -> None:
    rng = random.Random(7)
    problem = random_problem(rng, max_orders=300, max_workers=40)
    plan = plan_optimal(problem)
    check_plan(problem, plan)


def test_more_orders_beat_a_cheaper_plan() -> None:
    """A far worker taking one order beats leaving it to save travel."""
    problem = parse_problem(
        {
            "service_minutes": 30,
            "speed_m_per_min": 80,
            "workers": [
                {"id": "near", "skills": ["a", "b"], "x": 0, "y": 0, "open_orders": 0,
                 "capacity": 1},
                {"id": "far", "skills": ["a"], "x": 8000, "y": 0, "open_orders": 0,
                 "capacity": 1},
            ],
            "orders": [
                {"id": 1, "category": "a", "x": 0, "y": 0, "priority": 1},
                {"id": 2, "category": "b", "x": 0, "y": 0, "priority": 1},
            ],
        }
    )  # fmt: skip
    plan = plan_optimal(problem)
    assert sorted(plan.assignments) == [(1, "far"), (2, "near")]
    assert plan.unassigned == ()
    assert plan.cost == pytest.approx(100.0)


def test_higher_priority_goes_first_in_a_workers_sequence() -> None:
    problem = parse_problem(
        {
            "service_minutes": 30,
            "speed_m_per_min": 80,
            "workers": [
                {"id": "w", "skills": ["a"], "x": 0, "y": 0, "open_orders": 2, "capacity": 5}
            ],
            "orders": [
                {"id": "low", "category": "a", "x": 80, "y": 0, "priority": 1},
                {"id": "high", "category": "a", "x": 160, "y": 0, "priority": 3},
            ],
        }
    )
    plan = plan_optimal(problem)
    assert plan.assignments == (("high", "w"), ("low", "w"))
    # high: 3 × (2 + 2×30) = 186; low: 1 × (1 + 3×30) = 91
    assert plan.cost == pytest.approx(277.0)


def test_full_or_unskilled_workers_take_nothing() -> None:
    problem = parse_problem(
        {
            "service_minutes": 30,
            "speed_m_per_min": 80,
            "workers": [
                {"id": 1, "skills": ["a"], "x": 0, "y": 0, "open_orders": 5, "capacity": 3},
                {"id": 2, "skills": ["b"], "x": 0, "y": 0, "open_orders": 0, "capacity": 3},
            ],
            "orders": [{"id": "x", "category": "a", "x": 0, "y": 0, "priority": 1}],
        }
    )
    for plan in (plan_optimal(problem), plan_greedy(problem)):
        assert plan.assignments == ()
        assert plan.unassigned == ("x",)
        assert plan.cost == 0


def test_empty_problem() -> None:
    problem = Problem(service_minutes=30, speed_m_per_min=80, workers=(), orders=())
    assert plan_optimal(problem).as_json() == {"assignments": [], "unassigned": [], "cost": 0.0}


def assignment_optimum(problem: Problem) -> tuple[int, float]:
    """(count, cost) from SciPy's dense assignment over (order, slot) with a penalty for
    forbidden pairs: an independent check on instances too big for brute force."""
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    columns = [
        (w, k)
        for w in problem.workers
        for k in range(min(w.free, sum(o.category in w.skills for o in problem.orders)))
    ]
    if not columns or not problem.orders:
        return 0, 0.0
    cost = np.zeros((len(problem.orders), len(columns)))
    allowed = np.zeros_like(cost, dtype=bool)
    for i, o in enumerate(problem.orders):
        for j, (w, k) in enumerate(columns):
            allowed[i, j] = o.category in w.skills
            distance = math.hypot(o.x - w.x, o.y - w.y)
            cost[i, j] = o.priority * (
                distance / problem.speed_m_per_min + (w.open_orders + k) * problem.service_minutes
            )
    penalty = 2 * float(np.where(allowed, cost, 0).sum()) + 1
    rows, cols = linear_sum_assignment(np.where(allowed, cost, penalty))
    keep = allowed[rows, cols]
    return int(keep.sum()), float(cost[rows[keep], cols[keep]].sum())


@pytest.mark.parametrize("encoding", ["levels", "slots"])
@pytest.mark.parametrize("seed", range(100))
def test_slots_offered_one_at_a_time_still_give_the_optimum(
    seed: int, encoding: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a first offer of one slot per worker, every extra slot comes from re-solving."""
    monkeypatch.setattr(planner, "FIRST_OFFER_PER_SHARE", 0)
    problem = random_problem(random.Random(seed))
    plan = plan_optimal(problem, encoding=encoding)
    check_plan(problem, plan)
    count, cost = brute_force(problem)
    assert len(plan.assignments) == count
    assert plan.cost == pytest.approx(cost, rel=1e-9, abs=1e-6)


@pytest.mark.parametrize("seed", range(12))
def test_both_networks_match_an_assignment_solver(seed: int) -> None:
    rng = random.Random(50_000 + seed)
    problem = random_problem(rng, max_orders=40, max_workers=8)
    if seed % 2:  # many distinct priorities
        problem = Problem(
            service_minutes=problem.service_minutes,
            speed_m_per_min=problem.speed_m_per_min,
            workers=problem.workers,
            orders=tuple(
                Order(id=o.id, category=o.category, x=o.x, y=o.y, priority=rng.uniform(0, 5))
                for o in problem.orders
            ),
        )
    count, cost = assignment_optimum(problem)
    for encoding in ("levels", "slots", "auto"):
        plan = plan_optimal(problem, encoding=encoding)
        check_plan(problem, plan)
        assert len(plan.assignments) == count
        assert plan.cost == pytest.approx(cost, rel=1e-9, abs=1e-6)


def test_unknown_encoding_is_refused() -> None:
    problem = random_problem(random.Random(1))
    with pytest.raises(ValueError, match="unknown encoding"):
        plan_optimal(problem, encoding="simplex")
