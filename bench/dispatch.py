"""Benchmark the batch planner (`guanjia dispatch-plan`) against a greedy baseline and the optimum.

Instances are generated (seeded) like a street the morning after a storm: orders in a few tight
clusters over a 4 km × 4 km street, a skewed mix of categories, workers with one to three skills
spread over the street with some open orders already. For each size it prints assigned counts,
cost ratios to the exact optimum (an independent two-stage MILP with HiGHS, where feasible) and
wall times; then the whole command, Python start-up included, on 2,000 orders × 300 workers.
Figures only: nothing here asserts a timing.

Run: .venv/bin/python bench/dispatch.py
"""

from __future__ import annotations

import json
import random
import resource
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from guanjia.dispatch.plan_io import parse_problem
from guanjia.dispatch.planner import Plan, Problem, plan_cost, plan_greedy, plan_optimal

ROOT = Path(__file__).resolve().parent.parent
GUANJIA = ROOT / ".venv" / "bin" / "guanjia"

CATEGORIES = [
    ("repair.water_leak", 30),
    ("repair.light", 20),
    ("repair.drain", 15),
    ("clean.corridor", 12),
    ("greenery.fallen_tree", 10),
    ("repair.roof_leak", 6),
    ("repair.power", 5),
    ("safety.gas", 2),
]


def storm_instance(
    n_orders: int, n_workers: int, seed: int, *, continuous: bool = False
) -> dict[str, object]:
    """A backlog after a storm, as the JSON document `dispatch-plan` reads.

    Priorities are 1, 2, 3 (and 5 for gas), or with `continuous` any value from 1 to 5 in
    hundredths — many distinct priorities, which makes the planner use its slot network.
    """
    rng = random.Random(seed)
    side = 4000.0
    centres = [(rng.uniform(0, side), rng.uniform(0, side)) for _ in range(rng.randint(4, 9))]
    codes = [c for c, _ in CATEGORIES]
    weights = [w for _, w in CATEGORIES]
    orders = []
    for i in range(n_orders):
        if rng.random() < 0.85:
            cx, cy = rng.choice(centres)
            x, y = rng.gauss(cx, 150), rng.gauss(cy, 150)
        else:
            x, y = rng.uniform(0, side), rng.uniform(0, side)
        category = rng.choices(codes, weights)[0]
        priority: float = 5 if category == "safety.gas" else rng.choices([1, 2, 3], [70, 22, 8])[0]
        if continuous:
            priority = round(rng.uniform(1, 5), 2)
        orders.append(
            {"id": f"O{i}", "category": category, "x": round(x, 1), "y": round(y, 1),
             "priority": priority}
        )  # fmt: skip
    workers = []
    for j in range(n_workers):
        skills = set(rng.sample(codes, rng.choice([1, 1, 2, 2, 3])))
        if rng.random() < 0.5:
            skills.add(rng.choices(codes, weights)[0])
        capacity = rng.choice([8, 10, 10, 10, 12])
        workers.append(
            {"id": j, "skills": sorted(skills), "x": round(rng.uniform(0, side), 1),
             "y": round(rng.uniform(0, side), 1), "open_orders": rng.randint(0, 7),
             "capacity": capacity}
        )  # fmt: skip
    return {"service_minutes": 30, "speed_m_per_min": 80, "workers": workers, "orders": orders}


def milp_optimum(problem: Problem) -> tuple[int, float]:
    """Exact (count, cost) by two MILPs over (order, worker, slot) variables: most orders, then
    least cost with that many. Independent of the planner's penalty and component tricks."""
    service, speed = problem.service_minutes, problem.speed_m_per_min
    var_order: list[int] = []
    var_slot: list[int] = []
    costs: list[float] = []
    slot_base = 0
    for w in problem.workers:
        skilled = [i for i, o in enumerate(problem.orders) if o.category in w.skills]
        n_slots = min(w.free, len(skilled))
        for k in range(n_slots):
            for i in skilled:
                o = problem.orders[i]
                d = float(np.hypot(o.x - w.x, o.y - w.y))
                var_order.append(i)
                var_slot.append(slot_base + k)
                costs.append(o.priority * (d / speed + (w.open_orders + k) * service))
        slot_base += n_slots
    n_vars = len(costs)
    if n_vars == 0:
        return 0, 0.0
    cols = np.arange(n_vars)
    ones = np.ones(n_vars)
    a_orders = coo_matrix((ones, (var_order, cols)), shape=(len(problem.orders), n_vars))
    a_slots = coo_matrix((ones, (var_slot, cols)), shape=(slot_base, n_vars))
    constraints = [LinearConstraint(a_orders, 0, 1), LinearConstraint(a_slots, 0, 1)]
    integrality = np.ones(n_vars)
    bounds = Bounds(0, 1)
    first = milp(-ones, constraints=constraints, integrality=integrality, bounds=bounds)
    count = round(-first.fun)
    constraints.append(LinearConstraint(ones[None, :], count, count))
    second = milp(np.array(costs), constraints=constraints, integrality=integrality, bounds=bounds)
    return count, float(second.fun)


P = ParamSpec("P")
R = TypeVar("R")


