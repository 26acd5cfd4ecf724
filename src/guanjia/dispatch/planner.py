"""Batch planner: share a backlog of orders among workers at the least total cost.

A pure module (no Django, no ORM): the `guanjia dispatch-plan` command and the console's
"plan the backlog" action both call `plan_optimal` on plain data.

The rule
--------
Giving order o to worker w as w's k-th new order (k = 0, 1, ...) costs

    priority(o) × (distance(w, o) / speed + (open_orders(w) + k) × service_minutes)

with Euclidean distance. A worker takes only orders whose category is among its skills, and at
most capacity − open_orders new ones (none when that is ≤ 0). A plan assigns as many orders as any
plan can (maximum cardinality) and, among those, has the least total cost.

Why an assignment over slots is exact
-------------------------------------
Each worker w gets slots k = 0 .. s_w − 1 (s_w = min(capacity − open_orders, number of orders it
could take)), and slot k of w costs order o exactly the amount above. Every plan, with its orders
sequenced, is a matching of orders to slots of the same cost, so the best matching is at most the
best plan. Conversely, take a best matching: if some worker had a used slot k + 1 above an unused
slot k, moving that order down would lower the cost by priority × service_minutes ≥ 0, so a best
matching can be taken with each worker's slots filled contiguously from 0 — and that is a plan of
the same cost. Hence the two optima coincide. Within one worker the k-term is cheapest when the
highest priorities come first (rearrangement inequality), which is how the plan is sequenced and
how `plan_cost` prices any set of assignments.

Maximum cardinality comes first through a penalty: forbidden (order, slot) pairs cost more than
any whole plan, so the solver's objective (penalty × unmatched + cost) falls with every extra
real assignment before it looks at cost. The problem splits into independent components of the
skill graph (workers linked by shared categories), each solved with SciPy's
`linear_sum_assignment` on a dense order × slot matrix.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

OrderId = str | int | float
WorkerId = str | int | float


@dataclass(frozen=True, slots=True)
class Worker:
    id: WorkerId
    skills: frozenset[str]
    x: float
    y: float
    open_orders: int
    capacity: int

    @property
    def free(self) -> int:
        """How many new orders the worker may still take."""
        return max(0, self.capacity - self.open_orders)


@dataclass(frozen=True, slots=True)
class Order:
    id: OrderId
    category: str
    x: float
    y: float
    priority: float


@dataclass(frozen=True, slots=True)
class Problem:
    service_minutes: float
    speed_m_per_min: float
    workers: tuple[Worker, ...]
    orders: tuple[Order, ...]


@dataclass(frozen=True, slots=True)
class Plan:
    # (order id, worker id) pairs, grouped by worker in the sequence the worker should take them.
    assignments: tuple[tuple[OrderId, WorkerId], ...]
    unassigned: tuple[OrderId, ...]
    cost: float

    def as_json(self) -> dict[str, object]:
        return {
            "assignments": [{"order": o, "worker": w} for o, w in self.assignments],
            "unassigned": list(self.unassigned),
            "cost": self.cost,
        }


def plan_cost(problem: Problem, assignments: Iterable[tuple[int, int]]) -> float:
    """The cost of (order index, worker index) pairs, each worker's orders sequenced by priority.

    Sequencing by descending priority is the cheapest order for a fixed set (see the module
    docstring), so this is the cost of the best plan with exactly these pairs.
    """
    per_worker: dict[int, list[int]] = defaultdict(list)
    for oi, wi in assignments:
        per_worker[wi].append(oi)
    total = 0.0
    for wi, order_indices in per_worker.items():
        worker = problem.workers[wi]
        order_indices.sort(key=lambda oi: -problem.orders[oi].priority)
        for k, oi in enumerate(order_indices):
            total += _pair_cost(problem, problem.orders[oi], worker, k)
    return total


def _pair_cost(problem: Problem, order: Order, worker: Worker, k: int) -> float:
    distance = math.hypot(order.x - worker.x, order.y - worker.y)
    return order.priority * (
        distance / problem.speed_m_per_min + (worker.open_orders + k) * problem.service_minutes
    )


def _plan_from_pairs(problem: Problem, pairs: Sequence[tuple[int, int]]) -> Plan:
    """Sequence each worker's orders (highest priority first) and price the plan."""
    per_worker: dict[int, list[int]] = defaultdict(list)
    for oi, wi in pairs:
        per_worker[wi].append(oi)
    assigned: set[int] = set()
    out: list[tuple[OrderId, WorkerId]] = []
    for wi in sorted(per_worker):
        # Stable on input order among equal priorities, so plans are reproducible.
        order_indices = sorted(per_worker[wi], key=lambda oi: (-problem.orders[oi].priority, oi))
        out.extend((problem.orders[oi].id, problem.workers[wi].id) for oi in order_indices)
        assigned.update(order_indices)
    unassigned = tuple(o.id for i, o in enumerate(problem.orders) if i not in assigned)
    return Plan(assignments=tuple(out), unassigned=unassigned, cost=plan_cost(problem, pairs))


