"""Load the demo: the street from demo/shuanggang.json (through org_import, like any street), the
service center's accounts, and a simulated history of orders ending now."""

import datetime as dt
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from guanjia.demo import simulator
from guanjia.demo.accounts import DEMO_PASSWORD, PEOPLE, demo_accounts_create
from guanjia.demo.history import history_write, world_from_db
from guanjia.org.importer import org_streets_from_dict
from guanjia.org.models import Street
from guanjia.org.services import org_import

logger = logging.getLogger(__name__)

DEMO_STREET = "shuanggang"
ORG_FILE = Path(__file__).with_name("shuanggang.json")
DEFAULT_DAYS = 90
ORDERS_PER_DAY = 40
DEFAULT_SEED = 20240611


@dataclass
class DemoSummary:
    street: str
    orders: int
    events: int
    residents: int
    seconds: float


# The service center's 24-hour line in the story (a made-up number).
DEMO_HOTLINE = "0793-5812345"


def demo_exists() -> bool:
    return Street.objects.filter(code=DEMO_STREET).exists()


def demo_accounts() -> list[tuple[str, str, str, str]]:
    """(username, role, display name, password) of every demo account."""
    return [(p.username, p.role, p.display_name, DEMO_PASSWORD) for p in PEOPLE]


@transaction.atomic
def demo_load(
    *,
    now: dt.datetime | None = None,
    days: int = DEFAULT_DAYS,
    orders: int | None = None,
    seed: int = DEFAULT_SEED,
) -> DemoSummary:
    """Create the demo street, its people and `days` of history ending at `now` (about
    ORDERS_PER_DAY orders a day unless `orders` says how many). All or nothing.

    The history is deterministic for a given seed and `now`.
    """
    started = time.monotonic()
    now = (now or timezone.now()).replace(microsecond=0)
    data = json.loads(ORG_FILE.read_text(encoding="utf-8"))
    org_import(org_streets_from_dict(data))
    street = Street.objects.get(code=DEMO_STREET)
    street.hotline = DEMO_HOTLINE
    street.save(update_fields=["hotline"])
    demo_accounts_create(street=street, today=timezone.localdate(now))
    history = None
    if days > 0:
        world = world_from_db(street)
        count = orders if orders is not None else days * ORDERS_PER_DAY
        planned, plans = simulator.plan(world, now=now, days=days, count=count, seed=seed)
        history = simulator.play(world, planned, plans, now=now)
        history_write(street=street, history=history, now=now)
    summary = DemoSummary(
        street=street.code,
        orders=len(history.tickets) if history else 0,
        events=len(history.events) if history else 0,
        residents=len(history.residents) if history else 0,
        seconds=time.monotonic() - started,
    )
    logger.info(
        "demo loaded: %d orders, %d events, %d residents in %.1f s",
        summary.orders,
        summary.events,
        summary.residents,
        summary.seconds,
    )
    return summary
