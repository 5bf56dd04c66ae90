"""Writes on users that are more than one row: (de)activation in bulk."""

from collections.abc import Iterable

from django.db import transaction

from accounts.models import User


@transaction.atomic
def users_deactivate(*, users: Iterable[User], actor: User) -> int:
    """Deactivate users (never ``actor``) and revoke their open links.

    Returns how many users were deactivated. Raises ``ValueError`` when
    ``actor`` is among them: an administrator cannot lock themself out.
    """
    from invites.models import Link
    from invites.services import links_revoke_for_users

    ids = [user.pk for user in users]
    if actor.pk in ids:
        raise ValueError("actor cannot deactivate themself")
    user_ids = list(User.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))
    count = User.objects.filter(pk__in=user_ids).update(is_active=False)
    links_revoke_for_users(user_ids=user_ids, reason=Link.RevokeReason.USER_DEACTIVATED)
    return count


def users_reactivate(*, users: Iterable[User]) -> int:
    """Reactivate users; returns how many were deactivated before."""
    return User.objects.filter(pk__in=[user.pk for user in users], is_active=False).update(
        is_active=True
    )
