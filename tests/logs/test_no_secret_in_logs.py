"""No link secret reaches a log, whatever shape the request gave it.

Two ways in: Django's own request log (the LOGGING of project/settings.py, as
configured, fed by Django's real ``django.request`` logger), and gunicorn with
gunicorn.conf.py, whose access log holds the request line, path, query string
and Referer, and whose error log quotes a request line it cannot parse.
"""

import socket
from urllib.parse import unquote

import pytest
from django.test import Client

from accounts.tests.factories import InvitedUserFactory
from invites.links.services import link_issue
from invites.models import Link
from tests.support import gunicorn_running


def _encoded(secret: str, at: int, *, times: int = 1, lower: bool = False) -> str:
    """``secret`` with its character at ``at`` percent-encoded ``times`` over."""
    code = f"%{ord(secret[at]):02X}"
    for _ in range(times - 1):
        code = "%25" + code[1:]
    return secret[:at] + (code.lower() if lower else code) + secret[at + 1 :]


def request_targets(secret: str) -> list[str]:
    """Request targets (path and query, as sent) that carry ``secret`` in some shape."""
    every_character = "".join(f"%{ord(c):02X}" for c in f"/set-password/{secret}/")
    return [
        f"/set-password/{secret}/",
        f"/set%2Dpassword/{secret}/",
        f"/%73et-password/{secret}/",
        f"/set-password%2F{secret}",
        f"/set-password%2f{secret}%2f",
        f"/set-password/{secret}%2F",
        f"/SET-PASSWORD/{secret}/",
        f"/Set-Password/{secret}/",
        f"/SET-PASSWORD%252F{secret}/",
        f"/set-password/{_encoded(secret, 0)}/",
        f"/set-password/{_encoded(secret, 17, lower=True)}/",
        f"/set-password/{_encoded(secret, 5, times=2)}/",
        f"/SET-PASSWORD/{_encoded(secret, 31, times=3)}/",
        every_character,
        f"/set-password/{secret}/extra/",
        f"/set-password/{secret}x/",
        f"/?next=/set-password/{secret}/",
        f"/accounts/login/?next=%2Fset-password%2F{secret}%2F",
    ]


def assert_no_secret(text: str, secret: str) -> None:
    """``secret`` is not in ``text``, in any case, nor in any percent-decoding of it."""
    seen = set()
    while text not in seen:
        seen.add(text)
        assert secret.lower() not in text.lower(), text
        text = unquote(text)


@pytest.fixture
def secret(db) -> str:
    return link_issue(user=InvitedUserFactory(), issuer=None, via=Link.Via.COMMAND).secret


def test_django_request_log_shows_no_secret_in_any_shape(configured_log, secret):
    client = Client()
    for target in request_targets(secret):
        client.get(target)

    log = configured_log.getvalue()
    assert log.count("Not Found: ") >= 5, log
    assert_no_secret(log, secret)
    assert "Not Found: /SET-PASSWORD/[redacted]/" in log


def _raw_request(port: int, request_line: str, headers: dict[str, str]) -> bytes:
    """Send a request exactly as written, with nothing normalised, and read the answer."""
    head = request_line + "\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall((head + "Connection: close\r\n\r\n").encode("latin-1"))
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


@pytest.mark.django_db(transaction=True)
def test_gunicorn_logs_show_no_secret_in_any_shape(tmp_path):
    secret = link_issue(user=InvitedUserFactory(), issuer=None, via=Link.Via.COMMAND).secret
    log = tmp_path / "gunicorn.log"
    with gunicorn_running({"CACHE_URL": "locmemcache://"}, workers=1, log=log) as (url, _):
        port = int(url.rsplit(":", 1)[1])
        host = {"Host": f"127.0.0.1:{port}"}
        opened = _raw_request(port, f"GET /set-password/{secret}/ HTTP/1.1", host)
        assert opened.startswith(b"HTTP/1.1 302 "), opened[:200]
        for target in request_targets(secret):
            _raw_request(port, f"GET {target} HTTP/1.1", host)
        for referer in [
            f"{url}/set-password/{secret}/",
            f"{url}/SET%2DPASSWORD/{_encoded(secret, 3)}",
            f"{url}/?next=%252Fset-password%252F{secret}",
        ]:
            _raw_request(port, "GET / HTTP/1.1", {**host, "Referer": referer})
        # Request lines gunicorn refuses, which its error log quotes.
        _raw_request(port, f"GET set-password/{secret}/ HTTP/1.1", host)
        _raw_request(port, f"GET /set-password/{secret}/\x7f HTTP/1.1", host)

    text = log.read_text(errors="replace")
    assert text.count('"GET ') >= len(request_targets(secret)) + 4, text
    assert "Invalid request" in text, text
    assert "Not Found: " in text, text
    assert_no_secret(text, secret)
