"""Arbitrary secrets and paths against the public pages."""

from http import HTTPStatus
from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import example, given
from hypothesis import strategies as st

from invites.keys.kinds import SET_PASSWORD
from tests.fuzz import FUZZ, assert_no_traceback, next_address
from tests.support import INVALID_LINK_TEXT

LINK_COOKIE = SET_PASSWORD.cookie.name

pytestmark = pytest.mark.django_db

SECRET_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
secrets = st.one_of(
    st.text(min_size=1, max_size=80),
    # Well-formed but unknown: 32 URL-safe characters.
    st.text(alphabet=SECRET_ALPHABET, min_size=32, max_size=32),
    st.binary(min_size=1, max_size=40).map(lambda raw: raw.decode("latin-1")),
)


@FUZZ
@given(secret=secrets)
@example(secret="../../admin/")
@example(secret="%00")
@example(secret="x" * 5000)
def test_any_secret_gets_the_invalid_link_page(secret):
    client = Client()
    path = "/set-password/" + quote(secret, safe="") + "/"

    response = client.get(path, REMOTE_ADDR=next_address(), follow=True)

    body = response.content.decode(errors="replace")
    assert response.status_code == HTTPStatus.NOT_FOUND, (path, response.status_code)
    assert_no_traceback(body)
    # A secret with an encoded "/" in it is another path: the site's 404 page.
    if "/" not in secret:
        assert INVALID_LINK_TEXT in body
    # The browser is left holding no link: never given one, or told to drop it.
    assert LINK_COOKIE not in client.cookies or client.cookies[LINK_COOKIE].value == ""


paths = st.one_of(
    st.text(max_size=60),
    st.lists(
        st.sampled_from(["admin", "accounts", "set-password", "login", "static", "..", "%", ""])
        | st.text(max_size=12),
        max_size=5,
    ).map("/".join),
)


@FUZZ
@given(path=paths, method=st.sampled_from(["GET", "POST", "HEAD", "PUT", "OPTIONS"]))
@example(path="admin/login/", method="POST")
@example(path="set-password/", method="POST")
@example(path="accounts/logout/", method="GET")
def test_any_path_never_gets_a_server_error(path, method):
    client = Client()
    url = "/" + quote(path, safe="/")

    response = client.generic(method, url, REMOTE_ADDR=next_address())

    assert response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR, (url, response.status_code)
    assert_no_traceback(response.content.decode(errors="replace"))
