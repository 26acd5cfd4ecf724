"""`guanjia dispatch-plan FILE`: plan a backlog of orders over workers.

Listed here so that `guanjia help` shows it; the `guanjia` entry point itself runs the planner
before Django starts (it needs no database or settings), and this command calls the same function.
"""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from guanjia.dispatch.plan_io import dispatch_plan_main


class Command(BaseCommand):
    help = (
        "Plan a backlog of orders over workers from a JSON file (- reads standard input): as "
        "many orders assigned as possible, then the least total cost. Needs no database."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="the backlog as JSON, or - for standard input")
        parser.add_argument("--json", action="store_true", help="accepted; the output is JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        code = dispatch_plan_main([options["file"]])
        if code:
            raise SystemExit(code)
