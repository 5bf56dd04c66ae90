"""Team links: one link for many people (a workshop of thirty), each use making one account.

As for a link, only the secret's digest is stored.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts import clock
from accounts.models import User
from accounts.powers import groups_beyond
from invites.keys.errors import KeyInvalid
from invites.keys.models import IssuedKey

TEAM_ROOM = Q(uses_taken__lt=F("uses_allowed"))
TEAM_USED_UP = Q(uses_taken__gte=F("uses_allowed"))
TEAM_UNREVOKED = TEAM_ROOM & Q(revoked_at__isnull=True)


def team_state_conditions(now) -> dict[str, Q]:
    """The rule of a team link's state, as a condition on its columns for each state.

    Used up first, then revoked, then expired, as for a link: one revoked
    after its last use stays used up. ``TeamLink.state`` reads the same rule on
    one row; the conditions name only the row's own columns, so that the
    joining UPDATE (``team_links.team_link_join``) can carry the open one.
    """
    return {
        TeamLink.State.USED_UP: TEAM_USED_UP,
        TeamLink.State.REVOKED: TEAM_ROOM & Q(revoked_at__isnull=False),
        TeamLink.State.EXPIRED: TEAM_UNREVOKED & Q(expires_at__lte=now),
        TeamLink.State.OPEN: TEAM_UNREVOKED & Q(expires_at__gt=now),
    }


class TeamLinkQuerySet(models.QuerySet):
    def open(self, now=None):
        """Team links someone can still join through."""
        return self.with_state(TeamLink.State.OPEN, now)

    def with_state(self, state: "TeamLink.State", now=None):
        """Team links in ``state`` (a ``TeamLink.State``) at ``now``, by default the present."""
        conditions = team_state_conditions(now or clock.now())
        if state not in conditions:
            raise ValueError(f"unknown state {state!r}")
        return self.filter(conditions[state])


class TeamLink(IssuedKey):
    """A link many people join through, each making an account, up to ``uses_allowed``.

    Only the SHA-256 digest of the secret is stored. Accounts made through it
    get its groups, never staff status; with ``approval`` each join is an
    access request instead, which an administrator approves or declines.
    It can be joined through while it is open and its issuer may still hand
    out its groups (``refusal``).
    """

    class State(models.TextChoices):
        OPEN = "open", _("open")
        USED_UP = "used_up", _("used up")
        EXPIRED = "expired", _("expired")
        REVOKED = "revoked", _("revoked")

    name = models.CharField(
        _("name"), max_length=200, help_text=_("What it is for, e.g. “Data workshop, March”.")
    )
    groups = models.ManyToManyField(
        "auth.Group", blank=True, related_name="+", verbose_name=_("groups")
    )
    uses_allowed = models.PositiveIntegerField(_("uses allowed"))
    uses_taken = models.PositiveIntegerField(_("uses taken"), default=0)
    approval = models.BooleanField(
        _("needs approval"),
        default=False,
        help_text=_(
            "Each join becomes an access request; the account is made when an "
            "administrator approves it."
        ),
    )
    objects = TeamLinkQuerySet.as_manager()

    issue_permission = "invites.issue_team_link"

    class Meta:
        verbose_name = _("team link")
        verbose_name_plural = _("team links")
        ordering = ["-created_at", "-pk"]
        permissions = [("issue_team_link", _("Can issue team links"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(uses_allowed__gte=1), name="invites_teamlink_uses_allowed_positive"
            ),
            models.CheckConstraint(
                condition=Q(uses_taken__lte=F("uses_allowed")),
                name="invites_teamlink_uses_within_allowed",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def state(self) -> str:
        """This team link's state now: ``team_state_conditions`` read on this row."""
        if self.uses_taken >= self.uses_allowed:
            return self.State.USED_UP
        if self.revoked_at is not None:
            return self.State.REVOKED
        if self.expires_at <= clock.now():
            return self.State.EXPIRED
        return self.State.OPEN

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN

    @property
    def uses_left(self) -> int:
        return max(self.uses_allowed - self.uses_taken, 0)

    def refusal(self) -> KeyInvalid.Reason | None:
        """Why nobody can join through this team link now: closed, or its issuer."""
        state = self.state
        if state != self.State.OPEN:
            return CLOSED_REASONS[state]
        if not self.issuer_empowered():
            return KeyInvalid.Reason.ISSUER_POWERLESS
        return None

    def within_powers_of(self, issuer: User) -> bool:
        return not groups_beyond(actor=issuer, groups=self.groups.all())


# Why a team link that is not open cannot be joined through.
CLOSED_REASONS = {
    TeamLink.State.USED_UP: KeyInvalid.Reason.USED,
    TeamLink.State.REVOKED: KeyInvalid.Reason.REVOKED,
    TeamLink.State.EXPIRED: KeyInvalid.Reason.EXPIRED,
}


class TeamLinkJoin(models.Model):
    """One use of a team link: the account it made, or the access request it filed."""

    team_link = models.ForeignKey(
        TeamLink, on_delete=models.CASCADE, related_name="joins", verbose_name=_("team link")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    access_request = models.ForeignKey(
        "invites.AccessRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("access request"),
    )
    joined_at = models.DateTimeField(_("joined"), default=clock.now)
    client_address = models.GenericIPAddressField(_("client address"), null=True, blank=True)

    class Meta:
        verbose_name = _("team link join")
        verbose_name_plural = _("team link joins")
        ordering = ["joined_at", "pk"]

    def __str__(self) -> str:
        return f"{self.team_link} #{self.pk}"
