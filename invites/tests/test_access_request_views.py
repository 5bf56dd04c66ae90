"""The public pages of access requests: the form, its reply, the status page."""

import re
from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import SuperuserFactory, UserFactory
from invites.access_requests import services
from invites.keys.kinds import STATUS
from invites.keys.secrets import secret_digest
from invites.models import AccessRequest, Link
from invites.tests.factories import AccessRequestFactory

ACCESS_REQUEST_COOKIE = STATUS.cookie.name

pytestmark = pytest.mark.django_db

FORM = reverse("invites:access_request")
STATUS = reverse("invites:access_request_status")
INVALID_PAGE = "invites/link_invalid.html"
KEEP_TEXT = (
    "Keep this link: it is how you will set your password once an administrator approves you."
)
STATUS_URL = re.compile(r'value="(http://testserver/accounts/request/([A-Za-z0-9_-]{32})/)"')


@pytest.fixture(autouse=True)
def _on(settings):
    settings.ACCESS_REQUESTS = True


def ask(client, email="ada@example.com", address="192.0.2.7", **fields):
    data = {
        "email": email,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "note": "Charles Babbage can vouch for me.",
        **fields,
    }
    return client.post(FORM, data, REMOTE_ADDR=address)


def secret_in(response) -> str:
    return STATUS_URL.search(response.content.decode()).group(2)


def open_status(client, secret):
    return client.get(reverse("invites:access_request_open", kwargs={"secret": secret}))


@pytest.mark.parametrize(
    "url", [FORM, STATUS, reverse("invites:access_request_open", kwargs={"secret": "a" * 32})]
)
def test_access_requests_are_not_found_while_switched_off(client, settings, url):
    settings.ACCESS_REQUESTS = False
    assert client.get(url).status_code == HTTPStatus.NOT_FOUND
    assert client.post(url).status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize("page", ["home", "login"])
def test_the_home_and_sign_in_pages_lead_to_the_form_only_while_it_is_on(client, settings, page):
    link = f'href="{FORM}"'
    assert link in client.get(reverse(page)).content.decode()
    settings.ACCESS_REQUESTS = False
    assert link not in client.get(reverse(page)).content.decode()


def test_the_form_asks_for_email_names_and_a_note(client):
    response = client.get(FORM)
    assert response.status_code == HTTPStatus.OK
    for name in ("email", "first_name", "last_name", "note"):
        assert f'name="{name}"' in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_reply_shows_the_status_link_once_and_stores_its_digest(client):
    response = ask(client)
    assert response.status_code == HTTPStatus.OK
    assert KEEP_TEXT in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    stored = AccessRequest.objects.get()
    assert stored.digest == secret_digest(secret_in(response))
    assert (stored.email, stored.client_address) == ("ada@example.com", "192.0.2.7")


def _without_secrets(response) -> str:
    text = response.content.decode()
    text = STATUS_URL.sub("STATUS", text)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)


def test_the_reply_is_the_same_whether_the_email_has_an_account_a_request_or_neither(client):
    UserFactory(email="taken@example.com")
    AccessRequestFactory(email="asked@example.com")
    replies = [
        ask(client, email=email, address=f"192.0.2.{number}")
        for number, email in enumerate(
            ["taken@example.com", "asked@example.com", "new@example.com"], start=10
        )
    ]
    assert {reply.status_code for reply in replies} == {HTTPStatus.OK}
    assert len({_without_secrets(reply) for reply in replies}) == 1
    assert len({tuple(reply.headers.keys()) for reply in replies}) == 1


def test_an_existing_account_is_never_changed_by_a_request(client):
    user = UserFactory(email="taken@example.com")
    password = user.password
    ask(client, email="taken@example.com", first_name="Mallory")
    user.refresh_from_db()
    assert (user.password, user.first_name) == (password, user.first_name)
    assert user.first_name != "Mallory"


