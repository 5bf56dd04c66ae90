"""Writes on users that are more than one row: (de)activation in bulk."""

from collections.abc import Iterable

from django.db import transaction

from accounts.models import User
from accounts.powers import ensure_may_act_on
from accounts.signals import users_deactivated


@transaction.atomic
def users_deactivate(*, users: Iterable[User], actor: User) -> int:
    """Deactivate users (never ``actor``), announcing it (``users_deactivated``).

    Returns how many users were deactivated. Raises ``ValueError`` when
    ``actor`` is among them: an administrator cannot lock themself out; and
    ``PowersExceeded`` naming every user whose powers exceed ``actor``'s. Either
    way nothing is changed.
    """
    users = list(users)
    if actor.pk in {user.pk for user in users}:
        raise ValueError("actor cannot deactivate themself")
    ensure_may_act_on(actor=actor, users=users)
    user_ids = list(
        User.objects.filter(pk__in=[user.pk for user in users], is_active=True).values_list(
            "pk", flat=True
        )
    )
    count = User.objects.filter(pk__in=user_ids).update(is_active=False)
    users_deactivated.send(sender=User, user_ids=user_ids)
    return count


def users_reactivate(*, users: Iterable[User], actor: User) -> int:
    """Reactivate users; returns how many were deactivated before.

    Raises ``PowersExceeded`` naming every user whose powers exceed
    ``actor``'s, and then reactivates nobody.
    """
    users = list(users)
    ensure_may_act_on(actor=actor, users=users)
    return User.objects.filter(pk__in=[user.pk for user in users], is_active=False).update(
        is_active=True
    )
