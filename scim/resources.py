"""The project's rows as SCIM resources: what every read and write answers with."""

from django.contrib.auth.models import Group as DjangoGroup
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from scim2_models import Email, GroupMembership, Meta

from accounts.models import User as Account
from invites.keys.kinds import SET_PASSWORD
from invites.keys.urls import key_url
from invites.links.batches import IssuedLink
from scim.schemas import Group, Member, SetPasswordLink, UserName, UserWithLink


def users_for_reading(users: QuerySet[Account]) -> QuerySet[Account]:
    """``users`` with what their resources show, fetched in one more query a page."""
    return users.prefetch_related(
        Prefetch("groups", queryset=DjangoGroup.objects.only("pk", "name").order_by("pk"))
    )


def members_of(groups: list[DjangoGroup]) -> dict[int, list[int]]:
    """Each group's members' ids, in one query however many groups."""
    members: dict[int, list[int]] = {group.pk: [] for group in groups}
    rows = (
        Account.groups.through.objects.filter(group_id__in=list(members))
        .order_by("user_id")
        .values_list("group_id", "user_id")
    )
    for group_id, user_id in rows:
        members[group_id].append(user_id)
    return members


def user_resource(
    user: Account, *, base: str, link: IssuedLink | None = None, request: HttpRequest | None = None
) -> UserWithLink:
    """``user`` as SCIM shows them; with ``link``, the set-password link issued just now.

    ``base`` is the service's absolute URL, ending in ``/scim/v2``; the link
    starts with ``SITE_URL``, or the request's host (``key_url``).
    """
    full_name = user.get_full_name()
    resource = UserWithLink(
        id=str(user.pk),
        external_id=user.external_id or None,
        user_name=user.email,
        name=UserName(
            given_name=user.first_name or None,
            family_name=user.last_name or None,
        ),
        display_name=full_name or user.email,
        active=user.is_active,
        # Not validated again: the address was checked when it was stored,
        # by Django's rules, which accept some that pydantic's would not.
        emails=[Email.model_construct(value=user.email, primary=True, type=Email.Type.work)],
        groups=[
            GroupMembership(
                value=str(group.pk), ref=f"{base}/Groups/{group.pk}", display=group.name
            )
            for group in user.groups.all()
        ]
        or None,
        meta=Meta(
            resource_type="User",
            created=user.date_joined,
            last_modified=user.date_joined,
            location=f"{base}/Users/{user.pk}",
        ),
    )
    if link is not None:
        resource[SetPasswordLink] = SetPasswordLink(
            set_password_link=key_url(SET_PASSWORD, link.secret, request=request),
            set_password_link_expires=link.expires_at,
        )
    return resource


def group_resource(group: DjangoGroup, *, base: str, members: list[int] | None = None) -> Group:
    """``group`` as SCIM shows it, with ``members`` (``members_of``) where the answer shows them."""
    return Group(
        id=str(group.pk),
        display_name=group.name,
        members=[Member(value=str(pk), ref=f"{base}/Users/{pk}", type="User") for pk in members]
        if members
        else None,
        meta=Meta(resource_type="Group", location=f"{base}/Groups/{group.pk}"),
    )
