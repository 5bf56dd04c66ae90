"""Every write on API tokens: issuing, revoking, and the one lookup from a presented token.

The admin, the account page, the command and the API call these; nothing
else writes tokens. Each change goes into the audit trail in its own
transaction; no event holds a secret or a digest.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts import clock
from accounts.audit import (
    Actor,
    Happening,
    audit_record,
    audit_record_many,
    iso,
    stored_address,
)
from accounts.models import User
from accounts.powers import ensure_may_act_on
from invites.keys.durations import duration_text
from invites.keys.errors import KeyInvalid
from invites.keys.models import Via
from invites.keys.secrets import secret_digest, secret_make
from invites.tokens.errors import (
    DescriptionRefused,
    IssuerPowerless,
    LifetimeRefused,
    OwnerInactive,
)
from invites.tokens.models import ApiToken

logger = logging.getLogger(__name__)

# How long a token's last use may be out of date: see ``_last_use_record``.
LAST_USE_PRECISION = timedelta(minutes=1)
DESCRIPTION_MAX_LENGTH = ApiToken._meta.get_field("description").max_length


@dataclass(frozen=True)
class IssuedToken:
    """A token just issued, with its secret: the only time the secret exists."""

    token: ApiToken
    secret: str  # the whole token, "ppl_…", to show once
    expires_at: datetime


def token_max_age_limit() -> timedelta:
    """The longest lifetime, and the default, of an API token: ``API_TOKEN_MAX_AGE``."""
    return timedelta(seconds=settings.API_TOKEN_MAX_AGE)


def token_max_age(max_age: timedelta | None) -> timedelta:
    """``max_age``, or the default; ``LifetimeRefused`` beyond ``API_TOKEN_MAX_AGE`` or at zero."""
    limit = token_max_age_limit()
    if max_age is None:
        return limit
    if max_age <= timedelta(0):
        raise LifetimeRefused(_("An API token must last some time; give a duration above zero."))
    if max_age > limit:
        raise LifetimeRefused(
            _(
                "%(duration)s is longer than API tokens may last: "
                "at most %(limit)s (API_TOKEN_MAX_AGE)."
            )
            % {"duration": duration_text(max_age), "limit": duration_text(limit)}
        )
    return max_age


def _detail(token: ApiToken) -> dict:
    """What the trail says of a token: never its secret nor its digest."""
    return {
        "token": token.pk,
        "description": token.description,
        "expires_at": iso(token.expires_at),
    }


@transaction.atomic
def token_issue(
    *,
    owner: User,
    description: str,
    issuer: User | None,
    via: Via,
    max_age: timedelta | None = None,
) -> IssuedToken:
    """Issue a token for ``owner``, valid ``max_age`` (default, and at most, ``API_TOKEN_MAX_AGE``).

    ``issuer`` is the administrator, the owner themselves (their account
    page), or None for a command, which runs with the operator's full trust.
    Raises ``LifetimeRefused`` or ``DescriptionRefused``, ``OwnerInactive``
    for a deactivated owner and ``IssuerPowerless`` where the issuer may not
    issue this token (``ApiToken.issuer_empowered``); nothing is written then.
    """
    max_age = token_max_age(max_age)
    description = description.strip()
    if not description or len(description) > DESCRIPTION_MAX_LENGTH:
        raise DescriptionRefused(
            _("Describe what the token is for in 1 to %(max)d characters.")
            % {"max": DESCRIPTION_MAX_LENGTH}
        )
    if not owner.is_active:
        raise OwnerInactive(owner)
    # 192 random bits (``secret_make``); the prefix tells people and log
    # filters what it is, and adds nothing to guess.
    secret = secret_make()
    token = ApiToken(
        owner=owner,
        description=description,
        digest=secret_digest(secret),
        created_by=issuer,
        created_via=via,
        expires_at=clock.now() + max_age,
    )
    if not token.issuer_empowered(issuer):
        raise IssuerPowerless(owner)
    token.save()
    audit_record(
        action="token.issued", actor=Actor.of(issuer, via), target=owner, detail=_detail(token)
    )
    return IssuedToken(token=token, secret=ApiToken.PREFIX + secret, expires_at=token.expires_at)


@transaction.atomic
def tokens_revoke(*, tokens: Iterable[ApiToken], by: User | None, via: Via) -> int:
    """Revoke those of ``tokens`` still unrevoked; returns how many.

    ``by`` is the administrator or the owner, None for a command or the
    system. Raises ``PowersExceeded`` naming the owners whose powers exceed
    ``by``'s, and then revokes nothing: taking a token from a more powerful
    account is acting on it.
    """
    ids = [token.pk for token in tokens]
    closing = _lock_unrevoked(Q(pk__in=ids))
    if by is not None:
        owners = {token.owner_id: token.owner for token in closing}
        ensure_may_act_on(actor=by, users=list(owners.values()))
    return _revoke(closing, by=by, via=via)


def tokens_revoke_for_deactivated(*, user_ids: Iterable[int]) -> int:
    """Close what deactivated users leave: the tokens they own, and those they issued.

    A token lasts no longer than its owner's account or its issuer's powers;
    it would be refused anyway (``ApiToken.refusal``), and revoking it now
    keeps it dead if the account is reactivated. Returns how many.
    """
    user_ids = list(user_ids)
    with transaction.atomic():
        closing = _lock_unrevoked(Q(owner_id__in=user_ids) | Q(created_by_id__in=user_ids))
        return _revoke(closing, by=None, via=Via.SYSTEM, reason="user_deactivated")


def _lock_unrevoked(condition: Q) -> list[ApiToken]:
    return list(
        ApiToken.objects.filter(condition)
        .unrevoked()
        .select_related("owner")
        .select_for_update(of=("self",))
        .order_by("pk")
    )


def _revoke(closing: list[ApiToken], *, by: User | None, via: Via, reason: str = "") -> int:
    if not closing:
        return 0
    extra = {"reason": reason} if reason else {}
    audit_record_many(
        actor=Actor.of(by, via),
        happenings=[
            Happening("token.revoked", token.owner, {**_detail(token), **extra})
            for token in closing
        ],
    )
    return ApiToken.objects.filter(pk__in=[token.pk for token in closing]).update(
        revoked_at=clock.now(), revoked_by=by
    )


def token_authenticate(*, presented: str, address: str | None) -> ApiToken:
    """The usable token ``presented`` is, its use recorded; else ``KeyInvalid`` with the reason.

    Anything not shaped like a token (``ppl_`` and a secret) is ``UNKNOWN``
    without a query; a token is found by its digest in one query that joins
    its owner and issuer (``ApiToken.open_by_secret``).
    """
    prefix = ApiToken.PREFIX
    try:
        if not presented.startswith(prefix):
            raise KeyInvalid(KeyInvalid.Reason.UNKNOWN)
        token = ApiToken.open_by_secret(presented[len(prefix) :])
    except KeyInvalid as refused:
        # The reason and the row's number: never what was presented.
        logger.info("API token refused: %s (token %s)", refused.reason, refused.key_id)
        raise
    _last_use_record(token, stored_address(address))
    return token


def _last_use_record(token: ApiToken, address: str | None) -> None:
    """Note when and from where ``token`` was last used: one UPDATE, or none.

    A script may send a request a second, and each would otherwise write the
    row (a lock and a disk write for a read-only call). Within a minute of the
    last recorded use, from the same address, nothing is written: the list
    shows "last used" to the minute, and a new address always shows at once.
    """
    now = clock.now()
    if (
        token.last_used_at is not None
        and now - token.last_used_at < LAST_USE_PRECISION
        and token.last_used_from == address
    ):
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_from=address)
    token.last_used_at, token.last_used_from = now, address