def test_a_filled_honeypot_gets_the_same_reply_and_stores_nothing(client):
    response = ask(client, website="http://spam.example")
    assert response.status_code == HTTPStatus.OK
    assert KEEP_TEXT in response.content.decode()
    assert not AccessRequest.objects.exists()
    # Its status link leads nowhere.
    status = client.get(open_status(client, secret_in(response))["Location"])
    assert status.status_code == HTTPStatus.NOT_FOUND


def test_past_the_cap_the_form_says_to_come_back_later(client, settings):
    settings.ACCESS_REQUESTS_MAX_PENDING = 1
    AccessRequestFactory()
    response = ask(client, email="grace@example.com", address="192.0.2.8")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert response["Retry-After"] == str(24 * 60 * 60)
    assert "cannot take more requests" in response.content.decode()
    assert AccessRequest.objects.count() == 1


def test_an_address_may_send_five_requests_an_hour(client):
    for number in range(5):
        assert ask(client, email=f"p{number}@example.com").status_code == HTTPStatus.OK
    refused = ask(client, email="p5@example.com")
    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert refused["Retry-After"] == "3600"
    assert AccessRequest.objects.count() == 5
    assert ask(client, email="other@example.com", address="192.0.2.99").status_code == 200


def test_the_status_link_moves_its_secret_into_a_cookie_for_the_status_page(client):
    secret = AccessRequestFactory().secret
    opened = open_status(client, secret)
    assert opened.status_code == HTTPStatus.FOUND
    assert opened["Location"] == STATUS
    cookie = opened.cookies[ACCESS_REQUEST_COOKIE]
    assert cookie["path"] == STATUS
    assert cookie["httponly"]
    assert secret not in cookie.value
    page = client.get(STATUS)
    assert page.status_code == HTTPStatus.OK
    assert "Pending" in page.content.decode()
    # Opening it consumes nothing.
    assert open_status(client, secret).status_code == HTTPStatus.FOUND
    assert client.get(STATUS).status_code == HTTPStatus.OK


def test_a_declined_request_shows_the_reason(client):
    secret = AccessRequestFactory(declined=True, decline_reason="Who are you?").secret
    open_status(client, secret)
    page = client.get(STATUS).content.decode()
    assert "Declined" in page
    assert "Who are you?" in page


def test_an_approved_request_leads_its_holder_to_set_their_password(client):
    request = AccessRequestFactory(email="ada@example.com")
    # Through the service: approval makes the status link the account's invite link.
    services.access_request_approve(access_request=request, approver=SuperuserFactory())
    open_status(client, request.secret)
    status = client.get(STATUS)
    assert status.status_code == HTTPStatus.FOUND
    assert status["Location"] == reverse("invites:set_password")
    form = client.get(status["Location"])
    assert form.status_code == HTTPStatus.OK
    assert "ada@example.com" in form.content.decode()
    link = Link.objects.get()
    done = client.post(
        status["Location"],
        {
            "link": str(link.pk),
            "new_password1": "Correct-horse-battery-42",
            "new_password2": "Correct-horse-battery-42",
        },
    )
    assert done.status_code == HTTPStatus.FOUND
    assert User.objects.get(email="ada@example.com").check_password("Correct-horse-battery-42")


@pytest.mark.parametrize("secret", ["a" * 32, "short", "a" * 31 + "!"])
def test_an_unknown_status_link_gets_the_one_invalid_page(client, secret):
    opened = open_status(client, secret)
    page = client.get(STATUS) if opened.status_code == HTTPStatus.FOUND else opened
    assert page.status_code == HTTPStatus.NOT_FOUND
    assert INVALID_PAGE in [template.name for template in page.templates]


def test_a_purged_request_gets_the_one_invalid_page(client, settings, frozen_clock):
    secret = AccessRequestFactory(declined=True).secret
    frozen_clock.advance(seconds=settings.ACCESS_REQUESTS_MAX_AGE + 1)
    services.access_requests_purge()
    open_status(client, secret)
    page = client.get(STATUS)
    assert page.status_code == HTTPStatus.NOT_FOUND
    assert INVALID_PAGE in [template.name for template in page.templates]


