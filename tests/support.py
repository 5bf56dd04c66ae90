"""Helpers shared by the browser, stack, fuzz and fault tests."""

import os
import re
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from http import HTTPStatus
from pathlib import Path
from urllib.parse import quote

import httpx
from django.conf import settings
from django.urls import reverse

from invites.links.services import link_issue
from invites.models import Link
from tests.addresses import free_port, loopback_addresses  # noqa: F401  (the tests' helpers)

ROOT = Path(__file__).resolve().parents[1]
INVALID_LINK_TEXT = "Otherwise ask your administrator for a new link."
SUCCESS_TEXT = "Your password is set. You are signed in."
GOOD_PASSWORD = "correct-Horse-battery-staple-9"

_CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = _CSRF_RE.search(html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


_SHOWN_LINK_RE = re.compile(r'name="link" value="([^"]+)"')


def set_password_data(html: str, password: str, confirmation: str | None = None) -> dict:
    """The set-password form's POST as a browser sends it, from the page that showed it.

    With the form's CSRF token and the link the page was shown for (the form
    refuses a POST that does not name it).
    """
    match = _SHOWN_LINK_RE.search(html)
    assert match, "the page has no set-password form"
    return {
        "csrfmiddlewaretoken": csrf_token(html),
        "link": match.group(1),
        "new_password1": password,
        "new_password2": password if confirmation is None else confirmation,
    }


def open_new_link(client, user, **request) -> Link:
    """Issue a link for ``user`` as a command would, and open it in ``client``.

    The client then holds the link as an invitee's browser does: its digest in
    the signed cookie that the set-password page reads. ``request`` goes to the
    GET (REMOTE_ADDR, say).
    """
    issued = link_issue(user=user, issuer=None, via=Link.Via.COMMAND)
    opened = client.get(reverse("invites:open", kwargs={"secret": issued.secret}), **request)
    assert opened.status_code == HTTPStatus.FOUND
    return issued.link


def gunicorn_command(port: int, *, workers: int) -> list[str]:
    """gunicorn serving the project on 127.0.0.1:``port``, run from ROOT.

    With gunicorn.conf.py when the project has one, as in production, and no
    control socket: it would be shared with any other gunicorn here.
    """
    command = [str(Path(sys.executable).parent / "gunicorn")]
    if (ROOT / "gunicorn.conf.py").exists():
        command += ["-c", "gunicorn.conf.py"]
    return [
        *command,
        "project.wsgi:application",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--no-control-socket",
    ]


def database_url() -> str:
    """A URL for the test database pytest-django created (its name is set by then)."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"


@contextmanager
def gunicorn_running(
    env: dict[str, str], *, workers: int, log: Path, args: Sequence[str] = ()
) -> Iterator[tuple[str, subprocess.Popen]]:
    """gunicorn with DEBUG off on the test database, answering at the URL it yields.

    ``env`` adds to (or replaces) a production-like environment, ``args`` to
    the command line. gunicorn's messages and the project's log go to ``log``.
    Tests that use it need ``transactional_db``: the server sees committed rows.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
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
        "DATABASE_URL": database_url(),
        **env,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    with log.open("a") as log_file:
        process = subprocess.Popen(
            [*gunicorn_command(port, workers=workers), *args],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({process.returncode}):\n{log.read_text()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer in 30 s:\n{log.read_text()}")
            try:
                if httpx.get(url + "/", timeout=2).status_code == HTTPStatus.OK:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def production_stack_missing() -> str | None:
    """Why the production-stack tests cannot run here, or None when they can."""
    engine = settings.DATABASES["default"]["ENGINE"]
    backend = settings.CACHES["default"]["BACKEND"]
    if engine != "django.db.backends.postgresql":
        return f"needs DATABASE_URL=postgres://... (the database is {engine})"
    if not backend.endswith(".RedisCache"):
        return f"needs CACHE_URL=redis://... (the cache is {backend})"
    return None


def wait_clear_of_rate_limit_edge(value: str, *, period: int = 60, margin: int = 10) -> None:
    """Sleep past the edge of the rate-limit window counting ``value`` if it is near.

    django-ratelimit counts in fixed windows whose edges fall, for each key
    value, at a fixed offset within the period (a CRC of the value). A burst
    that straddles an edge sees its count restart, so a test of an exact limit
    against a server in another process (which the suite cannot hold still)
    starts its burst at least ``margin`` seconds before the next edge.
    """
    offset = zlib.crc32(value.encode()) % period
    now = time.time()
    until_edge = (offset - int(now)) % period
    if until_edge < margin:
        time.sleep(until_edge + 1 - (now % 1))
