"""gunicorn serving HTTPS itself: one TLS context per worker, made again for renewed files."""

import os
import runpy
import ssl
from types import SimpleNamespace

import pytest
from django.conf import settings

from project import gunicorn_tls


@pytest.fixture
def conf(tmp_path, monkeypatch):
    monkeypatch.setattr(gunicorn_tls, "_made", {})
    certificate, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    certificate.write_text("certificate")
    key.write_text("key")
    return SimpleNamespace(certfile=str(certificate), keyfile=str(key), ca_certs=None)


class Factory:
    """gunicorn's default_ssl_context_factory, counting the contexts it makes."""

    def __init__(self):
        self.made = []

    def __call__(self):
        self.made.append(ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER))
        return self.made[-1]


def test_every_connection_of_a_worker_gets_the_same_context(conf):
    factory = Factory()

    contexts = {id(gunicorn_tls.reused_ssl_context(conf, factory)) for _ in range(3)}

    assert len(factory.made) == 1
    assert contexts == {id(factory.made[0])}


@pytest.mark.parametrize("renewed", ["certfile", "keyfile"])
def test_a_certificate_or_key_renewed_on_disk_is_read_at_the_next_connection(conf, renewed):
    factory = Factory()
    first = gunicorn_tls.reused_ssl_context(conf, factory)
    path = getattr(conf, renewed)
    with open(path, "a") as file:
        file.write(" renewed")
    stat = os.stat(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))

    second = gunicorn_tls.reused_ssl_context(conf, factory)

    assert second is not first
    assert second is factory.made[1]
    assert gunicorn_tls.reused_ssl_context(conf, factory) is second


def test_gunicorn_conf_hands_the_hook_to_gunicorn(conf):
    hook = runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))["ssl_context"]
    factory = Factory()

    assert hook(conf, factory) is hook(conf, factory) is factory.made[0]
