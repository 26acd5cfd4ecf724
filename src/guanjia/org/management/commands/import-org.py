"""`guanjia import-org FILE [--json] [--dry-run] [--street-code CODE]`: load a street's places.

Thin: `org_file_parse` reads and checks the file, `org_import` writes it. With --json stdout gets
exactly one JSON document; progress and errors go to stderr.
"""

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from guanjia.core.errors import GuanjiaError
from guanjia.org.importer import org_file_parse
from guanjia.org.services import LEVELS, ImportReport, org_import

# Enough to fix a file by; the rest are counted.
MAX_ERRORS_SHOWN = 20


class Command(BaseCommand):
    help = (
        "Import streets, communities, compounds, buildings and units from a .json, .csv or .xlsx "
        "file. Re-importing updates and never duplicates or deletes."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path, help="a .json, .csv or .xlsx org file")
        parser.add_argument(
            "--json", action="store_true", help="print one JSON document with the counts"
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check the file and count what would change, then write nothing",
        )
        parser.add_argument(
            "--street-code",
            metavar="CODE",
            help="the code of the street in the file (a file with one street only)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        verbose = options["verbosity"] >= 1
        try:
            org_file = org_file_parse(path)
            if verbose:
                self.stderr.write(
                    _("Read %(file)s: %(streets)d street(s), %(compounds)d compound(s).")
                    % {
                        "file": path.name,
                        "streets": len(org_file.streets),
                        "compounds": sum(
                            1 for street in org_file.streets for _pair in street.compounds()
                        ),
                    }
                )
            if options["dry_run"]:
                # Run the real import and roll it back, so the counts are what it would do.
                with transaction.atomic():
                    report = org_import(org_file, street_code=options["street_code"])
                    transaction.set_rollback(True)
                report.dry_run = True
            else:
                report = org_import(org_file, street_code=options["street_code"])
        except GuanjiaError as exc:
            raise CommandError(_error_text(exc)) from exc

        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
        else:
            self.stdout.write(_summary(report))


def _error_text(exc: GuanjiaError) -> str:
    message = str(exc.message)
    # An error about the whole import (an ambiguous street) is its own first line.
    errors = [e for e in exc.extra.get("errors") or [] if not str(e).endswith(message)]
    lines = [message]
    lines += [f"  - {error}" for error in errors[:MAX_ERRORS_SHOWN]]
    if len(errors) > MAX_ERRORS_SHOWN:
        lines.append("  " + _("… and %(count)d more.") % {"count": len(errors) - MAX_ERRORS_SHOWN})
    return "\n".join(lines)


def _summary(report: ImportReport) -> str:
    level_names = {
        "communities": _("communities"),
        "compounds": _("compounds"),
        "buildings": _("buildings"),
        "units": _("units"),
    }
    lines = []
    for street in report.streets:
        if street.created:
            line = _("New street %(name)s, code %(code)s")
        elif street.updated:
            line = _("Street %(name)s (code %(code)s) renamed")
        else:
            line = _("Street %(name)s (code %(code)s) found")
        lines.append(line % {"name": street.name, "code": street.code})
    for level in LEVELS:
        counts = report.total(level)
        line = _(
            "%(level)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
            "%(kept)d kept (not in the file)"
        ) % {"level": level_names[level], **counts.as_dict()}
        lines.append("  " + line)
    if report.dry_run:
        lines.append(_("Dry run: nothing was written."))
    return "\n".join(lines)
