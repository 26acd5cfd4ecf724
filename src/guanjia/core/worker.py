"""The worker behind `guanjia worker`: queued tasks and a minute ticker of periodic jobs.

django-tasks and django-tasks-db have no periodic scheduler of their own, so the ticker is ours:
a registry of (name, task, interval). Every job must be idempotent and work in small
transactions (SQLite has one writer); a job that fails is logged and tried again at its next
tick. Queued tasks run through django-tasks-db's own Worker, in batch mode, between ticks.
"""

import datetime as dt
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import FrameType
from typing import Any

from django.db import close_old_connections
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string
from django_tasks.base import Task
from django_tasks_db.management.commands.db_worker import Worker

logger = logging.getLogger("guanjia.worker")


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    target: str  # dotted path of a django-task (or a plain callable) taking no arguments
    interval: dt.timedelta


MINUTE = dt.timedelta(minutes=1)

# The ticker's registry. Add a line for a new periodic job (the escalation sweep goes here).
PERIODIC_JOBS: list[PeriodicJob] = [
    PeriodicJob("tickets.autoclose", "guanjia.tickets.tasks.tickets_autoclose", MINUTE),
    PeriodicJob("tickets.escalate", "guanjia.tickets.tasks.tickets_escalate", MINUTE),
    PeriodicJob(
        "notifications.deliver", "guanjia.notifications.tasks.notifications_deliver", MINUTE
    ),
    # Photo files whose database row rolled back with an enclosing transaction.
    PeriodicJob(
        "tickets.photo_orphans",
        "guanjia.tickets.photos.ticket_photo_orphans_sweep",
        dt.timedelta(hours=1),
    ),
    # Idempotency keys are kept 48 h; forget older ones in small batches.
    PeriodicJob(
        "core.idempotency_purge",
        "guanjia.core.idempotency.idempotency_purge",
        dt.timedelta(hours=1),
    ),
    # One-time codes of "My orders" are kept a day (to count a number's sends), then deleted.
    PeriodicJob(
        "resident.phone_codes_purge",
        "guanjia.resident.services.phone_codes_purge",
        dt.timedelta(hours=1),
    ),
]


def job_run(job: PeriodicJob) -> Any:
    """Run one job now, in this process (a task runs synchronously, not through the queue)."""
    target = import_string(job.target)
    if isinstance(target, Task):
        return target.call()
    return target()


class Ticker:
    """Runs each job when its interval has passed since its last run (first run: at once)."""

    def __init__(
        self, jobs: Iterable[PeriodicJob], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.jobs = list(jobs)
        self.clock = clock
        self.next_run = {job.name: 0.0 for job in self.jobs}

    def tick(self, *, force: bool = False) -> dict[str, Any]:
        """Run the jobs that are due (all of them with `force`); return their results by name."""
        results: dict[str, Any] = {}
        for job in self.jobs:
            now = self.clock()
            if not force and now < self.next_run[job.name]:
                continue
            self.next_run[job.name] = now + job.interval.total_seconds()
            started = time.monotonic()
            try:
                result = job_run(job)
            except Exception:
                logger.exception("periodic job %s failed; it runs again next time", job.name)
                result = None
            finally:
                close_old_connections()
            results[job.name] = result
            level = logging.INFO if result else logging.DEBUG
            logger.log(level, "%s: %s (%.2f s)", job.name, result, time.monotonic() - started)
        return results


class GuanjiaWorker:
    """Ticks the periodic jobs and drains the task queue until told to stop."""

    def __init__(
        self,
        *,
        jobs: Iterable[PeriodicJob] | None = None,
        queue_names: list[str] | None = None,
        backend_name: str = "default",
        poll_seconds: float = 1.0,
        tasks_per_pass: int = 20,
        worker_id: str | None = None,
        parent_pid: int | None = None,
    ) -> None:
        self.ticker = Ticker(PERIODIC_JOBS if jobs is None else jobs)
        self.queue_names = queue_names or ["default"]
        self.backend_name = backend_name
        self.poll_seconds = poll_seconds
        self.tasks_per_pass = tasks_per_pass
        self.worker_id = worker_id or f"guanjia-{get_random_string(12)}"
        self.stopping = threading.Event()
        self.tasks_worker: Worker | None = None
        # Started by `guanjia demo`: stop when it is gone, even if it could not say so.
        self.parent_pid = parent_pid

    def stop(self, signum: int = signal.SIGTERM, frame: FrameType | None = None) -> None:
        """Finish the task at hand, then exit (a signal handler: SIGTERM, SIGINT)."""
        if not self.stopping.is_set():
            logger.info("%s: stopping", signal.Signals(signum).name)
        self.stopping.set()
        if self.tasks_worker is not None:
            self.tasks_worker.running = False

    def signals_install(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)

    def queued_run(self) -> int:
        """Run queued tasks that are ready, at most `tasks_per_pass`; return how many ran."""
        worker = Worker(
            queue_names=self.queue_names,
            interval=self.poll_seconds,  # only slept on when the database is locked
            batch=True,
            backend_name=self.backend_name,
            startup_delay=False,
            max_tasks=self.tasks_per_pass,
            worker_id=self.worker_id,
            excluded_queue_names=[],
        )
        self.tasks_worker = worker
        try:
            worker.run()
        finally:
            self.tasks_worker = None
        return worker._run_tasks

    def once(self) -> dict[str, Any]:
        """One pass: every periodic job, then the queue."""
        results = self.ticker.tick(force=True)
        results["queued"] = self.queued_run()
        return results

    def run(self) -> None:
        logger.info(
            "worker %s: queues %s, jobs %s",
            self.worker_id,
            ",".join(self.queue_names),
            ", ".join(job.name for job in self.ticker.jobs),
        )
        while not self.stopping.is_set():
            if self.parent_pid is not None and os.getppid() != self.parent_pid:
                logger.info("worker %s: parent process gone", self.worker_id)
                break
            self.ticker.tick()
            if self.stopping.is_set():
                break
            ran = self.queued_run()
            if not ran:
                self.stopping.wait(self.poll_seconds)
        logger.info("worker %s: stopped", self.worker_id)
