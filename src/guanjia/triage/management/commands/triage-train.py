"""`guanjia triage-train`: retrain the triage model from the shipped corpus and the dispatchers'
corrections, and install it for every process (they reload it by its modification time)."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from guanjia.triage.runtime import correction_examples, model_save, model_train


class Command(BaseCommand):
    help = "Retrain the message triage model (shipped corpus + dispatchers' corrections)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--without-corrections",
            action="store_true",
            help="train on the shipped corpus only",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        extra = [] if options["without_corrections"] else correction_examples()
        model = model_train(extra=extra, note=f"{len(extra)} corrections")
        path = model_save(model)
        self.stdout.write(
            f"model {model.version}: {model.meta['examples']} examples "
            f"({len(extra)} from corrections), {len(model.vocabulary)} features → {path}"
        )
