"""The assignment engine: who should take an order, in what order, and why.

Pure: plain dataclasses in, plain dataclasses out, no database. dispatch/selectors.py builds the
input from the street's data; dispatch/services.py acts on the result (auto-dispatch), and the
dispatcher's suggestions show it.

The rules (docs/adr/0007-dispatch-dedicated-first-then-score-cap-binds-only-automatic.md):

- Only qualified candidates are ranked: a staff member with the skill, a vendor's member whose
  vendor is under contract for the category.
- 指派 (assign): the category's dedicated staff for the compound first (专人负责制: the primary,
  then the backup) when on duty and under the cap; otherwise by score — on duty, fewer open
  orders, nearer, fewer orders today (fairness).
- 轮派 (rotate): round-robin over the qualified staff on duty: whoever was assigned least recently.
- 抢单 (grab): nobody is assigned automatically (the order waits in the pool); the ranking is
  still offered to a dispatcher who wants to suggest someone.
- Vendor categories (low frequency, most 三管 services) go to contracted vendors before staff;
  the others go to staff before vendors.
- The workload cap binds automatic assignment only: a candidate at or over the cap is ranked and
  shown with a warning, but never picked automatically. A dispatcher may still choose them.
"""

import datetime as dt
import math
from dataclasses import dataclass

from django.utils.translation import pgettext

ASSIGN = "assign"
GRAB = "grab"
ROTATE = "rotate"

PRIMARY = "primary"
BACKUP = "backup"

VENDOR_KIND = "vendor"
LOW_FREQUENCY = "low"

DEFAULT_CAP = 10

# Warning codes, the same as tickets.services' warnings for a manual dispatch.
OVER_WORKLOAD = "over_workload"
OFF_DUTY = "off_duty"
OTHER_COMPOUND = "other_compound"

# Score weights. Dedication and the kind of handler dominate; then duty; then the small terms,
# which only order candidates that are otherwise alike.
W_PRIMARY = 1000.0
W_BACKUP = 500.0
W_KIND = 200.0
W_ON_DUTY = 100.0
W_COMPOUND = 20.0
W_PER_OPEN_ORDER = 10.0
W_PER_KM = 5.0
W_PER_ORDER_TODAY = 2.0
MAX_KM = 20.0  # beyond this, distance stops mattering more (another district's base)

SEPARATOR = "·"
# Reasons are short words shown beside a suggestion; their own context keeps them apart from
# the same English words elsewhere (a roster's "on duty").


@dataclass(frozen=True)
class OrderIn:
    category: str
    mode: str = ASSIGN  # assign, grab, rotate (catalog.DispatchMode)
    handler_kind: str = "staff"  # staff, vendor, desk (catalog.HandlerKind)
    frequency: str = "high"
    compound_id: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    urgent: bool = False
    life_safety: bool = False

    @property
    def wants_vendor(self) -> bool:
        return self.handler_kind == VENDOR_KIND or self.frequency == LOW_FREQUENCY


@dataclass(frozen=True)
class CandidateIn:
    user_id: int
    username: str
    display_name: str = ""
    is_vendor: bool = False
    qualified: bool = True
    on_duty: bool = True
    on_leave: bool = False  # off duty because of leave (请假) today: said so in the reasons
    open_orders: int = 0
    cap: int = DEFAULT_CAP
    # Compounds served; empty means the whole street (vendors, street-wide staff).
    compounds: frozenset[int] = frozenset()
    designation: str = ""  # primary, backup or "" for this category and compound (专人负责制)
    latitude: float | None = None
    longitude: float | None = None
    last_assigned_at: dt.datetime | None = None
    assigned_today: int = 0

    @property
    def name(self) -> str:
        return self.display_name or self.username


@dataclass(frozen=True)
class Ranked:
    candidate: CandidateIn
    score: float
    reasons: tuple[str, ...]
    warnings: tuple[str, ...]  # codes: over_workload, off_duty, other_compound
    auto_eligible: bool  # may be picked without a dispatcher
    distance_km: float | None = None

    @property
    def explanation(self) -> str:
        return SEPARATOR.join(self.reasons)


@dataclass(frozen=True)
class Decision:
    ranked: tuple[Ranked, ...]
    pick: Ranked | None
    # Why: dedicated, score, rotation, pool (grab mode), nobody (no eligible candidate).
    rule: str = ""


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))


def _distance(order: OrderIn, c: CandidateIn) -> float | None:
    if None in (order.latitude, order.longitude, c.latitude, c.longitude):
        return None
    return haversine_km(order.latitude, order.longitude, c.latitude, c.longitude)  # type: ignore[arg-type]


def _serves(order: OrderIn, c: CandidateIn) -> bool:
    return c.is_vendor or not c.compounds or order.compound_id in c.compounds


