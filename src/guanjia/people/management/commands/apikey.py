"""`guanjia apikey create --name NAME --role ROLE [--user USERNAME] [--street CODE]`,
`guanjia apikey list [--json]`, `guanjia apikey revoke NAME`.

Thin: people/apikeys.py checks and writes. `create` prints the new key as the last line of
stdout (it is shown once and never stored); errors go to stderr with a non-zero exit.
"""

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from guanjia.core.errors import GuanjiaError
from guanjia.org.models import Street
from guanjia.people.apikeys import apikey_create, apikey_revoke
from guanjia.people.models import ApiKey, User
from guanjia.people.roles import role_label
from guanjia.people.selectors import apikeys_list


class Command(BaseCommand):
    help = "Create, list and revoke API keys (Authorization: Bearer <key>)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        assert isinstance(parser, CommandParser)
        create = sub.add_parser(
            "create",
            help="create a key and print it (last line)",
            called_from_command_line=parser.called_from_command_line,
        )
        create.add_argument("--name", required=True, help="a unique name, e.g. wechat-app")
        create.add_argument("--role", required=True, help="the role the key acts with")
        create.add_argument(
            "--user",
            metavar="USERNAME",
            help="act as this existing account (which must have the role); without it a "
            "service account key-NAME is created",
        )
        create.add_argument(
            "--street", metavar="CODE", help="limit the key to one street (default: every street)"
        )
        listing = sub.add_parser(
            "list",
            help="list keys (never the keys themselves)",
            called_from_command_line=parser.called_from_command_line,
        )
        listing.add_argument("--json", action="store_true", help="print one JSON document")
        revoke = sub.add_parser(
            "revoke",
            help="revoke a key by name",
            called_from_command_line=parser.called_from_command_line,
        )
        revoke.add_argument("name")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "create":
                self._create(options)
            elif options["action"] == "list":
                self._list(options)
            else:
                key = apikey_revoke(name=options["name"])
                self.stdout.write(_("Revoked API key “%(name)s”.") % {"name": key.name})
        except GuanjiaError as exc:
            raise CommandError(str(exc)) from exc

    def _create(self, options: dict[str, Any]) -> None:
        user = None
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(
                    _("There is no user “%(username)s”.") % {"username": options["user"]}
                )
        street = None
        if options["street"]:
            street = Street.objects.filter(code=options["street"]).first()
            if street is None:
                raise CommandError(
                    _("There is no street with the code “%(code)s”.") % {"code": options["street"]}
                )
        key, raw = apikey_create(
            name=options["name"], role=options["role"], user=user, street=street
        )
        self.stdout.write(
            _("Created API key “%(name)s” acting as %(username)s (%(role)s) in %(street)s.")
            % {
                "name": key.name,
                "username": key.user.username,
                "role": role_label(options["role"]),
                "street": street.code if street is not None else _("every street"),
            }
        )
        self.stdout.write(_("Keep it now: it is not shown again."))
        self.stdout.write(raw)

    def _list(self, options: dict[str, Any]) -> None:
        rows = [_row(key) for key in apikeys_list()]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        if not rows:
            self.stdout.write(_("No API keys."))
            return
        for row in rows:
            state = _("revoked") if row["revoked_at"] else _("active")
            self.stdout.write(
                f"{row['name']}\t{row['prefix']}…\t{row['user']}\t{','.join(row['roles'])}\t"
                f"{row['street'] or '*'}\t{state}\t{row['last_used_at'] or '-'}"
            )


def _row(key: ApiKey) -> dict[str, Any]:
    street = key.street or key.user.street
    return {
        "name": key.name,
        "prefix": key.prefix,
        "user": key.user.username,
        "roles": sorted(g.name for g in key.user.groups.all()),
        "street": street.code if street is not None else None,
        "created_at": key.created_at.isoformat(),
        "last_used_at": key.last_used_at.isoformat() if key.last_used_at else None,
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
    }
