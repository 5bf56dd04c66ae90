"""Someone asking for an account, and what became of it."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts import clock
from accounts.models import SignInKeyField
from invites.keys.models import DigestKey


def pending_since() -> datetime:
    """Requests still pending from before this moment have expired.

    ``ACCESS_REQUESTS_PENDING_MAX_AGE`` ago: nobody decided in time.
    """
    return clock.now() - timedelta(seconds=settings.ACCESS_REQUESTS_PENDING_MAX_AGE)


class AccessRequestQuerySet(models.QuerySet):
    def pending(self):
        """Requests that wait for an administrator's decision and have not expired."""
        return self.filter(state=AccessRequest.State.PENDING, created_at__gt=pending_since())

    def expired(self):
        """Requests left pending longer than ``ACCESS_REQUESTS_PENDING_MAX_AGE``: nobody decided."""
        return self.filter(state=AccessRequest.State.PENDING, created_at__lte=pending_since())

    def purgeable(self, cutoff):
        """Requests declined, or left pending, since before ``cutoff``.

        Approved ones stay: they record who let whom in, and their status
        link leads to the user's link, which decides for itself.
        """
        return self.filter(
            Q(state=AccessRequest.State.DECLINED, decided_at__lt=cutoff)
            | Q(state=AccessRequest.State.PENDING, created_at__lt=cutoff)
        )


class AccessRequest(DigestKey):
    """Someone asking for an account (``ACCESS_REQUESTS``), and what became of it.

    The person who asked holds a status link; only its secret's digest is
    stored, as for a link. On approval that digest becomes the digest of the
    new user's invite link, so that the status link, and nobody else, sets
    the password.

    Every request is stored alike, whatever its email: one whose email
    already has an account can never be approved (approval creates an
    account and changes none), and the admin says so. Its status link works
    whatever the request's state: only an unknown one is refused.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        APPROVED = "approved", _("approved")
        DECLINED = "declined", _("declined")

    email = models.EmailField(_("email address"), max_length=254)
    # The address as sign-in compares it: "has an account" and approval look
    # accounts up by it (``User.email_key``).
    email_key = SignInKeyField(_("email key"), default="", db_index=True)
    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150)
    note = models.TextField(_("note"), max_length=1000)
    created_at = models.DateTimeField(_("requested"), default=clock.now)
    client_address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    # Its /24 or /64 (``networks.network_of``): requests from one network are
    # capped and declined together.
    client_network = models.CharField(_("client network"), max_length=50, blank=True)
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
            # The cap on one network's pending requests, and declining them all.
            models.Index(
                fields=["client_network", "-created_at"],
                condition=Q(state="pending"),
                name="invites_accessrequest_network",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_expired(self) -> bool:
        """Left pending past ``ACCESS_REQUESTS_PENDING_MAX_AGE``: no longer to approve."""
        return self.state == self.State.PENDING and self.created_at <= pending_since()
