"""Real TOTP codes for the tests (pyotp, independent of django-otp), on a clock they move.

``TotpClock`` moves the time every TOTP computation of the project reads
(``accounts.two_factor`` and django-otp's device) and Django's ``timezone.now``
(django-otp's throttling), so that a test can step to the next code, or past a
wait, without sleeping.
"""

import re
import time
from base64 import b32encode
from binascii import unhexlify
from datetime import UTC, datetime
from types import SimpleNamespace

import pyotp
from django.utils import timezone

from accounts import two_factor

KEY_ON_PAGE = re.compile(r'<p class="authenticator-key"><code[^>]*>([A-Z2-7 ]+)</code>')
URI_ON_PAGE = re.compile(r'href="(otpauth://totp/[^"]+)"')


def key_of_page(html: str) -> str:
    """The base32 key an enrolment page shows as text, as a person would type it."""
    match = KEY_ON_PAGE.search(html)
    assert match, "the page shows no authenticator key"
    return match.group(1).replace(" ", "")


def code(base32_key: str, at: float, steps: int = 0) -> str:
    """The code an authenticator app shows for ``base32_key`` at ``at``, ``steps`` steps on."""
    return pyotp.TOTP(base32_key).at(at + 30 * steps)


def base32_of(hex_key: str) -> str:
    return b32encode(unhexlify(hex_key)).decode()


def wrong_code(base32_key: str, at: float) -> str:
    """A well-formed code that is none of those accepted around ``at``."""
    accepted = {code(base32_key, at, steps) for steps in (-1, 0, 1)}
    return next(c for c in (f"{n:06d}" for n in range(123456, 1_000_000)) if c not in accepted)


class TotpClock:
    def __init__(self, monkeypatch, start: float | None = None):
        from django_otp.plugins.otp_totp import models as otp_totp_models

        # The middle of a 30-second step: a test's own seconds do not cross one.
        self.now = (start or time.time()) // 30 * 30 + 15
        clock = SimpleNamespace(time=lambda: self.now)
        monkeypatch.setattr(two_factor, "time", clock)
        monkeypatch.setattr(otp_totp_models, "time", clock)
        monkeypatch.setattr(timezone, "now", lambda: datetime.fromtimestamp(self.now, tz=UTC))

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def code(self, base32_key: str, steps: int = 0) -> str:
        return code(base32_key, self.now, steps)

    def wrong_code(self, base32_key: str) -> str:
        return wrong_code(base32_key, self.now)
