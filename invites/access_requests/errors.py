"""Why an access request was not taken, or cannot be approved."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessRequestsFull(Exception):
    """As many requests as ``ACCESS_REQUESTS_MAX_PENDING`` wait already: no more are taken."""


class AccessRequestRefused(Exception):
    """An access request that cannot be approved, with the reason an administrator reads."""

    class Reason(models.TextChoices):
        DECIDED = "decided", _("it was decided already")
        ACCOUNT_EXISTS = "account_exists", _("an account with this email address exists")
        EXPIRED = "expired", _("it waited longer than requests may, and expired")

    def __init__(self, reason: "AccessRequestRefused.Reason"):
        super().__init__(reason.label)
        self.reason = reason
