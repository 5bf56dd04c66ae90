"""Test-wide fixtures: fast hashing and a fresh cache per test.

The environment (secret key, DEBUG off) is set by project/pytest_env.py.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from accounts import clock


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # MD5 only in tests: Argon2 at production parameters would make the suite
    # slow. test_hashing checks the real configuration separately.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _steady_rate_limit_window(monkeypatch):
    """Keep django-ratelimit's window still while a test runs.

    Its windows are fixed minutes: a test that sends N+1 requests across a
    window's edge would see the count restart and fail by the clock alone.
    """
    import time
    from types import SimpleNamespace

    from django_ratelimit import core

    start = time.time()
    monkeypatch.setattr(core, "time", SimpleNamespace(time=lambda: start))


class MovableClock:
    """Stops the time for the test and moves it forward, as time passes for a link.

    It moves what ``accounts.clock.now`` reads, Django's ``timezone.now``, so
    that everything reading the time through ``clock.now`` sees it moved:
    services, model defaults and factories, which keep a reference to
    ``clock.now`` itself (see accounts/clock.py).
    """

    def __init__(self, monkeypatch, start):
        self.current = start
        monkeypatch.setattr(timezone, "now", lambda: self.current)

    def advance(self, **delta):
        self.current += timedelta(**delta)


@pytest.fixture
def frozen_clock(monkeypatch):
    """The clock stopped when the test starts."""
    return MovableClock(monkeypatch, clock.now())


@pytest.fixture
def fixed_clock(monkeypatch):
    """The clock stopped at 2030-05-17 09:30 UTC, for tests that read printed times."""
    return MovableClock(monkeypatch, datetime(2030, 5, 17, 9, 30, tzinfo=UTC))
