"""Why an API token was not issued."""

from django.utils.translation import gettext as _

from accounts.models import User


class TokenRefused(Exception):
    """The token was not issued, and nothing was written; the message says why."""


class LifetimeRefused(TokenRefused, ValueError):
    """The lifetime asked for is not above zero, or longer than ``API_TOKEN_MAX_AGE``."""


class DescriptionRefused(TokenRefused, ValueError):
    """The description is empty, or longer than the column."""


class OwnerInactive(TokenRefused):
    """The owner is deactivated: a token of theirs could do nothing."""

    def __init__(self, owner: User):
        self.owner = owner
        super().__init__(_("%(email)s is deactivated.") % {"email": owner.email})


class IssuerPowerless(TokenRefused):
    """The issuer may not issue tokens, or not for this owner (``ApiToken.issuer_empowered``)."""

    def __init__(self, owner: User):
        self.owner = owner
        super().__init__(_("You may not issue API tokens for %(email)s.") % {"email": owner.email})
