"""The console's "plan the backlog" on plain data: what the live orders and staff become for the
batch planner (dispatch/planner.py), and what its plan means to a dispatcher.

Pure (no database): dispatch/selectors.py reads the street and calls these; the choices are
recorded in docs/adr/0014-backlog-plan-on-live-data.md.

- Priority: 1, plus 2 for an urgent order or a life-safety service, plus 1 once its accept
  deadline has passed — four levels, so the planner's fast "levels" network applies and an urgent
  order weighs three times a routine one.
- Positions: metres east and north of the backlog's middle, on a local flat projection of the
  compounds' latitude and longitude (errors under 0.1 % across a street). A worker stands at their
  base when it is known, else amid the compounds they serve, else amid the backlog.
- Service time and speed: SERVICE_MINUTES per order already queued, SPEED_M_PER_MIN on the way.
- Urgent first: the planner's cost weighs time by priority, so when places are short its cheapest
  plan of maximum size leaves out the dearest orders — the urgent ones. `plan` therefore plans the
  levels in turn, highest first, each with plan_optimal on the places the levels above left
  (their orders counted as already queued, which is where the planner sequences them anyway).
"""

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from guanjia.dispatch import planner

SERVICE_MINUTES = 30.0
SPEED_M_PER_MIN = 80.0  # on foot; the estimate is for ordering, not a promise
EARTH_RADIUS_M = 6_371_008.8

# Why an order stays unassigned, most telling first.
NO_PLACE = "no_place"  # no compound with a position on the map
NOBODY = "nobody"  # nobody on duty handles the service
FULL = "full"  # everyone on duty who handles it is at the workload cap
OUTRANKED = "outranked"  # the free places went to more pressing or nearer orders

LatLon = tuple[float, float]


def order_priority(*, urgent: bool, life_safety: bool, overdue: bool) -> int:
    return 1 + (2 if urgent or life_safety else 0) + (1 if overdue else 0)


def middle(points: Iterable[LatLon]) -> LatLon | None:
    found = list(points)
    if not found:
        return None
    return (
        sum(p[0] for p in found) / len(found),
        sum(p[1] for p in found) / len(found),
    )


def project(point: LatLon, origin: LatLon) -> tuple[float, float]:
    """Metres east (x) and north (y) of `origin` on a flat local map."""
    lat0 = math.radians(origin[0])
    x = EARTH_RADIUS_M * math.radians(point[1] - origin[1]) * math.cos(lat0)
    y = EARTH_RADIUS_M * math.radians(point[0] - origin[0])
    return x, y


def unassigned_reason(order: planner.Order, workers: Sequence[planner.Worker]) -> str:
    skilled = [w for w in workers if order.category in w.skills]
    if not skilled:
        return NOBODY
    if not any(w.free for w in skilled):
        return FULL
    return OUTRANKED


@dataclass(frozen=True)
class Estimate:
    order: planner.OrderId
    worker: planner.WorkerId
    position: int  # 0: the worker's first new order
    minutes: float  # until the worker is there: the queue before it, then the way


def estimates(problem: planner.Problem, plan: planner.Plan) -> list[Estimate]:
    """Each assignment with the planner's own figures: the worker takes its open orders and
    the earlier planned ones first (service_minutes each), then walks to the order."""
    orders = {o.id: o for o in problem.orders}
    workers = {w.id: w for w in problem.workers}
    position: dict[planner.WorkerId, int] = {}
    found = []
    for order_id, worker_id in plan.assignments:
        o, w = orders[order_id], workers[worker_id]
        k = position.get(worker_id, 0)
        position[worker_id] = k + 1
        way = math.hypot(o.x - w.x, o.y - w.y) / problem.speed_m_per_min
        found.append(
            Estimate(
                order=order_id,
                worker=worker_id,
                position=k,
                minutes=way + (w.open_orders + k) * problem.service_minutes,
            )
        )
    return found


def plan(problem: planner.Problem) -> planner.Plan:
    """The plan by priority level, highest first: each level gets as many orders assigned as any
    plan can with the places left, at the least cost (planner.plan_optimal); the whole is
    sequenced and priced by the planner's own rule. With one level it is plan_optimal's plan."""
    levels = sorted({o.priority for o in problem.orders}, reverse=True)
    if len(levels) <= 1:
        return planner.plan_optimal(problem)
    workers = list(problem.workers)
    index = {w.id: i for i, w in enumerate(workers)}
    pairs: list[tuple[int, int]] = []
    order_index = {o.id: i for i, o in enumerate(problem.orders)}
    for level in levels:
        tier = tuple(o for o in problem.orders if o.priority == level)
        part = planner.plan_optimal(replace(problem, workers=tuple(workers), orders=tier))
        taken = Counter(w for _o, w in part.assignments)
        workers = [
            replace(w, open_orders=w.open_orders + taken[w.id]) if taken[w.id] else w
            for w in workers
        ]
        pairs.extend((order_index[o], index[w]) for o, w in part.assignments)
    return planner.plan_from_pairs(problem, pairs)
