"""`guanjia triage --street CODE`: one message per line on standard input, one JSON object per
line on standard output, in the same order. Nothing else is written to standard output."""

import json
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from guanjia.org.models import Street
from guanjia.triage.engine import triage_many
from guanjia.triage.runtime import current_model, street_gazetteer

BATCH = 512
EMPTY = {
    "category": None,
    "confidence": 0.0,
    "urgent": False,
    "compound": None,
    "building": None,
    "unit": None,
    "room": None,
    "phone": None,
}


class Command(BaseCommand):
    # A filter in a pipeline: it starts fast (no URL or admin checks) and writes nothing.
    requires_system_checks: list[str] = []
    help = (
        "Read resident messages, one per line, and print what triage makes of each as one JSON "
        "object per line: category, confidence, urgent, compound, building, unit, room, phone."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--street", required=True, help="the street's code (its places)")
        parser.add_argument(
            "--explain", action="store_true", help="add the reason for each guess ('reasons')"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        street = Street.objects.filter(code=options["street"].strip().lower()).first()
        if street is None:
            raise CommandError(f"no street with the code {options['street']!r}")
        gazetteer = street_gazetteer(street)
        model = current_model()
        out = sys.stdout
        batch: list[str] = []

        def flush() -> None:
            texts = [line for line in batch if line.strip()]
            results = iter(triage_many(texts, gazetteer=gazetteer, model=model))
            for line in batch:
                row = next(results).as_dict(reasons=options["explain"]) if line.strip() else EMPTY
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
            out.flush()
            batch.clear()

        for raw in sys.stdin:
            batch.append(raw.rstrip("\r\n"))
            if len(batch) >= BATCH:
                flush()
        if batch:
            flush()