def _components(problem: Problem) -> list[tuple[list[int], list[int]]]:
    """Split into independent (order indices, worker indices) groups via shared categories.

    Only workers with free slots count; orders whose category nobody free can take are left out
    (they stay unassigned).
    """
    parent: dict[str, str] = {}

    def find(c: str) -> str:
        root = c
        while parent[root] != root:
            root = parent[root]
        while parent[c] != root:
            parent[c], c = root, parent[c]
        return root

    for w in problem.workers:
        if w.free == 0 or not w.skills:
            continue
        skills = list(w.skills)
        for c in skills:
            parent.setdefault(c, c)
        first = find(skills[0])
        for c in skills[1:]:
            root = find(c)
            if root != first:
                parent[root] = first
    orders_by_root: dict[str, list[int]] = defaultdict(list)
    for oi, o in enumerate(problem.orders):
        if o.category in parent:
            orders_by_root[find(o.category)].append(oi)
    workers_by_root: dict[str, list[int]] = defaultdict(list)
    for wi, w in enumerate(problem.workers):
        if w.free and w.skills:
            workers_by_root[find(next(iter(w.skills)))].append(wi)
    return [(orders_by_root[r], workers_by_root[r]) for r in orders_by_root]


def plan_optimal(problem: Problem) -> Plan:
    """The exact plan: maximum number of orders assigned, then the least total cost."""
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    pairs: list[tuple[int, int]] = []
    service = problem.service_minutes
    for order_idx, worker_idx in _components(problem):
        orders = [problem.orders[i] for i in order_idx]
        workers = [problem.workers[i] for i in worker_idx]
        categories = sorted({o.category for o in orders})
        cat_index = {c: i for i, c in enumerate(categories)}
        order_cat = np.fromiter((cat_index[o.category] for o in orders), dtype=np.intp)
        # skilled[c, j]: worker j can take category c.
        skilled = np.zeros((len(categories), len(workers)), dtype=bool)
        for j, w in enumerate(workers):
            for c in w.skills:
                if c in cat_index:
                    skilled[cat_index[c], j] = True
        allowed = skilled[order_cat]  # orders × workers
        counts = allowed.sum(axis=0)
        slots = np.minimum(np.array([w.free for w in workers]), counts)
        if not slots.any():
            continue

        ox = np.array([o.x for o in orders], dtype=float)
        oy = np.array([o.y for o in orders], dtype=float)
        prio = np.array([o.priority for o in orders], dtype=float)
        wx = np.array([w.x for w in workers], dtype=float)
        wy = np.array([w.y for w in workers], dtype=float)
        travel = np.hypot(ox[:, None] - wx[None, :], oy[:, None] - wy[None, :])
        travel /= problem.speed_m_per_min

        # Columns: slot k of worker j for every j, k < slots[j].
        col_worker = np.repeat(np.arange(len(workers)), slots)
        starts = np.cumsum(slots) - slots
        col_k = np.arange(len(col_worker)) - np.repeat(starts, slots)
        open_orders = np.array([w.open_orders for w in workers], dtype=float)
        col_wait = (open_orders[col_worker] + col_k) * service
        cost = travel[:, col_worker]
        cost += col_wait[None, :]
        cost *= prio[:, None]
        forbidden = ~allowed[:, col_worker]

        # Any plan costs at most the sum of each order's dearest allowed slot (a worker's last),
        # so a penalty above that makes one more assignment worth more than any saving in cost.
        last_wait = (open_orders + np.maximum(slots - 1, 0)) * service
        dearest = np.where(allowed, (travel + last_wait[None, :]) * prio[:, None], 0.0)
        penalty = 2.0 * float(dearest.max(axis=1).sum()) + 1.0
        np.putmask(cost, forbidden, penalty)

        rows, cols = linear_sum_assignment(cost)
        keep = ~forbidden[rows, cols]
        for r, c in zip(rows[keep].tolist(), cols[keep].tolist(), strict=True):
            pairs.append((order_idx[r], worker_idx[int(col_worker[c])]))
    return _plan_from_pairs(problem, pairs)


def plan_greedy(problem: Problem) -> Plan:
    """Baseline: highest priority first, each order to the nearest skilled worker with room.

    What a dispatcher does by hand; neither maximum nor cheapest in general.
    """
    room = [w.free for w in problem.workers]
    by_category: dict[str, list[int]] = defaultdict(list)
    for wi, w in enumerate(problem.workers):
        for c in w.skills:
            by_category[c].append(wi)
    pairs: list[tuple[int, int]] = []
    sequence = sorted(range(len(problem.orders)), key=lambda i: -problem.orders[i].priority)
    for oi in sequence:
        o = problem.orders[oi]
        best = -1
        best_distance = math.inf
        for wi in by_category.get(o.category, ()):
            if room[wi] <= 0:
                continue
            w = problem.workers[wi]
            d = math.hypot(o.x - w.x, o.y - w.y)
            if d < best_distance:
                best, best_distance = wi, d
        if best >= 0:
            room[best] -= 1
            pairs.append((oi, best))
    return _plan_from_pairs(problem, pairs)
