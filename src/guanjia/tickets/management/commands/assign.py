"""`guanjia assign`: assign a matter to a department with a deadline (交办), from a terminal."""

import datetime as dt
import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core.errors import GuanjiaError
from guanjia.org.models import Street
from guanjia.people.selectors import department_by_name, user_by_username
from guanjia.tickets.assignments import assignment_create


class Command(BaseCommand):
    help = (
        "Assign a matter to a department with a deadline (交办): the department's head receives "
        "it at once. Prints the order number."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("text", help="what is to be done")
        parser.add_argument("--street", required=True, help="the street's code")
        parser.add_argument("--department", required=True, help="the department's name")
        parser.add_argument("--deadline", required=True, help="the last day, YYYY-MM-DD")
        parser.add_argument("--leader", required=True, help="the assigning leader's username")
        parser.add_argument("--source", default="", help="where it was raised (擂台赛当场交办)")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        street = Street.objects.filter(code=options["street"]).first()
        if street is None:
            raise CommandError(
                _("There is no street with the code “%(code)s”.") % {"code": options["street"]}
            )
        department = department_by_name(street, options["department"])
        if department is None:
            raise CommandError(
                _("There is no department “%(name)s” in this street.")
                % {"name": options["department"]}
            )
        leader = user_by_username(options["leader"])
        if leader is None:
            raise CommandError(_("There is no user “%(name)s”.") % {"name": options["leader"]})
        try:
            deadline = dt.date.fromisoformat(options["deadline"])
        except ValueError:
            raise CommandError(_("Give the deadline as YYYY-MM-DD.")) from None
        try:
            ticket = assignment_create(
                street=street,
                department=department,
                description=options["text"],
                deadline=deadline,
                leader=leader,
                source_note=options["source"],
            )
        except GuanjiaError as e:
            raise CommandError(str(e)) from None
        if options["json"]:
            due = timezone.localtime(ticket.resolve_due).isoformat() if ticket.resolve_due else None
            out = {
                "number": ticket.number,
                "department": department.name,
                "assignee": ticket.assignee.username if ticket.assignee else None,
                "deadline": due,
                "status": ticket.status,
            }
            self.stdout.write(json.dumps(out, ensure_ascii=False))
        else:
            self.stdout.write(ticket.number)
