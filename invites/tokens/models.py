"""API tokens: a key a script presents on every request, acting for its owner.

A token is ``ppl_`` followed by a secret (``keys.secrets``); as for every key,
only the secret's digest is stored, and the token is shown once, when issued.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts import clock
from accounts.models import User
from accounts.powers import may_act_on
from invites.keys.errors import KeyInvalid
from invites.keys.models import IssuedKey
from invites.keys.secrets import TOKEN_PREFIX


def token_state_conditions(now) -> dict[str, Q]:
    """The rule of a token's state as a condition on its columns: revoked first, then expired.

    ``ApiToken.state`` reads the same rule on one row.
    """
    return {
        ApiToken.State.REVOKED: Q(revoked_at__isnull=False),
        ApiToken.State.EXPIRED: Q(revoked_at__isnull=True, expires_at__lte=now),
        ApiToken.State.ACTIVE: Q(revoked_at__isnull=True, expires_at__gt=now),
    }


def may_hold_own_tokens(user: User) -> bool:
    """Whether ``user`` may issue, list and use tokens of their own: active staff.

    The account page shows its token section to them alone; who loses staff
    status loses the page that lists and revokes their tokens, and the tokens.
    """
    return user.is_active and user.is_staff


class ApiTokenQuerySet(models.QuerySet):
    def active(self, now=None):
        """Tokens neither revoked nor expired."""
        return self.with_state(ApiToken.State.ACTIVE, now)

    def unrevoked(self):
        """Tokens not revoked, expired or not: what revoking closes."""
        return self.filter(revoked_at__isnull=True)

    def with_state(self, state: "ApiToken.State", now=None):
        """Tokens in ``state`` at ``now``, by default the present."""
        conditions = token_state_conditions(now or clock.now())
        if state not in conditions:
            raise ValueError(f"unknown state {state!r}")
        return self.filter(conditions[state])


class ApiToken(IssuedKey):
    """A token that acts for ``owner``, with the owner's permissions and powers, never more.

    It works while it is neither revoked nor expired, its owner is active and
    its issuer may still issue it (``refusal``).
    """

    PREFIX = TOKEN_PREFIX  # "ppl_"

    class State(models.TextChoices):
        ACTIVE = "active", _("active")
        EXPIRED = "expired", _("expired")
        REVOKED = "revoked", _("revoked")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("owner"),
    )
    description = models.CharField(
        _("description"),
        max_length=200,
        help_text=_("What it is for, e.g. “HR system provisioning”."),
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    last_used_from = models.GenericIPAddressField(_("last used from"), null=True, blank=True)
    objects = ApiTokenQuerySet.as_manager()

    lookup_related = ("owner", "created_by")
    issue_permission = "invites.add_apitoken"

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.description

    @property
    def state(self) -> str:
        """This token's state now: ``token_state_conditions`` read on this row."""
        if self.revoked_at is not None:
            return self.State.REVOKED
        if self.expires_at <= clock.now():
            return self.State.EXPIRED
        return self.State.ACTIVE

    @property
    def self_issued(self) -> bool:
        """Whether the owner issued this token for themselves (their account page)."""
        return self.created_by_id is not None and self.created_by_id == self.owner_id

    def refusal(self) -> KeyInvalid.Reason | None:
        """Why this token cannot be used now: closed, its owner, or its issuer."""
        state = self.state
        if state == self.State.REVOKED:
            return KeyInvalid.Reason.REVOKED
        if state == self.State.EXPIRED:
            return KeyInvalid.Reason.EXPIRED
        if not self.owner.is_active:
            return KeyInvalid.Reason.USER_INACTIVE
        if not self.issuer_empowered():
            return KeyInvalid.Reason.ISSUER_POWERLESS
        return None

    def within_powers_of(self, issuer: User) -> bool:
        """A token for someone hands out their powers: the issuer must be able to act on them."""
        return may_act_on(actor=issuer, user=self.owner)

    def issuer_empowered(self, issuer: User | None = None) -> bool:
        """Whether this token's issuer may still issue it (``IssuedKey.issuer_empowered``).

        A token someone issued for themselves is the exception: it hands out
        nothing its owner does not already hold, so it takes neither
        ``issue_permission`` nor a powers check (the owner's own permissions
        are all a token acts with), only what the account page that issues it
        asks: an active staff member. An owner who loses staff status loses
        the page that lists and revokes their tokens, so those tokens stop
        working with it, and they cost no query on each request. Tokens
        issued for someone else follow the common rule; a command's work
        while their owner is active.
        """
        if self.self_issued:
            return may_hold_own_tokens(issuer or self.created_by)
        return super().issuer_empowered(issuer)
