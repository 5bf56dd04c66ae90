"""Two-factor from the outside: HTTP to a live server, real TOTP codes computed by pyotp.

Nothing here reaches into the project but to issue a link and create
accounts, as an administrator's command would: every step is a request a
browser would send, and every code is one an authenticator app would show
for the key the page gave, at the real time. One step of drift is allowed,
so the next step's code stands in for "30 seconds later" without waiting.
"""

import re
import time
from http import HTTPStatus

import httpx
import pyotp
import pytest

from accounts.tests.factories import DEFAULT_PASSWORD, InvitedUserFactory, StaffFactory
from invites.keys.kinds import SET_PASSWORD
from invites.keys.urls import key_url
from invites.links.services import link_issue
from invites.models import Link

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Correct-horse-battery-42"
KEY_ON_PAGE = re.compile(r'<p class="authenticator-key"><code[^>]*>([A-Z2-7 ]+)</code>')
# django-otp makes a device wait 1, 2, 4… seconds after consecutive wrong codes.
AFTER_TWO_WRONG_CODES = 2.2


@pytest.fixture(autouse=True)
def two_factor_default(settings, live_server):
    """The default policy, staff (the suite runs with it off), and links to the live server."""
    settings.TWO_FACTOR = "staff"
    settings.SITE_URL = live_server.url


_OPEN: list[httpx.Client] = []


@pytest.fixture(autouse=True)
def _close_browsers():
    """Close every browser's connections: the live server's threads then end, with their
    database connections, before the test database is dropped."""
    yield
    while _OPEN:
        _OPEN.pop().close()


def browser(live_server, address="127.0.0.1") -> httpx.Client:
    """A new browser (its own cookies) connecting from a loopback ``address``."""
    client = httpx.Client(
        base_url=live_server.url,
        transport=httpx.HTTPTransport(local_address=address),
        timeout=20,
    )
    _OPEN.append(client)
    return client


