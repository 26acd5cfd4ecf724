"""`guanjia worker`: run queued tasks and the periodic jobs (auto-close, notification delivery).

Logs go to stderr. SIGTERM or Ctrl-C finishes the task at hand and exits. `--once` runs every
periodic job and the ready tasks once, then exits.
"""

import logging
import os
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from guanjia.core.worker import GuanjiaWorker


class Command(BaseCommand):
    help = "Run queued tasks and the periodic jobs (auto-close, notification delivery)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Run every job and the ready tasks once, then exit."
        )
        parser.add_argument(
            "--queue",
            default="default",
            help="Task queues to run, separated by commas (default: %(default)s).",
        )
        parser.add_argument(
            "--exit-with-parent",
            action="store_true",
            help="Stop when the process that started this one ends (used by `guanjia demo`).",
        )
        parser.add_argument(
            "--poll",
            type=float,
            default=1.0,
            help="Seconds between looks at the queue when it is empty (default: %(default)s).",
        )

    def handle(
        self,
        *args: Any,
        once: bool,
        queue: str,
        poll: float,
        exit_with_parent: bool,
        **options: Any,
    ) -> None:
        # django-tasks-db's worker announces every pass; one line per task (django_tasks) is
        # what an operator wants to read.
        logging.getLogger("django_tasks_db").setLevel(logging.WARNING)
        worker = GuanjiaWorker(
            queue_names=[q.strip() for q in queue.split(",") if q.strip()],
            poll_seconds=max(0.1, poll),
            parent_pid=os.getppid() if exit_with_parent else None,
        )
        if once:
            results = worker.once()
            summary = ", ".join(f"{name}={value}" for name, value in results.items())
            logging.getLogger("guanjia.worker").info("once: %s", summary)
            return
        worker.signals_install()
        worker.run()
