"""Races on PostgreSQL: many people redeeming one link, two admins issuing at once."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus

import pytest
from django.db import connections

from accounts.models import User
from accounts.tests.factories import InvitedUserFactory, SuperuserFactory
from invites.keys.kinds import SET_PASSWORD
from invites.keys.urls import key_url
from invites.links.services import link_issue, links_issue
from invites.models import Link
from tests.stack.conftest import person
from tests.support import GOOD_PASSWORD, INVALID_LINK_TEXT, loopback_addresses, set_password_data

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROUNDS = 10
PEOPLE = 16


def _open_form(client, url: str) -> str:
    """Open the link as a person would; return the form's page."""
    opened = client.get(url)
    assert opened.status_code == HTTPStatus.FOUND
    assert opened.headers["location"] == "/set-password/"
    form = client.get("/set-password/")
    assert form.status_code == HTTPStatus.OK
    return form.text


def _submit_together(clients, forms, passwords):
    """Every client posts its password at the same moment; returns (response, sent, done)."""
    barrier = threading.Barrier(len(clients))

    def submit(index):
        barrier.wait(timeout=30)
        sent = time.monotonic()
        response = clients[index].post(
            "/set-password/", data=set_password_data(forms[index], passwords[index])
        )
        return response, sent, time.monotonic()

    with ThreadPoolExecutor(len(clients)) as pool:
        return list(pool.map(submit, range(len(clients)), timeout=60))


def _race(base_url: str, addresses, user: User):
    url = key_url(SET_PASSWORD, link_issue(user=user, issuer=None, via=Link.Via.COMMAND).secret)
    clients = [person(base_url, next(addresses)) for _ in range(PEOPLE)]
    try:
        forms = [_open_form(client, url) for client in clients]
        passwords = [f"{GOOD_PASSWORD}-{index}" for index in range(PEOPLE)]
        results = _submit_together(clients, forms, passwords)
    finally:
        for client in clients:
            client.close()
    responses = [response for response, _sent, _done in results]
    # How many submissions were on their way before the first answer came back.
    first_done = min(done for _response, _sent, done in results)
    in_flight = sum(sent < first_done for _response, sent, _done in results)
    return responses, passwords, in_flight


def _outcome(response) -> str:
    # The link signs its holder in: they land on their account page.
    if response.status_code == HTTPStatus.FOUND and response.headers["location"] == "/accounts/":
        return "password set"
    if response.status_code == HTTPStatus.NOT_FOUND and INVALID_LINK_TEXT in response.text:
        return "invalid link"
    if response.status_code == HTTPStatus.TOO_MANY_REQUESTS:
        return "429"
    return f"unexpected {response.status_code}"


def test_simultaneous_submissions_of_one_link_set_exactly_one_password(
    live_server, settings, stack_figures
):
    # This test is about the database, not the network: with the limits on, the
    # per-link limit (5 failures a minute) could answer some of the 16 with 429
    # before they reach the transaction. The test below runs the same race with
    # the limits.
    settings.RATELIMIT_ENABLE = False
    base_url = live_server.url.replace("localhost", "127.0.0.1")
    settings.SITE_URL = base_url
    addresses = loopback_addresses("127.0.1.2")
    overlaps = []
    for _ in range(ROUNDS):
        user = InvitedUserFactory()
        responses, passwords, in_flight = _race(base_url, addresses, user)
        overlaps.append(in_flight)

        outcomes = [_outcome(response) for response in responses]
        assert sorted(outcomes) == ["invalid link"] * (PEOPLE - 1) + ["password set"]
        winner = outcomes.index("password set")
        user.refresh_from_db()
        assert [user.check_password(p) for p in passwords].count(True) == 1
        assert user.check_password(passwords[winner])
        assert Link.objects.get(user=user).used_at is not None
    stack_figures.append(
        f"double redemption: {ROUNDS} rounds x {PEOPLE} simultaneous POSTs of one link: "
        f"each round exactly 1 password set, {PEOPLE - 1} invalid-link pages, 0 errors; "
        f"POSTs sent before the first answer came back, per round: {overlaps}"
    )


def test_the_same_race_with_the_limits_on(live_server, settings, stack_figures):
    base_url = live_server.url.replace("localhost", "127.0.0.1")
    settings.SITE_URL = base_url
    user = InvitedUserFactory()
    responses, passwords, _ = _race(base_url, loopback_addresses("127.0.2.2"), user)

    outcomes = [_outcome(response) for response in responses]
    # 5 failures a minute per link, counted after each failure: one wins; the
    # rest fail on the used link, each counted, until 5 have, and any later
    # one is refused. Which of them came late is up to the threads.
    assert outcomes.count("password set") == 1
    invalid, refused = outcomes.count("invalid link"), outcomes.count("429")
    assert invalid + refused == PEOPLE - 1
    assert refused == 0 or invalid >= 5
    user.refresh_from_db()
    assert [user.check_password(p) for p in passwords].count(True) == 1
    stack_figures.append(
        f"double redemption with the limits on: 1 password set, {invalid} invalid-link pages, "
        f"{refused} x 429"
    )


def test_two_admins_issuing_for_one_user_at_once_leave_one_open_link(stack_figures):
    admins = [SuperuserFactory(), SuperuserFactory()]
    for _ in range(ROUNDS):
        user = InvitedUserFactory()
        barrier = threading.Barrier(len(admins))

        def issue(admin, user_id=user.pk, barrier=barrier):
            try:
                target = User.objects.get(pk=user_id)
                barrier.wait(timeout=30)
                return links_issue(users=[target], issuer=admin, via=Link.Via.ADMIN)[0].link.pk
            finally:
                connections.close_all()

        with ThreadPoolExecutor(len(admins)) as pool:
            issued = list(pool.map(issue, admins, timeout=60))

        links = Link.objects.filter(user=user)
        assert sorted(links.values_list("pk", flat=True)) == sorted(issued)
        assert links.open().count() == 1
        superseded = links.get(revoked_at__isnull=False)
        assert superseded.revoke_reason == Link.RevokeReason.SUPERSEDED
        assert superseded.revoked_by_id != superseded.created_by_id
    stack_figures.append(
        f"double issue: {ROUNDS} rounds x 2 admins at once: each round exactly 1 open link"
    )
