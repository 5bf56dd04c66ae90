"""The cache or the database out of reach: a 503 page, logged once; sessions read from the database.

tests/faults/test_redis.py stops a real Redis under gunicorn, and
tests/faults/test_database.py cuts the way to a real PostgreSQL; these fake
the outages in the cache and database the suite runs on, so they run
everywhere and fast.
"""

import logging
from http import HTTPStatus

import psycopg
import psycopg.errors
import pytest
import redis
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import InterfaceError, OperationalError, connections
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.tests.factories import UserFactory
from project import errors
from project.sessions import SessionStore

pytestmark = pytest.mark.django_db

OUTAGES = [
    redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused."),
    redis.exceptions.TimeoutError("Timeout reading from socket"),
]


def _fail_with(exception):
    def fail(*args, **kwargs):
        raise exception

    return fail


@pytest.fixture
def cache_raising(monkeypatch):
    """Make every cache call raise ``exception``, as RedisCache does when Redis is away."""

    def apply(exception):
        cache = caches["default"]
        for method in ("add", "get", "get_many", "set", "incr", "incr_counts", "delete", "has_key"):
            if hasattr(cache, method):  # incr_counts: project.cache.RedisCache's own
                monkeypatch.setattr(cache, method, _fail_with(exception))

    return apply


@pytest.fixture
def error_log(caplog):
    """caplog, seeing Django's request log too (it does not propagate to the root)."""
    request_logger = logging.getLogger("django.request")
    request_logger.addHandler(caplog.handler)
    yield caplog
    request_logger.removeHandler(caplog.handler)


@pytest.mark.parametrize("outage", OUTAGES, ids=["refused", "timeout"])
def test_a_limited_sign_in_without_its_count_is_refused_with_503(outage, cache_raising, error_log):
    user = UserFactory()
    cache_raising(outage)
    client = Client(raise_request_exception=False)

    response = client.post(
        reverse("login"), {"username": user.email, "password": "a-Long-enough-passphrase-41"}
    )

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    body = response.content.decode()
    assert "The service is unavailable for a moment" in body
    assert "Traceback" not in body
    assert str(outage) not in body
    assert response["Retry-After"] == str(errors.UNAVAILABLE_RETRY_AFTER_SECONDS)
    assert "no-store" in response["Cache-Control"]
    assert not Session.objects.exists()
    user.refresh_from_db()
    assert user.last_login is None
    # Once, in one line: Django's request log leaves the response alone.
    errors_logged = [r for r in error_log.records if r.levelno >= logging.ERROR]
    assert [r.name for r in errors_logged] == ["project.errors"]
    assert str(outage) in errors_logged[0].getMessage()
    assert errors_logged[0].exc_info is None


def test_opening_a_link_without_its_count_is_refused_with_503(cache_raising):
    cache_raising(OUTAGES[0])

    response = Client().get(reverse("invites:open", kwargs={"secret": "A" * 43}))

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert "set_password_link" not in response.cookies


def test_other_redis_errors_are_still_server_errors(cache_raising):
    cache_raising(redis.exceptions.ResponseError("WRONGTYPE Operation against a key"))

    response = Client(raise_request_exception=False).post(reverse("login"), {"username": "a@b.c"})

    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR


def test_an_outage_outside_the_views_gets_the_503_page_from_the_500_handler():
    request = RequestFactory().get("/")
    try:
        raise OUTAGES[0]
    except redis.exceptions.ConnectionError:
        response = errors.server_error(request)

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert "The service is unavailable for a moment" in response.content.decode()


def test_sessions_are_read_from_the_database_while_the_cache_is_away(monkeypatch):
    store = SessionStore()
    store["_auth_user_id"] = "42"
    store.create()
    cache = caches["default"]
    cache.clear()  # as after a restart: only the database holds the session
    monkeypatch.setattr(cache, "get", _fail_with(OUTAGES[0]))
    monkeypatch.setattr(cache, "set", _fail_with(OUTAGES[0]))

    assert SessionStore(store.session_key).load() == {"_auth_user_id": "42"}


def test_signing_out_while_the_cache_is_away_raises_rather_than_leave_its_copy(monkeypatch):
    store = SessionStore()
    store["_auth_user_id"] = "42"
    store.create()
    monkeypatch.setattr(caches["default"], "delete", _fail_with(OUTAGES[0]))

    with pytest.raises(redis.exceptions.ConnectionError):
        SessionStore(store.session_key).flush()


