import re
from http import HTTPStatus

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from accounts.blank_forms import forget_drawn
from accounts.tests.factories import (
    DEFAULT_PASSWORD,
    InvitedUserFactory,
    StaffFactory,
    UserFactory,
)
from accounts.views import SIGN_IN_EMAIL_COOKIE, prefill_sign_in

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


def _without_csrf_token(page: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def test_the_blank_sign_in_form_is_drawn_once_and_as_it_would_be_each_time(client, settings):
    forget_drawn()
    first = client.get(reverse("login"))
    again = client.get(reverse("login"))
    settings.DEBUG = True  # while developing, the fields are drawn at every request
    client.get(reverse("login"))
    drawn = client.get(reverse("login"))

    fields_template = "_form_fields.html"
    assert fields_template in [t.name for t in first.templates]
    assert fields_template not in [t.name for t in again.templates]
    assert fields_template in [t.name for t in drawn.templates]
    assert _without_csrf_token(again.content.decode()) == _without_csrf_token(
        drawn.content.decode()
    )


def test_a_sign_in_form_with_something_in_it_is_drawn_for_this_request(client):
    UserFactory(email="ada@example.com")
    forget_drawn()
    client.get(reverse("login"))
    failed = client.post(reverse("login"), {"username": "ada@example.com", "password": "no"})
    client.cookies.update(prefill_sign_in(HttpResponse(), "ada@example.com").cookies)
    prefilled = client.get(reverse("login"))

    for response in (failed, prefilled):
        assert "_form_fields.html" in [t.name for t in response.templates]
        assert 'value="ada@example.com"' in response.content.decode()
    assert 'role="alert"' in failed.content.decode()
    assert 'value="ada@example.com"' not in client.get(reverse("login")).content.decode()


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


@pytest.mark.parametrize("email", ["ivan@пример.рф", "ALİCE@example.com"])
def test_the_sign_in_email_cookie_carries_any_address_in_ascii(client, email):
    # Python's cookies leave characters above U+00FF unescaped, and a
    # Set-Cookie header must be Latin-1: the server answered 500.
    handed = prefill_sign_in(HttpResponse(), email)

    assert handed.cookies.output().isascii()
    client.cookies.update(handed.cookies)
    response = client.get(reverse("login"))
    assert response.status_code == HTTPStatus.OK
    assert response.context["form"]["username"].value() == email
    # A cookie not made by prefill_sign_in is ignored.
    for forged in ("ivan@example.com", "not base64 at all", "e30:1:2"):
        client.cookies[SIGN_IN_EMAIL_COOKIE] = forged
        assert client.get(reverse("login")).context["form"]["username"].value() is None


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

    for method in ("add", "get", "get_many"):
        monkeypatch.setattr(caches["default"], method, unreachable)
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


# --- one's own account: /accounts/ --------------------------------------------

SESSION_ENGINES = [
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cache",
    "django.contrib.sessions.backends.cached_db",
    "project.sessions",
]
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def post_sign_in(client, email, password=DEFAULT_PASSWORD, url=None, **extra):
    return client.post(url or reverse("login"), {"username": email, "password": password}, **extra)


def test_the_account_page_needs_sign_in(client):
    response = client.get(reverse("account"))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("login"))


def test_signing_in_lands_on_the_account_page(client):
    user = UserFactory()
    response = post_sign_in(client, user.email)
    assert response["Location"] == reverse("account")


def test_the_account_page_shows_names_email_groups_and_where_to_change_the_password(client):
    from accounts.tests.factories import GroupFactory

    user = UserFactory(email="ada@example.com", first_name="Ada", last_name="Lovelace")
    user.groups.add(GroupFactory(name="Engines"), GroupFactory(name="Analysts"))
    client.force_login(user)
    response = client.get(reverse("account"))
    body = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert 'value="Ada"' in body
    assert 'value="Lovelace"' in body
    assert "ada@example.com" in body
    # The email is shown, not offered for editing: it cannot be confirmed.
    assert 'name="email"' not in body
    assert "ask an administrator" in body
    assert body.index("Analysts") < body.index("Engines")
    assert reverse("password_change") in body
    assert "no-cache" in response["Cache-Control"]


