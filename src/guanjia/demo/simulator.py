"""Plan and play months of orders without a database.

Two steps, both pure:

1. `plan` draws the orders (when, what, where, who) and, for each, a life: the moves it will make
   and when (dispatch, accept, arrive, resolve, rate...). Each life is walked through the real
   lifecycle table (`tickets.lifecycle.move_target`) as it is drawn, so it can only hold moves
   the table allows.
2. `play` runs every planned move of every order in time order up to `now`, doing to plain rows
   what `tickets.services` does to the database: the same field changes, the same TicketEvent
   rows (type, from/to, actor, note, payload with warnings), the same notifications, the same
   ticket numbers and counters. Moves planned after `now` do not happen: the last day's orders
   are left open in whatever state they had reached.

demo/history.py writes the result in bulk. demo/tests/test_history.py replays a small history
through the real services and checks that both agree, row for row.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from guanjia.demo import texts
from guanjia.sla.calendar import ALWAYS, Calendar
from guanjia.tickets import lifecycle
from guanjia.tickets.lifecycle import move_target
from guanjia.tickets.services import RESIDENT_HEARS
from guanjia.tickets.sla import Deadlines, deadlines_from, deadlines_resume

MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)

# --- the world, as plain data --------------------------------------------------------------------


@dataclass(frozen=True)
class Category:
    code: str
    pk: int
    site_visit: bool
    after_photo: bool
    life_safety: bool
    accept_minutes: int
    arrive_minutes: int
    resolve_minutes: int
    mode: str  # assign, grab, rotate
    follow_up: str  # none, sample, all
    preferred_time: bool  # the intake asks for a preferred time (vendors' personal services)
    calendar: Calendar = ALWAYS  # what its minutes count (guanjia.sla.calendar)

    def deadlines(self, start: dt.datetime) -> Deadlines:
        """As tickets.services._category_deadlines."""
        return deadlines_from(
            start,
            accept_minutes=self.accept_minutes,
            arrive_minutes=self.arrive_minutes if self.site_visit else None,
            resolve_minutes=self.resolve_minutes,
            calendar=self.calendar,
        )


@dataclass(frozen=True)
class Handler:
    pk: int
    username: str
    kind: str  # guard, electrician, fixer, vendor, desk
    skills: frozenset[str]  # for a vendor's member: the vendor's categories
    compounds: frozenset[int]
    is_vendor: bool
    shifts: tuple[tuple[int, dt.time, dt.time], ...]


@dataclass(frozen=True)
class Unit:
    pk: int
    name: str


@dataclass(frozen=True)
class Building:
    pk: int
    name: str
    units: tuple[Unit, ...]


@dataclass(frozen=True)
class Compound:
    pk: int
    name: str
    alias: str
    households: int
    buildings: tuple[Building, ...]


@dataclass(frozen=True)
class World:
    street_code: str
    tz: dt.tzinfo
    categories: dict[str, Category]
    handlers: tuple[Handler, ...]
    compounds: tuple[Compound, ...]
    dispatcher: int
    operator: int
    manager: int
    # Accounts notified by role, as notifications.services.users_with_permission lists them.
    dispatch_holders: tuple[int, ...]
    extend_holders: tuple[int, ...]
    usernames: dict[int, str]
    auto_close_hours: int = 48
    reopen_days: int = 7
    reopen_rating_max: int = 2
    workload_cap: int = 10


# --- what the simulator draws --------------------------------------------------------------------


@dataclass
class Resident:
    phone: str
    name: str
    compound: Compound
    building: Building
    unit: Unit
    room: str
    weight: float
    # Someone ordering for a parent: the household and the place are the parent's.
    parent: Resident | None = None


@dataclass
class Order:
    """What was asked, as ticket_create receives it."""

    created_at: dt.datetime
    category: Category
    channel: str
    compound: Compound
    building: Building | None
    unit: Unit | None
    room: str
    spot: str
    description: str
    urgent: bool
    phone: str
    contact_name: str
    created_by: int | None
    attributes: dict[str, Any]
    original: Order | None = None  # a duplicate of this order, to be merged into it
    hold: bool = False  # still waiting in the dispatcher's queue now
    stall: str = ""  # the move (accept, arrive, resolve, resume) it is still waiting for now


@dataclass(frozen=True)
class Rating:
    overall: int
    speed: int | None
    service: int | None
    comment: str


@dataclass
class Step:
    """One planned move (an action of the lifecycle table, or `create` / `photo`)."""

    at: dt.datetime
    action: str
    actor: int | None
    capacity: str
    assignee: int | None = None
    reason: str = ""
    note: str = ""
    rating: Rating | None = None
    deadline: dt.datetime | None = None
    original: int | None = None  # index of the original order (merge)


class PlanError(Exception):
    """The simulator drew something the services would refuse: a bug here, never data."""


# --- rows, as the services would have written them -----------------------------------------------


@dataclass
class TicketRow:
    index: int
    order: Order
    number: str
    status: str = lifecycle.NEW
    paused_from: str = ""
    version: int = 1
    assignee: int | None = None
    updated_at: dt.datetime | None = None
    dispatched_at: dt.datetime | None = None
    accepted_at: dt.datetime | None = None
    on_site_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    cancelled_at: dt.datetime | None = None
    paused_at: dt.datetime | None = None
    paused_seconds: int = 0
    accept_due: dt.datetime | None = None
    arrive_due: dt.datetime | None = None
    resolve_due: dt.datetime | None = None
    return_count: int = 0
    reopen_count: int = 0
    rating_overall: int | None = None
    rating_speed: int | None = None
    rating_service: int | None = None
    rating_comment: str = ""
    rated_at: dt.datetime | None = None
    duplicate_of: int | None = None
    followers: list[str] = field(default_factory=list)  # phones, in the order they were added

    @property
    def household(self) -> tuple[int, str] | None:
        o = self.order
        return (o.unit.pk, o.room) if o.unit is not None and o.room else None


@dataclass
class EventRow:
    ticket: int
    type: str
    at: dt.datetime
    actor: int | None
    from_status: str = ""
    to_status: str = ""
    note: str = ""
    payload: dict[str, Any] = field(default_factory=dict)
    photo: int | None = None  # index of the photo a `photo` event records (its pk goes in payload)


@dataclass
class NotificationRow:
    ticket: int
    kind: str
    created_at: dt.datetime
    recipient: int | None = None
    phone: str = ""
    payload: dict[str, Any] = field(default_factory=dict)  # besides the ticket's number


@dataclass
class PhotoRow:
    ticket: int
    kind: str
    uploaded_by: int | None
    created_at: dt.datetime


@dataclass
class ResidentRow:
    phone: str
    name: str
    household: tuple[int, str] | None
    compound: int | None  # the household's compound
    first_order: dt.datetime


@dataclass
class FollowerRow:
    ticket: int
    phone: str
    source: int


@dataclass
class History:
    tickets: list[TicketRow]
    events: list[EventRow]
    notifications: list[NotificationRow]
    photos: list[PhotoRow]
    residents: dict[str, ResidentRow]
    followers: list[FollowerRow]
    households: dict[tuple[int, str], int]  # (unit, room) -> compound
    counters: dict[dt.date, int]


# --- how the street orders -----------------------------------------------------------------------

# Share of orders per category (the story: corridor lights, garbage and drains most of all).
CATEGORY_WEIGHTS: dict[str, float] = {
    "repair.corridor_light": 17,
    "cleaning.garbage": 13,
    "repair.drain": 11,
    "repair.water_electric": 6,
    "repair.door_access": 6,
    "repair.public_facility": 5,
    "cleaning.corridor": 7,
    "personal.home_repair": 7,
    "security.ebike_charging": 4,
    "security.parking": 4,
    "security.noise": 3,
    "security.patrol": 2,
    "security.fire_safety": 1,
    "consult.other": 5,
    "personal.housekeeping": 2,
    "personal.elder_care": 2,
    "personal.child_care": 1,
    "repair.roof_leak": 2,
    "cleaning.disinfection": 1.5,
    "cleaning.greenery": 1.5,
}
CHANNEL_WEIGHTS: dict[str, float] = {"wechat": 55, "hotline": 30, "form": 15}
# Orders per hour of the day (local): daytime peaks, few at night.
HOUR_WEIGHTS = (1.0, 0.5, 0.3, 0.3, 0.3, 0.6, 2, 5, 8, 9, 8, 6, 5, 6, 7, 7, 7, 6, 6, 6, 5, 4, 3, 2)
WEEKDAY_FACTOR = (1.0, 0.95, 0.95, 0.95, 1.0, 1.15, 1.15)

# Who does the work, first choice first.
TEAMS: dict[str, tuple[str, ...]] = {
    "repair.corridor_light": ("electrician",),
    "repair.water_electric": ("electrician", "fixer"),
    "repair.door_access": ("fixer", "electrician"),
    "repair.drain": ("fixer",),
    "repair.public_facility": ("fixer",),
    "cleaning.garbage": ("fixer",),
    "cleaning.corridor": ("fixer",),
    "personal.home_repair": ("fixer", "electrician"),
    "consult.other": ("desk",),
}
# Outside the desk's hours the system dispatches to whoever is on duty or on call (the desk's
# and the vendors' orders wait for the dispatcher). In the quiet hours only these are handled at
# once; the on-call worker takes the rest first thing in the morning.
NIGHT_CATEGORIES = frozenset({"repair.water_electric", "repair.drain"})
DESK_OPEN, DESK_CLOSE = dt.time(8, 0), dt.time(21, 0)
WORK_START, WORK_END = dt.time(8, 0), dt.time(18, 0)
AWAKE_FROM, AWAKE_UNTIL = dt.time(7, 30), dt.time(22, 0)
# The on-call worker signs for (accepts) orders until late and from early, even when the visit
# waits for the morning.
SIGNS_FROM, SIGNS_UNTIL = dt.time(6, 30), dt.time(23, 30)
AWAKE = (AWAKE_FROM, AWAKE_UNTIL)
SIGNS = (SIGNS_FROM, SIGNS_UNTIL)

# Medians in minutes: (accept after dispatch, travel after accept, work on site).
TIMES: dict[str, tuple[float, float, float]] = {
    "repair.corridor_light": (3, 9, 14),
    "repair.water_electric": (3, 11, 45),
    "repair.drain": (5, 20, 60),
    "repair.door_access": (6, 25, 40),
    "repair.public_facility": (15, 90, 120),
    "security.patrol": (2, 6, 20),
    "security.ebike_charging": (3, 10, 20),
    "security.fire_safety": (1, 5, 25),
    "security.parking": (3, 10, 15),
    "security.noise": (3, 10, 15),
    "cleaning.garbage": (8, 40, 30),
    "cleaning.corridor": (12, 90, 40),
    "personal.home_repair": (0, 60, 45),
    "consult.other": (8, 0, 30),
    "personal.housekeeping": (60, 0, 180),
    "personal.elder_care": (40, 0, 120),
    "personal.child_care": (40, 0, 120),
    "repair.roof_leak": (90, 0, 300),
    "cleaning.disinfection": (90, 0, 90),
    "cleaning.greenery": (120, 0, 180),
}
# Where the work is: a household (room), a unit's corridor, a building, or a public spot.
HOUSEHOLD_PLACES = frozenset(
    {
        "personal.home_repair",
        "personal.housekeeping",
        "personal.elder_care",
        "personal.child_care",
        "repair.roof_leak",
    }
)
UNIT_PLACES = frozenset(
    {
        "repair.corridor_light",
        "repair.door_access",
        "cleaning.corridor",
        "security.ebike_charging",
        "security.noise",
        "repair.drain",
    }
)
BUILDING_PLACES = frozenset({"repair.water_electric", "cleaning.garbage"})
# Problems that neighbours report twice (merged as duplicates).
SHARED_PROBLEMS = frozenset(
    {
        "repair.corridor_light",
        "repair.water_electric",
        "repair.drain",
        "repair.public_facility",
        "cleaning.garbage",
        "security.parking",
        "security.noise",
        "repair.door_access",
    }
)


@dataclass(frozen=True)
class Odds:
    """How often the uncommon lives happen. Tests raise them to see every kind in a few orders."""

    slow: float = 0.08  # everything takes 2.5-6 times as long (what ends up overdue)
    resident_cancel: float = 0.012
    desk_cancel: float = 0.006
    returned: float = 0.03  # 退单
    transfer: float = 0.015
    pause: float = 0.02  # four times as often for vendors
    duplicate: float = 0.02  # of shared problems, reported again by a neighbour
    rated: float = 0.6
    low_rating: float = 0.02  # of ratings: 1 or 2, which reopens the order
    reopen_unrated: float = 0.02
    on_behalf: float = 0.06  # residents with a son or daughter ordering for them
    landline: float = 0.12
    held_in_queue: int = 12  # orders of the last hours still waiting for the dispatcher

    def scaled(self, factor: float) -> Odds:
        """Every uncommon life `factor` times as likely (rated and landline unchanged)."""
        return Odds(
            slow=min(0.5, self.slow * factor),
            resident_cancel=min(0.2, self.resident_cancel * factor),
            desk_cancel=min(0.1, self.desk_cancel * factor),
            returned=min(0.3, self.returned * factor),
            transfer=min(0.3, self.transfer * factor),
            pause=min(0.2, self.pause * factor),
            duplicate=min(0.4, self.duplicate * factor),
            rated=self.rated,
            low_rating=min(0.3, self.low_rating * factor),
            reopen_unrated=min(0.3, self.reopen_unrated * factor),
            on_behalf=min(0.3, self.on_behalf * factor),
            landline=self.landline,
            held_in_queue=self.held_in_queue,
        )


def _local(world: World, at: dt.datetime) -> dt.datetime:
    return at.astimezone(world.tz)


def on_duty(handler: Handler, local: dt.datetime) -> bool:
    """people.selectors.handler_on_duty over plain data."""
    if not handler.shifts:
        return True
    t = local.time()
    today = local.weekday()
    yesterday = (today - 1) % 7
    for weekday, start, end in handler.shifts:
        if start <= end:
            if weekday == today and start <= t < end:
                return True
        elif (weekday == today and t >= start) or (weekday == yesterday and t < end):
            return True
    return False


def _whole(at: dt.datetime) -> dt.datetime:
    return at.replace(microsecond=0)


# --- planning ------------------------------------------------------------------------------------


def _due(value: dt.datetime | None) -> dt.datetime:
    """A resolve deadline, which every order has."""
    assert value is not None
    return value


class _Walk:
    """One order's life as it is drawn: each move is checked against the lifecycle table."""

    def __init__(self, world: World, order: Order) -> None:
        self.world = world
        self.order = order
        self.category = order.category
        self.status = lifecycle.NEW
        self.paused_from = ""
        self.assignee: int | None = None
        self.steps: list[Step] = [Step(order.created_at, "create", order.created_by, "")]
        self.resolved_at: dt.datetime | None = None
        self.end: dt.datetime | None = None  # first time it was closed or cancelled
        self.resolve_due = _due(self.category.deadlines(order.created_at).resolve_due)
        self.paused_at: dt.datetime | None = None

    @property
    def last(self) -> dt.datetime:
        return self.steps[-1].at

    def move(self, step: Step) -> None:
        step.at = _whole(step.at)
        if step.at < self.last:
            raise PlanError(f"{step.action} at {step.at} before {self.last}")
        low = step.rating is not None and step.rating.overall <= self.world.reopen_rating_max
        target = move_target(
            step.action,
            self.status,
            {step.capacity},
            paused_from=self.paused_from,
            site_visit=self.category.site_visit,
            low_rating=low,
        )
        if lifecycle.MOVES[step.action].needs_reason and not step.reason:
            raise PlanError(f"{step.action} needs a reason")
        self.steps.append(step)
        a = step.action
        if a in {"dispatch", "transfer", "grab"}:
            self.assignee = step.assignee if a != "grab" else step.actor
        elif a == "return":
            self.assignee = None
        elif a == "pause":
            self.paused_from = self.status
            self.paused_at = step.at
        elif a == "resume":
            self.paused_from = ""
            assert self.paused_at is not None
            due = Deadlines(None, None, self.resolve_due)
            self.resolve_due = _due(
                deadlines_resume(due, self.paused_at, step.at, self.category.calendar).resolve_due
            )
        elif a == "extend":
            assert step.deadline is not None
            self.resolve_due = step.deadline
        elif a == "resolve":
            self.resolved_at = step.at
        if target == lifecycle.DISPATCHED and a in {"reopen", "rate"}:
            self.resolve_due = _due(self.category.deadlines(step.at).resolve_due)
        if target in {lifecycle.CLOSED, lifecycle.CANCELLED} and self.end is None:
            self.end = step.at
        self.status = target

    def photo(self, at: dt.datetime, actor: int) -> None:
        at = _whole(max(at, self.last))
        self.steps.append(Step(at, "photo", actor, lifecycle.ASSIGNEE))


