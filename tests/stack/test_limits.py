"""Rate limits hold across gunicorn's workers when they count in Redis."""

import time
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus

import pytest

from accounts.tests.factories import InvitedUserFactory
from invites.models import Link
from invites.services import links_issue
from invites.tokens import link_url
from tests.stack.conftest import WORKERS, person
from tests.support import GOOD_PASSWORD, csrf_token, wait_clear_of_rate_limit_edge

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

LINKS = 5
POSTS = 15
LIMIT = 10  # set-password POSTs a minute per address (INTERFACE.md)
ATTEMPTS = 3


def test_set_password_posts_from_one_address_are_limited_whichever_worker_serves_them(
    gunicorn, settings, stack_figures
):
    settings.SITE_URL = gunicorn.url
    # Which worker accepts a connection is up to the kernel, which may hand a
    # short run of them all to one worker: try again (fresh links, fresh
    # counts) until more than one worker has served, asserting the count on
    # every attempt.
    for _attempt in range(ATTEMPTS):
        statuses, served = _post_over_several_links(gunicorn)
        # Which of a round's POSTs comes 11th is up to the threads; the count is not.
        assert sorted(statuses) == [HTTPStatus.OK] * LIMIT + [HTTPStatus.TOO_MANY_REQUESTS] * (
            POSTS - LIMIT
        )
        assert sum(served.values()) == POSTS
        if len(served) > 1:
            break
    stack_figures.append(
        f"shared limits: {POSTS} set-password POSTs from one address over {LINKS} links, "
        f"statuses {statuses}; POSTs per gunicorn worker pid: {served}"
    )
    # More than one worker answered, and the count still held: it is shared.
    assert 1 < len(served) <= WORKERS
    # Every POST was refused (mismatched confirmation, then 429): no link used.
    assert not Link.objects.filter(used_at__isnull=False).exists()


def _post_over_several_links(gunicorn):
    """POST set-password forms from one address over several links: statuses, pids."""
    gunicorn.flush_cache()
    gunicorn.clear_access_log()
    users = InvitedUserFactory.create_batch(LINKS)
    issued = links_issue(users=users, issuer=None, via=Link.Via.COMMAND)
    # One person (one address) with several links, each in a browser of its
    # own (a browser's cookie holds one link at a time). "Connection: close"
    # makes every request a new connection, which any worker may accept.
    sessions = []
    for item in issued:
        client = person(gunicorn.url, "127.0.0.2", headers={"Connection": "close"})
        assert client.get(link_url(item.secret)).status_code == HTTPStatus.FOUND
        form = client.get("/set-password/")
        assert form.status_code == HTTPStatus.OK
        sessions.append((client, csrf_token(form.text)))

    wait_clear_of_rate_limit_edge("127.0.0.2")

    def post(session):
        client, token = session
        return client.post(
            "/set-password/",
            data={
                "csrfmiddlewaretoken": token,
                "new_password1": GOOD_PASSWORD,
                "new_password2": GOOD_PASSWORD + "-typo",
            },
        )

    # Rounds of one POST per link sent together: 3 POSTs per link, under the
    # per-link limit of 5. Simultaneous requests keep a worker busy while the
    # next connection arrives, so the kernel hands it to another worker.
    statuses = []
    with ThreadPoolExecutor(LINKS) as pool:
        for _round in range(POSTS // LINKS):
            for response in pool.map(post, sessions):
                statuses.append(response.status_code)
                if response.status_code == HTTPStatus.TOO_MANY_REQUESTS:
                    assert response.headers["Retry-After"] == "60"
                    assert "Too many attempts" in response.text
    for client, _token in sessions:
        client.close()
    # A worker writes its access-log line after the response has gone out:
    # give the last lines a moment to land.
    deadline = time.monotonic() + 5
    served = gunicorn.pids_serving("/set-password/")
    while sum(served.values()) < POSTS and time.monotonic() < deadline:
        time.sleep(0.05)
        served = gunicorn.pids_serving("/set-password/")
    return statuses, served
