"""Rate limits hold across gunicorn's workers when they count in Redis, and count failures only."""

import time
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus

import pytest

from accounts.tests.factories import InvitedUserFactory
from invites.keys.kinds import SET_PASSWORD
from invites.keys.urls import key_url
from invites.links.services import links_issue
from invites.models import Link
from tests.stack.conftest import WORKERS, person
from tests.support import (
    GOOD_PASSWORD,
    SUCCESS_TEXT,
    csrf_token,
    set_password_data,
    wait_clear_of_rate_limit_edge,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

LINKS = 10
ROUNDS = 4
POSTS = LINKS * ROUNDS
LIMIT = 30  # failed set-password POSTs a minute per address (INTERFACE.md)
ATTEMPTS = 3
REFUSED_TEXT = "Too many failed attempts"


def test_set_password_failures_from_one_address_are_limited_whichever_worker_serves_them(
    gunicorn, settings, stack_figures
):
    settings.SITE_URL = gunicorn.url
    # Which worker accepts a connection is up to the kernel, which may hand a
    # short run of them all to one worker: try again (fresh links, fresh
    # counts) until more than one worker has served, asserting the count on
    # every attempt.
    for _attempt in range(ATTEMPTS):
        statuses, served = _post_over_several_links(gunicorn)
        # Rounds of one POST per link, all failing: three rounds fill the
        # address's 30 failures, the fourth is refused whole. A round's
        # POSTs are checked before any of them is counted, so the limit must
        # fall between rounds for the count to be exact.
        assert statuses == [HTTPStatus.OK] * LIMIT + [HTTPStatus.TOO_MANY_REQUESTS] * (
            POSTS - LIMIT
        )
        assert sum(served.values()) == POSTS
        if len(served) > 1:
            break
    stack_figures.append(
        f"shared limits: {POSTS} failing set-password POSTs from one address over {LINKS} "
        f"links: {LIMIT} x 200 then {POSTS - LIMIT} x 429; "
        f"POSTs per gunicorn worker pid: {served}"
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
        assert client.get(key_url(SET_PASSWORD, item.secret)).status_code == HTTPStatus.FOUND
        form = client.get("/set-password/")
        assert form.status_code == HTTPStatus.OK
        sessions.append((client, set_password_data(form.text, GOOD_PASSWORD, "a-typo")))

    wait_clear_of_rate_limit_edge("127.0.0.2")

    def post(session):
        client, data = session
        return client.post("/set-password/", data=data)

    # Rounds of one POST per link sent together: 4 POSTs per link, of which
    # at most 3 fail, under the per-link limit of 5. Simultaneous requests keep
    # a worker busy while the next connection arrives, so the kernel hands it
    # to another worker.
    statuses = []
    with ThreadPoolExecutor(LINKS) as pool:
        for _round in range(ROUNDS):
            for response in pool.map(post, sessions):
                statuses.append(response.status_code)
                if response.status_code == HTTPStatus.TOO_MANY_REQUESTS:
                    assert response.headers["Retry-After"] == "60"
                    assert REFUSED_TEXT in response.text
    for client, _data in sessions:
        client.close()
    # A worker writes its access-log line after the response has gone out:
    # give the last lines a moment to land.
    deadline = time.monotonic() + 5
    served = gunicorn.pids_serving("/set-password/")
    while sum(served.values()) < POSTS and time.monotonic() < deadline:
        time.sleep(0.05)
        served = gunicorn.pids_serving("/set-password/")
    return statuses, served


OFFICE = 30
OFFICE_ADDRESS = "127.0.0.5"
SIGN_IN_FAILURES_PER_ADDRESS = 30  # INTERFACE.md


def _office_worker(base_url: str, url: str, email: str, password: str) -> list[tuple[str, int]]:
    """One person at the office: open their link, set a password, sign out and in again."""
    steps = []
    with person(base_url, OFFICE_ADDRESS) as client:
        opened = client.get(url)
        steps.append(("open link", opened.status_code))
        form = client.get("/set-password/")
        steps.append(("form", form.status_code))
        if form.status_code != HTTPStatus.OK:
            return steps
        posted = client.post("/set-password/", data=set_password_data(form.text, password))
        steps.append(("set password", posted.status_code))
        # The link signed them in; they sign out, and in again with the password.
        account = client.get("/accounts/")
        steps.append(("account page", account.status_code))
        if SUCCESS_TEXT not in account.text:
            steps.append(("success message", 0))
        signed_out = client.post(
            "/accounts/logout/", data={"csrfmiddlewaretoken": csrf_token(account.text)}
        )
        steps.append(("sign out", signed_out.status_code))
        sign_in_page = client.get("/accounts/login/")
        steps.append(("sign-in page", sign_in_page.status_code))
        signed_in = client.post(
            "/accounts/login/",
            data={
                "csrfmiddlewaretoken": csrf_token(sign_in_page.text),
                "username": email,
                "password": password,
            },
        )
        steps.append(("sign in", signed_in.status_code))
        home = client.get("/")
        steps.append(("signed in", HTTPStatus.OK if email in home.text else 0))
    return steps


def test_an_office_behind_one_address_is_never_refused_but_its_failures_are(
    gunicorn, settings, stack_figures
):
    settings.SITE_URL = gunicorn.url
    gunicorn.flush_cache()
    users = InvitedUserFactory.create_batch(OFFICE)
    urls = [
        key_url(SET_PASSWORD, item.secret)
        for item in links_issue(users=users, issuer=None, via=Link.Via.COMMAND)
    ]
    passwords = [f"{GOOD_PASSWORD}-{index}" for index in range(OFFICE)]

    started = time.monotonic()
    with ThreadPoolExecutor(10) as pool:
        journeys = list(
            pool.map(
                _office_worker,
                [gunicorn.url] * OFFICE,
                urls,
                [user.email for user in users],
                passwords,
                timeout=60,
            )
        )
    office_seconds = time.monotonic() - started

    expected = [
        ("open link", HTTPStatus.FOUND),
        ("form", HTTPStatus.OK),
        ("set password", HTTPStatus.FOUND),
        ("account page", HTTPStatus.OK),
        ("sign out", HTTPStatus.FOUND),
        ("sign-in page", HTTPStatus.OK),
        ("sign in", HTTPStatus.FOUND),
        ("signed in", HTTPStatus.OK),
    ]
    assert [steps for steps in journeys if steps != expected] == []
    assert office_seconds < 60
    assert Link.objects.filter(used_at__isnull=False).count() == OFFICE

    # The same address failing: 30 failed sign-ins a minute, the 31st refused.
    wait_clear_of_rate_limit_edge(OFFICE_ADDRESS)
    with person(gunicorn.url, OFFICE_ADDRESS) as guesser:
        token = csrf_token(guesser.get("/accounts/login/").text)
        statuses = [
            guesser.post(
                "/accounts/login/",
                data={
                    "csrfmiddlewaretoken": token,
                    "username": f"nobody{n}@example.com",
                    "password": "not-the-password",
                },
            ).status_code
            for n in range(SIGN_IN_FAILURES_PER_ADDRESS + 1)
        ]
    assert statuses == [HTTPStatus.OK] * SIGN_IN_FAILURES_PER_ADDRESS + [
        HTTPStatus.TOO_MANY_REQUESTS
    ]
    stack_figures.append(
        f"office: {OFFICE} people behind {OFFICE_ADDRESS} opened their links, set passwords "
        f"and signed in in {office_seconds:.1f} s, none refused; then "
        f"{SIGN_IN_FAILURES_PER_ADDRESS} failed sign-ins from there, the next one refused"
    )
