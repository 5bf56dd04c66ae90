"""A pytest plugin for ``make mutation``: one test database per mutmut worker.

project/settings.py names the SQLite test database after the process that
imports the settings. mutmut imports them once and then forks a worker per
mutant, so workers running side by side would share one file and destroy each
other's tables, and every mutant they tested would count as killed. Each test
session names the file after its own process instead.
"""

import os
import tempfile
from pathlib import Path


def pytest_sessionstart(session):
    from django.conf import settings

    for database in settings.DATABASES.values():
        if database["ENGINE"] == "django.db.backends.sqlite3":
            database.setdefault("TEST", {})["NAME"] = str(
                Path(tempfile.gettempdir()) / f"people-mutation-{os.getpid()}.sqlite3"
            )
