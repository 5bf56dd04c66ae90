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