def timed(fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> tuple[R, float]:
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def assigned(plan: Plan) -> int:
    return len(plan.assignments)


def main() -> None:
    sizes = [(50, 10, True, False), (200, 30, True, False), (400, 60, True, False),
             (200, 30, True, True), (1000, 150, False, False), (2000, 300, False, False),
             (2000, 300, False, True)]  # fmt: skip
    seeds = [1, 2, 3]
    print("priorities: classes 1/2/3/5, or 'cont' = any value 1.00-5.00 (the slot network)")
    print(
        f"{'orders×workers':>15} {'seed':>4} {'assigned opt/plan/greedy':>25} "
        f"{'plan/opt':>9} {'greedy/opt':>10} {'greedy/plan':>11} "
        f"{'plan s':>7} {'greedy s':>8} {'milp s':>7}"
    )
    worst_ratio = 1.0
    for n_orders, n_workers, exact, continuous in sizes:
        for seed in seeds:
            doc = storm_instance(n_orders, n_workers, seed, continuous=continuous)
            problem = parse_problem(doc)
            size = f"{n_orders:>5}×{n_workers:<3}{'cont' if continuous else '':>6}"
            plan, t_plan = timed(plan_optimal, problem)
            greedy, t_greedy = timed(plan_greedy, problem)
            # Price both plans the same way, from their pairs, as a check on the reported cost.
            index_o = {o.id: i for i, o in enumerate(problem.orders)}
            index_w = {w.id: j for j, w in enumerate(problem.workers)}
            recomputed = plan_cost(problem, [(index_o[o], index_w[w]) for o, w in plan.assignments])
            assert abs(recomputed - plan.cost) <= 1e-6 * max(1.0, plan.cost)
            if exact:
                (opt_count, opt_cost), t_milp = timed(milp_optimum, problem)
                ratio = plan.cost / opt_cost if opt_cost else 1.0
                if assigned(plan) != opt_count:
                    ratio = float("inf")  # fewer orders than the optimum is not a cost question
                worst_ratio = max(worst_ratio, ratio)
                g_ratio = f"{greedy.cost / opt_cost:10.4f}" if opt_cost else f"{'-':>10}"
                counts = f"{opt_count}/{assigned(plan)}/{assigned(greedy)}"
                print(
                    f"{size} {seed:>4} {counts:>25} {ratio:9.6f} "
                    f"{g_ratio} {greedy.cost / plan.cost:11.4f} "
                    f"{t_plan:7.3f} {t_greedy:8.3f} {t_milp:7.2f}"
                )
            else:
                counts = f"-/{assigned(plan)}/{assigned(greedy)}"
                print(
                    f"{size} {seed:>4} {counts:>25} {'-':>9} {'-':>10} "
                    f"{greedy.cost / plan.cost:11.4f} {t_plan:7.3f} {t_greedy:8.3f} {'-':>7}"
                )
    print(f"worst planner/optimum ratio over the exact sizes: {worst_ratio:.6f}")
    print("(greedy often assigns fewer orders than the optimum; its cost ratio then compares")
    print(" plans of different sizes, so read it beside the assigned counts)")

    problem = parse_problem(storm_instance(2000, 300, 1))
    (levels, t_levels), (slots, t_slots) = (
        timed(plan_optimal, problem, encoding="levels"),
        timed(plan_optimal, problem, encoding="slots"),
    )
    print(
        f"2000×300 seed 1, both networks: levels {t_levels:.3f} s, slots {t_slots:.3f} s, "
        f"cost difference {abs(levels.cost - slots.cost):.2e}, "
        f"assigned {len(levels.assignments)}/{len(slots.assignments)}"
    )

    cases = [("tight", 7, 0, False), ("tight", 8, 0, False), ("spare capacity", 7, 6, False),
             ("capacity +100", 7, 100, False), ("continuous priorities", 7, 0, True),
             ("continuous priorities, capacity +100", 7, 100, True)]  # fmt: skip
    for label, seed, spare, continuous in cases:
        doc = storm_instance(2000, 300, seed=seed, continuous=continuous)
        for worker in doc["workers"]:  # type: ignore[attr-defined]
            worker["capacity"] += spare
        time_command(f"{label}, seed {seed}", doc)


def time_command(label: str, doc: dict[str, object]) -> None:
    """The whole `guanjia dispatch-plan` (start-up and imports included), median of 3 runs.

    CPU time is printed beside wall time: on a shared machine wall time also counts waiting.
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "storm.json"
        path.write_text(json.dumps(doc))
        walls, cpus = [], []
        for _ in range(3):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            done = subprocess.run(  # noqa: S603 - our own command on our own file
                [str(GUANJIA), "dispatch-plan", str(path)], cwd=tmp, capture_output=True, check=True
            )
            walls.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            plan = json.loads(done.stdout)
        print(
            f"`guanjia dispatch-plan` 2000×300 ({label}; {len(plan['assignments'])} assigned) "
            f"from a bare directory: median wall {statistics.median(walls):.3f} s, "
            f"CPU {statistics.median(cpus):.3f} s (wall runs: "
            f"{', '.join(f'{r:.3f}' for r in walls)})"
        )


if __name__ == "__main__":
    main()
