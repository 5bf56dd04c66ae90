"""The production stack: PostgreSQL, Redis and gunicorn with several workers.

These tests run only when the suite itself runs on PostgreSQL and Redis (CI's
second leg); elsewhere they are skipped with the reason.
"""

import os
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
import pytest
import redis
from django.conf import settings

from tests.support import ROOT, free_port, gunicorn_command, production_stack_missing

WORKERS = 3
_FIGURES: list[str] = []


@pytest.fixture
def stack_figures() -> list[str]:
    """Lines for the end of the test run: race outcomes, throughput, slowest response."""
    return _FIGURES


def pytest_terminal_summary(terminalreporter):
    if _FIGURES:
        terminalreporter.section("production stack figures")
        for line in _FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture(autouse=True)
def _needs_production_stack():
    reason = production_stack_missing()
    if reason:
        pytest.skip(reason)


def person(base_url: str, address: str, **options) -> httpx.Client:
    """An HTTP client that reaches the server from its own loopback address."""
    return httpx.Client(
        base_url=base_url,
        transport=httpx.HTTPTransport(local_address=address),
        timeout=options.pop("timeout", 20),
        **options,
    )


def _database_url() -> str:
    """A URL for the test database pytest-django created (its name is set by then)."""
    db = settings.DATABASES["default"]
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"


def _server_cache_url() -> str:
    """A Redis database of the server's own, next to the suite's (CACHE_URL).

    ``GUNICORN_CACHE_URL`` replaces it: with ``locmemcache://`` the shared-limit
    test shows what happens without a shared cache (see docs/testing.md).
    """
    if os.environ.get("GUNICORN_CACHE_URL"):
        return os.environ["GUNICORN_CACHE_URL"]
    location = urlsplit(settings.CACHES["default"]["LOCATION"])
    number = int(location.path.strip("/") or 0)
    return location._replace(path=f"/{(number + 8) % 16}").geturl()


@dataclass
class Gunicorn:
    url: str
    cache_url: str
    access_log: Path
    process: subprocess.Popen

    def flush_cache(self) -> None:
        if self.cache_url.startswith("redis://"):
            redis.Redis.from_url(self.cache_url).flushdb()

    def pids_serving(self, path: str) -> dict[str, int]:
        """How many requests for ``path`` each worker served, from the access log."""
        served: dict[str, int] = {}
        for line in self.access_log.read_text().splitlines():
            pid, method, line_path, _status = line.split(" ", 3)
            pid = pid.strip("<>")
            if method == "POST" and line_path == path:
                served[pid] = served.get(pid, 0) + 1
        return served

    def clear_access_log(self) -> None:
        self.access_log.write_text("")

    def fresh_workers(self) -> None:
        """Replace every worker (SIGHUP) and wait until only new ones serve.

        Each transactional test flushes the database, and the content types
        come back with new ids: a worker that cached an earlier test's ids
        (an admin log entry names its content type by id) would write rows
        that break their foreign key. New workers have cached nothing.
        """
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        old = set(children.read_text().split())
        self.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            serving = set(children.read_text().split())
            if len(serving) == WORKERS and not serving & old:
                return
            time.sleep(0.1)
        pytest.fail("gunicorn did not replace its workers within 30 seconds")


@pytest.fixture
def gunicorn(gunicorn_server):
    """The session's gunicorn, with workers that know nothing of earlier tests."""
    gunicorn_server.fresh_workers()
    return gunicorn_server


@pytest.fixture(scope="session")
def gunicorn_server(django_db_setup):
    """gunicorn with 3 workers, DEBUG off, on the test database and its own Redis db.

    Depends on ``django_db_setup`` so that it stops before the test database is
    dropped. Tests that use it need ``transactional_db``: the server only sees
    committed rows.
    """
    # Session-scoped, this is set up before the autouse skip above gets its turn.
    reason = production_stack_missing()
    if reason:
        pytest.skip(reason)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_dir = Path(tempfile.mkdtemp(prefix="gunicorn-"))
    access_log = log_dir / "access.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "project.settings",
        "DEBUG": "off",
        "SECURE_SSL_REDIRECT": "off",
        # Plain HTTP on loopback: cookies marked Secure would never come back.
        "SESSION_COOKIE_SECURE": "off",
        "CSRF_COOKIE_SECURE": "off",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": url,
        "DATABASE_URL": _database_url(),
        "CACHE_URL": _server_cache_url(),
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    command = [
        *gunicorn_command(port, workers=WORKERS),
        # Which worker (pid) served what: the tests read this log.
        "--access-logfile",
        str(access_log),
        "--access-logformat",
        "%(p)s %(m)s %(U)s %(s)s",
        "--error-logfile",
        str(log_dir / "error.log"),
    ]
    server = Gunicorn(
        url=url,
        cache_url=env["CACHE_URL"],
        access_log=access_log,
        process=subprocess.Popen(command, cwd=ROOT, env=env),
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if server.process.poll() is not None:
                errors = (log_dir / "error.log").read_text()
                pytest.fail(f"gunicorn exited ({server.process.returncode}):\n{errors}")
            try:
                if httpx.get(url + "/", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("gunicorn did not answer within 30 seconds")
            time.sleep(0.2)
        yield server
    finally:
        server.process.terminate()
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
