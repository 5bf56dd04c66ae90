"""Redis failing under a running gunicorn: 503 pages, never a 500, limits held, sessions kept.

The server runs as in production (DEBUG off, settings from the environment) on
the test database, with a redis-server of the test's own as CACHE_URL, which
the tests stop and start again under it, or freeze (SIGSTOP: it still accepts
connections, and answers nothing). That Redis keeps nothing on disk: a
restart wipes it, as a Redis without persistence (or a new one) would.
"""

import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http import HTTPStatus
from pathlib import Path

import httpx
import pytest
import redis
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.tests.factories import DEFAULT_PASSWORD, InvitedUserFactory, UserFactory
from invites.links.services import link_issue
from invites.models import Link
from project.cache import SKIP_AFTER_FAILURE_SECONDS
from tests.support import (
    GOOD_PASSWORD,
    csrf_token,
    free_port,
    gunicorn_running,
    set_password_data,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        shutil.which("redis-server") is None,
        reason="needs redis-server on PATH to stop and start under the site (CI installs it)",
    ),
]

UNAVAILABLE_TEXT = "The service is unavailable for a moment"


class RedisServer:
    """A redis-server on a port of its own that keeps nothing on disk."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None
        # Stopped or frozen since the fixture last looked: the site's worker
        # may be leaving it alone for a few seconds (project/cache.py).
        self.interrupted = False

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.directory)),
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def stop(self) -> None:
        if self.process is not None:
            self.interrupted = True
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    @contextmanager
    def frozen(self) -> Iterator[None]:
        """Redis stopped with SIGSTOP: connections are accepted and never answered."""
        assert self.process is not None
        self.interrupted = True
        self.process.send_signal(signal.SIGSTOP)
        try:
            yield
        finally:
            self.process.send_signal(signal.SIGCONT)

    def keys(self) -> int:
        return redis.Redis.from_url(self.url).dbsize()


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def site(django_db_setup, redis_server, tmp_path_factory):
    """The site's URL and its log: one gunicorn worker, so one process sees it all."""
    log = tmp_path_factory.mktemp("gunicorn") / "server.log"
    with gunicorn_running({"CACHE_URL": redis_server.url}, workers=1, log=log) as (url, _):
        yield url, log


def _wait_until_the_site_tries_redis_again() -> None:
    """After a failure the worker leaves Redis alone for a few seconds, then tries it again."""
    time.sleep(SKIP_AFTER_FAILURE_SECONDS + 0.5)


@pytest.fixture
def redis_up(redis_server):
    """Redis running when the test starts, and again after it, whatever it stopped."""
    if redis_server.process is None:
        redis_server.start()
    redis_server.interrupted = False
    yield redis_server
    if redis_server.process is None:
        redis_server.start()
    if redis_server.interrupted:
        # The next test starts with a site that uses Redis.
        _wait_until_the_site_tries_redis_again()


@pytest.fixture(autouse=True)
def _production_hasher(settings):
    """Hash the factories' passwords as the server verifies them."""
    settings.PASSWORD_HASHERS = ["accounts.hashers.Argon2PasswordHasher"]


@pytest.fixture
def browser(site):
    with httpx.Client(base_url=site[0], timeout=20) as client:
        yield client


def _sign_in(browser: httpx.Client, email: str) -> httpx.Response:
    form = browser.get("/accounts/login/")
    assert form.status_code == HTTPStatus.OK
    return browser.post(
        "/accounts/login/",
        data={
            "username": email,
            "password": DEFAULT_PASSWORD,
            "csrfmiddlewaretoken": csrf_token(form.text),
        },
    )


def _set_password(browser: httpx.Client, form: str) -> httpx.Response:
    return browser.post("/set-password/", data=set_password_data(form, GOOD_PASSWORD))


def _signed_in_as(browser: httpx.Client, email: str) -> bool:
    home = browser.get("/")
    assert home.status_code == HTTPStatus.OK
    return email in home.text


def _assert_unavailable_page(response: httpx.Response) -> None:
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE, response.text[:500]
    assert UNAVAILABLE_TEXT in response.text
    assert "try again in a moment" in response.text.lower()
    assert int(response.headers["Retry-After"]) > 0
    for leak in ("Traceback", "ConnectionError", "redis", 'File "'):
        assert leak not in response.text


def _log_since(log: Path, offset: int) -> list[str]:
    return log.read_text()[offset:].splitlines()


def test_with_redis_down_a_sign_in_is_refused_with_503_and_works_once_it_is_back(
    site, browser, redis_up
):
    user = UserFactory()
    _url, log = site
    redis_up.stop()
    offset = len(log.read_text())

    refused = _sign_in(browser, user.email)

    _assert_unavailable_page(refused)
    # The limit could not be counted, so the password was not even checked:
    # no session, no sign-in.
    assert "sessionid" not in refused.cookies
    assert not Session.objects.exists()
    user.refresh_from_db()
    assert user.last_login is None
    # Logged once, at ERROR, naming the cause; the log line is not a traceback.
    errors = [line for line in _log_since(log, offset) if " ERROR " in line]
    assert len(errors) == 1, errors
    assert "/accounts/login/" in errors[0]
    assert "cache" in errors[0].lower()
    assert "Traceback" not in log.read_text()[offset:]

    # Redis is back; the same server, not restarted, signs the person in.
    redis_up.start()
    _wait_until_the_site_tries_redis_again()
    signed_in = _sign_in(browser, user.email)
    assert signed_in.status_code == HTTPStatus.FOUND, signed_in.text[:500]
    assert _signed_in_as(browser, user.email)


