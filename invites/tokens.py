"""Making link secrets, storing only their digest, and turning them into URLs."""

import hashlib
import secrets
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.urls import reverse

# 24 random bytes: 192 bits of entropy, far beyond guessing even at the rate
# limits' ceiling; URL-safe base64 makes it 32 characters.
SECRET_BYTES = 24
SECRET_LENGTH = 32
# SHA-256 in hexadecimal.
DIGEST_LENGTH = 64


def secret_make() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def secret_digest(secret: str) -> str:
    """The SHA-256 hex digest stored in place of the secret.

    A plain hash suffices: the secret is random and long, so there is nothing
    for a slow hash to protect against, and lookups stay a unique-index probe.
    """
    return hashlib.sha256(secret.encode()).hexdigest()


def looks_like_secret(value: str) -> bool:
    return len(value) == SECRET_LENGTH and all(
        c.isascii() and (c.isalnum() or c in "-_") for c in value
    )


def looks_like_digest(value: str) -> bool:
    """Whether ``value`` has the shape of what ``secret_digest`` returns."""
    return len(value) == DIGEST_LENGTH and all(c in "0123456789abcdef" for c in value)


def link_url(secret: str, *, request: HttpRequest | None = None) -> str:
    """The absolute URL of a link: the only function that builds one.

    It starts with ``SITE_URL`` when set; otherwise with the request's scheme
    and host, which Django has validated against ``ALLOWED_HOSTS``.
    """
    return _absolute_url(reverse("invites:open", kwargs={"secret": secret}), request=request)


def access_request_url(secret: str, *, request: HttpRequest | None = None) -> str:
    """The absolute URL of an access request's status link, built like ``link_url``'s."""
    return _absolute_url(
        reverse("invites:access_request_open", kwargs={"secret": secret}), request=request
    )


def team_link_url(secret: str, *, request: HttpRequest | None = None) -> str:
    """The absolute URL of a team link, built like ``link_url``'s."""
    return _absolute_url(reverse("invites:team_open", kwargs={"secret": secret}), request=request)


def _absolute_url(path: str, *, request: HttpRequest | None) -> str:
    if settings.SITE_URL:
        return settings.SITE_URL + path
    if request is None:
        raise ImproperlyConfigured(
            "SITE_URL is not set, so links made outside a web request have no "
            "address to start with. Set SITE_URL to the site's address, e.g. "
            "SITE_URL=https://people.example.com (see README.md, 'Configuration')."
        )
    return request.build_absolute_uri(path)


def link_urls(secrets: Sequence[str], *, request: HttpRequest | None = None) -> list[str]:
    """The absolute URLs of many links, each exactly what ``link_url`` makes of it.

    ``link_url`` runs once, on a stand-in secret, and each secret takes the
    stand-in's place: reversing a URL costs tens of microseconds, which a page
    of hundreds of links would pay for every one. Secrets are URL-safe, so
    ``reverse`` would have put them in the path unchanged.
    """
    if not secrets:
        return []
    standin = "0" * SECRET_LENGTH
    url = link_url(standin, request=request)
    if url.count(standin) != 1:  # a SITE_URL that holds the stand-in too
        return [link_url(secret, request=request) for secret in secrets]
    start, _, end = url.partition(standin)
    return [f"{start}{secret}{end}" for secret in secrets]