def test_the_status_page_without_a_cookie_is_the_invalid_page(client):
    assert client.get(STATUS).status_code == HTTPStatus.NOT_FOUND


def test_failed_status_openings_are_limited_per_address(client):
    for _ in range(30):
        assert client.get(STATUS).status_code == HTTPStatus.NOT_FOUND
    assert client.get(STATUS).status_code == HTTPStatus.TOO_MANY_REQUESTS


# --- What mutation testing found unguarded (docs/testing.md, "Mutation testing") ----------------


def test_an_invalid_status_link_is_logged_forgotten_where_it_is_kept_and_framed(
    client, settings, caplog
):
    settings.SITE_NAME = "Acme People"
    with caplog.at_level("INFO", logger="invites.keys"):
        opened = open_status(client, "a" * 32)
        response = client.get(STATUS) if opened.status_code == HTTPStatus.FOUND else opened
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "<title>Link not valid · Acme People</title>" in response.content.decode()
    forget = response.cookies[ACCESS_REQUEST_COOKIE]
    assert (forget.value, forget["max-age"], forget["path"], forget["samesite"]) == (
        "",
        0,
        STATUS,
        "Lax",
    )
    logged = [r.getMessage() for r in caplog.records if r.name == "invites.keys"]
    assert logged == ["Refused an access request's status link (unknown): key None."]


def test_a_filled_honeypot_is_logged_as_such(client, caplog):
    with caplog.at_level("INFO", logger="invites.access_requests.views"):
        ask(client, website="https://spam.example.com")
    logged = [r.getMessage() for r in caplog.records if r.name == "invites.access_requests.views"]
    assert logged == ["An access request filled in the honeypot: nothing stored."]


def test_past_the_cap_the_form_comes_back_filled_in_and_the_log_says_why(client, settings, caplog):
    settings.ACCESS_REQUESTS_MAX_PENDING = 1
    AccessRequestFactory()
    with caplog.at_level("WARNING", logger="invites.access_requests.views"):
        response = ask(client, email="grace@example.com", address="192.0.2.8")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert response.context["form"]["email"].value() == "grace@example.com"
    logged = [r.getMessage() for r in caplog.records if r.name == "invites.access_requests.views"]
    assert logged == ["Access request refused: ACCESS_REQUESTS_MAX_PENDING are pending."]


def test_without_site_url_the_status_link_starts_with_the_requests_own_host(client, settings):
    settings.SITE_URL = ""
    settings.SITE_NAME = "Acme People"
    response = client.post(
        FORM,
        {"email": "ada@example.com", "first_name": "Ada", "last_name": "L", "note": "hi"},
        HTTP_HOST="localhost",
    )
    body = response.content.decode()
    assert re.search(r'value="http://localhost/accounts/request/[A-Za-z0-9_-]{32}/"', body)
    assert "· Acme People</title>" in body


def test_forty_two_addresses_of_one_network_cannot_bury_a_genuine_request(client):
    """The live attack: 42 addresses sent 5 requests each in 11 s; a genuine one got 503."""
    answers = [
        ask(client, email=f"bot{host}.{n}@example.com", address=f"198.51.100.{host}").status_code
        for host in range(1, 43)
        for n in range(5)
    ]
    assert answers.count(HTTPStatus.OK) == 10
    assert set(answers) == {HTTPStatus.OK, HTTPStatus.TOO_MANY_REQUESTS}
    genuine = ask(client, email="genuine@example.com", address="203.0.113.5")
    assert genuine.status_code == HTTPStatus.OK
    assert AccessRequest.objects.count() == 11


def test_an_ipv6_site_is_limited_across_its_networks(client):
    answers = [
        ask(client, email=f"v6.{net}.{n}@example.com", address=f"2001:db8:7:{net:x}::{n + 1}")
        for net in range(8)
        for n in range(4)
    ]
    assert [answer.status_code for answer in answers].count(HTTPStatus.OK) == 20
