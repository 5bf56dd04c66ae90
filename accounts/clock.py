"""The one call that reads the time, so that tests can move it everywhere.

Model defaults and factories keep a reference to ``now`` itself, so tests never
replace it: they move what it reads, ``django.utils.timezone.now`` (the
``frozen_clock`` fixture in the root conftest.py), and every caller of ``now``,
a default, a factory or a service, sees the moved time.
"""

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()
