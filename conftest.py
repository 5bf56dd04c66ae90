"""Test-wide fixtures: fast hashing and a fresh cache per test.

The environment (secret key, DEBUG off) is set by project/pytest_env.py.
"""

import pytest


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
