"""The `guanjia` command: Django's manage.py with Guanjia's settings as the default."""

import os
import sys


def main() -> None:
    argv = sys.argv[1:]
    if argv[:1] == ["dispatch-plan"]:
        # The batch planner needs no database: it runs before Django's settings are imported,
        # which would create var/ and a secret key, so it works from any directory.
        from guanjia.dispatch.plan_io import dispatch_plan_main

        sys.exit(dispatch_plan_main(argv[1:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanjia.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["guanjia", *argv])


if __name__ == "__main__":
    main()
