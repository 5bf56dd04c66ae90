"""What one sign-in costs besides its hash: its queries and cache calls, counted exactly.

Issue 21: a sign-in must verify one Argon2 hash, and everything else it does
should be small beside it (bench/sign_in.py measures the CPU). Here: the
record with last_login and the session are written once each, the limits'
counts are read in one cache call, and a browser's device cookie is read once.
"""

import re
from collections import Counter
from functools import wraps
from http import HTTPStatus

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import SignIn
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from project import ratelimits

pytestmark = pytest.mark.django_db

CACHE_METHODS = ("get", "get_many", "add", "set", "incr", "incr_counts", "delete", "has_key")


@pytest.fixture(autouse=True)
def _production_sessions(settings):
    # Production's engine (with Redis): in the database, copied into the cache.
    settings.SESSION_ENGINE = "project.sessions"


@pytest.fixture
def cache_calls(monkeypatch) -> Counter:
    """The calls of the cache's methods from now on; not those one method makes of another."""
    cache = caches["default"]
    calls: Counter[str] = Counter()
    depth = [0]

    def counted(name, method):
        @wraps(method)
        def call(*args, **kwargs):
            if not depth[0]:
                calls[name] += 1
            depth[0] += 1
            try:
                return method(*args, **kwargs)
            finally:
                depth[0] -= 1

        return call

    for name in CACHE_METHODS:
        if hasattr(cache, name):
            monkeypatch.setattr(cache, name, counted(name, getattr(cache, name)))
    return calls


def _statement(sql: str) -> str:
    """``SELECT accounts_user``: what a statement does, and to which table first."""
    table = re.search(r'(?:FROM|INTO|UPDATE) "(\w+)"', sql)
    return f"{sql.split()[0]} {table.group(1) if table else '?'}"


def _sign_in(browser: Client, email: str, password: str = DEFAULT_PASSWORD):
    return browser.post(reverse("login"), {"username": email, "password": password})


@pytest.mark.django_db(transaction=True)
def test_a_sign_in_writes_its_record_last_login_and_session_once_each():
    user = UserFactory()
    browser = Client(REMOTE_ADDR="192.0.2.50")

    with CaptureQueriesContext(connection) as queries:
        response = _sign_in(browser, user.email)

    assert response.status_code == HTTPStatus.FOUND
    statements = [query["sql"] for query in queries.captured_queries]
    # The record the account page lists, and its time as the account's
    # last_login: on PostgreSQL one statement.
    record = (
        ["WITH accounts_user"]
        if connection.vendor == "postgresql"
        else ["INSERT accounts_signin", "UPDATE accounts_user"]
    )
    # In autocommit, as under gunicorn: no transaction of its own around any.
    assert [_statement(sql) for sql in statements] == [
        "SELECT accounts_user",  # the user, by email
        "INSERT accounts_auditevent",  # the audit trail's event, one statement
        *record,
        "INSERT django_session",  # the new session
    ], "\n".join(statements)
    assert '"last_login"' in "".join(statements[1:-1])


def test_a_sign_in_reads_its_limits_in_one_call_and_copies_its_session_once(cache_calls):
    user = UserFactory()

    assert _sign_in(Client(REMOTE_ADDR="192.0.2.51"), user.email).status_code == HTTPStatus.FOUND

    assert cache_calls == {"get_many": 1, "set": 1}


def test_a_failed_sign_in_counts_against_its_limits_in_one_call_where_the_cache_can(
    cache_calls,
):
    user = UserFactory()

    assert _sign_in(Client(REMOTE_ADDR="192.0.2.52"), user.email, "wrong").status_code == (
        HTTPStatus.OK
    )

    if hasattr(caches["default"], "incr_counts"):  # Redis: one pipeline
        assert cache_calls == {"get_many": 1, "incr_counts": 1}
    else:  # local memory: django-ratelimit's way, a first failure adds each count
        assert cache_calls == {"get_many": 1, "add": 2}


def test_a_browser_that_signed_in_before_has_its_device_cookie_read_once(monkeypatch):
    user = UserFactory()
    browser = Client(REMOTE_ADDR="192.0.2.53")
    assert _sign_in(browser, user.email).status_code == HTTPStatus.FOUND
    browser.post(reverse("logout"))
    reads = Counter()
    read = ratelimits.known_device

    def counted(request, *, account):
        reads[account] += 1
        return read(request, account=account)

    monkeypatch.setattr(ratelimits, "known_device", counted)

    assert _sign_in(browser, user.email).status_code == HTTPStatus.FOUND

    assert list(reads.values()) == [1]
    assert SignIn.objects.filter(user=user, succeeded=True).count() == 2
