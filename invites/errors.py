"""Why a presented link cannot set a password, and why a link was not issued."""

from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.powers import PowersExceeded


class LinkInvalid(Exception):
    """A link that cannot be used, with the reason for the log and the admin.

    The public page shows the same text whatever the reason: telling a
    stranger that a link existed but expired would confirm a guess.
    """

    class Reason(models.TextChoices):
        UNKNOWN = "unknown", _("unknown link")
        EXPIRED = "expired", _("expired")
        USED = "used", _("already used")
        REVOKED = "revoked", _("revoked")
        USER_INACTIVE = "user_inactive", _("user deactivated")
        ISSUER_POWERLESS = "issuer_powerless", _("its issuer may no longer issue it")

    def __init__(self, reason: "LinkInvalid.Reason", link_id: int | None = None):
        super().__init__(reason.label)
        self.reason = reason
        self.link_id = link_id


class IssueRefused(PowersExceeded):
    """The issuer may not issue links for some of the users asked for."""


class UsersInactive(Exception):
    """Some of the users asked for are deactivated: a link of theirs could set nothing."""

    def __init__(self, users: Iterable[User]):
        self.users = list(users)
        super().__init__(", ".join(user.email for user in self.users))


class AccessRequestsFull(Exception):
    """As many requests as ``ACCESS_REQUESTS_MAX_PENDING`` wait already: no more are taken."""


class AccessRequestRefused(Exception):
    """An access request that cannot be approved, with the reason an administrator reads."""

    class Reason(models.TextChoices):
        DECIDED = "decided", _("it was decided already")
        ACCOUNT_EXISTS = "account_exists", _("an account with this email address exists")

    def __init__(self, reason: "AccessRequestRefused.Reason"):
        super().__init__(reason.label)
        self.reason = reason


class TeamLinkRefused(Exception):
    """A team link that may not be made or revoked by this administrator, and why.

    ``groups`` are those that grant permissions the administrator lacks: a
    team link never hands out more than its issuer holds.
    """

    class Reason(models.TextChoices):
        NOT_ALLOWED = "not_allowed", _("you may not issue team links")
        GROUPS_BEYOND = "groups_beyond", _("some groups grant permissions you do not have")

    def __init__(self, reason: "TeamLinkRefused.Reason", groups: Iterable = ()):
        self.reason = reason
        self.groups = list(groups)
        super().__init__(reason.label)