def test_renaming_saves_the_names_only(client):
    user = UserFactory(first_name="Ada", last_name="Byron", is_staff=False)
    client.force_login(user)
    response = client.post(
        reverse("account_names"),
        {"first_name": "Ada", "last_name": "Lovelace", "email": "x@example.com", "is_staff": "on"},
    )
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("account")
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.is_staff) == ("Ada", "Lovelace", False)
    assert user.email != "x@example.com"
    assert "Your names were saved." in client.get(reverse("account")).content.decode()


def test_an_invalid_name_is_shown_next_to_its_field(client):
    user = UserFactory(first_name="Ada")
    client.force_login(user)
    response = client.post(reverse("account_names"), {"first_name": "x" * 151, "last_name": ""})
    assert response.status_code == HTTPStatus.OK
    body = response.content.decode()
    assert 'id="id_first_name_errors"' in body
    assert "at most 150 characters" in body
    user.refresh_from_db()
    assert user.first_name == "Ada"


def test_the_account_forms_take_post_only(client):
    client.force_login(UserFactory())
    assert client.get(reverse("account_names")).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert client.get(reverse("sign_out_elsewhere")).status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_the_account_forms_refuse_a_post_without_csrf_token():
    user = UserFactory(first_name="Ada")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    names = client.post(reverse("account_names"), {"first_name": "Eve", "last_name": ""})
    elsewhere = client.post(reverse("sign_out_elsewhere"))
    assert names.status_code == elsewhere.status_code == HTTPStatus.FORBIDDEN
    user.refresh_from_db()
    assert (user.first_name, user.sessions_generation) == ("Ada", 0)


def test_sign_ins_at_the_site_and_the_admin_are_recorded_with_address_and_browser(client):
    from accounts.models import SignIn

    user = StaffFactory()
    post_sign_in(client, user.email, REMOTE_ADDR="192.0.2.7", HTTP_USER_AGENT=FIREFOX)
    post_sign_in(Client(), user.email, url=reverse("admin:login"), REMOTE_ADDR="192.0.2.8")
    recorded = list(SignIn.objects.order_by("pk").values_list("succeeded", "address", "browser"))
    assert recorded == [(True, "192.0.2.7", "Firefox on Linux"), (True, "192.0.2.8", "")]


def test_the_last_sign_in_the_admin_shows_is_the_time_of_the_newest_record(client):
    from accounts.models import SignIn

    user = UserFactory()
    post_sign_in(client, user.email, REMOTE_ADDR="192.0.2.7")
    post_sign_in(Client(), user.email, url=reverse("admin:login"), REMOTE_ADDR="192.0.2.8")
    user.refresh_from_db()
    newest = SignIn.objects.filter(user=user, succeeded=True).latest("at")
    assert user.last_login == newest.at


def test_failed_attempts_are_recorded_only_for_accounts_and_look_the_same(client):
    from accounts.models import SignIn

    user = UserFactory(email="ada@example.com")
    on_account = post_sign_in(client, "ADA@example.com", "wrong", REMOTE_ADDR="192.0.2.9")
    on_nobody = post_sign_in(client, "nobody@example.com", "wrong", REMOTE_ADDR="192.0.2.9")
    admin_attempt = post_sign_in(client, "ada@example.com", "wrong", url=reverse("admin:login"))
    assert on_account.status_code == on_nobody.status_code == admin_attempt.status_code == 200
    # The page says the same whether or not the address is an account's.
    assert on_account.context["form"].errors == on_nobody.context["form"].errors
    assert list(SignIn.objects.values_list("user", "succeeded")) == [(user.pk, False)] * 2


