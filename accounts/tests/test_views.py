from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import (
    DEFAULT_PASSWORD,
    InvitedUserFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_home_invites_anonymous_visitors_to_sign_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == HTTPStatus.OK
    assert reverse("login") in response.content.decode()


def test_home_shows_who_is_signed_in(client):
    user = UserFactory(email="ada@example.com")
    client.force_login(user)
    body = client.get(reverse("home")).content.decode()
    assert "ada@example.com" in body
    assert reverse("admin:index") not in body


def test_home_links_staff_to_the_admin(client):
    client.force_login(StaffFactory())
    assert reverse("admin:index") in client.get(reverse("home")).content.decode()


def test_sign_in_by_email_ignores_case(client):
    UserFactory(email="ada@example.com")
    response = client.post(
        reverse("login"), {"username": "ADA@Example.com", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert client.get(reverse("home")).context["user"].email == "ada@example.com"


def test_sign_in_page_says_to_ask_an_administrator_for_a_link(client):
    body = client.get(reverse("login")).content.decode()
    assert "Forgot your password?" in body
    assert "Ask your administrator" in body
    assert 'autocomplete="email"' in body
    assert 'autocomplete="current-password"' in body


def test_there_is_no_email_password_reset(client):
    assert client.get("/accounts/password_reset/").status_code == HTTPStatus.NOT_FOUND


def test_logout_needs_post(client):
    client.force_login(UserFactory())
    assert client.get(reverse("logout")).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    client.post(reverse("logout"))
    assert not client.get(reverse("home")).context["user"].is_authenticated


def test_signing_out_says_so(client):
    client.force_login(UserFactory())
    page = client.post(reverse("logout"), follow=True).content.decode()
    assert "You are signed out." in page


SIGN_IN_ERROR = (
    "The email address or the password is not right. "
    "Cannot sign in? Ask your administrator for a new link."
)


@pytest.mark.parametrize(
    "who", ["wrong password", "unknown account", "deactivated account", "invited, no password"]
)
def test_the_sign_in_error_is_the_same_whoever_tries_and_never_blames_case(client, who):
    UserFactory(email="ada@example.com")
    UserFactory(email="gone@example.com", is_active=False)
    InvitedUserFactory(email="new@example.com")
    email, password = {
        "wrong password": ("ada@example.com", "not-the-password"),
        "unknown account": ("nobody@example.com", DEFAULT_PASSWORD),
        "deactivated account": ("gone@example.com", DEFAULT_PASSWORD),
        "invited, no password": ("new@example.com", DEFAULT_PASSWORD),
    }[who]
    body = client.post(reverse("login"), {"username": email, "password": password})
    text = body.content.decode().replace("&#x27;", "'")
    assert SIGN_IN_ERROR in text
    assert "case-sensitive" not in text


def test_password_change_needs_sign_in(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("login"))


def test_password_change_applies_the_validators(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": DEFAULT_PASSWORD, "new_password1": "short", "new_password2": "short"},
    )
    assert response.status_code == HTTPStatus.OK
    assert "too short" in response.content.decode()


def test_password_change_with_a_good_password(client):
    user = UserFactory()
    client.force_login(user)
    new = "Another-passphrase-that-is-fine"
    response = client.post(
        reverse("password_change"),
        {"old_password": DEFAULT_PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == HTTPStatus.FOUND
    user.refresh_from_db()
    assert user.check_password(new)


def test_unknown_page_uses_the_site_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "Page not found" in response.content.decode()


# --- Sign-in and password-change limits: failures count, owners' browsers pass -----------------

NOT_THE_PASSWORD = "not-the-password-at-all"


def sign_in(client, email, password=NOT_THE_PASSWORD, url=None, **extra):
    return client.post(url or reverse("login"), {"username": email, "password": password}, **extra)


def signed_in_as(client):
    user = client.get(reverse("home")).context["user"]
    return user.email if user.is_authenticated else None


def stranger(number):
    """A browser of someone else, from an address of its own."""
    return Client(REMOTE_ADDR=f"198.51.100.{number}")


def test_a_look_alike_spelling_of_the_address_counts_against_the_same_account():
    UserFactory(email="carol@example.com")
    for n in range(10):
        assert sign_in(stranger(n), "carol@example.com").status_code == HTTPStatus.OK
    # A full-width m (U+FF4D): sign-in normalises it (NFKC) and would find carol.
    look_alike = stranger(99)
    response = sign_in(look_alike, "carol@exa\uff4dple.com", DEFAULT_PASSWORD)
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert signed_in_as(look_alike) is None


def test_a_look_alike_spelling_of_the_address_signs_in_to_the_same_account(client):
    UserFactory(email="carol@example.com")
    assert sign_in(client, "carol@exa\uff4dple.com", DEFAULT_PASSWORD).status_code == (
        HTTPStatus.FOUND
    )
    assert signed_in_as(client) == "carol@example.com"


def test_successful_sign_ins_from_one_address_are_never_refused():
    office = UserFactory.create_batch(40)
    for person in office:
        browser = Client(REMOTE_ADDR="203.0.113.7")
        assert sign_in(browser, person.email, DEFAULT_PASSWORD).status_code == HTTPStatus.FOUND
        assert signed_in_as(browser) == person.email


def test_sign_in_refuses_the_11th_failure_on_an_account_whatever_the_address():
    UserFactory(email="carol@example.com")
    for n in range(10):
        assert sign_in(stranger(n), "Carol@Example.com ").status_code == HTTPStatus.OK
    response = sign_in(stranger(10), "carol@example.com", DEFAULT_PASSWORD)
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Too many failed attempts" in response.content.decode()


def test_strangers_failing_on_an_account_do_not_lock_out_its_owners_browser():
    UserFactory(email="carol@example.com")
    carols_browser = Client(REMOTE_ADDR="192.0.2.10")
    assert sign_in(carols_browser, "carol@example.com", DEFAULT_PASSWORD).status_code == (
        HTTPStatus.FOUND
    )
    carols_browser.post(reverse("logout"))

    for n in range(10):
        assert sign_in(stranger(n), "carol@example.com").status_code == HTTPStatus.OK
    guesser = stranger(10)
    assert sign_in(guesser, "carol@example.com", DEFAULT_PASSWORD).status_code == (
        HTTPStatus.TOO_MANY_REQUESTS
    )
    assert signed_in_as(guesser) is None

    response = sign_in(carols_browser, "carol@example.com", DEFAULT_PASSWORD)
    assert response.status_code == HTTPStatus.FOUND
    assert signed_in_as(carols_browser) == "carol@example.com"


def test_only_a_genuine_cookie_from_that_account_lets_a_browser_past_its_limit():
    UserFactory(email="carol@example.com")
    UserFactory(email="dave@example.com")
    carols_browser = Client(REMOTE_ADDR="192.0.2.10")
    daves_browser = Client(REMOTE_ADDR="192.0.2.11")
    sign_in(carols_browser, "carol@example.com", DEFAULT_PASSWORD)
    sign_in(daves_browser, "dave@example.com", DEFAULT_PASSWORD)
    for browser in (carols_browser, daves_browser):
        browser.post(reverse("logout"))
    genuine = carols_browser.cookies["device"].value
    tampered = Client(REMOTE_ADDR="192.0.2.12")
    tampered.cookies["device"] = genuine[:-1] + ("B" if genuine.endswith("A") else "A")

    for n in range(10):
        sign_in(stranger(n), "carol@example.com")
    for browser in (daves_browser, tampered):
        response = sign_in(browser, "carol@example.com", DEFAULT_PASSWORD)
        assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert sign_in(carols_browser, "carol@example.com", DEFAULT_PASSWORD).status_code == (
        HTTPStatus.FOUND
    )


def test_an_owners_browser_is_held_by_its_own_failures():
    UserFactory(email="carol@example.com")
    carols_browser = Client(REMOTE_ADDR="192.0.2.10")
    sign_in(carols_browser, "carol@example.com", DEFAULT_PASSWORD)
    carols_browser.post(reverse("logout"))

    for _ in range(10):
        assert sign_in(carols_browser, "carol@example.com").status_code == HTTPStatus.OK
    response = sign_in(carols_browser, "carol@example.com", DEFAULT_PASSWORD)
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    # Its failures are its own: carol's phone, never used here before, still gets in.
    carols_phone = Client(REMOTE_ADDR="192.0.2.20")
    assert sign_in(carols_phone, "carol@example.com", DEFAULT_PASSWORD).status_code == (
        HTTPStatus.FOUND
    )


@pytest.mark.parametrize("url", [reverse("login"), reverse("admin:login")])
def test_signing_in_leaves_a_long_lived_signed_device_cookie_naming_no_email(client, settings, url):
    settings.SESSION_COOKIE_SECURE = True
    StaffFactory(email="carol@example.com")
    assert sign_in(client, "carol@example.com", DEFAULT_PASSWORD, url=url).status_code == (
        HTTPStatus.FOUND
    )
    cookie = client.cookies["device"]
    assert cookie["httponly"]
    assert cookie["secure"]
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"
    assert int(cookie["max-age"]) >= 180 * 24 * 60 * 60
    assert "carol" not in cookie.value


def test_a_browser_remembers_a_few_accounts_not_every_one():
    people = UserFactory.create_batch(6)
    browser = Client(REMOTE_ADDR="192.0.2.30")
    for person in people:
        assert sign_in(browser, person.email, DEFAULT_PASSWORD).status_code == HTTPStatus.FOUND
        browser.post(reverse("logout"))
    first, last = people[0].email, people[-1].email
    for n in range(10):
        sign_in(stranger(n), first)
        sign_in(stranger(n), last)
    assert sign_in(browser, last, DEFAULT_PASSWORD).status_code == HTTPStatus.FOUND
    browser.post(reverse("logout"))
    assert sign_in(browser, first, DEFAULT_PASSWORD).status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_admin_sign_in_counts_failures_and_lets_the_owners_browser_through():
    StaffFactory(email="carol@example.com")
    url = reverse("admin:login")
    carols_browser = Client(REMOTE_ADDR="192.0.2.10")
    assert sign_in(carols_browser, "carol@example.com", DEFAULT_PASSWORD, url=url).status_code == (
        HTTPStatus.FOUND
    )
    carols_browser.post(reverse("logout"))
    for n in range(10):
        assert sign_in(stranger(n), "carol@example.com", url=url).status_code == HTTPStatus.OK
    assert sign_in(stranger(10), "carol@example.com", DEFAULT_PASSWORD, url=url).status_code == (
        HTTPStatus.TOO_MANY_REQUESTS
    )
    assert sign_in(carols_browser, "carol@example.com", DEFAULT_PASSWORD, url=url).status_code == (
        HTTPStatus.FOUND
    )


def test_the_limit_page_says_what_happened_and_links_back_to_the_form():
    UserFactory(email="carol@example.com")
    for n in range(10):
        sign_in(stranger(n), "carol@example.com")
    response = sign_in(stranger(10), "carol@example.com")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert response["Retry-After"] == "60"
    body = response.content.decode()
    assert "Too many failed attempts" in body
    assert "Wait a minute, then try again." in body
    assert f'href="{reverse("login")}"' in body
    assert f'href="{reverse("home")}"' in body
    assert "carol" not in body


def test_a_limit_that_cannot_be_read_is_not_waved_through(monkeypatch):
    from django.core.cache import caches

    UserFactory(email="carol@example.com")

    def unreachable(*args, **kwargs):
        raise ConnectionError("the cache is down")

    monkeypatch.setattr(caches["default"], "add", unreachable)
    monkeypatch.setattr(caches["default"], "get", unreachable)
    browser = Client(REMOTE_ADDR="192.0.2.40")
    with pytest.raises(ConnectionError):
        sign_in(browser, "carol@example.com", DEFAULT_PASSWORD)
    monkeypatch.undo()
    assert signed_in_as(browser) is None


def change_password(client, current, new="Another-passphrase-that-is-fine", **extra):
    return client.post(
        reverse("password_change"),
        {"old_password": current, "new_password1": new, "new_password2": new},
        **extra,
    )


def test_password_change_refuses_the_11th_wrong_current_password():
    user = UserFactory()
    browsers = [Client(REMOTE_ADDR=f"192.0.2.{50 + n}") for n in range(2)]
    for browser in browsers:
        browser.force_login(user)
    for n in range(10):
        response = change_password(browsers[n % 2], NOT_THE_PASSWORD)
        assert response.status_code == HTTPStatus.OK
        assert "Your old password was entered incorrectly" in response.content.decode()
    response = change_password(browsers[0], DEFAULT_PASSWORD)
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Too many failed attempts" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_password_change_refuses_the_31st_failure_from_one_address():
    for _ in range(30):
        browser = Client(REMOTE_ADDR="203.0.113.8")
        browser.force_login(UserFactory())
        assert change_password(browser, NOT_THE_PASSWORD).status_code == HTTPStatus.OK
    user = UserFactory()
    browser = Client(REMOTE_ADDR="203.0.113.8")
    browser.force_login(user)
    assert change_password(browser, DEFAULT_PASSWORD).status_code == (HTTPStatus.TOO_MANY_REQUESTS)
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_successful_password_changes_are_not_counted():
    for _ in range(35):
        browser = Client(REMOTE_ADDR="203.0.113.9")
        browser.force_login(UserFactory())
        assert change_password(browser, DEFAULT_PASSWORD).status_code == HTTPStatus.FOUND
