"""Races on PostgreSQL: more people joining through a team link at once than it has uses."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus

import pytest

from accounts.models import User
from accounts.tests.factories import GroupFactory
from invites.models import Link, TeamLink, TeamLinkJoin
from invites.team_links import team_link_create
from invites.tokens import team_link_url
from tests.stack.conftest import person
from tests.support import GOOD_PASSWORD, INVALID_LINK_TEXT, csrf_token, loopback_addresses

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROUNDS = 3
USES = 30
PEOPLE = 40


def _open_form(client, url: str) -> str:
    opened = client.get(url)
    assert opened.status_code == HTTPStatus.FOUND
    assert opened.headers["location"] == "/join/"
    form = client.get("/join/")
    assert form.status_code == HTTPStatus.OK
    return form.text


def _join_together(clients, forms, domain: str):
    """Every client posts its join form at the same moment; returns (response, sent, done)."""
    barrier = threading.Barrier(len(clients))

    def submit(index):
        data = {
            "csrfmiddlewaretoken": csrf_token(forms[index]),
            "email": f"person{index}@{domain}",
            "first_name": "Person",
            "last_name": str(index),
            "password1": GOOD_PASSWORD,
            "password2": GOOD_PASSWORD,
        }
        barrier.wait(timeout=30)
        sent = time.monotonic()
        response = clients[index].post("/join/", data=data)
        return response, sent, time.monotonic()

    with ThreadPoolExecutor(len(clients)) as pool:
        return list(pool.map(submit, range(len(clients)), timeout=120))


def _outcome(response) -> str:
    if response.status_code == HTTPStatus.FOUND and response.headers["location"] == (
        "/accounts/login/"
    ):
        return "joined"
    if response.status_code == HTTPStatus.NOT_FOUND and INVALID_LINK_TEXT in response.text:
        return "invalid link"
    if response.status_code == HTTPStatus.TOO_MANY_REQUESTS:
        return "429"
    return f"unexpected {response.status_code}"


def test_forty_joins_at_once_on_a_thirty_use_link_make_exactly_thirty_accounts(
    live_server, settings, stack_figures
):
    base_url = live_server.url.replace("localhost", "127.0.0.1")
    settings.SITE_URL = base_url
    readers = GroupFactory(name="Readers")
    addresses = loopback_addresses("127.0.3.2")
    overlaps = []
    for round_number in range(ROUNDS):
        issued = team_link_create(
            name=f"Race {round_number}",
            groups=[readers],
            uses=USES,
            issuer=None,
            via=Link.Via.COMMAND,
        )
        url = team_link_url(issued.secret)
        domain = f"round{round_number}.example"
        clients = [person(base_url, next(addresses), timeout=60) for _ in range(PEOPLE)]
        try:
            forms = [_open_form(client, url) for client in clients]
            results = _join_together(clients, forms, domain)
        finally:
            for client in clients:
                client.close()
        first_done = min(done for _response, _sent, done in results)
        overlaps.append(sum(sent < first_done for _response, sent, _done in results))

        outcomes = [_outcome(response) for response, _sent, _done in results]
        assert sorted(outcomes) == ["invalid link"] * (PEOPLE - USES) + ["joined"] * USES
        members = User.objects.filter(email__endswith=f"@{domain}")
        assert members.count() == USES
        assert set(members.values_list("groups__name", flat=True)) == {"Readers"}
        assert not members.filter(is_staff=True).exists()
        team_link = TeamLink.objects.get(pk=issued.team_link.pk)
        assert team_link.uses_taken == USES
        assert team_link.state == TeamLink.State.USED_UP
        assert TeamLinkJoin.objects.filter(team_link=team_link).count() == USES
        # Each account is one of those that was told it joined.
        joined = {
            f"person{index}@{domain}"
            for index, outcome in enumerate(outcomes)
            if outcome == "joined"
        }
        assert set(members.values_list("email", flat=True)) == joined
    stack_figures.append(
        f"team link race: {ROUNDS} rounds x {PEOPLE} simultaneous joins of a {USES}-use link: "
        f"each round exactly {USES} accounts, {PEOPLE - USES} invalid-link pages, 0 errors; "
        f"POSTs sent before the first answer came back, per round: {overlaps}"
    )
