"""Reads of API tokens and of whom they may be issued for."""

from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet

from accounts.models import User
from invites.tokens.models import ApiToken


def tokens_of_owner(*, owner: User) -> QuerySet[ApiToken]:
    """``owner``'s tokens that still work (neither revoked nor expired), newest first."""
    return ApiToken.objects.filter(owner=owner).active().select_related("created_by")


def owners_for_issuer(*, issuer: User) -> QuerySet[User]:
    """The active users ``issuer`` may issue tokens for, as one query.

    The rule of ``accounts.powers.may_act_on`` written as a condition: anyone
    for an active superuser; otherwise users who are not superusers and hold
    no permission, directly or through a group, that ``issuer`` lacks.
    ``token_issue`` checks each owner again with ``may_act_on`` itself.
    """
    users = User.objects.filter(is_active=True)
    if not issuer.is_active:
        return users.none()
    if issuer.is_superuser:
        return users
    held = Permission.objects.filter(Q(user=issuer) | Q(group__user=issuer)).values("pk")
    beyond = Permission.objects.exclude(pk__in=held)
    return (
        users.filter(is_superuser=False)
        .exclude(user_permissions__in=beyond)
        .exclude(groups__permissions__in=beyond)
    )
