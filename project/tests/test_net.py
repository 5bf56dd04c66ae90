"""Where a request comes from (project.net.client_ip), as the limits and the tripwire count it."""

from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from project.net import client_ip


def test_without_a_named_proxy_every_forwarding_header_is_ignored(rf):
    request = rf.get(
        "/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="203.0.113.5", HTTP_X_REAL_IP="6.6.6.6"
    )
    assert client_ip(request) == "192.0.2.1"


def test_a_named_proxy_header_that_is_absent_leaves_the_proxys_own_address(rf, settings):
    settings.PROXY_CLIENT_IP_HEADER = "X-Forwarded-For"
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.1")) == "10.0.0.1"


def test_a_named_proxy_header_that_is_empty_leaves_the_proxys_own_address(rf, settings):
    settings.PROXY_CLIENT_IP_HEADER = "X-Forwarded-For"
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="")) == "10.0.0.1"


@pytest.mark.parametrize("name", ["X-Real-IP", "x-real-ip", "X_Real_Ip"])
def test_the_proxy_header_is_found_however_its_name_is_written(rf, settings, name):
    settings.PROXY_CLIENT_IP_HEADER = name
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="203.0.113.5")
    assert client_ip(request) == "203.0.113.5"


def test_only_the_last_address_of_the_proxy_header_counts_whatever_the_spacing(rf, settings):
    settings.PROXY_CLIENT_IP_HEADER = "X-Forwarded-For"
    request = rf.get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6,7.7.7.7 ,  203.0.113.9 "
    )
    assert client_ip(request) == "203.0.113.9"


def test_a_forged_first_address_is_not_taken_when_the_proxys_is_garbage(rf, settings):
    settings.PROXY_CLIENT_IP_HEADER = "X-Forwarded-For"
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, not-an-address")
    assert client_ip(request) == "10.0.0.1"


def test_ipv6_addresses_are_written_one_way(rf):
    assert client_ip(rf.get("/", REMOTE_ADDR="2001:DB8:0:0::1")) == "2001:db8::1"


@pytest.mark.parametrize("meta", [{"REMOTE_ADDR": ""}, {}])
def test_a_request_with_no_address_counts_as_0_0_0_0(rf, meta):
    request = rf.get("/")
    request.META.pop("REMOTE_ADDR")
    request.META.update(meta)
    assert client_ip(request) == "0.0.0.0"  # noqa: S104 (an address, not a bind)


def test_a_remote_addr_that_is_no_address_is_kept_as_given(rf):
    assert client_ip(rf.get("/", REMOTE_ADDR="unix:/run/gunicorn.sock")) == (
        "unix:/run/gunicorn.sock"
    )


@pytest.mark.django_db
def test_clients_of_a_proxy_that_sends_no_header_share_the_proxys_limit(settings):
    """Misconfigured (header named, never sent): everyone is the proxy, and still limited."""
    settings.PROXY_CLIENT_IP_HEADER = "X-Forwarded-For"
    for n in range(30):
        Client(REMOTE_ADDR="10.0.0.1").post(
            reverse("login"), {"username": f"nobody{n}@example.com", "password": "wrong"}
        )
    response = Client(REMOTE_ADDR="10.0.0.1").post(
        reverse("login"), {"username": "another@example.com", "password": "wrong"}
    )
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