def csrf(page: httpx.Response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def hidden(page: httpx.Response, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', page.text).group(1)


def post_form(client, page: httpx.Response, url: str, **fields) -> httpx.Response:
    return client.post(url, data={"csrfmiddlewaretoken": csrf(page), **fields})


def sign_in(client, email, password=DEFAULT_PASSWORD, path="/accounts/login/", **fields):
    page = client.get(path)
    return post_form(client, page, path, username=email, password=password, **fields)


def type_code(client, code: str) -> httpx.Response:
    page = client.get("/accounts/login/code/")
    assert page.status_code == HTTPStatus.OK, page.status_code
    return post_form(client, page, "/accounts/login/code/", code=code)


def not_any_of(totp: pyotp.TOTP, now: float) -> str:
    accepted = {totp.at(now + 30 * steps) for steps in (-1, 0, 1)}
    return next(c for c in (f"{n:06d}" for n in range(424242, 1_000_000)) if c not in accepted)


def enrol_through_link(live_server, email) -> tuple[pyotp.TOTP, str]:
    """The invitee's journey: open the link, set a password and an authenticator.

    Returns the authenticator, and the code that set it up.
    """
    user = InvitedUserFactory(email=email, is_staff=True)
    url = key_url(SET_PASSWORD, link_issue(user=user, issuer=None, via=Link.Via.COMMAND).secret)
    client = browser(live_server)
    opened = client.get(url)
    assert opened.status_code == HTTPStatus.FOUND
    page = client.get(opened.headers["location"])
    assert f"otpauth://totp/People:{email}?secret=" in page.text
    totp = pyotp.TOTP(KEY_ON_PAGE.search(page.text).group(1).replace(" ", ""))

    wrong = post_form(
        client,
        page,
        "/set-password/",
        link=hidden(page, "link"),
        new_password1=PASSWORD,
        new_password2=PASSWORD,
        two_factor_key=hidden(page, "two_factor_key"),
        code=not_any_of(totp, time.time()),
    )
    assert wrong.status_code == HTTPStatus.OK
    assert "does not match this key" in wrong.text

    enrolment_code = totp.now()
    done = post_form(
        client,
        wrong,
        "/set-password/",
        link=hidden(wrong, "link"),
        new_password1=PASSWORD,
        new_password2=PASSWORD,
        two_factor_key=hidden(wrong, "two_factor_key"),
        code=enrolment_code,
    )
    assert done.status_code == HTTPStatus.FOUND, done.text
    # The link and the code signed her in, verified: the admin opens.
    assert done.headers["location"] == "/admin/"
    assert client.get("/admin/").status_code == HTTPStatus.OK
    return totp, enrolment_code


def test_enrol_through_a_link_then_sign_in_to_the_admin_with_real_codes(live_server):
    totp, enrolment_code = enrol_through_link(live_server, "ada@example.com")
    client = browser(live_server)

    # The password alone: on to the code, and nobody signed in.
    response = sign_in(client, "ada@example.com", PASSWORD, path="/admin/login/", next="/admin/")
    assert response.status_code == HTTPStatus.FOUND
    assert response.headers["location"] == "/accounts/login/code/"
    admin = client.get("/admin/")
    assert admin.status_code == HTTPStatus.FOUND
    assert admin.headers["location"].startswith("/admin/login/")

    # The code that enrolled the device was spent there: wait for the next one.
    # A wrong one does not sign in either.
    replayed = type_code(client, enrolment_code)
    assert replayed.status_code == HTTPStatus.OK
    assert "That code was already used" in replayed.text
    wrong = type_code(client, not_any_of(totp, time.time()))
    assert wrong.status_code == HTTPStatus.OK
    assert client.get("/admin/").status_code == HTTPStatus.FOUND

    time.sleep(AFTER_TWO_WRONG_CODES)
    next_code = totp.at(time.time() + 30)
    signed_in = type_code(client, next_code)
    assert signed_in.status_code == HTTPStatus.FOUND
    assert signed_in.headers["location"] == "/admin/"
    assert client.get("/admin/").status_code == HTTPStatus.OK

    # Signed out, the same code does not sign in again: a code works once.
    page = client.get("/accounts/")
    client.post("/accounts/logout/", data={"csrfmiddlewaretoken": csrf(page)})
    assert client.get("/admin/").status_code == HTTPStatus.FOUND
    sign_in(client, "ada@example.com", PASSWORD)
    assert type_code(client, next_code).status_code == HTTPStatus.OK
    assert client.get("/accounts/").status_code == HTTPStatus.FOUND


def test_wrong_codes_are_limited_per_account_whatever_the_address(live_server):
    totp, _ = enrol_through_link(live_server, "grace@example.com")
    for n in range(5):
        guesser = browser(live_server, f"127.0.0.{10 + n}")
        assert sign_in(guesser, "grace@example.com", PASSWORD).status_code == HTTPStatus.FOUND
        assert type_code(guesser, not_any_of(totp, time.time())).status_code == HTTPStatus.OK
    owner = browser(live_server, "127.0.0.20")
    sign_in(owner, "grace@example.com", PASSWORD)
    refused = type_code(owner, totp.at(time.time() + 30))
    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Too many failed attempts" in refused.text
    assert owner.get("/accounts/").status_code == HTTPStatus.FOUND


def test_wrong_codes_are_limited_per_address(live_server):
    office = browser(live_server, "127.0.0.30")
    people = [enrol_through_link(live_server, f"person{n}@example.com")[0] for n in range(3)]
    for n in range(10):
        sign_in(office, f"person{n % 3}@example.com", PASSWORD)
        assert type_code(office, not_any_of(people[n % 3], time.time())).status_code == 200
    sign_in(office, "person0@example.com", PASSWORD)
    refused = type_code(office, people[0].at(time.time() + 30))
    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_staff_without_a_device_are_sent_to_enrolment_before_anything_else(live_server):
    StaffFactory(email="promoted@example.com")
    client = browser(live_server)
    response = sign_in(client, "promoted@example.com")
    assert response.headers["location"] == "/accounts/login/authenticator/"
    assert client.get("/accounts/").status_code == HTTPStatus.FOUND
    assert client.get("/admin/").status_code == HTTPStatus.FOUND

    page = client.get("/accounts/login/authenticator/")
    assert 'autocomplete="one-time-code"' in page.text
    totp = pyotp.TOTP(KEY_ON_PAGE.search(page.text).group(1).replace(" ", ""))
    done = post_form(
        client,
        page,
        "/accounts/login/authenticator/",
        two_factor_key=hidden(page, "two_factor_key"),
        code=totp.now(),
    )
    assert done.status_code == HTTPStatus.FOUND
    assert client.get("/admin/").status_code == HTTPStatus.OK
