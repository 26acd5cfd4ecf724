"""`guanjia worker`: the periodic jobs, the task queue, and stopping.

The worker closes stale database connections between jobs, as a long-running process must; a
test's enclosing transaction would not survive that, so these tests commit (transactional_db).
"""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from guanjia.core import worker as worker_module
from guanjia.core.worker import GuanjiaWorker, PeriodicJob, Ticker
from guanjia.notifications.models import Notification
from guanjia.notifications.tasks import notifications_deliver
from guanjia.testing import factories as f
from guanjia.testing.factories import World
from guanjia.tickets.models import Ticket
from guanjia.tickets.services import ticket_transition

calls: list[str] = []


def job_ok() -> int:
    calls.append("ok")
    return 1


def job_broken() -> int:
    calls.append("broken")
    raise RuntimeError("boom")


def _resolved(world: World, at: dt.datetime) -> Ticket:
    t = f.ticket(world.unit, code="personal.home_repair", now=at)
    ticket_transition(ticket=t, action="grab", actor=world.worker, now=at)
    for action in ("arrive", "resolve"):
        ticket_transition(ticket=t, action=action, actor=world.worker, now=at)
    return Ticket.objects.get(pk=t.pk)


def test_once_closes_orders_resolved_48_hours_ago_and_delivers_notifications(
    transactional_db: None, world: World
) -> None:
    now = timezone.now()
    old = _resolved(world, now - dt.timedelta(hours=49))
    recent = _resolved(world, now - dt.timedelta(hours=47))
    assert Notification.objects.filter(delivered_at__isnull=True).exists()

    call_command("worker", "--once")

    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.status == "closed"
    assert old.events.filter(type="close", actor__isnull=True).count() == 1
    assert recent.status == "resolved"
    assert not Notification.objects.filter(delivered_at__isnull=True).exists()

    call_command("worker", "--once")  # idempotent: nothing more to close
    assert old.events.filter(type="close").count() == 1


def test_an_enqueued_task_runs(transactional_db: None, world: World) -> None:
    f.ticket(world.unit)  # queues notifications for the dispatchers
    pending = Notification.objects.filter(delivered_at__isnull=True).count()
    assert pending
    result = notifications_deliver.enqueue()
    assert DBTaskResult.objects.get(id=result.id).status == "READY"

    worker = GuanjiaWorker(jobs=[])
    assert worker.once() == {"queued": 1}

    row = DBTaskResult.objects.get(id=result.id)
    assert row.status == "SUCCESSFUL"
    assert row.task_result.return_value == pending
    assert not Notification.objects.filter(delivered_at__isnull=True).exists()


def test_the_ticker_runs_each_job_on_its_interval_and_survives_a_failure(
    transactional_db: None,
) -> None:
    calls.clear()
    clock = [1000.0]
    ticker = Ticker(
        [
            PeriodicJob("ok", f"{__name__}.job_ok", dt.timedelta(minutes=1)),
            PeriodicJob("broken", f"{__name__}.job_broken", dt.timedelta(minutes=5)),
        ],
        clock=lambda: clock[0],
    )
    assert ticker.tick() == {"ok": 1, "broken": None}
    clock[0] += 30
    assert ticker.tick() == {}
    clock[0] += 31
    assert ticker.tick() == {"ok": 1}
    clock[0] += 240
    assert ticker.tick() == {"ok": 1, "broken": None}
    assert calls == ["ok", "broken", "ok", "ok", "broken"]


def test_the_registry_names_the_periodic_jobs() -> None:
    names = {job.name for job in worker_module.PERIODIC_JOBS}
    assert {
        "tickets.autoclose",
        "notifications.deliver",
        "tickets.photo_orphans",
        "core.idempotency_purge",
        "resident.phone_codes_purge",
    } <= names
    for job in worker_module.PERIODIC_JOBS:
        assert job.interval <= dt.timedelta(hours=1)
        assert worker_module.import_string(job.target)


def test_a_signal_stops_the_loop(transactional_db: None) -> None:
    worker = GuanjiaWorker(jobs=[], poll_seconds=0.05)
    previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        worker.signals_install()
        os.kill(os.getpid(), signal.SIGTERM)
        assert worker.stopping.is_set()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    started = time.monotonic()
    worker.run()  # returns at once: it was told to stop
    assert time.monotonic() - started < 1


@pytest.mark.slow
def test_the_command_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    env = {**os.environ, "GUANJIA_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    guanjia = [sys.executable, "-m", "guanjia"]
    subprocess.run([*guanjia, "migrate", "-v0"], env=env, check=True, timeout=120)  # noqa: S603
    proc = subprocess.Popen(  # noqa: S603
        [*guanjia, "worker", "--poll", "0.2"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        assert "queues default" in line, line
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "stopped" in err
