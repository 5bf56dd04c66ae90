"""How a browser comes back to a key without its secret: a cookie with its digest."""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

from invites.keys.secrets import looks_like_digest


@dataclass(frozen=True)
class DigestCookie:
    """A key's digest in a cookie, signed with SECRET_KEY so that it cannot be forged.

    Sent only to ``page`` (a URL name), HttpOnly and SameSite=Lax, it carries
    the digest, never the secret. It lasts as long as the longest key may
    (the key itself decides how long it works), so that a browser closed in
    between still finds its key.
    """

    name: str
    salt: str
    page: str

    def path(self) -> str:
        return reverse(self.page)

    def remember(self, response, digest: str):
        response.set_signed_cookie(
            self.name,
            digest,
            salt=self.salt,
            max_age=settings.LINK_MAX_AGE_LIMIT,
            path=self.path(),
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
        return response

    def read(self, request) -> str | None:
        """The digest this browser's cookie carries; None when absent or forged."""
        try:
            value = request.get_signed_cookie(self.name, salt=self.salt)
        except (KeyError, signing.BadSignature):
            return None
        return value if looks_like_digest(value) else None

    def forget(self, response):
        response.delete_cookie(self.name, path=self.path(), samesite="Lax")
        return response
