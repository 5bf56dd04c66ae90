"""No API token reaches a log, wherever a client put it and however it encoded it.

A token carries its own marker (``ppl_``): it is hidden wherever it stands,
in a path, a query string, a Referer or a quoted header, in Django's log and
in gunicorn's access and error logs alike.
"""

import logging
from urllib.parse import quote

import pytest
from django.test import Client

from invites.keys.errors import KeyInvalid
from invites.keys.redaction import redact
from invites.keys.secrets import secret_make
from invites.tokens.services import token_authenticate
from tests.logs.test_no_secret_in_logs import _raw_request, assert_no_secret
from tests.support import gunicorn_running


def token_make() -> tuple[str, str]:
    """A token as a client presents it, and its secret part."""
    secret = secret_make()
    return f"ppl_{secret}", secret


def shapes(token: str) -> dict[str, str]:
    """The token as clients put it in a request target, a header or a message."""
    return {
        "path": f"/scim/v2/{token}/",
        "query": f"/scim/v2/Users?access_token={token}&count=1",
        "last in the query": f"/?token={token}",
        "prefix in capitals": f"/?token={token.replace('ppl_', 'PPL_')}",
        "underscore encoded": f"/?token={quote(token, safe='')}".replace("_", "%5F"),
        "encoded twice": "/?token=" + quote(quote(token.replace("_", "%5F"), safe="")),
        "truncated": f"/?token={token[:-6]}",
        "something glued after": f"/?token={token}.txt",
        "something glued before": f"/?token=Bearer{token}",
    }


@pytest.mark.parametrize("shape", shapes("ppl_x").keys())
def test_an_access_log_line_keeps_no_part_of_a_token(shape):
    token, secret = token_make()
    target = shapes(token)[shape]
    line = f'127.0.0.1 - - "GET {target} HTTP/1.1" 404 1234 "-" "Mozilla/5.0"'
    redacted = redact(line)
    assert_no_secret(redacted, secret[:26])
    assert "ppl_[redacted]" in redacted.lower().replace("%5f", "_")
    assert redacted.endswith(' HTTP/1.1" 404 1234 "-" "Mozilla/5.0"'), redacted


def test_a_quoted_authorization_header_keeps_no_part_of_the_token():
    token, secret = token_make()
    message = f"Bad request: {{'HTTP_AUTHORIZATION': 'Bearer {token}', 'HTTP_HOST': 'x'}}"
    redacted = redact(message)
    assert secret[:8] not in redacted
    assert "'Bearer ppl_[redacted]', 'HTTP_HOST': 'x'}" in redacted


def test_lines_without_a_token_are_left_as_they_are():
    for line in [
        '"GET /scim/v2/Users?count=1 HTTP/1.1" 200',
        "ppl_ with nothing after it",
        "Not Found: /accounts/",
    ]:
        assert redact(line) == line


@pytest.mark.django_db
def test_tokens_sent_to_any_page_leave_no_part_in_djangos_log(configured_log):
    token, secret = token_make()
    client = Client()
    for target in shapes(token).values():
        client.get(target)
    client.get(f"/{token}/")
    log = configured_log.getvalue()
    assert "Not Found: " in log
    assert_no_secret(log, secret[:26])


@pytest.mark.django_db
def test_a_refused_token_is_logged_by_its_reason_never_by_its_secret(caplog):
    token, secret = token_make()
    with caplog.at_level(logging.INFO, logger="invites.tokens"), pytest.raises(KeyInvalid):
        token_authenticate(presented=token, address=None)
    assert "API token refused: unknown" in caplog.text
    assert secret not in caplog.text


@pytest.mark.django_db(transaction=True)
def test_gunicorns_access_and_error_logs_keep_no_part_of_a_token(tmp_path):
    token, secret = token_make()
    log = tmp_path / "gunicorn.log"
    with gunicorn_running({"CACHE_URL": "locmemcache://"}, workers=1, log=log) as (url, _):
        port = int(url.rsplit(":", 1)[1])
        host = {"Host": f"127.0.0.1:{port}"}
        for target in shapes(token).values():
            _raw_request(port, f"GET {target} HTTP/1.1", host)
        _raw_request(port, "GET / HTTP/1.1", {**host, "Referer": f"{url}/?token={token}"})
        # A request line gunicorn refuses, which its error log quotes.
        _raw_request(port, f"GET /?token={token}\x7f HTTP/1.1", host)
    text = log.read_text(errors="replace")
    assert text.count('"GET ') >= len(shapes(token)) + 1, text
    assert "Invalid request" in text, text
    assert_no_secret(text, secret[:26])
