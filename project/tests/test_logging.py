import logging
import sys
from datetime import timedelta
from types import SimpleNamespace

from gunicorn.config import Config

from invites.keys.redaction import RedactLinkSecretsFilter, redact
from project.gunicorn_logging import RedactingLogger

SECRET = "AbCdEfGhIjKlMnOpQrStUvWxYz012345"
# gunicorn.conf.py's format.
GUNICORN_ACCESS_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'


def test_redact_hides_the_secret_in_a_path():
    assert redact(f"Not Found: /set-password/{SECRET}/") == "Not Found: /set-password/[redacted]/"


def test_redact_keeps_the_form_path():
    assert redact('"GET /set-password/ HTTP/1.1" 200') == '"GET /set-password/ HTTP/1.1" 200'


def test_redact_hides_a_malformed_secret_too():
    assert SECRET[:5] not in redact(f"/set-password/{SECRET[:5]}?x=1")


def test_filter_rewrites_records_with_arguments():
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Not Found: %s",
        (f"/set-password/{SECRET}/",),
        None,
    )
    assert RedactLinkSecretsFilter().filter(record)
    assert SECRET not in record.getMessage()


def test_redact_hides_a_secret_written_in_any_encoding_or_case():
    line = (
        f'"GET /SET%2Dpassword%2F%{ord(SECRET[0]):02x}{SECRET[1:]}/ HTTP/1.1" 404 '
        f'"https://x.example/?next=%252Fset-password%252F{SECRET}"'
    )
    assert redact(line) == (
        '"GET /SET-password/[redacted]/ HTTP/1.1" 404 "https://x.example/?next=/set-password/[redacted]"'
    )


def test_redact_hides_a_truncated_secret_after_the_prefix_in_any_case():
    assert redact(f"/Set-Password/{SECRET[:-3]}?x=1") == "/Set-Password/[redacted]?x=1"


def test_redact_keeps_long_words_that_are_no_key():
    """Any run of 32 such characters was hidden, and frames read "in [redacted]"."""
    frame = (
        '  File "/srv/app/invites/links/services.py", line 3, in links_revoke_for_deactivated_users'
    )
    assert redact(frame) == frame
    assert redact(f"ua={SECRET}xyz ref=/x/{SECRET}") == f"ua={SECRET}xyz ref=/x/{SECRET}"


def test_redact_hides_a_word_encoded_more_deeply_than_it_decodes():
    deep = "%252525252525252541" + SECRET[1:]
    assert redact(f"GET /x/{deep} HTTP/1.1") == "GET [redacted] HTTP/1.1"


def test_redact_leaves_a_line_without_secrets_as_it_was():
    line = '127.0.0.1 "GET /accounts/login/?next=%2Fadmin%2F&q=a%20b HTTP/1.1" 200 "Mozilla/5.0"'
    assert redact(line) == line


def test_a_redacted_word_cannot_forge_a_log_line():
    redacted = redact(f"Not Found: /set-password/{SECRET}%0A%22forged%22%C3%A9")
    assert redacted == "Not Found: /set-password/[redacted]%0A%22forged%22%C3%A9"


def test_filter_redacts_the_traceback_too():
    try:
        raise ValueError(f"no route for set-password/{SECRET}/")
    except ValueError:
        record = logging.LogRecord(
            "django.request", logging.ERROR, __file__, 1, "Error", (), sys.exc_info()
        )
    assert RedactLinkSecretsFilter().filter(record)
    output = logging.Formatter().format(record)
    assert "ValueError: no route for set-password/[redacted]/" in output
    assert SECRET not in output


def test_gunicorn_logger_redacts_its_access_and_error_logs(capsys):
    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set("access_log_format", GUNICORN_ACCESS_FORMAT)
    logger = RedactingLogger(cfg)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/set%2Dpassword/{SECRET}/",
        "PATH_INFO": f"/set-password/{SECRET}/",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://people.example.com/SET-PASSWORD/{SECRET}/",
    }
    response = SimpleNamespace(status="302 Found", headers=[], sent=0)
    logger.access(response, SimpleNamespace(headers=[]), environ, timedelta(seconds=0))
    logger.warning(f"Invalid request: 'GET set-password/{SECRET}/ HTTP/1.1'")

    out, err = capsys.readouterr()
    assert '"GET /set-password/[redacted]/ HTTP/1.1"' in out
    assert '"https://people.example.com/SET-PASSWORD/[redacted]/"' in out
    assert "'GET set-password/[redacted]/ HTTP/1.1'" in err
    assert SECRET not in out + err