def test_with_redis_down_links_answer_503_and_no_password_is_set(site, browser, redis_up):
    user = InvitedUserFactory()
    issued = link_issue(user=user, issuer=None, via=Link.Via.COMMAND)
    opened = browser.get(f"/set-password/{issued.secret}/")
    assert opened.status_code == HTTPStatus.FOUND
    form = browser.get("/set-password/").text
    redis_up.stop()

    # Opening only moves the secret into a cookie, touching no cache; the
    # form's page reads its limit's count, and cannot.
    assert browser.get(f"/set-password/{issued.secret}/").status_code == HTTPStatus.FOUND
    _assert_unavailable_page(browser.get("/set-password/"))
    _assert_unavailable_page(_set_password(browser, form))

    # The set-password POST is limited: without its count it is refused, not waved through.
    user.refresh_from_db()
    assert not user.has_usable_password()
    issued.link.refresh_from_db()
    assert issued.link.used_at is None

    redis_up.start()
    _wait_until_the_site_tries_redis_again()
    assert browser.get(f"/set-password/{issued.secret}/").status_code == HTTPStatus.FOUND
    done = _set_password(browser, form)
    assert done.status_code == HTTPStatus.FOUND, done.text[:500]
    assert done.headers["Location"] == "/accounts/"  # signed in by the link
    user.refresh_from_db()
    assert user.check_password(GOOD_PASSWORD)


def test_a_session_outlives_redis_going_down_and_coming_back_empty(site, browser, redis_up):
    user = UserFactory()
    assert _sign_in(browser, user.email).status_code == HTTPStatus.FOUND
    assert _signed_in_as(browser, user.email)

    # While Redis is down, pages that count nothing still know who is signed in.
    redis_up.stop()
    assert _signed_in_as(browser, user.email)

    # A restart wiped Redis: the database still holds the session.
    redis_up.start()
    assert redis_up.keys() == 0
    assert _signed_in_as(browser, user.email)


def test_a_redis_that_does_not_answer_gets_503_within_seconds(site, browser, redis_up):
    user = UserFactory()
    redis_up.stop()
    # Something accepts connections on Redis's port and never answers: a hung
    # Redis, or a host that is gone behind a proxy.
    with socket.create_server(("127.0.0.1", redis_up.port), backlog=64):
        started = time.monotonic()
        refused = _sign_in(browser, user.email)
        elapsed = time.monotonic() - started

    _assert_unavailable_page(refused)
    assert elapsed < 3  # redis-py alone would wait 5 s
    assert not Session.objects.exists()


def test_with_redis_frozen_no_request_waits_for_it_more_than_once(site, browser, redis_up):
    user = UserFactory()
    assert _sign_in(browser, user.email).status_code == HTTPStatus.FOUND
    answers: dict[str, list[tuple[int, float]]] = {}
    with httpx.Client(base_url=site[0], timeout=20) as stranger:
        form = stranger.get("/accounts/login/").text
        pages = {
            "home, signed in": lambda: browser.get("/"),
            "account, signed in": lambda: browser.get("/accounts/"),
            "sign-in form, signed in": lambda: browser.get("/accounts/login/"),
            "sign-in form": lambda: stranger.get("/accounts/login/"),
            "sign-in": lambda: stranger.post(
                "/accounts/login/",
                data={
                    "username": user.email,
                    "password": DEFAULT_PASSWORD,
                    "csrfmiddlewaretoken": csrf_token(form),
                },
            ),
        }
        with redis_up.frozen():
            started = time.monotonic()
            for _ in range(2):
                for name, request in pages.items():
                    before = time.monotonic()
                    status = request().status_code
                    answers.setdefault(name, []).append((status, time.monotonic() - before))
            elapsed = time.monotonic() - started

    statuses = {name: {status for status, _seconds in timed} for name, timed in answers.items()}
    assert statuses == {
        "home, signed in": {HTTPStatus.OK},
        "account, signed in": {HTTPStatus.OK},
        # Who is signed in is sent on to their account.
        "sign-in form, signed in": {HTTPStatus.FOUND},
        "sign-in form": {HTTPStatus.OK},
        # Limited: refused without its count, never let through uncounted.
        "sign-in": {HTTPStatus.SERVICE_UNAVAILABLE},
    }
    # Ten requests: only the first waits for Redis, one short time-out; the
    # worker then leaves it alone. The bounds are loose for a busy machine:
    # before, each signed-in page waited a read's time-out and a write's
    # (1 s each), each sign-in its own: 14 seconds in all.
    assert max(seconds for timed in answers.values() for _status, seconds in timed) < 3
    assert elapsed < 3, answers


def test_the_cache_keeps_a_copy_of_a_session_an_hour_at_most(site, browser, redis_up):
    user = UserFactory()
    assert _sign_in(browser, user.email).status_code == HTTPStatus.FOUND
    cache = redis.Redis.from_url(redis_up.url)
    (key,) = cache.keys(f"*cached_db{browser.cookies['sessionid']}")
    assert 0 < cache.ttl(key) <= 60 * 60

    # A copy made when the session was read from the database lives no longer.
    cache.delete(key)
    assert _signed_in_as(browser, user.email)
    assert 0 < cache.ttl(key) <= 60 * 60
    # The database keeps the session for as long as the cookie lives.
    session = Session.objects.get()
    assert session.expire_date - timezone.now() > timedelta(days=13)
