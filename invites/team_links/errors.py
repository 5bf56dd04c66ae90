"""Why a team link may not be made or revoked."""

from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext_lazy as _


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
