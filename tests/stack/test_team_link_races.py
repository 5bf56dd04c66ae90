"""Team links on the production stack: more people joining at once than the link has uses,
and a workshop behind one address through gunicorn's workers and Redis."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus

import pytest

from accounts.models import User
from accounts.tests.factories import GroupFactory
from invites.keys.kinds import TEAM
from invites.keys.urls import key_url
from invites.models import TeamLink, TeamLinkJoin
from invites.tests.factories import TeamLinkFactory
from tests.stack.conftest import person
from tests.support import (
    GOOD_PASSWORD,
    INVALID_LINK_TEXT,
    csrf_token,
    loopback_addresses,
    wait_clear_of_rate_limit_edge,
)

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
        issued = TeamLinkFactory(name=f"Race {round_number}", groups=[readers], uses_allowed=USES)
        url = key_url(TEAM, issued.secret)
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
        team_link = TeamLink.objects.get(pk=issued.pk)
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


WORKSHOP = 30
WORKSHOP_ADDRESS = "127.0.4.2"
JOIN_FAILURES_PER_ADDRESS = 30  # INTERFACE.md: 30 a minute per address and per link


def _join_data(form_page: str, email: str, password: str = GOOD_PASSWORD) -> dict:
    return {
        "csrfmiddlewaretoken": csrf_token(form_page),
        "email": email,
        "first_name": "Workshop",
        "last_name": "Person",
        "password1": password,
        "password2": password,
    }


def _workshop_member(base_url: str, url: str, email: str) -> list[int]:
    with person(base_url, WORKSHOP_ADDRESS) as client:
        opened = client.get(url)
        form = client.get("/join/")
        joined = client.post("/join/", data=_join_data(form.text, email))
        return [opened.status_code, form.status_code, joined.status_code]


def test_a_workshop_behind_one_address_joins_unrefused_but_its_failures_are_limited(
    gunicorn, settings, stack_figures
):
    settings.SITE_URL = gunicorn.url
    gunicorn.flush_cache()
    url = key_url(TEAM, TeamLinkFactory(name="Workshop", uses_allowed=WORKSHOP).secret)
    emails = [f"member{index}@workshop.example" for index in range(WORKSHOP)]
    started = time.monotonic()
    with ThreadPoolExecutor(10) as pool:
        journeys = list(
            pool.map(_workshop_member, [gunicorn.url] * WORKSHOP, [url] * WORKSHOP, emails)
        )
    seconds = time.monotonic() - started
    ok = [HTTPStatus.FOUND, HTTPStatus.OK, HTTPStatus.FOUND]
    assert [journey for journey in journeys if journey != ok] == []
    assert User.objects.filter(email__endswith="@workshop.example").count() == WORKSHOP

    # The same address failing on another link: 30 invalid forms, then 429.
    other = TeamLinkFactory(name="Other", uses_allowed=5)
    wait_clear_of_rate_limit_edge(WORKSHOP_ADDRESS)
    with person(gunicorn.url, WORKSHOP_ADDRESS) as guesser:
        guesser.get(key_url(TEAM, other.secret))
        form = guesser.get("/join/").text
        statuses = [
            guesser.post("/join/", data=_join_data(form, "x@example.com", "short")).status_code
            for _ in range(JOIN_FAILURES_PER_ADDRESS + 1)
        ]
    assert statuses == [HTTPStatus.OK] * JOIN_FAILURES_PER_ADDRESS + [HTTPStatus.TOO_MANY_REQUESTS]
    assert TeamLink.objects.get(pk=other.pk).uses_taken == 0
    stack_figures.append(
        f"workshop: {WORKSHOP} people behind {WORKSHOP_ADDRESS} opened one team link and "
        f"joined in {seconds:.1f} s through gunicorn ({WORKSHOP} accounts), none refused; then "
        f"{JOIN_FAILURES_PER_ADDRESS} invalid join forms from there, the next one refused"
    )
