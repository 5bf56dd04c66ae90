"""Two-factor sign-in: who must use it (``TWO_FACTOR``), their TOTP devices, the pending sign-in.

The policy: ``off``, ``staff`` (staff users and superusers, the default) or
``all``. Whoever it requires signs in with a password and then a code from an
authenticator app (a django-otp ``TOTPDevice``), and reaches no signed-in page
without a device verified in the session (``accounts.middleware``).

Between the two steps nobody is signed in: the session holds only the pending
user's id, the proof of their password (the session hash, which a password
change moves on) and when the password was typed; ``login()`` runs after the
code.

A new key never reaches the database before its first code is checked: the
page carries it, signed and bound to the person (and link) it was drawn for;
the device row is written, confirmed, in the transaction that takes the code.
"""

import time
from base64 import b32encode
from binascii import unhexlify
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth import login
from django.core import signing
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from accounts.audit import Actor, Happening, Via, audit_record, audit_record_many
from accounts.models import User
from accounts.powers import ensure_may_act_on

POLICIES = ("off", "staff", "all")
# One 30-second step either way: a phone whose clock is a little off still works.
TOLERANCE = 1
CODE_DIGITS = 6
DEVICE_NAME = "Authenticator app"

# The pending sign-in: how long the password step counts before the code.
PENDING_SESSION_KEY = "two_factor_pending"
PENDING_MAX_AGE = 5 * 60
# A key drawn on a page is good for this long: a page left open longer draws a new one.
KEY_MAX_AGE = 60 * 60
_KEY_SALT = "accounts.two_factor.key"


def two_factor_required(user) -> bool:
    """Whether ``user`` must sign in with a second factor under ``TWO_FACTOR``."""
    policy = settings.TWO_FACTOR
    if policy == "off" or not user.is_authenticated:
        return False
    if policy == "all":
        return True
    return bool(user.is_staff or user.is_superuser)


def two_factor_satisfied(request: HttpRequest) -> bool:
    """Whether the signed-in user may go on: not required, or verified in this session."""
    user = request.user
    if not two_factor_required(user):
        return True
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def confirmed_devices():
    return TOTPDevice.objects.filter(confirmed=True)


def has_confirmed_device(user: User) -> bool:
    return confirmed_devices().filter(user=user).exists()


def confirmed_device(user: User) -> TOTPDevice | None:
    """``user``'s confirmed device, if they have one."""
    return confirmed_devices().filter(user=user).first()


def confirmed_device_exists():
    """An ``Exists`` expression for a queryset of users: whether each has a confirmed device."""
    return Exists(confirmed_devices().filter(user=OuterRef("pk")))


# --- Keys, codes and the otpauth URI ------------------------------------------


def key_make() -> str:
    """A new TOTP key: 20 random bytes (160 bits, RFC 4226's recommendation), hex."""
    return default_key()


def key_for_people(key: str) -> str:
    """The key as an authenticator app asks for it: base32, in groups of four."""
    text = b32encode(unhexlify(key)).decode()
    return " ".join(text[index : index + 4] for index in range(0, len(text), 4))


def otpauth_uri(*, key: str, email: str) -> str:
    """The ``otpauth://totp/`` URI of ``key``: the site's name as issuer, the email as account."""
    issuer = settings.SITE_NAME.replace(":", "")
    params = urlencode(
        {
            "secret": b32encode(unhexlify(key)).decode(),
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": CODE_DIGITS,
            "period": 30,
        },
        quote_via=quote,
    )
    # The label as Google's key URI format writes it: "Issuer:account@example.com".
    return f"otpauth://totp/{quote(f'{issuer}:{email}', safe=':@')}?{params}"


def key_sign(key: str, *, bound_to: str) -> str:
    """``key`` signed for a form, so that it survives the round-trip unchanged.

    ``bound_to`` names who (and which link) the key was drawn for: a key
    signed for one cannot be used for another. Signing is not hiding: the
    page shows the key anyway, to the one person it is for, and is never cached.
    """
    return signing.dumps(key, salt=f"{_KEY_SALT}:{bound_to}")


def key_unsign(signed: str, *, bound_to: str) -> str | None:
    """The key ``key_sign`` signed for ``bound_to``; None when forged, for another, or too old."""
    try:
        key = signing.loads(signed, salt=f"{_KEY_SALT}:{bound_to}", max_age=KEY_MAX_AGE)
    except signing.BadSignature:
        return None
    return key if isinstance(key, str) else None


def code_step(*, key: str, code: str) -> int | None:
    """The time step at which ``code`` is ``key``'s code, one step either way; else None."""
    totp = TOTP(unhexlify(key), digits=CODE_DIGITS)
    totp.time = time.time()
    if not (code.isdigit() and len(code) == CODE_DIGITS):
        return None
    if totp.verify(int(code), tolerance=TOLERANCE):
        return totp.t()
    return None


@dataclass(frozen=True)
class Enrolment:
    """A key whose code was just checked: what ``device_enrol`` writes."""

    key: str
    step: int


# --- Devices ------------------------------------------------------------------


def device_enrol(*, user: User, enrolment: Enrolment) -> TOTPDevice:
    """Give ``user`` a confirmed device for ``enrolment``'s key, deleting any they had.

    The code that proved the key is spent: the device accepts only codes of
    later time steps. Call inside the transaction that must succeed with it
    (setting a password through a link) or on its own.
    """
    with transaction.atomic():
        replaced, _ = TOTPDevice.objects.filter(user=user).delete()
        audit_record(
            action="authenticator.enrolled",
            actor=Actor(user.email, Via.PUBLIC),
            target=user,
            detail={"replaced": bool(replaced)},
        )
        return TOTPDevice.objects.create(
            user=user,
            name=DEVICE_NAME,
            key=enrolment.key,
            tolerance=TOLERANCE,
            confirmed=True,
            last_t=enrolment.step,
        )