def _assess(order: OrderIn, c: CandidateIn) -> Ranked:
    reasons: list[str] = []
    warnings: list[str] = []
    score = 0.0
    dedicated = order.mode == ASSIGN and c.designation in (PRIMARY, BACKUP)
    if dedicated and c.on_duty:
        score += W_PRIMARY if c.designation == PRIMARY else W_BACKUP
    if c.designation == PRIMARY:
        reasons.append(pgettext("dispatch reason", "dedicated"))
    elif c.designation == BACKUP:
        reasons.append(pgettext("dispatch reason", "dedicated backup"))
    if c.is_vendor:
        reasons.append(pgettext("dispatch reason", "contracted vendor"))
    if c.is_vendor == order.wants_vendor:
        score += W_KIND
    if c.on_duty:
        score += W_ON_DUTY
        reasons.append(pgettext("dispatch reason", "on duty"))
    else:
        if c.on_leave:
            reasons.append(pgettext("dispatch reason", "on leave"))
        else:
            reasons.append(pgettext("dispatch reason", "off duty"))
        warnings.append(OFF_DUTY)
    score -= W_PER_OPEN_ORDER * c.open_orders
    reasons.append(pgettext("dispatch reason", "%(count)d open orders") % {"count": c.open_orders})
    over_cap = c.open_orders >= c.cap
    if over_cap:
        reasons.append(pgettext("dispatch reason", "at the cap of %(cap)d") % {"cap": c.cap})
        warnings.append(OVER_WORKLOAD)
    km = _distance(order, c)
    if km is not None:
        score -= W_PER_KM * min(km, MAX_KM)
        reasons.append(pgettext("dispatch reason", "%(km).1f km away") % {"km": km})
    if _serves(order, c):
        score += W_COMPOUND
    else:
        reasons.append(pgettext("dispatch reason", "serves other compounds"))
        warnings.append(OTHER_COMPOUND)
    if c.assigned_today:
        score -= W_PER_ORDER_TODAY * c.assigned_today
        reasons.append(
            pgettext("dispatch reason", "%(count)d assigned today") % {"count": c.assigned_today}
        )
    return Ranked(
        candidate=c,
        score=round(score, 2),
        reasons=tuple(reasons),
        warnings=tuple(warnings),
        auto_eligible=c.on_duty and not over_cap,
        distance_km=round(km, 2) if km is not None else None,
    )


_EPOCH = dt.datetime.min.replace(tzinfo=dt.UTC)


def _rotation_key(order: OrderIn, r: Ranked) -> tuple[object, ...]:
    c = r.candidate
    return (
        not r.auto_eligible,
        c.is_vendor != order.wants_vendor,
        c.last_assigned_at or _EPOCH,
        c.assigned_today,
        c.open_orders,
        c.username,
    )


def rank(order: OrderIn, candidates: list[CandidateIn]) -> list[Ranked]:
    """Qualified candidates, best first, each with a score, reasons and warnings.

    In rotation the order is the rotation's (least recently assigned first among those who may
    take it); otherwise by score, ties by fewer open orders, then username (stable).
    """
    ranked = [_assess(order, c) for c in candidates if c.qualified]
    if order.mode == ROTATE:
        ranked.sort(key=lambda r: _rotation_key(order, r))
    else:
        ranked.sort(key=lambda r: (-r.score, r.candidate.open_orders, r.candidate.username))
    return ranked


def decide(order: OrderIn, candidates: list[CandidateIn]) -> Decision:
    """Rank the candidates and say whom automatic dispatch would pick (None in grab mode or when
    nobody on duty is under the cap)."""
    ranked = tuple(rank(order, candidates))
    if order.mode == GRAB:
        return Decision(ranked=ranked, pick=None, rule="pool")
    eligible = [r for r in ranked if r.auto_eligible]
    if not eligible:
        return Decision(ranked=ranked, pick=None, rule="nobody")
    pick = eligible[0]
    if order.mode == ROTATE:
        rule = "rotation"
        pick = _with_reason(pick, pgettext("dispatch reason", "next in rotation"))
    elif order.mode == ASSIGN and pick.candidate.designation in (PRIMARY, BACKUP):
        rule = "dedicated"
    else:
        rule = "score"
    ranked = tuple(pick if r.candidate == pick.candidate else r for r in ranked)
    return Decision(ranked=ranked, pick=pick, rule=rule)


def _with_reason(r: Ranked, reason: str) -> Ranked:
    return Ranked(
        candidate=r.candidate,
        score=r.score,
        reasons=(reason, *r.reasons),
        warnings=r.warnings,
        auto_eligible=r.auto_eligible,
        distance_km=r.distance_km,
    )
