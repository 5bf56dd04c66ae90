"""Secrets, their digests and their URLs: the shapes the public page lets through."""

import hashlib

import pytest
from django.core.exceptions import ImproperlyConfigured

from invites.keys.kinds import SET_PASSWORD
from invites.keys.secrets import (
    DIGEST_LENGTH,
    SECRET_LENGTH,
    looks_like_digest,
    looks_like_secret,
    secret_digest,
    secret_make,
)
from invites.keys.urls import key_url, key_urls

pytestmark = pytest.mark.django_db


def test_a_new_secret_is_32_url_safe_characters_and_never_repeats():
    secrets = {secret_make() for _ in range(100)}
    assert len(secrets) == 100
    assert all(len(secret) == SECRET_LENGTH and looks_like_secret(secret) for secret in secrets)


def test_the_digest_is_the_sha256_hex_of_the_secret():
    assert secret_digest("abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    assert looks_like_digest(secret_digest(secret_make()))


@pytest.mark.parametrize(
    "value",
    [
        "a" * 32,
        "Z9" * 16,
        "-" * 16 + "_" * 16,
        secret_make(),
    ],
)
def test_32_url_safe_ascii_characters_look_like_a_secret(value):
    assert looks_like_secret(value)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("a" * 31, id="31 characters"),
        pytest.param("a" * 33, id="33 characters"),
        pytest.param("", id="empty"),
        pytest.param("é" * 32, id="accented letters"),
        pytest.param("a" * 31 + "٣", id="an Arabic-Indic digit"),
        pytest.param("ａ" * 32, id="full-width letters"),
        pytest.param("a" * 31 + "!", id="punctuation"),
        pytest.param("a" * 31 + "/", id="a slash"),
        pytest.param("a" * 31 + " ", id="a space"),
        pytest.param("a" * 31 + ".", id="a dot"),
    ],
)
def test_anything_else_does_not_look_like_a_secret(value):
    assert not looks_like_secret(value)


def test_a_real_digest_looks_like_a_digest():
    digest = hashlib.sha256(b"anything").hexdigest()
    assert len(digest) == DIGEST_LENGTH
    assert looks_like_digest(digest)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("g" * 64, id="64 letters beyond f"),
        pytest.param("z" * 64, id="64 other letters"),
        pytest.param("-" * 64, id="64 dashes"),
        pytest.param("A" * 64, id="upper-case hex"),
        pytest.param("٣" * 64, id="non-ASCII digits"),
        pytest.param("a" * 63, id="63 hex digits"),
        pytest.param("a" * 65, id="65 hex digits"),
        pytest.param("", id="empty"),
    ],
)
def test_only_64_lower_case_hex_digits_look_like_a_digest(value):
    assert not looks_like_digest(value)


def test_many_urls_are_each_what_link_url_makes(settings):
    settings.SITE_URL = "https://people.example.com"
    secrets = [secret_make() for _ in range(3)]
    assert key_urls(secrets) == [key_url(SET_PASSWORD, secret) for secret in secrets]
    assert key_urls(secrets)[0] == f"https://people.example.com/set-password/{secrets[0]}/"


def test_many_urls_are_right_even_when_the_site_url_holds_the_stand_in(settings):
    settings.SITE_URL = "https://people.example.com/" + "0" * SECRET_LENGTH
    secrets = [secret_make() for _ in range(2)]
    assert key_urls(secrets) == [
        f"{settings.SITE_URL}/set-password/{secret}/" for secret in secrets
    ]


def test_many_urls_of_no_secrets_are_none():
    assert key_urls([]) == []


def test_link_url_starts_with_site_url(settings):
    settings.SITE_URL = "https://people.example.com"
    assert key_url(SET_PASSWORD, "s" * 32) == f"https://people.example.com/set-password/{'s' * 32}/"


def test_link_url_uses_the_validated_request_host_without_site_url(settings, rf):
    settings.SITE_URL = ""
    request = rf.get("/", HTTP_HOST="localhost")
    assert (
        key_url(SET_PASSWORD, "s" * 32, request=request)
        == f"http://localhost/set-password/{'s' * 32}/"
    )


def test_link_url_without_site_url_or_request_explains_the_variable(settings):
    settings.SITE_URL = ""
    with pytest.raises(ImproperlyConfigured, match="Set SITE_URL"):
        key_url(SET_PASSWORD, "s" * 32)


def test_many_urls_are_right_when_the_requests_host_holds_the_stand_in(settings, rf):
    settings.SITE_URL = ""
    host = "0" * SECRET_LENGTH + ".example.com"
    settings.ALLOWED_HOSTS = [host]
    request = rf.get("/", HTTP_HOST=host)
    secrets = [secret_make() for _ in range(2)]
    assert key_urls(secrets, request=request) == [
        f"http://{host}/set-password/{secret}/" for secret in secrets
    ]


def test_a_url_made_with_no_site_url_and_no_request_says_what_to_set(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.SITE_URL = ""
    with pytest.raises(ImproperlyConfigured) as error:
        key_url(SET_PASSWORD, secret_make())
    assert str(error.value) == (
        "SITE_URL is not set, so links made outside a web request have no address to start "
        "with. Set SITE_URL to the site's address, e.g. SITE_URL=https://people.example.com "
        "(see README.md, 'Configuration')."
    )


# --- The typable spelling printed on handover sheets (issue: I, l and 1, O and 0) --------------


def test_the_typable_spelling_reads_back_to_the_same_secret_whatever_the_case():
    from invites.keys.secrets import TYPABLE_LENGTH, secret_as_typed, secret_make, secret_typable

    for _ in range(200):
        secret = secret_make()
        typable = secret_typable(secret)
        assert len(typable) == TYPABLE_LENGTH
        assert not set(typable) & set("ILOU"), "no letter that looks like another"
        groups = " ".join(typable[i : i + 4] for i in range(0, len(typable), 4))
        assert secret_as_typed(groups.lower()) == secret
        assert secret_as_typed("-".join(groups.split())) == secret


def test_look_alikes_typed_for_digits_are_read_as_the_digits():
    from invites.keys.secrets import secret_as_typed, secret_make, secret_typable

    secret = secret_make()
    typable = secret_typable(secret)
    swapped = typable.replace("1", "l").replace("0", "O")
    assert secret_as_typed(swapped) == secret


def test_a_typable_spelling_too_big_for_a_secret_is_no_secret():
    from invites.keys.secrets import looks_like_secret, secret_as_typed

    assert not looks_like_secret(secret_as_typed("Z" * 39))
    assert not looks_like_secret(secret_as_typed("0" * 38))
