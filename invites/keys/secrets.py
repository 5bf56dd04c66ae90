"""Making secrets, storing only their digest, and reading them as people type them."""

import base64
import hashlib
import secrets

# 24 random bytes: 192 bits of entropy, far beyond guessing even at the rate
# limits' ceiling; URL-safe base64 makes it 32 characters.
SECRET_BYTES = 24
SECRET_LENGTH = 32
# SHA-256 in hexadecimal.
DIGEST_LENGTH = 64
# What an API token's secret follows (``ApiToken.PREFIX``): it tells people,
# secret scanners and the log redaction what the string is, and adds nothing
# to guess.
TOKEN_PREFIX = "ppl_"  # noqa: S105 (a public marker, not a secret)


def secret_make() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def secret_digest(secret: str) -> str:
    """The SHA-256 hex digest stored in place of the secret.

    A plain hash suffices: the secret is random and long, so there is nothing
    for a slow hash to protect against, and lookups stay a unique-index probe.
    """
    return hashlib.sha256(secret.encode()).hexdigest()


# A secret as printed for a person to type: the same 24 bytes in Crockford's
# base32, 39 characters with no two that look alike (no I, L, O or U; case
# ignored), which a sheet prints in groups. Nothing of the secret is lost:
# it is another spelling of the same 192 bits.
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_LOOK_ALIKES = str.maketrans({"I": "1", "L": "1", "O": "0"})
TYPABLE_LENGTH = 39


def secret_typable(secret: str) -> str:
    """``secret`` spelled for typing from paper (``secret_as_typed`` reads it back)."""
    number = int.from_bytes(base64.urlsafe_b64decode(secret), "big")
    return "".join(
        _CROCKFORD[(number >> shift) & 31] for shift in range(5 * (TYPABLE_LENGTH - 1), -1, -5)
    )


def secret_as_typed(value: str) -> str:
    """The secret a person typed or a client sent, in the one spelling keys are hashed in.

    Whitespace goes (a sheet prints groups; the alphabets have none). A
    secret in the typable spelling (``secret_typable``), in any case, with
    dashes between groups and I, L or O for 1, 1 or 0, becomes the secret it
    spells. Anything else comes back as it was, to be refused.
    """
    compact = "".join(value.split())
    if looks_like_secret(compact):
        return compact
    typed = compact.replace("-", "").upper().translate(_LOOK_ALIKES)
    if len(typed) != TYPABLE_LENGTH or not all(c in _CROCKFORD for c in typed):
        return compact
    number = 0
    for character in typed:
        number = number * 32 + _CROCKFORD.index(character)
    if number >> (8 * SECRET_BYTES):  # more than a secret's bytes: no secret's spelling
        return compact
    return base64.urlsafe_b64encode(number.to_bytes(SECRET_BYTES, "big")).decode()


def looks_like_secret(value: str) -> bool:
    return len(value) == SECRET_LENGTH and all(
        c.isascii() and (c.isalnum() or c in "-_") for c in value
    )


def looks_like_digest(value: str) -> bool:
    """Whether ``value`` has the shape of what ``secret_digest`` returns."""
    return len(value) == DIGEST_LENGTH and all(c in "0123456789abcdef" for c in value)
