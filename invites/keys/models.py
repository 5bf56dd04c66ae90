"""The abstract models every key shares: the digest, the lookup, the issuer's rule."""

from typing import ClassVar, Self

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts import clock
from accounts.audit import Via
from accounts.models import User
from invites.keys.errors import KeyInvalid
from invites.keys.secrets import looks_like_secret, secret_digest


def may_issue(issuer: User, permission: str) -> bool:
    """Whether ``issuer`` may issue keys that take ``permission`` at all.

    Active staff who hold it; what a key hands out must also be within their
    powers (``IssuedKey.within_powers_of``).
    """
    return issuer.is_active and issuer.is_staff and issuer.has_perm(permission)


class Tripwire(models.Model):
    """A closed key presented again: someone else may hold a copy of it.

    Every presentation is counted, with the first and the last moment and up
    to ``ADDRESSES_KEPT`` distinct addresses it came from (the last one
    always). The rate limits bound how often a key can be presented.
    """

    ADDRESSES_KEPT = 20

    presented_again_count = models.PositiveIntegerField(
        _("presented again"),
        default=0,
        help_text=_(
            "How many times this link was presented after it was used or revoked. "
            "Someone else may hold a copy."
        ),
    )
    presented_again_first_at = models.DateTimeField(
        _("first presented again"), null=True, blank=True
    )
    presented_again_at = models.DateTimeField(_("last presented again"), null=True, blank=True)
    presented_again_from = models.GenericIPAddressField(
        _("last presented again from"), null=True, blank=True
    )
    presented_again_addresses = models.JSONField(
        _("presented again from"), default=list, blank=True, editable=False
    )

    class Meta:
        abstract = True

    def trip(self, *, address: str | None, now) -> None:
        """Count one more presentation, from ``address`` at ``now`` (the caller saves)."""
        self.presented_again_count += 1
        self.presented_again_first_at = self.presented_again_first_at or now
        self.presented_again_at = now
        self.presented_again_from = address
        if (
            address
            and address not in self.presented_again_addresses
            and len(self.presented_again_addresses) < self.ADDRESSES_KEPT
        ):
            self.presented_again_addresses = [*self.presented_again_addresses, address]

    TRIPWIRE_FIELDS = (
        "presented_again_count",
        "presented_again_first_at",
        "presented_again_at",
        "presented_again_from",
        "presented_again_addresses",
    )


class DigestKey(models.Model):
    """A row found by a secret it never stores: only the secret's SHA-256 is kept.

    ``refusal`` says why a found key cannot be used now; the lookups below
    are the one way from a presented secret (or its digest, from a cookie)
    to a row, and raise ``KeyInvalid`` with the reason otherwise.
    """

    digest = models.CharField(_("secret's SHA-256"), max_length=64, unique=True, editable=False)

    # The related rows ``refusal`` reads, fetched with the key in one query.
    lookup_related: ClassVar[tuple[str, ...]] = ()

    class Meta:
        abstract = True

    def refusal(self) -> KeyInvalid.Reason | None:
        """Why this key cannot be used now, or None while it can."""
        return None

    @classmethod
    def open_by_secret(cls, secret: str) -> Self:
        """The usable key a presented secret belongs to, or ``KeyInvalid`` saying why not."""
        if not looks_like_secret(secret):
            raise KeyInvalid(KeyInvalid.Reason.UNKNOWN)
        return cls.open_by(digest=secret_digest(secret))

    @classmethod
    def open_by(cls, **unique) -> Self:
        """The usable key with this unique column's value (``digest`` or ``pk``).

        Raises ``KeyInvalid``: ``UNKNOWN`` when no row has it, else the row's
        ``refusal``.
        """
        # get(), not first(): the columns are unique, and an ORDER BY would
        # cost the opener's page time for nothing.
        keys = cls._default_manager.all()
        if cls.lookup_related:
            keys = keys.select_related(*cls.lookup_related)
        try:
            key = keys.get(**unique)
        except cls.DoesNotExist:
            raise KeyInvalid(KeyInvalid.Reason.UNKNOWN) from None
        reason = key.refusal()
        if reason is not None:
            raise KeyInvalid(reason, key.pk)
        return key


class IssuedKey(DigestKey):
    """A key an administrator or a command issued, with an expiry, that can be revoked.

    It carries its issuer's powers no longer than they last (``issuer_empowered``).
    """

    created_at = models.DateTimeField(_("created"), default=clock.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_via = models.CharField(_("created via"), max_length=10, choices=Via.choices)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    # The permission that issuing this kind of key takes.
    issue_permission: ClassVar[str]
    lookup_related = ("created_by",)

    class Meta:
        abstract = True

    def within_powers_of(self, issuer: User) -> bool:
        """Whether what this key hands out is within ``issuer``'s powers."""
        raise NotImplementedError

    def issuer_empowered(self, issuer: User | None = None) -> bool:
        """Whether this key's issuer may still issue it: the one rule for every key.

        An administrator's key works while they are active staff who hold
        ``issue_permission`` and what it hands out is within their powers
        (``accounts.powers``); one whose issuer was deactivated, deleted,
        demoted or stripped of a permission since sets nothing. A command's
        key has no issuer and runs with the operator's full trust. ``issuer``,
        if given, is the issuer's row read afresh.
        """
        if self.created_by_id is None:
            return self.created_via == Via.COMMAND
        issuer = issuer or self.created_by
        return may_issue(issuer, self.issue_permission) and self.within_powers_of(issuer)
