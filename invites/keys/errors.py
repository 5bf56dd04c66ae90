"""Why a presented key cannot be used."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class KeyInvalid(Exception):
    """A key that cannot be used, with the reason for the log and the admin.

    The public pages show the same text whatever the reason: telling a
    stranger that a key existed but expired would confirm a guess.
    """

    class Reason(models.TextChoices):
        UNKNOWN = "unknown", _("unknown link")
        EXPIRED = "expired", _("expired")
        USED = "used", _("already used")
        REVOKED = "revoked", _("revoked")
        USER_INACTIVE = "user_inactive", _("user deactivated")
        ISSUER_POWERLESS = "issuer_powerless", _("its issuer may no longer issue it")

    def __init__(self, reason: "KeyInvalid.Reason", key_id: int | None = None):
        super().__init__(reason.label)
        self.reason = reason
        self.key_id = key_id
