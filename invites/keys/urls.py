"""A key's absolute URL: the only function that builds one."""

from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.urls import reverse

from invites.keys.kinds import SET_PASSWORD, KeyKind
from invites.keys.secrets import SECRET_LENGTH


def key_url(kind: KeyKind, secret: str, *, request: HttpRequest | None = None) -> str:
    """The absolute URL that opens a key of ``kind``.

    It starts with ``SITE_URL`` when set; otherwise with the request's scheme
    and host, which Django has validated against ``ALLOWED_HOSTS``.
    """
    path = reverse(kind.opens, kwargs={"secret": secret})
    if settings.SITE_URL:
        return settings.SITE_URL + path
    if request is None:
        raise ImproperlyConfigured(
            "SITE_URL is not set, so links made outside a web request have no "
            "address to start with. Set SITE_URL to the site's address, e.g. "
            "SITE_URL=https://people.example.com (see README.md, 'Configuration')."
        )
    return request.build_absolute_uri(path)


def key_urls(
    secrets: Sequence[str], *, kind: KeyKind = SET_PASSWORD, request: HttpRequest | None = None
) -> list[str]:
    """The absolute URLs of many keys, each exactly what ``key_url`` makes of it.

    ``key_url`` runs once, on a stand-in secret, and each secret takes the
    stand-in's place: reversing a URL costs tens of microseconds, which a page
    of hundreds of links would pay for every one. Secrets are URL-safe, so
    ``reverse`` would have put them in the path unchanged.
    """
    if not secrets:
        return []
    standin = "0" * SECRET_LENGTH
    url = key_url(kind, standin, request=request)
    if url.count(standin) != 1:  # a SITE_URL that holds the stand-in too
        return [key_url(kind, secret, request=request) for secret in secrets]
    start, _, end = url.partition(standin)
    return [f"{start}{secret}{end}" for secret in secrets]
