#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line
    from django.db.utils import OperationalError

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        # A configuration mistake (a missing or malformed variable): say what
        # to fix in one line instead of a stack of frames.
        sys.stderr.write(f"Configuration error: {exc}\n")
        sys.exit(2)
    except OperationalError as exc:
        # Most often an unreachable database: name the variable that says where.
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        sys.stderr.write(
            f"Database error: {first_line}\nCheck DATABASE_URL and that the database "
            "server is running.\n"
        )
        sys.exit(2)


if __name__ == "__main__":
    main()
