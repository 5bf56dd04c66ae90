"""PostgreSQL restarting under the site: a 503 page, never a 500, and back by itself.

The site runs in-process, its connection to the test database passing through
a TCP proxy of the test's own. Cutting the proxy does to the site what a
restart of PostgreSQL does: the open connection is dropped, and new ones are
refused until the server is back. Runs only when the suite runs on PostgreSQL.
"""

import contextlib
import logging
import socket
import threading
from http import HTTPStatus

import pytest
from django.conf import settings
from django.db import close_old_connections, connections
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from tests.support import free_port

pytestmark = pytest.mark.django_db(transaction=True)

UNAVAILABLE_TEXT = "The service is unavailable for a moment"


@pytest.fixture(autouse=True)
def _needs_postgresql():
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine != "django.db.backends.postgresql":
        pytest.skip(f"needs DATABASE_URL=postgres://... (the database is {engine})")


class TcpProxy:
    """127.0.0.1:``port`` forwarded to ``target``; cut() drops every connection, and listening."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._accepting: threading.Thread | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def open(self) -> None:
        """Listen (again) on ``port``."""
        self._listener = socket.create_server(("127.0.0.1", self.port))
        # accept() wakes up now and then to see whether the proxy was cut.
        self._listener.settimeout(0.1)
        self._accepting = threading.Thread(target=self._accept, args=(self._listener,))
        self._accepting.start()

    def cut(self) -> None:
        """Close the listener and every connection through it, as a stopping server does."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
            self._accepting.join(timeout=5)
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _address = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._sockets |= {client, server}
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        # One side has gone: so does the other, as with a server that stopped.
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def database_proxy():
    """The default connection going through a TcpProxy, put back as it was afterwards."""
    connection = connections["default"]
    database = connection.settings_dict
    proxy = TcpProxy((database["HOST"] or "127.0.0.1", int(database["PORT"] or 5432)))
    proxy.open()
    host, port = database["HOST"], database["PORT"]
    connection.close()
    database["HOST"], database["PORT"] = "127.0.0.1", str(proxy.port)
    try:
        yield proxy
    finally:
        connection.close()
        database["HOST"], database["PORT"] = host, port
        proxy.cut()


@pytest.fixture
def error_log(caplog):
    """caplog, seeing Django's request log too (it does not propagate to the root)."""
    request_logger = logging.getLogger("django.request")
    request_logger.addHandler(caplog.handler)
    yield caplog
    request_logger.removeHandler(caplog.handler)


def _get(client: Client, path: str):
    """GET ``path`` with the connection housekeeping a server does around each request.

    The test Client skips it: Django drops a connection that failed, or failed
    its health check, when a request starts or finishes.
    """
    close_old_connections()
    try:
        return client.get(path)
    finally:
        close_old_connections()


def test_a_database_restart_answers_503_and_the_first_request_after_it_works(
    database_proxy, error_log
):
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory())
    assert _get(client, reverse("account")).status_code == HTTPStatus.OK

    database_proxy.cut()
    during = _get(client, reverse("account"))

    assert during.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    body = during.content.decode()
    assert UNAVAILABLE_TEXT in body
    assert "Traceback" not in body
    assert int(during["Retry-After"]) > 0
    errors = [r for r in error_log.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert "the database cannot be reached" in errors[0].getMessage()
    assert errors[0].exc_info is None

    database_proxy.open()
    after = _get(client, reverse("account"))
    assert after.status_code == HTTPStatus.OK
