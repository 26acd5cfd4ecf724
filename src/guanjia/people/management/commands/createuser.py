"""`guanjia createuser --role ROLE --username U --password P [--street CODE] [--name NAME]
[--phone PHONE] [--json]`: create an account with one role.

Thin: `people.services.user_create` checks and writes. With --json stdout gets exactly one JSON
document; errors go to stderr with a non-zero exit.
"""

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from guanjia.core.errors import GuanjiaError
from guanjia.people.models import StaffProfile
from guanjia.people.roles import role_label
from guanjia.people.services import user_create


class Command(BaseCommand):
    help = (
        "Create an account with one role (resident, operator, dispatcher, worker, vendor, "
        "manager, admin or a role added in the admin)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--role", required=True, help="the role group, e.g. dispatcher")
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True, help="at least 8 characters")
        parser.add_argument(
            "--street",
            metavar="CODE",
            help="the street the account works in (required for workers and vendors); "
            "without it the account is district-level and sees every street",
        )
        parser.add_argument("--name", default="", help="display name, e.g. 张师傅")
        parser.add_argument("--phone", default="", help="the account holder's phone")
        parser.add_argument("--json", action="store_true", help="print one JSON document")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = user_create(
                username=options["username"],
                password=options["password"],
                role=options["role"],
                street_code=options["street"],
                display_name=options["name"],
                phone=options["phone"],
            )
        except GuanjiaError as exc:
            raise CommandError(str(exc)) from exc

        street = user.street.code if user.street is not None else None
        has_profile = StaffProfile.objects.filter(user=user).exists()
        if options["json"]:
            document = {
                "username": user.username,
                "role": options["role"],
                "street": street,
                "display_name": user.display_name,
                "is_staff": user.is_staff,
                "is_superuser": user.is_superuser,
                "staff_profile": has_profile,
            }
            self.stdout.write(json.dumps(document, ensure_ascii=False))
            return
        self.stdout.write(
            _("Created %(role)s account “%(username)s” in street %(street)s.")
            % {
                "role": role_label(options["role"]),
                "username": user.username,
                "street": street or _("(all streets)"),
            }
        )
