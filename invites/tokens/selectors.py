"""Reads of API tokens and of whom they may be issued for."""

from django.db.models import QuerySet

from accounts.models import User
from accounts.powers import users_within_powers
from invites.tokens.models import ApiToken


def tokens_of_owner(*, owner: User) -> QuerySet[ApiToken]:
    """``owner``'s tokens that still work (neither revoked nor expired), newest first."""
    return ApiToken.objects.filter(owner=owner).active().select_related("created_by")


def owners_for_issuer(*, issuer: User) -> QuerySet[User]:
    """The active users ``issuer`` may issue tokens for: those within their powers, one query.

    No one for an inactive issuer, who may issue nothing.
    """
    if not issuer.is_active:
        return User.objects.none()
    return users_within_powers(actor=issuer).filter(is_active=True)
