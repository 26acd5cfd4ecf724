"""The `guanjia` command: Django's manage.py with Guanjia's settings as the default."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanjia.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["guanjia", *sys.argv[1:]])


if __name__ == "__main__":
    main()
