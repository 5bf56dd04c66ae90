"""A set-password link: a one-time key whose secret we never store."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts import clock

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

    def with_state(self, state: str, now=None):
        """Links in ``state`` (a ``Link.State``) at ``now``, by default the present."""
        conditions = state_conditions(now or clock.now())
        if state not in conditions:
            raise ValueError(f"unknown state {state!r}")
        return self.filter(conditions[state])


class Link(models.Model):
    """An invite or password-reset link for one user.

    Only the SHA-256 digest of the secret is stored; the secret itself exists
    in the URL handed out once. A link is open until it is used, revoked or
    past ``expires_at``.
    """

    class Purpose(models.TextChoices):
        INVITE = "invite", _("invite")
        RESET = "reset", _("password reset")

    class Via(models.TextChoices):
        ADMIN = "admin", _("admin")
        COMMAND = "command", _("command")

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
    digest = models.CharField(_("secret's SHA-256"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=clock.now)
    expires_at = models.DateTimeField(_("expires"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_via = models.CharField(_("created via"), max_length=10, choices=Via.choices)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    revoke_reason = models.CharField(
        _("revoke reason"), max_length=20, choices=RevokeReason.choices, blank=True
    )
    # Tripwire: a used or revoked link presented again (see
    # ``services.link_presented_again``).
    presented_again_count = models.PositiveIntegerField(
        _("presented again"),
        default=0,
        help_text=_(
            "How many times this link was presented after it was used or revoked "
            "(at most once a minute is counted). Someone else may hold a copy."
        ),
    )
    presented_again_at = models.DateTimeField(_("last presented again"), null=True, blank=True)
    presented_again_from = models.GenericIPAddressField(
        _("last presented again from"), null=True, blank=True
    )

    objects = LinkQuerySet.as_manager()

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


class AccessRequestQuerySet(models.QuerySet):
    def pending(self):
        """Requests that wait for an administrator's decision."""
        return self.filter(state=AccessRequest.State.PENDING)

    def purgeable(self, cutoff):
        """Requests declined, or left pending, since before ``cutoff``.

        Approved ones stay: they record who let whom in, and their status
        link leads to the user's link, which decides for itself.
        """
        return self.filter(
            Q(state=AccessRequest.State.DECLINED, decided_at__lt=cutoff)
            | Q(state=AccessRequest.State.PENDING, created_at__lt=cutoff)
        )


class AccessRequest(models.Model):
    """Someone asking for an account (``ACCESS_REQUESTS``), and what became of it.

    The person who asked holds a status link; only its secret's digest is
    stored, as for a link. On approval that digest becomes the digest of the
    new user's invite link, so that the status link, and nobody else, sets
    the password.

    Every request is stored alike, whatever its email: one whose email
    already has an account can never be approved (approval creates an
    account and changes none), and the admin says so.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        APPROVED = "approved", _("approved")
        DECLINED = "declined", _("declined")

    email = models.EmailField(_("email address"), max_length=254)
    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150)
    note = models.TextField(_("note"), max_length=1000)
    digest = models.CharField(_("secret's SHA-256"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("requested"), default=clock.now)
    client_address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decline_reason = models.TextField(
        _("reason for declining"),
        max_length=1000,
        blank=True,
        help_text=_("Shown to the person who asked, on their status page."),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user created"),
    )
    # A request filed by joining a team link that needs approval: the chosen
    # password's hash (never the password) and the link's groups, which the
    # approval gives the account. Cleared on a decision.
    team_link = models.ForeignKey(
        "invites.TeamLink",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="access_requests",
        verbose_name=_("team link"),
    )
    password = models.CharField(_("password"), max_length=128, blank=True, editable=False)
    groups = models.ManyToManyField(
        "auth.Group", blank=True, related_name="+", verbose_name=_("groups")
    )

    objects = AccessRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("access request")
        verbose_name_plural = _("access requests")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="invites_accessrequest_newest"),
            # The cap on pending requests counts them at every submission; the
            # admin's front page and its filter read them too.
            models.Index(
                fields=["-created_at", "-id"],
                condition=Q(state="pending"),
                name="invites_accessrequest_pending",
            ),
        ]

    def __str__(self) -> str:
        return self.email


# --- Team links -----------------------------------------------------------------
#
# One link for many people (a workshop of thirty): each use makes one account.
# As for a link, only the secret's digest is stored.

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

    def with_state(self, state: str, now=None):
        """Team links in ``state`` (a ``TeamLink.State``) at ``now``, by default the present."""
        conditions = team_state_conditions(now or clock.now())
        if state not in conditions:
            raise ValueError(f"unknown state {state!r}")
        return self.filter(conditions[state])


class TeamLink(models.Model):
    """A link many people join through, each making an account, up to ``uses_allowed``.

    Only the SHA-256 digest of the secret is stored. Accounts made through it
    get its groups, never staff status; with ``approval`` each join is an
    access request instead, which an administrator approves or declines.
    """

    class State(models.TextChoices):
        OPEN = "open", _("open")
        USED_UP = "used_up", _("used up")
        EXPIRED = "expired", _("expired")
        REVOKED = "revoked", _("revoked")

    name = models.CharField(
        _("name"), max_length=200, help_text=_("What it is for, e.g. “Data workshop, March”.")
    )
    digest = models.CharField(_("secret's SHA-256"), max_length=64, unique=True, editable=False)
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
    created_at = models.DateTimeField(_("created"), default=clock.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_via = models.CharField(_("created via"), max_length=10, choices=Link.Via.choices)
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

    objects = TeamLinkQuerySet.as_manager()

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
        AccessRequest,
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
