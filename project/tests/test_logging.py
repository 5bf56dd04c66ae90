import logging
from datetime import timedelta
from types import SimpleNamespace

from invites.log_redaction import RedactLinkSecretsFilter, redact
from project.gunicorn_logging import RedactingLogger

SECRET = "AbCdEfGhIjKlMnOpQrStUvWxYz012345"


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


def test_gunicorn_access_log_redacts_request_line_path_and_referer():
    cfg = SimpleNamespace(
        errorlog="-",
        loglevel="info",
        accesslog="-",
        syslog=False,
        logconfig=None,
        logconfig_dict={},
        logconfig_json=None,
        capture_output=False,
        user=None,
        group=None,
        access_log_format="%(r)s %(U)s %(f)s",
        dogstatsd_tags="",
        statsd_host=None,
        statsd_prefix="",
        umask=0,
        uid=0,
        gid=0,
        env={},
        proc_name="x",
        worker_tmp_dir=None,
    )
    cfg.settings = {}
    logger = RedactingLogger.__new__(RedactingLogger)
    logger.cfg = cfg
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/set-password/{SECRET}/",
        "PATH_INFO": f"/set-password/{SECRET}/",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://people.example.com/set-password/{SECRET}/",
    }
    response = SimpleNamespace(status="302 Found", headers=[], sent=0)
    atoms = logger.atoms(response, SimpleNamespace(headers=[]), environ, timedelta(seconds=0))
    assert SECRET not in repr(atoms)
    assert atoms["r"] == "GET /set-password/[redacted]/ HTTP/1.1"
