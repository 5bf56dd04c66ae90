"""Who may act on whom: the one rule every write on a user, or on a user's links, obeys.

Nobody acts on a user whose powers exceed their own. A superuser may act on
anyone. Anyone else may act only on users who are not superusers and hold no
permission the actor lacks: changing, (de)activating, issuing a reset link for
or revoking the links of a more powerful account would be a way to take it
over, or to lock its owner out. An inactive actor has no powers at all.

Groups obey the same rule, and nobody grants a permission they lack: not to a
user, not to a group (``permissions_beyond``), or they could grant it to
themselves.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.contrib.auth.models import Group, Permission
from django.db.models import Q, QuerySet

from accounts.models import User


class PowersExceeded(Exception):
    """The actor may not act on some of the users asked for; nothing was done."""

    def __init__(self, users: Iterable[User]):
        self.users = list(users)
        super().__init__(", ".join(user.email for user in self.users))


def users_beyond(*, actor: User, users: Iterable[User]) -> list[User]:
    """The users whose powers exceed ``actor``'s, in the order given.

    Costs no query for an active superuser; otherwise at most five however many
    users are asked about (two of them read the actor's own permissions, unless
    already cached).
    """
    users = list(users)
    if actor.is_active and actor.is_superuser:
        return []
    if not users:
        return []
    actor_permissions = actor.get_all_permissions() if actor.is_active else set()
    ids = [user.pk for user in users]
    held: dict[int, set[str]] = defaultdict(set)
    direct = User.user_permissions.through.objects.filter(user_id__in=ids).values_list(
        "user_id", "permission__content_type__app_label", "permission__codename"
    )
    for user_id, app_label, codename in direct:
        held[user_id].add(f"{app_label}.{codename}")
    memberships = User.groups.through.objects.filter(user_id__in=ids).values_list(
        "user_id", "group_id"
    )
    groups_of: dict[int, list[int]] = defaultdict(list)
    for user_id, group_id in memberships:
        groups_of[group_id].append(user_id)
    if groups_of:
        granted = Group.permissions.through.objects.filter(group_id__in=groups_of).values_list(
            "group_id", "permission__content_type__app_label", "permission__codename"
        )
        for group_id, app_label, codename in granted:
            for user_id in groups_of[group_id]:
                held[user_id].add(f"{app_label}.{codename}")
    return [user for user in users if user.is_superuser or not held[user.pk] <= actor_permissions]


def may_act_on(*, actor: User, user: User) -> bool:
    """Whether ``actor`` may change ``user``, their status or their links."""
    return not users_beyond(actor=actor, users=[user])


def users_within_powers(*, actor: User) -> QuerySet[User]:
    """The users ``actor`` may act on, as one query: ``may_act_on`` written as a condition.

    Everyone for an active superuser; otherwise users who are not superusers
    and hold no permission, directly or through a group, that ``actor`` lacks
    (an inactive actor holds none). A picker offers these; the write checks
    each chosen user again with ``ensure_may_act_on``.
    """
    if actor.is_active and actor.is_superuser:
        return User.objects.all()
    held = Permission.objects.filter(Q(user=actor) | Q(group__user=actor)).values("pk")
    if not actor.is_active:
        held = held.none()
    beyond = Permission.objects.exclude(pk__in=held)
    return (
        User.objects.filter(is_superuser=False)
        .exclude(user_permissions__in=beyond)
        .exclude(groups__permissions__in=beyond)
    )


def ensure_may_act_on(*, actor: User, users: Iterable[User]) -> None:
    """Raise ``PowersExceeded`` naming every user ``actor`` may not act on."""
    refused = users_beyond(actor=actor, users=users)
    if refused:
        raise PowersExceeded(refused)


def groups_beyond(*, actor: User, groups: Iterable[Group]) -> list[Group]:
    """The groups that grant a permission ``actor`` lacks, in the order given.

    Giving someone such a group would hand them powers beyond the giver's own
    (a team link, say). None for an active superuser; every group for an
    inactive actor that grants anything. Two queries at most.
    """
    groups = list(groups)
    if actor.is_active and actor.is_superuser:
        return []
    if not groups:
        return []
    actor_permissions = actor.get_all_permissions() if actor.is_active else set()
    granted: dict[int, set[str]] = defaultdict(set)
    rows = Group.permissions.through.objects.filter(
        group_id__in=[group.pk for group in groups]
    ).values_list("group_id", "permission__content_type__app_label", "permission__codename")
    for group_id, app_label, codename in rows:
        granted[group_id].add(f"{app_label}.{codename}")
    return [group for group in groups if not granted[group.pk] <= actor_permissions]


def permissions_beyond(*, actor: User, permissions: Iterable[Permission]) -> list[Permission]:
    """The permissions of ``permissions`` that ``actor`` lacks, each once, in the order given.

    None for an active superuser; all of them for an inactive actor. One
    query, besides reading the actor's own permissions unless cached.
    """
    if actor.is_active and actor.is_superuser:
        return []
    permissions = list(permissions)
    if not permissions:
        return []
    actor_permissions = actor.get_all_permissions() if actor.is_active else set()
    names = {
        pk: f"{app_label}.{codename}"
        for pk, app_label, codename in Permission.objects.filter(
            pk__in=[permission.pk for permission in permissions]
        ).values_list("pk", "content_type__app_label", "codename")
    }
    lacking = {pk for pk, name in names.items() if name not in actor_permissions}
    beyond = {}
    for permission in permissions:
        if permission.pk in lacking:
            beyond.setdefault(permission.pk, permission)
    return list(beyond.values())
