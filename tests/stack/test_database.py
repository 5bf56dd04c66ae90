"""A database connection dropped under gunicorn costs no request.

Workers keep their connection between requests (CONN_MAX_AGE) and check it
before each request uses it (CONN_HEALTH_CHECKS): one that the database
closed, restarted or a proxy cut is replaced, not used and failed.
"""

from http import HTTPStatus

import pytest
from django.db import connection

from accounts.tests.factories import InvitedUserFactory
from invites.links.services import link_issue
from invites.models import Link
from tests.stack.conftest import WORKERS, person

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

OTHER_BACKENDS = (
    "SELECT pid FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


def _server_backends() -> set[int]:
    """Connections to the test database other than this test's own: the workers'."""
    with connection.cursor() as cursor:
        cursor.execute(OTHER_BACKENDS)
        return {pid for (pid,) in cursor.fetchall()}


def _terminate(pids: set[int]) -> None:
    with connection.cursor() as cursor:
        for pid in pids:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_a_connection_killed_under_the_server_costs_no_request(gunicorn):
    gunicorn.flush_cache()
    issued = link_issue(user=InvitedUserFactory(), issuer=None, via=Link.Via.COMMAND)
    # A new connection for every request, so that any worker may take it.
    with person(gunicorn.url, "127.0.7.2", headers={"Connection": "close"}) as browser:
        assert browser.get(f"/set-password/{issued.secret}/").status_code == HTTPStatus.FOUND

        def show_form() -> int:
            # The form's page reads the link from the database every time.
            return browser.get("/set-password/").status_code

        _terminate(_server_backends())  # whatever earlier tests left
        for _ in range(10 * WORKERS):
            assert show_form() == HTTPStatus.OK
            if len(_server_backends()) == WORKERS:
                break
        killed = _server_backends()
        assert killed, "no worker kept a connection to the database"

        _terminate(killed)
        statuses = [show_form() for _ in range(3 * WORKERS)]

    assert statuses == [HTTPStatus.OK] * len(statuses)
    # Workers whose connection was killed served some of them, on a new one.
    assert _server_backends() - killed