def test_the_account_page_lists_sign_ins_and_the_failures_since_the_previous_one(client):
    user = UserFactory(email="ada@example.com")
    post_sign_in(Client(), user.email, REMOTE_ADDR="192.0.2.1", HTTP_USER_AGENT=FIREFOX)
    for _ in range(3):
        post_sign_in(Client(), user.email, "guess", REMOTE_ADDR="198.51.100.66")
    post_sign_in(client, user.email, REMOTE_ADDR="192.0.2.2")
    body = client.get(reverse("account")).content.decode()
    assert "3 failed attempts to sign in to your account since your previous sign-in." in body
    assert body.count("198.51.100.66") == 3
    assert "192.0.2.1" in body
    assert "192.0.2.2" in body
    assert "Firefox on Linux" in body


def test_the_account_page_says_when_nobody_failed(client):
    user = UserFactory()
    post_sign_in(Client(), user.email)
    post_sign_in(client, user.email)
    body = client.get(reverse("account")).content.decode()
    assert "No failed attempts since your previous sign-in." in body


@pytest.mark.parametrize("engine", SESSION_ENGINES)
def test_signing_out_elsewhere_ends_the_other_sessions_keeps_this_one_and_the_password(
    settings, engine
):
    settings.SESSION_ENGINE = engine
    user = UserFactory()
    here, elsewhere, other_person = Client(), Client(), Client()
    for client in (here, elsewhere):
        assert client.login(username=user.email, password=DEFAULT_PASSWORD)
    other_person.force_login(UserFactory())
    password = user.password

    response = here.post(reverse("sign_out_elsewhere"))

    assert response.status_code == HTTPStatus.FOUND
    assert "still signed in here" in here.get(reverse("account")).content.decode()
    assert elsewhere.get(reverse("account")).status_code == HTTPStatus.FOUND
    assert not elsewhere.get(reverse("home")).context["user"].is_authenticated
    assert other_person.get(reverse("account")).status_code == HTTPStatus.OK
    user.refresh_from_db()
    assert user.password == password
    assert user.check_password(DEFAULT_PASSWORD)
    assert user.sessions_generation == 1
    # Signing in again afterwards works, and both stay signed in.
    assert elsewhere.login(username=user.email, password=DEFAULT_PASSWORD)
    assert elsewhere.get(reverse("account")).status_code == HTTPStatus.OK
    assert here.get(reverse("account")).status_code == HTTPStatus.OK


def test_signing_out_elsewhere_gives_this_session_a_new_key(client):
    client.force_login(UserFactory())
    before = client.cookies["sessionid"].value
    client.post(reverse("sign_out_elsewhere"))
    assert client.cookies["sessionid"].value != before


def test_the_names_form_is_limited_to_10_invalid_posts_a_minute_per_account():
    user = UserFactory()
    for n in range(10):
        client = Client(REMOTE_ADDR=f"10.2.0.{n}")
        client.force_login(user)
        response = client.post(reverse("account_names"), {"first_name": "x" * 151})
        assert response.status_code == HTTPStatus.OK
    client = Client(REMOTE_ADDR="10.2.0.200")
    client.force_login(user)
    refused = client.post(reverse("account_names"), {"first_name": "Ada", "last_name": ""})
    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS
    # Valid saves count nothing.
    other = Client(REMOTE_ADDR="10.2.0.201")
    other.force_login(UserFactory())
    for _ in range(15):
        ok = other.post(reverse("account_names"), {"first_name": "Bo", "last_name": ""})
        assert ok.status_code == HTTPStatus.FOUND


def test_signing_out_elsewhere_is_limited_to_10_a_minute_per_account(client):
    client.force_login(UserFactory())
    for _ in range(10):
        assert client.post(reverse("sign_out_elsewhere")).status_code == HTTPStatus.FOUND
    assert client.post(reverse("sign_out_elsewhere")).status_code == (HTTPStatus.TOO_MANY_REQUESTS)