def test_a_session_read_that_finds_the_cache_away_writes_no_copy_into_it(monkeypatch):
    store = SessionStore()
    store["_auth_user_id"] = "42"
    store.create()
    cache = caches["default"]
    monkeypatch.setattr(cache, "get", _fail_with(OUTAGES[1]))
    writes = []
    monkeypatch.setattr(cache, "set", lambda *args, **kwargs: writes.append(args))

    assert SessionStore(store.session_key).load() == {"_auth_user_id": "42"}
    # A write would wait for the cache a second time.
    assert writes == []


def test_the_cache_keeps_session_copies_an_hour_at_most(monkeypatch):
    cache = caches["default"]
    timeouts = []
    set_in_cache = cache.set

    def set_and_note_timeout(key, value, timeout):
        timeouts.append(timeout)
        set_in_cache(key, value, timeout)

    monkeypatch.setattr(cache, "set", set_and_note_timeout)
    store = SessionStore()
    store["_auth_user_id"] = "42"
    store.create()
    cache.clear()

    assert SessionStore(store.session_key).load() == {"_auth_user_id": "42"}
    assert len(timeouts) == 2  # saved, then copied again from the database
    assert all(0 < timeout <= 60 * 60 for timeout in timeouts)
    assert store.get_expiry_age() > 13 * 24 * 60 * 60


def _database_error(error_class, cause: psycopg.Error) -> Exception:
    """A database error as Django raises it: its own class, the driver's error as the cause."""
    error = error_class(str(cause))
    error.__cause__ = cause
    return error


DATABASE_OUTAGES = [
    _database_error(
        OperationalError,
        psycopg.OperationalError(
            'connection failed: connection to server at "127.0.0.1", port 5432 failed: '
            "Connection refused"
        ),
    ),
    _database_error(
        OperationalError,
        psycopg.OperationalError("consuming input failed: server closed the connection"),
    ),
    _database_error(
        OperationalError,
        psycopg.errors.AdminShutdown("terminating connection due to administrator command"),
    ),
    _database_error(
        OperationalError, psycopg.errors.CannotConnectNow("the database system is starting up")
    ),
    _database_error(InterfaceError, psycopg.InterfaceError("the connection is lost")),
]
DATABASE_OUTAGE_IDS = ["refused", "lost", "shut-down", "starting-up", "closed"]


@pytest.fixture
def database_raising(monkeypatch):
    """Make every query raise ``exception``, as Django does when the database is away."""

    def apply(exception):
        monkeypatch.setattr(connections["default"], "cursor", _fail_with(exception))

    return apply


@pytest.mark.parametrize("outage", DATABASE_OUTAGES, ids=DATABASE_OUTAGE_IDS)
def test_a_database_out_of_reach_gets_the_503_page_logged_once(outage, database_raising, error_log):
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory())
    database_raising(outage)

    response = client.get(reverse("account"))

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    body = response.content.decode()
    assert "The service is unavailable for a moment" in body
    assert "Traceback" not in body
    assert str(outage) not in body
    assert response["Retry-After"] == str(errors.UNAVAILABLE_RETRY_AFTER_SECONDS)
    assert "no-store" in response["Cache-Control"]
    errors_logged = [r for r in error_log.records if r.levelno >= logging.ERROR]
    assert len(errors_logged) == 1
    assert "the database cannot be reached" in errors_logged[0].getMessage()
    assert str(outage) in errors_logged[0].getMessage()
    assert errors_logged[0].exc_info is None


def test_a_database_out_of_reach_outside_the_views_is_logged_once_without_traceback(
    database_raising, error_log, settings
):
    # Two-factor's middleware reads the session and the user before any view.
    settings.TWO_FACTOR = "staff"
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory())
    database_raising(DATABASE_OUTAGES[0])

    response = client.get(reverse("account"))

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert "The service is unavailable for a moment" in response.content.decode()
    errors_logged = [r for r in error_log.records if r.levelno >= logging.ERROR]
    assert len(errors_logged) == 1
    assert "the database cannot be reached" in errors_logged[0].getMessage()
    assert errors_logged[0].exc_info is None


@pytest.mark.parametrize(
    "error",
    [
        _database_error(OperationalError, psycopg.errors.DeadlockDetected("deadlock detected")),
        _database_error(
            OperationalError, psycopg.errors.QueryCanceled("canceling statement due to timeout")
        ),
        OperationalError("database is locked"),
    ],
    ids=["deadlock", "statement-timeout", "sqlite-locked"],
)
def test_database_errors_of_a_database_that_answers_are_still_server_errors(
    error, database_raising
):
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory())
    database_raising(error)

    response = client.get(reverse("account"))

    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
