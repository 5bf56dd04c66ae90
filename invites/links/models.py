"""A set-password link: a one-time key whose secret we never store."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts import clock
from accounts.models import User
from accounts.powers import users_beyond
from invites.keys.errors import KeyInvalid
from invites.keys.models import IssuedKey, Tripwire, Via

# The states' conditions, shared by the queries below and the partial indexes
# that serve them: a database reads a partial index only for a query whose
# condition implies the index's, which holds when both are written alike.
# Neither used nor revoked: open, or expired without use.
UNCLOSED = Q(used_at__isnull=True, revoked_at__isnull=True)
USED = Q(used_at__isnull=False)
REVOKED = Q(used_at__isnull=True, revoked_at__isnull=False)


def state_conditions(now) -> dict[str, Q]:
    """The rule of a link's state, as a condition on its columns for each state.

    Used first, then revoked, then expired: a link revoked after it was used
    stays used, and one that expired after it was revoked stays revoked.
    ``Link.state`` reads the same rule on one row (a test checks that the two
    agree on every combination); everything else asks one of these two.
    """
    return {
        Link.State.USED: USED,
        Link.State.REVOKED: REVOKED,
        Link.State.EXPIRED: UNCLOSED & Q(expires_at__lte=now),
        Link.State.PENDING: UNCLOSED & Q(expires_at__gt=now),
    }


class LinkQuerySet(models.QuerySet):
    def open(self, now=None):
        """Links that can still set a password: not used, revoked or expired."""
        return self.with_state(Link.State.PENDING, now)

    def unrevoked_unused(self):
        """Links not used nor revoked, expired or not: what a new link supersedes."""
        return self.filter(UNCLOSED)

    def closed_before(self, cutoff):
        """Used, revoked or expired links whose closing moment is before ``cutoff``."""
        return self.filter(
            Q(used_at__lt=cutoff) | Q(revoked_at__lt=cutoff) | Q(expires_at__lt=cutoff)
        )

    def expiring_unused(self, within, now=None):
        """Open links that expire within ``within`` (a timedelta) of ``now``, unused."""
        now = now or clock.now()
        return self.open(now).filter(expires_at__lte=now + within)

    def redeemed_since(self, since):
        """Links used at ``since`` or later."""
        return self.filter(used_at__gte=since)

    def presented_again(self):
        """The tripwire: used or revoked links that someone presented again."""
        return self.filter(presented_again_count__gt=0)

    def with_state(self, state: "Link.State", now=None):
        """Links in ``state`` (a ``Link.State``) at ``now``, by default the present."""
        conditions = state_conditions(now or clock.now())
        if state not in conditions:
            raise ValueError(f"unknown state {state!r}")
        return self.filter(conditions[state])


class Link(IssuedKey, Tripwire):
    """An invite or password-reset link for one user.

    Only the SHA-256 digest of the secret is stored; the secret itself exists
    in the URL handed out once. A link is open until it is used, revoked or
    past ``expires_at``, and sets a password while its user is active and its
    issuer may still issue it (``refusal``). A used or revoked link presented
    again trips its tripwire (``services.link_presented_again``).
    """

    Via = Via

    class Purpose(models.TextChoices):
        INVITE = "invite", _("invite")
        RESET = "reset", _("password reset")

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        USED = "used", _("used")
        EXPIRED = "expired", _("expired")
        REVOKED = "revoked", _("revoked")

    class RevokeReason(models.TextChoices):
        SUPERSEDED = "superseded", _("superseded by a newer link")
        PASSWORD_CHANGED = "password_changed", _("password changed")
        EMAIL_CHANGED = "email_changed", _("email address changed")
        USER_DEACTIVATED = "user_deactivated", _("user deactivated")
        ISSUER_DEACTIVATED = "issuer_deactivated", _("its issuer was deactivated")
        ADMIN = "admin", _("revoked by an administrator")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="set_password_links",
        verbose_name=_("user"),
    )
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    revoke_reason = models.CharField(
        _("revoke reason"), max_length=20, choices=RevokeReason.choices, blank=True
    )

    objects = LinkQuerySet.as_manager()

    issue_permission = "invites.issue_link"
    lookup_related = ("user", "created_by")

    class Meta:
        verbose_name = _("set-password link")
        verbose_name_plural = _("set-password links")
        ordering = ["-created_at", "-pk"]
        permissions = [("issue_link", _("Can issue set-password links"))]
        # For the admin's lists (newest first) and filters, the rules and the
        # purge. The partial ones hold one state each, so that a filtered page
        # and its count read only the rows of that state.
        indexes = [
            # A user's unused, unrevoked links: what issuing supersedes and
            # what a password change revokes.
            models.Index(fields=["user"], condition=UNCLOSED, name="invites_link_unclosed_by_user"),
            models.Index(fields=["-created_at", "-id"], name="invites_link_newest"),
            # Links made by commands are few among the newest when administrators
            # issue most: without this the filter walks past all of theirs.
            models.Index(
                fields=["created_via", "-created_at", "-id"], name="invites_link_via_newest"
            ),
            # Purging by age.
            models.Index(fields=["expires_at"], name="invites_link_expires"),
            # Pending and expired links: unclosed ones, by expiry and by age.
            models.Index(
                fields=["expires_at"], condition=UNCLOSED, name="invites_link_open_expiry"
            ),
            models.Index(
                fields=["-created_at", "-id", "expires_at"],
                condition=UNCLOSED,
                name="invites_link_open_newest",
            ),
            models.Index(
                fields=["-created_at", "-id"],
                condition=USED,
                name="invites_link_used_newest",
            ),
            models.Index(
                fields=["-created_at", "-id"],
                condition=REVOKED,
                name="invites_link_revoked_newest",
            ),
            # Links redeemed lately (the admin's front page and its filter).
            models.Index(fields=["used_at"], condition=USED, name="invites_link_used_at"),
            # The tripwire filter: few links, newest first.
            models.Index(
                fields=["-created_at", "-id"],
                condition=Q(presented_again_count__gt=0),
                name="invites_link_tripped_newest",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} #{self.pk}"

    @property
    def state(self) -> str:
        """This link's state now: ``state_conditions`` read on this row."""
        if self.used_at is not None:
            return self.State.USED
        if self.revoked_at is not None:
            return self.State.REVOKED
        if self.expires_at <= clock.now():
            return self.State.EXPIRED
        return self.State.PENDING

    @property
    def is_open(self) -> bool:
        return self.state == self.State.PENDING

    def refusal(self) -> KeyInvalid.Reason | None:
        """Why this link cannot set a password now: closed, its user or its issuer."""
        state = self.state
        if state != self.State.PENDING:
            return CLOSED_REASONS[state]
        if not self.user.is_active:
            return KeyInvalid.Reason.USER_INACTIVE
        if not self.issuer_empowered():
            return KeyInvalid.Reason.ISSUER_POWERLESS
        return None

    def within_powers_of(self, issuer: User) -> bool:
        return not users_beyond(actor=issuer, users=[self.user])


# Why a link that is not pending cannot set a password.
CLOSED_REASONS = {
    Link.State.USED: KeyInvalid.Reason.USED,
    Link.State.REVOKED: KeyInvalid.Reason.REVOKED,
    Link.State.EXPIRED: KeyInvalid.Reason.EXPIRED,
}


class PurgedLink(Tripwire):
    """What purging keeps of a used or revoked link: its digest, whose, and its tripwire.

    A purged link presented again still trips (``services.link_presented_again``):
    the record of a link is deleted, never the evidence that a copy is about.
    """

    digest = models.CharField(_("secret's SHA-256"), max_length=64, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )
    purpose = models.CharField(_("purpose"), max_length=10, choices=Link.Purpose.choices)
    created_at = models.DateTimeField(_("created"))
    purged_at = models.DateTimeField(_("purged"), default=clock.now)

    class Meta:
        verbose_name = _("purged set-password link")
        verbose_name_plural = _("purged set-password links")
        ordering = ["-purged_at", "-pk"]
        indexes = [
            models.Index(
                fields=["-purged_at", "-id"],
                condition=Q(presented_again_count__gt=0),
                name="invites_purgedlink_tripped",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} ({_('purged')})"
