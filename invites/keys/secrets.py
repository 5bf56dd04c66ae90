"""Making secrets, storing only their digest, and reading them as people type them."""

import hashlib
import secrets

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


def secret_as_typed(value: str) -> str:
    """``value`` without the whitespace a person may type from a printed sheet.

    Handover sheets print a secret in groups of four, for reading it aloud or
    typing it; the secrets' alphabet has no whitespace, so none is meant.
    """
    return "".join(value.split())


def looks_like_secret(value: str) -> bool:
    return len(value) == SECRET_LENGTH and all(
        c.isascii() and (c.isalnum() or c in "-_") for c in value
    )


def looks_like_digest(value: str) -> bool:
    """Whether ``value`` has the shape of what ``secret_digest`` returns."""
    return len(value) == DIGEST_LENGTH and all(c in "0123456789abcdef" for c in value)