@dataclass(frozen=True)
class Verification:
    """What checking a code gave: the device that took it, or why none did."""

    device: TOTPDevice | None
    # Set when the device checks no code before then (wrong codes in a row).
    throttled_until: datetime | None = None
    # The code is the device's, but of a time step it accepted already: its
    # holder waits for the next one.
    already_used: bool = False


def device_verify(*, user: User, code: str) -> Verification:
    """Check ``code`` against ``user``'s confirmed device, once: a code is accepted only once.

    The device row is locked while checking, so that two requests with the
    same code cannot both pass. After consecutive wrong codes django-otp makes
    the device wait (1, 2, 4… seconds) before it checks another.
    """
    with transaction.atomic():
        device = confirmed_devices().select_for_update().filter(user=user).first()
        if device is None:
            return Verification(None)
        allowed, why = device.verify_is_allowed()
        if not allowed:
            return Verification(None, throttled_until=why["locked_until"])
        if device.verify_token(code):
            return Verification(device)
        return Verification(None, already_used=_already_used(device, code))


def _already_used(device: TOTPDevice, code: str) -> bool:
    """Whether ``code`` is ``device``'s code now, but of a step it accepted already.

    An app shows the same code for 30 seconds: who just typed it, to set the
    device up or to sign in, sees it again when signing in straight after.
    """
    if not (code.isdigit() and len(code) == device.digits):
        return False
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return totp.verify(int(code), tolerance=device.tolerance) and totp.t() <= device.last_t


def devices_remove(*, users: Iterable[User], actor: User) -> int:
    """Delete the devices of ``users``; returns how many users had a confirmed one.

    Raises ``PowersExceeded`` naming every user whose powers exceed
    ``actor``'s, and then removes nothing. A user who must use two-factor
    enrols again at their next sign-in, after their password.
    """
    users = list(users)
    ensure_may_act_on(actor=actor, users=users)
    ids = [user.pk for user in users]
    with transaction.atomic():
        holders = set(confirmed_devices().filter(user_id__in=ids).values_list("user_id", flat=True))
        TOTPDevice.objects.filter(user_id__in=ids).delete()
        audit_record_many(
            actor=Actor.person(actor, Via.ADMIN),
            happenings=[
                Happening("authenticator.removed", user) for user in users if user.pk in holders
            ],
        )
    return len(holders)


# --- The sign-in between its two steps ----------------------------------------

_STARTED_HERE = "_two_factor_pending_started"


def pending_start(request: HttpRequest, *, user: User, next_url: str) -> None:
    """Remember that ``user`` typed their password, under a new session key; nobody is signed in.

    The key changes as ``login()`` changes it: a session id planted in the
    browser beforehand (a shared computer, a cookie set by a sibling domain)
    would otherwise carry the pending sign-in, and whoever planted it could
    finish a first enrolment with a key of their own.
    """
    request.session.cycle_key()
    request.session[PENDING_SESSION_KEY] = {
        "user": user.pk,
        "hash": user.get_session_auth_hash(),
        "at": int(time.time()),
        "next": next_url,
    }
    # Read by the rate limits: a password that leads on to the code is not a failure.
    setattr(request, _STARTED_HERE, True)


def pending_started_here(request: HttpRequest) -> bool:
    """Whether this request's correct password started a pending sign-in."""
    return getattr(request, _STARTED_HERE, False)


def pending_user(request: HttpRequest) -> User | None:
    """The user whose password this browser typed moments ago; None when none, stale or changed.

    Stale: older than ``PENDING_MAX_AGE``. Changed: the password (or the
    sessions generation) moved on since, or the user was deactivated.
    """
    pending = request.session.get(PENDING_SESSION_KEY)
    if not isinstance(pending, dict):
        return None
    if time.time() - pending.get("at", 0) > PENDING_MAX_AGE:
        return None
    user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
    if user is None or not constant_time_compare(
        user.get_session_auth_hash(), pending.get("hash", "")
    ):
        return None
    return user


def pending_next(request: HttpRequest) -> str:
    pending = request.session.get(PENDING_SESSION_KEY)
    return pending.get("next", "") if isinstance(pending, dict) else ""


def pending_account(request: HttpRequest) -> str | None:
    """The account a code is typed for, for the rate limits: the pending user's id, or the
    signed-in user's; None when neither."""
    pending = request.session.get(PENDING_SESSION_KEY)
    if isinstance(pending, dict) and pending.get("user") is not None:
        return str(pending["user"])
    return str(request.user.pk) if request.user.is_authenticated else None


def pending_finish(request: HttpRequest, *, user: User, device: TOTPDevice) -> str:
    """Sign ``user`` in with ``device`` verified; returns where to go next."""
    next_url = pending_next(request)
    request.session.pop(PENDING_SESSION_KEY, None)
    sign_in(request, user=user, device=device)
    return next_url


def sign_in(request: HttpRequest, *, user: User, device: TOTPDevice | None = None) -> None:
    """Sign ``user`` in; with ``device``, as verified in this session (django-otp).

    For who has just proved both factors: a password and a code, or a
    set-password link and the code of the authenticator it set up.
    """
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    if device is not None:
        otp_login(request, device)
