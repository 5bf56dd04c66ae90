"""Helpers shared by the browser, stack, fuzz and fault tests."""

import ipaddress
import re
from collections.abc import Iterator

from django.conf import settings

INVALID_LINK_TEXT = "This link is not valid any more. Ask your administrator for a new one."
SUCCESS_TEXT = "Your password is set. You can sign in now."
GOOD_PASSWORD = "correct-Horse-battery-staple-9"

_CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = _CSRF_RE.search(html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def loopback_addresses(first: str = "127.0.0.2") -> Iterator[str]:
    """Distinct source addresses: all of 127.0.0.0/8 reaches a server on 127.0.0.1."""
    address = ipaddress.IPv4Address(first)
    while True:
        if address.packed[-1] not in (0, 255):
            yield str(address)
        address += 1
        if address not in ipaddress.IPv4Network("127.0.0.0/8"):
            raise RuntimeError("ran out of loopback addresses")


def production_stack_missing() -> str | None:
    """Why the production-stack tests cannot run here, or None when they can."""
    engine = settings.DATABASES["default"]["ENGINE"]
    backend = settings.CACHES["default"]["BACKEND"]
    if engine != "django.db.backends.postgresql":
        return f"needs DATABASE_URL=postgres://... (the database is {engine})"
    if backend != "django.core.cache.backends.redis.RedisCache":
        return f"needs CACHE_URL=redis://... (the cache is {backend})"
    return None
