"""Environment for the test suite, loaded as a pytest plugin before Django starts.

Tests run with DEBUG off, like production, but over plain HTTP and with a key
of their own. Variables already set (CI's DATABASE_URL, CACHE_URL) win.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-used-anywhere-else-0123456789")
os.environ.setdefault("DEBUG", "off")
os.environ.setdefault("SECURE_SSL_REDIRECT", "off")
os.environ.setdefault("SITE_URL", "http://testserver")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# Most tests sign staff in with force_login, which types no code: two-factor is
# off for them. The tests of two-factor turn it on (the ``two_factor`` fixture
# in accounts/tests/), and project/tests/test_settings.py checks that a
# deployment that sets nothing gets the default, staff.
os.environ.setdefault("TWO_FACTOR", "off")
