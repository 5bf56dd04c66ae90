"""Reads on links: presented secrets to rows, and who may issue for whom."""

from collections import defaultdict
from collections.abc import Iterable

from django.contrib.auth.models import Group

from accounts.models import User
from invites import clock
from invites.errors import LinkInvalid
from invites.models import Link
from invites.tokens import looks_like_secret, secret_digest


def _check(link: Link | None) -> Link:
    """Return ``link`` if it can set a password now, else raise ``LinkInvalid``."""
    if link is None:
        raise LinkInvalid(LinkInvalid.Reason.UNKNOWN)
    if link.used_at is not None:
        raise LinkInvalid(LinkInvalid.Reason.USED, link.pk)
    if link.revoked_at is not None:
        raise LinkInvalid(LinkInvalid.Reason.REVOKED, link.pk)
    if link.expires_at <= clock.now():
        raise LinkInvalid(LinkInvalid.Reason.EXPIRED, link.pk)
    if not link.user.is_active:
        raise LinkInvalid(LinkInvalid.Reason.USER_INACTIVE, link.pk)
    return link


def link_get_open(
    *, secret: str | None = None, digest: str | None = None, link_id: int | None = None
) -> Link:
    """Turn a presented secret (or its digest, or a link's id) into an open link.

    The only way from a token to a row. Raises ``LinkInvalid`` with the reason
    when there is no such link or it can no longer set a password.
    """
    if secret is not None:
        if not looks_like_secret(secret):
            raise LinkInvalid(LinkInvalid.Reason.UNKNOWN)
        lookup = {"digest": secret_digest(secret)}
    elif digest is not None:
        lookup = {"digest": digest}
    elif link_id is not None:
        lookup = {"pk": link_id}
    else:
        raise TypeError("link_get_open() needs a secret, a digest or a link_id")
    # get(), not first(): both columns are unique, and an ORDER BY would cost
    # the invitee's page time for nothing.
    try:
        link = Link.objects.select_related("user").get(**lookup)
    except Link.DoesNotExist:
        link = None
    return _check(link)


def links_of_user(*, user: User, limit: int) -> list[Link]:
    """The user's ``limit`` newest links, with who made and who revoked them."""
    return list(
        Link.objects.filter(user=user)
        .select_related("created_by", "revoked_by")
        .order_by("-created_at", "-pk")[:limit]
    )


def users_beyond_issuer(*, issuer: User, users: Iterable[User]) -> list[User]:
    """The users whose powers exceed ``issuer``'s: issuing for them is refused.

    A superuser may issue for anyone. Anyone else may issue only for users who
    are not superusers and hold no permission the issuer lacks: a reset link
    for a more powerful account would be a way to take it over. Costs at most
    four queries however many users are asked about.
    """
    users = list(users)
    if issuer.is_active and issuer.is_superuser:
        return []
    issuer_permissions = issuer.get_all_permissions() if issuer.is_active else set()
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
    return [user for user in users if user.is_superuser or not held[user.pk] <= issuer_permissions]