class Planner:
    def __init__(
        self, world: World, *, seed: int, now: dt.datetime, odds: Odds | None = None
    ) -> None:
        self.world = world
        self.odds = odds or Odds()
        self.rng = random.Random(seed)
        self.now = now
        self.by_kind: dict[str, list[Handler]] = {}
        for h in world.handlers:
            self.by_kind.setdefault(h.kind, []).append(h)
        self.residents: list[Resident] = []
        self.residents_by_compound: dict[int, list[Resident]] = {}

    # -- small draws

    def minutes(self, median: float, sigma: float = 0.5, low: float = 0.5) -> dt.timedelta:
        """A lognormal duration around `median` minutes (services take a long tail of time)."""
        if median <= 0:
            return dt.timedelta(0)
        value = max(low, self.rng.lognormvariate(math.log(median), sigma))
        return dt.timedelta(seconds=int(value * 60))

    def between(self, low: dt.timedelta, high: dt.timedelta) -> dt.timedelta:
        return dt.timedelta(
            seconds=int(self.rng.uniform(low.total_seconds(), high.total_seconds()))
        )

    def pick(self, weights: dict[str, float]) -> str:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def at_local(self, day: dt.date, time: dt.time) -> dt.datetime:
        return dt.datetime.combine(day, time, tzinfo=self.world.tz).astimezone(dt.UTC)

    def next_opening(self, at: dt.datetime, opens: dt.time, closes: dt.time) -> dt.datetime:
        """`at` if within [opens, closes) local time, else the next opening."""
        local = _local(self.world, at)
        if opens <= local.time() < closes:
            return at
        day = local.date() if local.time() < opens else local.date() + DAY
        return self.at_local(day, opens)

    # -- people

    def residents_draw(self) -> None:
        rng = self.rng
        phones: set[str] = set()

        def phone(landline: bool) -> str:
            while True:
                if landline:
                    number = f"0571{rng.randint(2, 8)}{rng.randint(0, 9_999_999):07d}"
                else:
                    prefix = rng.choice(["13", "13", "15", "15", "18", "17", "19"])
                    number = f"{prefix}{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}"
                if number not in phones:
                    phones.add(number)
                    return number

        for compound in self.world.compounds:
            people: list[Resident] = []
            for _ in range(max(8, round(compound.households * 0.3))):
                building = rng.choice(compound.buildings)
                unit = rng.choice(building.units)
                room = f"{rng.randint(1, 6)}0{rng.randint(1, 2)}"
                surname = rng.choice(texts.SURNAMES)
                name = surname + rng.choice(texts.ADDRESSES)
                person = Resident(
                    phone=phone(rng.random() < self.odds.landline),
                    name=name,
                    compound=compound,
                    building=building,
                    unit=unit,
                    room=room,
                    weight=rng.paretovariate(1.6),
                )
                people.append(person)
                if rng.random() < self.odds.on_behalf:
                    # A daughter or son living elsewhere, ordering for this household.
                    child = Resident(
                        phone=phone(False),
                        name=surname + rng.choice(["女士", "先生"]),
                        compound=compound,
                        building=building,
                        unit=unit,
                        room=room,
                        weight=person.weight * 0.5,
                        parent=person,
                    )
                    people.append(child)
            self.residents_by_compound[compound.pk] = people
            self.residents.extend(people)

    def handler_pick(
        self, order: Order, at: dt.datetime, exclude: set[int] | None = None
    ) -> Handler:
        code = order.category.code
        exclude = exclude or set()
        teams = TEAMS.get(code)
        if teams is None:
            teams = ("guard",) if code.startswith("security.") else ("vendor",)
        elif len(teams) > 1 and self.rng.random() < 0.3:
            teams = (teams[1], teams[0])
        local = _local(self.world, at)
        fallback: list[Handler] = []
        for kind in teams:
            able = [
                h for h in self.by_kind.get(kind, []) if code in h.skills and h.pk not in exclude
            ]
            fallback += able
            duty = [h for h in able if on_duty(h, local)]
            near = [h for h in duty if order.compound.pk in h.compounds]
            if near:
                return self.rng.choice(near)
            if duty:
                return self.rng.choice(duty)
        if not fallback:
            raise PlanError(f"nobody handles {code}")
        return self.rng.choice(fallback)

    def has_alternative(self, order: Order, current: int) -> bool:
        code = order.category.code
        return any(code in h.skills and h.pk != current for h in self.world.handlers)

    # -- orders

    def orders_draw(self, *, start: dt.datetime, count: int) -> list[Order]:
        rng = self.rng
        w = self.world
        days = max(1, (self.now - start) // DAY)
        per_day = count / days
        first = _local(w, start).date()
        last = _local(w, self.now).date()
        hours = list(range(24))
        categories = [c for c in CATEGORY_WEIGHTS if c in w.categories]
        cat_weights = [CATEGORY_WEIGHTS[c] for c in categories]
        compounds = list(w.compounds)
        compound_weights = [max(1, c.households) for c in compounds]
        stamps: list[dt.datetime] = []
        day = first
        while day <= last:
            expected = per_day * WEEKDAY_FACTOR[day.weekday()] / 1.03
            n = max(0, round(rng.gauss(expected, math.sqrt(expected))))
            for _ in range(n):
                hour = rng.choices(hours, weights=HOUR_WEIGHTS)[0]
                moment = self.at_local(day, dt.time(hour)) + dt.timedelta(
                    seconds=rng.randint(0, 3599)
                )
                if start <= moment < self.now:
                    stamps.append(moment)
            day += DAY
        stamps.sort()
        orders = []
        for moment in stamps:
            code = rng.choices(categories, weights=cat_weights)[0]
            compound = rng.choices(compounds, weights=compound_weights)[0]
            orders.append(self.order_draw(moment, w.categories[code], compound))
        return orders

    def reporter_draw(self, compound: Compound, exclude: str = "") -> Resident:
        people = self.residents_by_compound[compound.pk]
        while True:
            person = self.rng.choices(people, weights=[p.weight for p in people])[0]
            if person.phone != exclude:
                return person

    def order_draw(
        self,
        moment: dt.datetime,
        category: Category,
        compound: Compound,
        *,
        like: Order | None = None,
    ) -> Order:
        rng = self.rng
        code = category.code
        person = self.reporter_draw(compound, exclude=like.phone if like else "")
        home = person.parent or person
        channel = self.pick(CHANNEL_WEIGHTS)
        if person.phone.startswith("0"):
            channel = "hotline"  # landlines call
        building: Building | None = home.building
        unit: Unit | None = home.unit
        room = ""
        spot = ""
        if code in HOUSEHOLD_PLACES:
            room = home.room
        elif code in UNIT_PLACES:
            if code == "repair.drain" and rng.random() < 0.4:
                room = home.room
        elif code in BUILDING_PLACES and rng.random() < 0.6:
            unit = None
        else:
            spots = texts.SPOTS.get(code, texts.SPOTS["default"])
            spot = rng.choice(spots)
            building = rng.choice(compound.buildings) if rng.random() < 0.3 else None
            unit = None
        if like is not None:
            # The same problem, seen by a neighbour: same place, not their own household.
            building, unit, room, spot = like.building, like.unit, "", like.spot
        template = rng.choice(texts.DESCRIPTIONS.get(code, ["{c}{s}需要处理"]))
        description = template.format(
            b=building.name if building else "",
            u=unit.name if unit else "",
            c=compound.alias,
            s=spot or rng.choice(texts.SPOTS["default"]),
        )
        attributes: dict[str, Any] = {}
        if category.preferred_time:
            local = _local(self.world, moment)
            wanted = local + dt.timedelta(hours=rng.uniform(3, 10))
            if wanted.hour < 8:
                wanted = wanted.replace(hour=9)
            elif wanted.hour >= 18:
                wanted = (wanted + DAY).replace(hour=rng.choice([8, 9, 10]))
            # As tickets.attributes.attributes_clean stores it.
            wanted = wanted.replace(minute=0, second=0, microsecond=0, tzinfo=None)
            attributes["preferred_time"] = wanted.isoformat()
        urgent = category.life_safety or (
            code in {"repair.water_electric", "repair.drain"} and rng.random() < 0.15
        )
        hotline = channel == "hotline"
        return Order(
            created_at=_whole(moment),
            category=category,
            channel=channel,
            compound=compound,
            building=building,
            unit=unit,
            room=room,
            spot=spot,
            description=description,
            urgent=urgent,
            phone=person.phone,
            contact_name=person.name if rng.random() < (0.95 if hotline else 0.6) else "",
            created_by=self.world.operator if hotline else None,
            attributes=attributes,
        )

    # -- lives

    def dispatch_when(self, order: Order, at: dt.datetime) -> tuple[dt.datetime, int | None, str]:
        """When the order is dispatched and by whom: the dispatcher in office hours (the system
        for rotations and a share of the rest), the system at night for what cannot wait."""
        w = self.world
        code = order.category.code
        local = _local(w, at).time()
        auto = at + dt.timedelta(seconds=self.rng.randint(20, 90))
        if DESK_OPEN <= local < DESK_CLOSE:
            if order.category.mode == "rotate" or self.rng.random() < 0.3:
                return auto, None, lifecycle.SYSTEM
            if code.startswith("security."):
                return auto, None, lifecycle.SYSTEM  # the guard on duty, at once
            delay = self.minutes(min(3, order.category.accept_minutes * 0.25), 0.6)
            return at + delay, w.dispatcher, lifecycle.DISPATCHER
        if TEAMS.get(code, ("staff",))[0] != "desk" and self.rng.random() < 0.97:
            if not self.vendor_handled(order):
                return auto, None, lifecycle.SYSTEM
        opening = self.next_opening(at, DESK_OPEN, DESK_CLOSE)
        later = opening + self.between(dt.timedelta(0), 50 * MINUTE)
        return later, w.dispatcher, lifecycle.DISPATCHER

    def vendor_handled(self, order: Order) -> bool:
        code = order.category.code
        return code not in TEAMS and not code.startswith("security.")

    def awake(
        self, order: Order, at: dt.datetime, hours: tuple[dt.time, dt.time] = AWAKE
    ) -> dt.datetime:
        """`at`, or the next morning when it falls in the quiet hours and the order can wait."""
        code = order.category.code
        if order.urgent or code in NIGHT_CATEGORIES or code.startswith("security."):
            return at
        local = _local(self.world, at).time()
        if hours[0] <= local < hours[1]:
            return at
        return self.next_opening(at, *hours) + self.between(dt.timedelta(0), 40 * MINUTE)

    def after_now(self, low: dt.timedelta, high: dt.timedelta) -> dt.datetime:
        return self.now + self.between(low, high)

    def desk_when(self, at: dt.datetime) -> dt.datetime:
        return self.next_opening(at, DESK_OPEN, DESK_CLOSE)

    def work_when(self, at: dt.datetime) -> dt.datetime:
        return self.next_opening(at, WORK_START, WORK_END)

    def vendor_arrival(self, order: Order, accepted: dt.datetime) -> dt.datetime:
        preferred = order.attributes.get("preferred_time")
        if preferred:
            wanted = dt.datetime.fromisoformat(preferred).replace(tzinfo=self.world.tz)
        else:
            local = _local(self.world, accepted)
            days = 1 if order.category.arrive_minutes <= 1440 else self.rng.choice([1, 2])
            wanted = dt.datetime.combine(
                local.date() + dt.timedelta(days=days),
                dt.time(self.rng.randint(9, 15)),
                tzinfo=self.world.tz,
            )
        arrival = wanted.astimezone(dt.UTC) + self.between(-10 * MINUTE, 25 * MINUTE)
        return max(arrival, accepted + 10 * MINUTE)

    def life(self, order: Order, index: dict[int, int]) -> _Walk:
        walk = _Walk(self.world, order)
        if order.hold:
            return walk
        if order.original is not None:
            self.duplicate_life(walk, order, index)
            return walk
        rng = self.rng
        w = self.world
        cat = order.category
        # Tight accept windows (a gas smell: 3 minutes) are met by answering faster.
        accept_m = min(TIMES.get(cat.code, (10, 30, 60))[0], cat.accept_minutes * 0.3)
        slow = rng.uniform(2.5, 6) if rng.random() < self.odds.slow else 1.0
        t = order.created_at
        cancel_at = (
            t + self.between(3 * MINUTE, 40 * MINUTE)
            if rng.random() < self.odds.resident_cancel
            else None
        )
        resident_cancel = rng.choice(texts.CANCEL_REASONS_RESIDENT)

        if cat.mode == "grab":
            at = self.work_when(t + self.minutes(7 * slow, 0.7))
            handler = self.handler_pick(order, at)
            if cancel_at is not None and cancel_at < at:
                walk.move(
                    Step(cancel_at, "cancel", None, lifecycle.REPORTER, reason=resident_cancel)
                )
                return walk
            walk.move(Step(at, "grab", handler.pk, lifecycle.HANDLER))
            t = at
        else:
            at, actor, capacity = self.dispatch_when(order, t)
            handler = self.handler_pick(order, at)
            if cancel_at is not None and cancel_at < at:
                walk.move(
                    Step(cancel_at, "cancel", None, lifecycle.REPORTER, reason=resident_cancel)
                )
                return walk
            walk.move(Step(at, "dispatch", actor, capacity, assignee=handler.pk))
            if cancel_at is not None:
                when = at + self.between(MINUTE, 3 * MINUTE)
                walk.move(Step(when, "cancel", None, lifecycle.REPORTER, reason=resident_cancel))
                return walk
            if rng.random() < self.odds.returned and self.has_alternative(order, handler.pk):
                if rng.random() < 0.5:
                    at = at + self.minutes(accept_m * slow, 0.6)
                    walk.move(Step(at, "accept", handler.pk, lifecycle.ASSIGNEE))
                kind = (
                    "vendor" if handler.is_vendor else "desk" if handler.kind == "desk" else "staff"
                )
                at = at + self.minutes(8, 0.6)
                walk.move(
                    Step(
                        at,
                        "return",
                        handler.pk,
                        lifecycle.ASSIGNEE,
                        reason=rng.choice(texts.RETURN_REASONS[kind]),
                    )
                )
                at = self.desk_when(at) + self.minutes(4, 0.6)
                handler = self.handler_pick(order, at, exclude={handler.pk})
                walk.move(
                    Step(at, "dispatch", w.dispatcher, lifecycle.DISPATCHER, assignee=handler.pk)
                )
            t = self.awake(order, at + self.minutes(accept_m * slow, 0.5), SIGNS)
            if handler.is_vendor:
                t = max(t, self.desk_when(t))
            if order.stall == "accept":
                t = max(t, self.after_now(5 * MINUTE, 2 * HOUR))
            walk.move(Step(t, "accept", handler.pk, lifecycle.ASSIGNEE))

        if rng.random() < self.odds.desk_cancel:
            when = self.desk_when(t + self.minutes(20))
            reason = rng.choice(texts.CANCEL_REASONS_DESK)
            walk.move(Step(when, "cancel", w.dispatcher, lifecycle.DISPATCHER, reason=reason))
            return walk
        if rng.random() < self.odds.transfer and self.has_alternative(order, handler.pk):
            when = self.desk_when(t + self.minutes(15))
            handler = self.handler_pick(order, when, exclude={handler.pk})
            walk.move(
                Step(
                    when,
                    "transfer",
                    w.dispatcher,
                    lifecycle.DISPATCHER,
                    assignee=handler.pk,
                    note=rng.choice(texts.TRANSFER_NOTES),
                )
            )
            t = when + self.minutes(accept_m or 5, 0.6)
            walk.move(Step(t, "accept", handler.pk, lifecycle.ASSIGNEE))
        self.work(walk, order, handler, t, slow=slow)
        self.aftercare(walk, order, handler)
        return walk

    def work(
        self,
        walk: _Walk,
        order: Order,
        handler: Handler,
        t: dt.datetime,
        *,
        slow: float = 1.0,
        first: bool = True,
    ) -> None:
        """From accepted to resolved: arrive, maybe pause, maybe an extension, photo, resolve."""
        rng = self.rng
        cat = order.category
        _accept, travel_m, work_m = TIMES.get(cat.code, (10, 30, 60))
        if cat.site_visit:
            if handler.is_vendor:
                t = self.vendor_arrival(order, t) if first else t + self.minutes(240)
            else:
                t = self.awake(order, t) + self.minutes(travel_m * slow, 0.5)
            if first and order.stall == "arrive":
                t = max(t, self.after_now(5 * MINUTE, 3 * HOUR))
            walk.move(Step(t, "arrive", handler.pk, lifecycle.ASSIGNEE))
        done = t + self.minutes(work_m * slow, 0.6)
        if first and order.stall == "resolve":
            done = max(done, self.after_now(10 * MINUTE, 4 * HOUR))
        pausing = order.stall == "resume" or rng.random() < (
            self.odds.pause * (4 if handler.is_vendor else 1)
        )
        if first and pausing:
            when = t + self.between(5 * MINUTE, 30 * MINUTE)
            if order.stall == "resume":
                when = max(walk.last, min(when, self.now - 10 * MINUTE))
            walk.move(
                Step(
                    when,
                    "pause",
                    handler.pk,
                    lifecycle.ASSIGNEE,
                    reason=rng.choice(texts.PAUSE_REASONS),
                )
            )
            back = self.work_when(when + self.minutes(600, 0.8, low=90))
            if order.stall == "resume":
                back = max(back, self.work_when(self.after_now(HOUR, 20 * HOUR)))
            walk.move(Step(back, "resume", handler.pk, lifecycle.ASSIGNEE))
            done = back + self.minutes(work_m, 0.5)
        if (
            first
            and cat.resolve_minutes >= 1440
            and done > walk.resolve_due - 2 * HOUR
            and rng.random() < 0.7
        ):
            when = max(walk.last + MINUTE, walk.resolve_due - self.between(HOUR, 8 * HOUR))
            if when < done:
                when = self.desk_when(when)
            if when < done and when < walk.resolve_due:
                deadline = max(done, walk.resolve_due) + self.between(6 * HOUR, 3 * DAY)
                deadline = deadline.replace(minute=0, second=0)
                walk.move(
                    Step(
                        when,
                        "extend",
                        self.world.manager,
                        lifecycle.MANAGER,
                        reason=rng.choice(texts.EXTEND_REASONS),
                        deadline=deadline,
                    )
                )
        if cat.after_photo:
            walk.photo(done - self.between(MINUTE, 3 * MINUTE), handler.pk)
        walk.move(Step(done, "resolve", handler.pk, lifecycle.ASSIGNEE))

    def rating_draw(self, *, low_allowed: bool) -> Rating:
        rng = self.rng
        if low_allowed and rng.random() < self.odds.low_rating:
            overall = rng.choice([1, 2, 2])
        else:
            overall = rng.choices([5, 4, 3], weights=[68, 24, 8])[0]
        speed = max(1, min(5, overall + rng.choice([0, 0, 0, -1, 1])))
        service = max(1, min(5, overall + rng.choice([0, 0, 0, 0, -1])))
        comment = ""
        if rng.random() < 0.35 or overall <= 2:
            pool = (
                texts.COMMENTS_GOOD
                if overall >= 4
                else texts.COMMENTS_MIDDLE
                if overall == 3
                else texts.COMMENTS_BAD
            )
            comment = rng.choice(pool)
        return Rating(overall, speed, service, comment)

    def aftercare(self, walk: _Walk, order: Order, handler: Handler) -> None:
        """After resolution: a rating (a low one reopens), a reopening, or the 48-hour auto-close.

        After a low rating the operator usually calls back once the second visit is done.
        """
        rng = self.rng
        w = self.world
        close_after = dt.timedelta(hours=w.auto_close_hours)
        low_rated = False
        for attempt in range(2):
            resolved = walk.resolved_at
            assert resolved is not None
            if (low_rated and rng.random() < 0.8) or rng.random() < self.odds.rated:
                call_back = (
                    low_rated
                    or (order.category.follow_up == "all" and rng.random() < 0.6)
                    or rng.random() < 0.2
                )
                if call_back:
                    later = resolved + self.minutes(600, 0.6)
                    when = self.next_opening(later, dt.time(9), dt.time(17))
                    when += self.between(dt.timedelta(0), 3 * HOUR)
                    actor, capacity = w.operator, lifecycle.OPERATOR
                else:
                    when = resolved + self.minutes(90, 1.2, low=3)
                    actor, capacity = None, lifecycle.REPORTER
                when = min(when, resolved + close_after - HOUR)
                rating = self.rating_draw(low_allowed=attempt == 0)
                walk.move(Step(when, "rate", actor, capacity, rating=rating))
                if walk.status != lifecycle.DISPATCHED:
                    return
                low_rated = True
                self.work(
                    walk, order, handler, self.accept_again(walk, order, handler), first=False
                )
                continue
            closes = resolved + close_after + dt.timedelta(seconds=rng.randint(0, 59))
            if attempt == 0 and rng.random() < self.odds.reopen_unrated:
                reason = rng.choice(texts.REOPEN_REASONS)
                actor = rng.choice([w.operator, w.dispatcher])
                capacity = lifecycle.OPERATOR if actor == w.operator else lifecycle.DISPATCHER
                if rng.random() < 0.5:
                    when = resolved + self.between(2 * HOUR, close_after - 2 * HOUR)
                else:
                    walk.move(Step(closes, "close", None, lifecycle.SYSTEM))
                    limit = resolved + dt.timedelta(days=w.reopen_days) - HOUR
                    when = min(closes + self.between(HOUR, 4 * DAY), limit)
                walk.move(Step(when, "reopen", actor, capacity, reason=reason))
                self.work(
                    walk, order, handler, self.accept_again(walk, order, handler), first=False
                )
                continue
            walk.move(Step(closes, "close", None, lifecycle.SYSTEM))
            return

    def accept_again(self, walk: _Walk, order: Order, handler: Handler) -> dt.datetime:
        """A reopened order goes back to its handler, who accepts it again."""
        accept_m = TIMES.get(order.category.code, (10, 30, 60))[0] or 10
        at = walk.last + self.minutes(accept_m * 2, 0.6)
        if handler.kind != "guard":
            at = self.work_when(at)
        walk.move(Step(at, "accept", handler.pk, lifecycle.ASSIGNEE))
        return at

    def duplicate_life(self, walk: _Walk, order: Order, index: dict[int, int]) -> None:
        """A neighbour reported the same problem: the dispatcher merges it into the original."""
        w = self.world
        assert order.original is not None
        at = self.desk_when(order.created_at + self.minutes(6, 0.6))
        walk.move(
            Step(
                at,
                "merge",
                w.dispatcher,
                lifecycle.DISPATCHER,
                original=index[id(order.original)],
            )
        )

    # -- the whole history

    def plan(self, *, days: int, count: int) -> tuple[list[Order], list[list[Step]]]:
        start = self.now - dt.timedelta(days=days)
        self.residents_draw()
        orders = self.orders_draw(start=start, count=count)
        orders = self.leave_open(orders)
        # Originals first: a duplicate is merged while its original is still open or resolved.
        walks = {id(o): self.life(o, {}) for o in orders}
        duplicates: list[Order] = []
        for original in orders:
            if (
                original.category.code not in SHARED_PROBLEMS
                or self.rng.random() >= self.odds.duplicate
            ):
                continue
            moment = _whole(original.created_at + self.minutes(25, 0.8, low=3))
            merge_by = self.desk_when(moment + 20 * MINUTE)
            end = walks[id(original)].end
            if end is not None and merge_by + HOUR >= end:
                continue  # the original would be finished before anyone merged this one
            dup = self.order_draw(moment, original.category, original.compound, like=original)
            dup.original = original
            duplicates.append(dup)
        # Stable: a duplicate never sorts before its original.
        orders = sorted(orders + duplicates, key=lambda o: o.created_at)
        index = {id(o): i for i, o in enumerate(orders)}
        plans = [
            walks[id(o)].steps if o.original is None else self.life(o, index).steps for o in orders
        ]
        return orders, plans

    def leave_open(self, orders: list[Order]) -> list[Order]:
        """Leave the last hours' orders open in every state, whatever the time of day, with few
        of them overdue: a dozen fresh arrivals waiting for the dispatcher and three waiting to be
        accepted (all from the last hour), and some on their way, being worked on or paused
        whose deadlines are still ahead. Returns the orders with the fresh arrivals added."""
        w = self.world
        queue = self.odds.held_in_queue
        codes = [
            c
            for c in CATEGORY_WEIGHTS
            if c in w.categories
            and w.categories[c].mode != "grab"
            and not w.categories[c].life_safety
        ]
        weights = [CATEGORY_WEIGHTS[c] for c in codes]
        compounds = list(w.compounds)
        fresh = []
        for i in range(queue + 3):
            code = self.rng.choices(codes, weights=weights)[0]
            window = w.categories[code].accept_minutes * MINUTE
            if i < 2:  # a couple already past their accept deadline
                age = window + self.between(5 * MINUTE, 40 * MINUTE)
            else:
                age = self.between(MINUTE, max(2 * MINUTE, min(window * 0.8, 50 * MINUTE)))
            moment = self.now - age
            compound = self.rng.choices(compounds, weights=[c.households for c in compounds])[0]
            order = self.order_draw(moment, w.categories[code], compound)
            if i < queue:
                order.hold = True
            else:
                order.stall = "accept"
            fresh.append(order)
        since = self.now - 12 * HOUR
        margin = self.now + 30 * MINUTE

        def ahead(o: Order, minutes: int) -> bool:
            return o.created_at + dt.timedelta(minutes=minutes) > margin

        recent = [o for o in orders if o.created_at >= since and o.category.site_visit]
        wanted = [
            ("arrive", [o for o in recent if ahead(o, o.category.arrive_minutes)], 4),
            ("resolve", [o for o in recent if ahead(o, o.category.resolve_minutes)], 4),
            ("resume", [o for o in recent if ahead(o, o.category.resolve_minutes)], 2),
        ]
        for stall, pool, count in wanted:
            free = [o for o in pool if not o.stall]
            for o in self.rng.sample(free, min(count, len(free))):
                o.stall = stall
        return sorted(orders + fresh, key=lambda o: o.created_at)


def plan(
    world: World,
    *,
    now: dt.datetime,
    days: int,
    count: int,
    seed: int,
    odds: Odds | None = None,
) -> tuple[list[Order], list[list[Step]]]:
    """Draw `count` orders over the `days` before `now`, and the life of each."""
    return Planner(world, seed=seed, now=now, odds=odds).plan(days=days, count=count)


# --- playing -------------------------------------------------------------------------------------


class Player:
    """Makes the planned moves in time order, as tickets.services would, on plain rows."""

    def __init__(self, world: World, now: dt.datetime) -> None:
        self.world = world
        self.now = now
        self.handlers = {h.pk: h for h in world.handlers}
        self.tickets: list[TicketRow] = []
        self.events: list[EventRow] = []
        self.notifications: list[NotificationRow] = []
        self.photos: list[PhotoRow] = []
        self.residents: dict[str, ResidentRow] = {}
        self.followers: list[FollowerRow] = []
        self.households: dict[tuple[int, str], int] = {}
        self.counters: dict[dt.date, int] = {}
        self.load: Counter[int] = Counter()
        self.photographed: set[int] = set()
        self.by_order: dict[int, int] = {}

    def play(self, orders: list[Order], plans: list[list[Step]]) -> History:
        queue = [
            (step.at, i, j, step)
            for i, steps in enumerate(plans)
            for j, step in enumerate(steps)
            if step.at <= self.now
        ]
        queue.sort(key=lambda item: (item[0], item[1], item[2]))
        for _at, i, _j, step in queue:
            if step.action == "create":
                self.create(i, orders[i])
            elif step.action == "photo":
                self.photo(self.tickets[self.by_order[i]], step)
            else:
                self.transition(self.tickets[self.by_order[i]], step)
        return History(
            tickets=self.tickets,
            events=self.events,
            notifications=self.notifications,
            photos=self.photos,
            residents=self.residents,
            followers=self.followers,
            households=self.households,
            counters=self.counters,
        )

    # -- ticket_create

    def create(self, i: int, order: Order) -> None:
        w = self.world
        day = _local(w, order.created_at).date()
        seq = self.counters.get(day, 0) + 1
        self.counters[day] = seq
        number = f"{w.street_code.upper()}-{day:%Y%m%d}-{seq:04d}"
        c = order.category
        at = order.created_at
        due = c.deadlines(at)
        t = TicketRow(
            index=len(self.tickets),
            order=order,
            number=number,
            updated_at=at,
            accept_due=due.accept_due,
            arrive_due=due.arrive_due,
            resolve_due=due.resolve_due,
        )
        self.by_order[i] = t.index
        self.tickets.append(t)
        household = t.household
        if household is not None:
            self.households.setdefault(household, order.compound.pk)
        resident = self.residents.get(order.phone)
        if resident is None:
            self.residents[order.phone] = ResidentRow(
                phone=order.phone,
                name=order.contact_name,
                household=household,
                compound=order.compound.pk if household else None,
                first_order=at,
            )
        else:
            if household is not None and resident.household is None:
                resident.household = household
                resident.compound = order.compound.pk
            if order.contact_name and not resident.name:
                resident.name = order.contact_name
        self.event(
            t,
            "create",
            at,
            order.created_by,
            to_status=lifecycle.NEW,
            payload={"channel": order.channel, "urgent": order.urgent},
        )
        self.notify_role(t, w.dispatch_holders, "ticket_new", at)
        if order.urgent:
            self.notify_role(t, w.extend_holders, "ticket_urgent", at)
        if c.life_safety:
            # dispatch.services.dispatch_auto pages the qualified staff on duty (the demo street
            # ships with auto-dispatch off, so nothing else happens at creation).
            local = _local(w, at)
            for h in w.handlers:
                if c.code in h.skills and not h.is_vendor and on_duty(h, local):
                    self.notifications.append(
                        NotificationRow(t.index, "life_safety_page", at, recipient=h.pk)
                    )

    # -- tickets.photos.ticket_photo_add

    def photo(self, t: TicketRow, step: Step) -> None:
        if t.status not in {lifecycle.ACCEPTED, lifecycle.ON_SITE} or t.assignee != step.actor:
            raise PlanError(f"{t.number}: photo while {t.status}")
        self.photos.append(PhotoRow(t.index, "after", step.actor, step.at))
        self.photographed.add(t.index)
        self.event(
            t,
            "photo",
            step.at,
            step.actor,
            from_status=t.status,
            to_status=t.status,
            payload={"kind": "after"},
            photo=len(self.photos) - 1,
        )

    # -- tickets.services.ticket_transition

    def transition(self, t: TicketRow, step: Step) -> None:
        w = self.world
        at = step.at
        a = step.action
        c = t.order.category
        low = step.rating is not None and step.rating.overall <= w.reopen_rating_max
        target = move_target(
            a,
            t.status,
            {step.capacity},
            paused_from=t.paused_from,
            site_visit=c.site_visit,
            low_rating=low,
        )
        if step.capacity == lifecycle.ASSIGNEE and t.assignee != step.actor:
            raise PlanError(f"{t.number}: {a} by someone who is not the assignee")
        was_open = t.status in lifecycle.OPEN
        was_assignee = t.assignee
        payload: dict[str, Any] = {}
        warnings: list[str] = []
        if a in {"dispatch", "transfer"}:
            assert step.assignee is not None
            if a == "transfer" and step.assignee == t.assignee:
                raise PlanError(f"{t.number}: transfer to the same assignee")
            warnings = self.assignee_warnings(t, step.assignee, at)
            previous = t.assignee
            t.assignee = step.assignee
            t.dispatched_at = at
            payload["assignee"] = w.usernames[step.assignee]
            if a == "transfer":
                t.accepted_at = None
                t.on_site_at = None
                payload["previous_assignee"] = w.usernames[previous] if previous else None
        elif a == "grab":
            assert step.actor is not None
            if c.mode != "grab" or c.code not in self.handlers[step.actor].skills:
                raise PlanError(f"{t.number}: grab refused")
            if self.load[step.actor] >= w.workload_cap:
                raise PlanError(f"{t.number}: grab over the workload cap")
            t.assignee = step.actor
            t.dispatched_at = at
            t.accepted_at = at
            payload["assignee"] = w.usernames[step.actor]
        elif a == "accept":
            t.accepted_at = at
        elif a == "arrive":
            t.on_site_at = at
        elif a == "resolve":
            if c.after_photo and t.index not in self.photographed:
                raise PlanError(f"{t.number}: resolved without an after-photo")
            t.resolved_at = at
        elif a == "return":
            payload["previous_assignee"] = w.usernames[t.assignee] if t.assignee else None
            t.assignee = None
            t.accepted_at = None
            t.on_site_at = None
            t.return_count += 1
        elif a == "pause":
            t.paused_from = t.status
            t.paused_at = at
        elif a == "resume":
            assert t.paused_at is not None
            paused = int((at - t.paused_at).total_seconds())
            delta = dt.timedelta(seconds=paused)
            t.paused_from = ""
            t.paused_at = None
            t.paused_seconds += paused
            moved = deadlines_resume(
                Deadlines(t.accept_due, t.arrive_due, t.resolve_due),
                at - delta,
                at,
                t.order.category.calendar,
            )
            t.accept_due, t.arrive_due, t.resolve_due = (
                moved.accept_due,
                moved.arrive_due,
                moved.resolve_due,
            )
            payload["paused_seconds"] = paused
        elif a == "extend":
            assert step.deadline is not None
            if step.deadline <= at or (t.resolve_due and step.deadline <= t.resolve_due):
                raise PlanError(f"{t.number}: extension not later")
            payload["old_deadline"] = t.resolve_due.isoformat() if t.resolve_due else None
            payload["deadline"] = step.deadline.isoformat()
            t.resolve_due = step.deadline
        elif a == "rate":
            r = step.rating
            assert r is not None
            t.rating_overall, t.rating_speed, t.rating_service = r.overall, r.speed, r.service
            t.rating_comment = r.comment
            t.rated_at = at
            payload.update({"overall": r.overall, "speed": r.speed, "service": r.service})
            if target == lifecycle.DISPATCHED:
                self.reopen(t, at)
                payload["reopened"] = True
            else:
                t.closed_at = at
        elif a == "close":
            t.closed_at = at
        elif a == "reopen":
            self.reopen(t, at)
        elif a == "cancel":
            t.cancelled_at = at
        elif a == "merge":
            assert step.original is not None
            payload.update(self.merge(t, self.tickets[self.by_order[step.original]], step))
            t.cancelled_at = at
        else:  # pragma: no cover - the table has no other moves
            raise PlanError(a)
        from_status = t.status
        t.status = target
        t.updated_at = at
        t.version += 1
        if warnings:
            payload["warnings"] = warnings
        if step.actor is None and step.capacity == lifecycle.REPORTER:
            payload["by"] = lifecycle.REPORTER  # a resident through the tracking link
        self.event(
            t,
            a,
            at,
            step.actor,
            from_status=from_status,
            to_status=target,
            note=(step.reason or step.note)[:500],
            payload=payload,
        )
        now_open = t.status in lifecycle.OPEN
        if was_assignee is not None and was_open:
            self.load[was_assignee] -= 1
        if t.assignee is not None and now_open:
            self.load[t.assignee] += 1
        self.notify(t, a, target, at, payload, was_assignee)

    def reopen(self, t: TicketRow, at: dt.datetime) -> None:
        w = self.world
        if t.resolved_at is None or at - t.resolved_at > dt.timedelta(days=w.reopen_days):
            raise PlanError(f"{t.number}: reopen window passed")
        if t.assignee is None:
            raise PlanError(f"{t.number}: reopen without an assignee")
        c = t.order.category
        t.resolved_at = None
        t.closed_at = None
        t.accepted_at = None
        t.on_site_at = None
        t.dispatched_at = at
        t.reopen_count += 1
        due = c.deadlines(at)
        t.accept_due, t.arrive_due, t.resolve_due = due.accept_due, due.arrive_due, due.resolve_due

    def merge(self, dup: TicketRow, original: TicketRow, step: Step) -> dict[str, Any]:
        if original.status not in lifecycle.OPEN and original.status != lifecycle.RESOLVED:
            raise PlanError(f"{dup.number}: original {original.number} is {original.status}")
        if original.duplicate_of is not None or original is dup:
            raise PlanError(f"{dup.number}: bad original")
        phones = set(dup.followers) | {dup.order.phone}
        phones.discard(original.order.phone)
        moved = 0
        for phone in sorted(phones):
            if phone not in original.followers:
                original.followers.append(phone)
                self.followers.append(FollowerRow(original.index, phone, dup.index))
                moved += 1
        self.event(
            original,
            "merge_in",
            step.at,
            step.actor,
            from_status=original.status,
            to_status=original.status,
            payload={"duplicate": dup.number, "followers_added": moved},
        )
        dup.duplicate_of = original.index
        return {"original": original.number, "followers_added": moved}

    def assignee_warnings(self, t: TicketRow, assignee: int, at: dt.datetime) -> list[str]:
        """tickets.services._assignee_check: refuse the unqualified, warn about the rest."""
        handler = self.handlers.get(assignee)
        if handler is None or t.order.category.code not in handler.skills:
            raise PlanError(f"{t.number}: {assignee} cannot handle {t.order.category.code}")
        warnings = []
        if self.load[assignee] >= self.world.workload_cap:
            warnings.append("over_workload")
        if not on_duty(handler, _local(self.world, at)):
            warnings.append("off_duty")
        if (
            not handler.is_vendor
            and handler.compounds
            and t.order.compound.pk not in handler.compounds
        ):
            warnings.append("other_compound")
        return warnings

    # -- events and notifications

    def event(
        self,
        t: TicketRow,
        type: str,
        at: dt.datetime,
        actor: int | None,
        *,
        from_status: str = "",
        to_status: str = "",
        note: str = "",
        payload: dict[str, Any] | None = None,
        photo: int | None = None,
    ) -> None:
        self.events.append(
            EventRow(
                ticket=t.index,
                type=type,
                at=at,
                actor=actor,
                from_status=from_status,
                to_status=to_status,
                note=note,
                payload=payload or {},
                photo=photo,
            )
        )

    def notify_role(
        self, t: TicketRow, holders: tuple[int, ...], kind: str, at: dt.datetime
    ) -> None:
        for user in holders:
            self.notifications.append(NotificationRow(t.index, kind, at, recipient=user))

    def notify(
        self,
        t: TicketRow,
        action: str,
        target: str,
        at: dt.datetime,
        payload: dict[str, Any],
        previous_assignee: int | None,
    ) -> None:
        """tickets.services._notify."""
        w = self.world
        if action in {"cancel", "merge", "transfer"} and previous_assignee is not None:
            self.notifications.append(
                NotificationRow(
                    t.index,
                    "ticket_withdrawn",
                    at,
                    recipient=previous_assignee,
                    payload={"action": action},
                )
            )
        if action in {"dispatch", "transfer"} or (
            action in {"reopen", "rate"} and target == lifecycle.DISPATCHED
        ):
            if t.assignee is not None:
                self.notifications.append(
                    NotificationRow(t.index, f"ticket_{action}", at, recipient=t.assignee)
                )
        if action in RESIDENT_HEARS:
            phones = [t.order.phone] if t.order.phone else []
            phones += [p for p in t.followers if p not in phones]
            for phone in phones:
                self.notifications.append(
                    NotificationRow(t.index, f"resident_{action}", at, phone=phone)
                )
        if action == "return":
            self.notify_role(t, w.dispatch_holders, "ticket_returned", at)
        if action == "rate" and payload.get("reopened"):
            self.notify_role(t, w.extend_holders, "ticket_low_rating", at)


def play(
    world: World, orders: list[Order], plans: list[list[Step]], *, now: dt.datetime
) -> History:
    return Player(world, now).play(orders, plans)
