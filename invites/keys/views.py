"""Opening a key: its secret leaves the URL for a cookie, and nothing is consumed."""

from typing import TypeVar

from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables

from invites.keys.errors import KeyInvalid
from invites.keys.kinds import KeyKind
from invites.keys.models import DigestKey
from invites.keys.pages import key_invalid, noindex
from invites.keys.secrets import looks_like_secret, secret_as_typed, secret_digest

Key = TypeVar("Key", bound=DigestKey)


@sensitive_variables("secret")
@never_cache
@noindex
def key_open(request, secret: str, *, kind: KeyKind):
    """Move a presented key out of the URL into its kind's cookie, without consuming it.

    GET never consumes: chat apps and mail scanners open links to draw
    previews. Like Django's PasswordResetConfirmView, the secret leaves the
    address bar at once, so that it does not linger in history, screenshots
    or Referer headers; unlike it, the server keeps nothing: the browser
    keeps the digest (useless without the cookie's signature). A malformed
    secret is refused here; any other is looked up on the page the cookie is
    sent to, which every guess must reach and where the rate limits count it.
    """
    secret = secret_as_typed(secret)
    if not looks_like_secret(secret):
        return key_invalid(request, KeyInvalid(KeyInvalid.Reason.UNKNOWN), kind=kind)
    return kind.cookie.remember(redirect(kind.cookie.page), secret_digest(secret))


def key_remembered(request, *, kind: KeyKind, model: type[Key]) -> Key:
    """The usable key this browser opened: its kind's cookie's digest, looked up.

    Raises ``KeyInvalid``: ``UNKNOWN`` without a cookie (or a forged one),
    else the key's own reason (``DigestKey.open_by``).
    """
    digest = kind.cookie.read(request)
    if digest is None:
        raise KeyInvalid(KeyInvalid.Reason.UNKNOWN)
    return model.open_by(digest=digest)
