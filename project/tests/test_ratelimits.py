"""The limits table (project.ratelimits.LIMITS) as a browser meets it: which requests it holds."""

from http import HTTPStatus

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import Client
from django.urls import path, reverse

from accounts.tests.factories import DEFAULT_PASSWORD, StaffFactory, UserFactory
from project.ratelimits import guarded

pytestmark = pytest.mark.django_db

WRONG = "not-the-password-at-all"
SIGN_IN_URLS = [reverse("login"), reverse("admin:login")]


def sign_in(client, email, password=WRONG, url=None):
    return client.post(url or reverse("login"), {"username": email, "password": password})


def from_address(address="203.0.113.20"):
    return Client(REMOTE_ADDR=address)


@pytest.mark.parametrize("url", SIGN_IN_URLS)
def test_loading_the_sign_in_page_counts_nothing_and_is_never_refused(url):
    person = StaffFactory()  # the admin signs in staff only
    for _ in range(40):
        assert from_address().get(url).status_code == HTTPStatus.OK
    assert sign_in(from_address(), person.email, DEFAULT_PASSWORD, url).status_code == (
        HTTPStatus.FOUND
    )


@pytest.mark.parametrize("url", SIGN_IN_URLS)
def test_the_sign_in_page_still_loads_once_the_address_is_refused(url):
    for n in range(30):
        sign_in(from_address(), f"nobody{n}@example.com", url=url)
    assert sign_in(from_address(), "nobody@example.com", url=url).status_code == (
        HTTPStatus.TOO_MANY_REQUESTS
    )
    assert from_address().get(url).status_code == HTTPStatus.OK


def test_failures_at_the_site_and_at_the_admin_share_one_count_per_address():
    for n in range(15):
        assert sign_in(from_address(), f"a{n}@example.com").status_code == HTTPStatus.OK
        assert sign_in(
            from_address(), f"b{n}@example.com", url=reverse("admin:login")
        ).status_code == (HTTPStatus.OK)
    for url in SIGN_IN_URLS:
        assert sign_in(from_address(), "c@example.com", url=url).status_code == (
            HTTPStatus.TOO_MANY_REQUESTS
        )


def test_failures_at_the_site_and_at_the_admin_share_one_count_per_account():
    UserFactory(email="carol@example.com")
    for n in range(5):
        sign_in(from_address(f"198.51.100.{n}"), "carol@example.com")
        sign_in(
            from_address(f"198.51.100.{n + 50}"), "carol@example.com", url=reverse("admin:login")
        )
    response = sign_in(from_address("198.51.100.99"), "carol@example.com", DEFAULT_PASSWORD)
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_failures_on_one_account_hold_that_account_only():
    UserFactory(email="carol@example.com")
    dave = UserFactory(email="dave@example.com")
    for n in range(10):
        sign_in(from_address(f"198.51.100.{n}"), "carol@example.com")
    assert sign_in(from_address("198.51.100.98"), "carol@example.com").status_code == (
        HTTPStatus.TOO_MANY_REQUESTS
    )
    assert sign_in(from_address("198.51.100.99"), dave.email, DEFAULT_PASSWORD).status_code == (
        HTTPStatus.FOUND
    )


def test_a_sign_in_the_view_fails_to_serve_counts_nothing(monkeypatch):
    """A server error is not the client's failure: it must not use up their attempts."""
    UserFactory(email="carol@example.com")
    broken = from_address("198.51.100.7")
    broken.raise_request_exception = False
    monkeypatch.setattr(
        "django.contrib.auth.views.LoginView.post",
        lambda *args, **kwargs: HttpResponse(status=HTTPStatus.INTERNAL_SERVER_ERROR),
    )
    for _ in range(12):
        assert sign_in(broken, "carol@example.com").status_code == (
            HTTPStatus.INTERNAL_SERVER_ERROR
        )
    monkeypatch.undo()
    assert sign_in(
        from_address("198.51.100.8"), "carol@example.com", DEFAULT_PASSWORD
    ).status_code == (HTTPStatus.FOUND)


def test_with_the_limits_switched_off_nothing_is_refused(settings):
    settings.RATELIMIT_ENABLE = False
    for n in range(35):
        assert sign_in(from_address(), f"nobody{n}@example.com").status_code == HTTPStatus.OK


def test_a_limit_on_a_view_with_no_url_stops_the_site_from_starting():
    with pytest.raises(ImproperlyConfigured, match="LIMITS names views with no URL") as error:
        guarded([path("", lambda request: HttpResponse(), name="login")])
    assert "'admin:login'" in str(error.value)
    assert "'login'" not in str(error.value)


def test_loading_the_password_change_page_counts_nothing():
    person = UserFactory()
    browser = from_address()
    browser.force_login(person)
    for _ in range(15):
        assert browser.get(reverse("password_change")).status_code == HTTPStatus.OK
    response = browser.post(
        reverse("password_change"),
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password1": "Another-passphrase-that-is-fine",
            "new_password2": "Another-passphrase-that-is-fine",
        },
    )
    assert response.status_code == HTTPStatus.FOUND
