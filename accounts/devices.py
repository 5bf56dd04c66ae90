"""Device cookies: the browsers that have signed in to an account before.

OWASP's answer to lock-outs ("Blocking Brute Force Attacks", device cookies):
strangers' failed sign-ins hold an account, but not the browsers its owner
signs in with. A browser that signs in gets a signed cookie naming the account
(a few accounts per browser); its later sign-ins to that account are counted
against the cookie instead of the account, so guessing from elsewhere cannot
lock the owner out, and a stolen cookie guesses no faster than a stranger.
"""

import secrets

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac

DEVICE_COOKIE = "device"
DEVICE_COOKIE_MAX_AGE = 365 * 24 * 60 * 60
ACCOUNTS_PER_DEVICE = 5
_SALT = "accounts.devices"
_SEPARATOR = "."


def _account_tag(account: str) -> str:
    """``account`` (its ``sign_in_key``) as the cookie names it: a keyed hash, not the address."""
    return salted_hmac(_SALT, account, algorithm="sha256").hexdigest()[:32]


def _read(request: HttpRequest) -> tuple[str, list[str]] | None:
    """The cookie's device id and account tags; None when absent, forged or too old."""
    try:
        value = request.get_signed_cookie(DEVICE_COOKIE, salt=_SALT, max_age=DEVICE_COOKIE_MAX_AGE)
    except (KeyError, signing.BadSignature):
        return None
    device_id, *tags = value.split(_SEPARATOR)
    return device_id, tags


def known_device(request: HttpRequest, *, account: str) -> str | None:
    """This browser's device id if it has signed in to ``account`` before, else None."""
    cookie = _read(request)
    if cookie is not None and _account_tag(account) in cookie[1]:
        return cookie[0]
    return None


def remember_device(request: HttpRequest, response: HttpResponse, *, account: str) -> None:
    """Mark this browser as one that signed in to ``account``, the newest of a few."""
    device_id, tags = _read(request) or (secrets.token_urlsafe(16), [])
    tag = _account_tag(account)
    tags = [tag, *(known for known in tags if known != tag)][:ACCOUNTS_PER_DEVICE]
    response.set_signed_cookie(
        DEVICE_COOKIE,
        _SEPARATOR.join([device_id, *tags]),
        salt=_SALT,
        max_age=DEVICE_COOKIE_MAX_AGE,
        path="/",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
