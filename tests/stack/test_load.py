"""Load: 200 people open their links and set their passwords at once, on gunicorn."""

import time
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from itertools import islice

import pytest

from accounts.models import User
from accounts.tests.factories import InvitedUserFactory
from invites.keys.kinds import SET_PASSWORD
from invites.keys.urls import key_url
from invites.links.services import links_issue
from invites.models import Link
from tests.stack.conftest import WORKERS, person
from tests.support import GOOD_PASSWORD, SUCCESS_TEXT, loopback_addresses, set_password_data

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PEOPLE = 200
CONCURRENCY = 20
DEADLINE_SECONDS = 120


def _journey(base_url: str, address: str, url: str, password: str) -> list[tuple[str, int, float]]:
    """One person: open the link, get the form, set the password, land signed in."""
    timings = []
    with person(base_url, address) as client:

        def timed(step, method, path, **kwargs):
            started = time.perf_counter()
            response = client.request(method, path, **kwargs)
            timings.append((step, response.status_code, time.perf_counter() - started))
            return response

        opened = timed("open link", "GET", url)
        if opened.status_code != HTTPStatus.FOUND:
            return timings
        form = timed("form", "GET", opened.headers["location"])
        if form.status_code != HTTPStatus.OK:
            return timings
        data = set_password_data(form.text, password)
        posted = timed("set password", "POST", "/set-password/", data=data)
        if posted.status_code != HTTPStatus.FOUND:
            return timings
        landing = timed("account page", "GET", posted.headers["location"])
        if SUCCESS_TEXT not in landing.text:
            timings.append(("success message", 0, 0.0))
    return timings


def test_200_people_set_their_passwords_at_once(gunicorn, settings, stack_figures):
    settings.SITE_URL = gunicorn.url
    gunicorn.flush_cache()
    users = InvitedUserFactory.create_batch(PEOPLE)
    issued = links_issue(users=users, issuer=None, via=Link.Via.COMMAND)
    urls = [key_url(SET_PASSWORD, item.secret) for item in issued]
    passwords = [f"{GOOD_PASSWORD}-{index}" for index in range(PEOPLE)]
    addresses = list(islice(loopback_addresses(), PEOPLE))

    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        journeys = list(
            pool.map(
                _journey,
                [gunicorn.url] * PEOPLE,
                addresses,
                urls,
                passwords,
                timeout=DEADLINE_SECONDS,
            )
        )
    elapsed = time.perf_counter() - started

    expected = [
        ("open link", HTTPStatus.FOUND),
        ("form", HTTPStatus.OK),
        ("set password", HTTPStatus.FOUND),
        ("account page", HTTPStatus.OK),
    ]
    failures = [
        (index, steps)
        for index, steps in enumerate(journeys)
        if [(step, status) for step, status, _ in steps] != expected
    ]
    timings = [(seconds, step) for steps in journeys for step, _status, seconds in steps]
    slowest, slowest_step = max(timings)
    posts = sorted(
        seconds for steps in journeys for step, _, seconds in steps if step == expected[2][0]
    )
    stack_figures.append(
        f"load: {PEOPLE} people ({CONCURRENCY} at a time, {WORKERS} gunicorn sync workers, "
        f"Argon2) in {elapsed:.1f} s: {PEOPLE / elapsed:.1f} people/s, "
        f"{len(timings) / elapsed:.1f} requests/s; slowest response {slowest * 1000:.0f} ms "
        f"({slowest_step}); set-password POST median {posts[len(posts) // 2] * 1000:.0f} ms, "
        f"95th percentile {posts[int(len(posts) * 0.95)] * 1000:.0f} ms; "
        f"failed journeys: {len(failures)}"
    )
    assert failures == []

    assert Link.objects.open().count() == 0
    assert Link.objects.filter(used_at__isnull=False).count() == PEOPLE
    # The server hashed with the production hasher; verify with it.
    settings.PASSWORD_HASHERS = ["accounts.hashers.Argon2PasswordHasher"]
    by_pk = User.objects.in_bulk([user.pk for user in users])
    with ThreadPoolExecutor(4) as pool:
        verified = list(
            pool.map(
                lambda pair: by_pk[pair[0].pk].check_password(pair[1]),
                zip(users, passwords, strict=True),
            )
        )
    assert all(verified)
