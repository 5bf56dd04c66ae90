from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts.tests.factories import DEFAULT_PASSWORD, StaffFactory, UserFactory

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
