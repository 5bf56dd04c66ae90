from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from project.net import client_ip

pytestmark = pytest.mark.django_db


def test_real_configuration_hashes_with_argon2id(settings):
    # The suite hashes with MD5 for speed (conftest.py); put back the real list.
    settings.PASSWORD_HASHERS = [
        "accounts.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    user = UserFactory.build()
    user.set_password("A-real-argon2-passphrase")
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert user.check_password("A-real-argon2-passphrase")


def test_settings_module_lists_argon2_first_then_pbkdf2():
    import importlib

    module = importlib.import_module("project.settings")
    assert module.PASSWORD_HASHERS == [
        "accounts.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


def sign_in(client, email, password="wrong-password", **extra):
    return client.post(reverse("login"), {"username": email, "password": password}, **extra)


def test_sign_in_refuses_the_31st_failure_from_one_address(client):
    for n in range(30):
        assert sign_in(client, f"nobody{n}@example.com").status_code == HTTPStatus.OK
    response = sign_in(client, "another@example.com")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Too many failed attempts" in response.content.decode()
    assert response["Retry-After"] == "60"


def test_sign_in_is_limited_to_10_failures_a_minute_per_account_whatever_the_address():
    for n in range(10):
        sign_in(Client(REMOTE_ADDR=f"10.1.0.{n}"), "target@example.com")
    response = sign_in(Client(REMOTE_ADDR="10.1.0.200"), "TARGET@example.com")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_admin_sign_in_is_limited_too(client):
    url = reverse("admin:login")
    for n in range(30):
        response = client.post(url, {"username": f"x{n}@example.com", "password": "nope"})
        assert response.status_code == HTTPStatus.OK
    response = client.post(url, {"username": "y@example.com", "password": "nope"})
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_spoofed_forwarded_for_does_not_escape_the_sign_in_limit(client):
    for n in range(30):
        sign_in(client, f"a{n}@example.com", "x", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    response = sign_in(client, "b@example.com", "x", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_ipv4_clients_behind_a_dual_stack_proxy_are_counted_apart(settings):
    settings.PROXY_CLIENT_IP_HEADER = "X-Forwarded-For"
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    first, second = "::ffff:198.51.100.1", "::ffff:198.51.100.2"
    for n in range(30):
        sign_in(Client(**proxy), f"a{n}@example.com", HTTP_X_FORWARDED_FOR=first)
    refused = sign_in(Client(**proxy), "b@example.com", HTTP_X_FORWARDED_FOR=first)
    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS
    other = sign_in(Client(**proxy), "b@example.com", HTTP_X_FORWARDED_FOR=second)
    assert other.status_code == HTTPStatus.OK


def test_ipv4_clients_of_a_dual_stack_server_are_counted_apart():
    for n in range(30):
        sign_in(Client(REMOTE_ADDR="::ffff:192.0.2.1"), f"a{n}@example.com")
    assert sign_in(Client(REMOTE_ADDR="::ffff:192.0.2.2"), "b@example.com").status_code == (
        HTTPStatus.OK
    )


def test_client_ip_is_remote_addr_by_default(rf):
    request = rf.get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert client_ip(request) == "192.0.2.1"


def test_client_ip_trusts_the_last_address_of_the_named_proxy_header(rf, settings):
    settings.PROXY_CLIENT_IP_HEADER = "X-Forwarded-For"
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")
    assert client_ip(request) == "203.0.113.5"


def test_client_ip_unwraps_an_ipv4_mapped_remote_addr(rf):
    request = rf.get("/", REMOTE_ADDR="::ffff:198.51.100.1")
    assert client_ip(request) == "198.51.100.1"


def test_client_ip_unwraps_an_ipv4_mapped_address_from_the_proxy_header(rf, settings):
    settings.PROXY_CLIENT_IP_HEADER = "X-Forwarded-For"
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="::FFFF:203.0.113.5")
    assert client_ip(request) == "203.0.113.5"


def test_client_ip_keeps_other_ipv6_addresses(rf):
    request = rf.get("/", REMOTE_ADDR="2001:db8::1")
    assert client_ip(request) == "2001:db8::1"


def test_client_ip_ignores_a_garbage_proxy_header(rf, settings):
    settings.PROXY_CLIENT_IP_HEADER = "X-Forwarded-For"
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="not-an-ip")
    assert client_ip(request) == "10.0.0.1"


def test_server_error_page_has_no_traceback(client, settings, monkeypatch):
    def explode(request):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("project.views.render", lambda *a, **k: explode(None))
    client.raise_request_exception = False
    response = client.get(reverse("home"))
    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    body = response.content.decode()
    assert "Something went wrong" in body
    assert "secret internals" not in body
    assert "Traceback" not in body


def test_csrf_failure_page_is_in_the_site_style():
    response = Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "a"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "This form has expired" in response.content.decode()


def test_the_csrf_cookie_is_out_of_reach_of_scripts(client):
    # No script of the site reads the token from the cookie: forms carry it in
    # a hidden field and fetches in data-csrf-token, so the cookie can be HttpOnly.
    response = client.get(reverse("login"))
    assert response.status_code == HTTPStatus.OK
    assert response.cookies["csrftoken"]["httponly"] is True
