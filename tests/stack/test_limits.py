"""Rate limits hold across gunicorn's workers when they count in Redis."""

from http import HTTPStatus

import pytest

from accounts.tests.factories import InvitedUserFactory
from invites.models import Link
from invites.services import links_issue
from invites.tokens import link_url
from tests.stack.conftest import WORKERS, person
from tests.support import GOOD_PASSWORD, csrf_token

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

LINKS = 5
POSTS = 15
LIMIT = 10  # set-password POSTs a minute per address (INTERFACE.md)


def test_set_password_posts_from_one_address_are_limited_whichever_worker_serves_them(
    gunicorn, settings, stack_figures
):
    settings.SITE_URL = gunicorn.url
    gunicorn.flush_cache()
    gunicorn.clear_access_log()
    users = InvitedUserFactory.create_batch(LINKS)
    issued = links_issue(users=users, issuer=None, via=Link.Via.COMMAND)
    # One person (one address) with several links, each in its own browser
    # session. "Connection: close" makes every request a new connection, which
    # any worker may accept.
    sessions = []
    for item in issued:
        client = person(gunicorn.url, "127.0.0.2", headers={"Connection": "close"})
        assert client.get(link_url(item.secret)).status_code == HTTPStatus.FOUND
        form = client.get("/set-password/")
        assert form.status_code == HTTPStatus.OK
        sessions.append((client, csrf_token(form.text)))

    statuses = []
    for number in range(POSTS):
        # Round robin: 3 POSTs per link, under the per-link limit of 5.
        client, token = sessions[number % LINKS]
        response = client.post(
            "/set-password/",
            data={
                "csrfmiddlewaretoken": token,
                "new_password1": GOOD_PASSWORD,
                "new_password2": GOOD_PASSWORD + "-typo",
            },
        )
        statuses.append(response.status_code)
        if response.status_code == HTTPStatus.TOO_MANY_REQUESTS:
            assert response.headers["Retry-After"] == "60"
            assert "Too many attempts" in response.text
    for client, _token in sessions:
        client.close()

    served = gunicorn.pids_serving("/set-password/")
    stack_figures.append(
        f"shared limits: {POSTS} set-password POSTs from one address over {LINKS} links, "
        f"statuses {statuses}; POSTs per gunicorn worker pid: {served}"
    )
    assert statuses == [HTTPStatus.OK] * LIMIT + [HTTPStatus.TOO_MANY_REQUESTS] * (POSTS - LIMIT)
    assert sum(served.values()) == POSTS
    # More than one worker answered, and the count still held: it is shared.
    assert 1 < len(served) <= WORKERS
    assert Link.objects.open().count() == LINKS
