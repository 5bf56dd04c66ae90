"""Every write SCIM makes, through the same rules as the admin's.

An API token acts for its owner: with the owner's permissions and powers
(``accounts.powers``), never more, and the audit trail names the token
(``Actor.token``, via ``api``). Accounts are created without a password and
answered with a set-password link (``invites.links.services.links_issue``:
one open link per user); deactivation goes through ``users_deactivate``, so
sessions, links and tokens end as they do from the admin. The errors raised
are SCIM's own (scim2-models), which the views answer as SCIM error bodies.
"""

from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.admin.models import ADDITION, CHANGE, DELETION
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from scim2_models import (
    ForbiddenException,
    InvalidValueException,
    MutabilityException,
    UniquenessException,
)

from accounts.audit import Actor, Happening, audit_record, audit_record_many
from accounts.models import User
from accounts.powers import PowersExceeded, groups_beyond, users_beyond
from accounts.services import users_deactivate, users_reactivate
from invites.batch.invitations import unusable_password
from invites.history import history_write
from invites.keys.models import Via
from invites.links.batches import IssuedLink
from invites.links.errors import IssueRefused
from invites.links.services import link_issue


@dataclass(frozen=True)
class Caller:
    """Who acts over SCIM: a token's owner, the token as the trail names it, and from where."""

    owner: User
    actor: Actor
    address: str | None = None


@dataclass(frozen=True)
class UserFields:
    """What SCIM may set on an account: a ``User`` resource's writable attributes."""

    email: str
    first_name: str = ""
    last_name: str = ""
    active: bool = True
    external_id: str = ""

    def checked(self) -> "UserFields":
        """These fields normalised, or ``InvalidValueException`` naming what is wrong."""
        email = User.objects.normalize_email((self.email or "").strip())
        try:
            validate_email(email)
        except ValidationError:
            raise InvalidValueException(
                detail=_("userName must be an email address; %(email)s is not one.")
                % {"email": repr(self.email)}
            ) from None
        for name, value, longest in (
            ("userName", email, 254),
            ("name.givenName", self.first_name, 150),
            ("name.familyName", self.last_name, 150),
            ("externalId", self.external_id, 255),
        ):
            if len(value) > longest:
                raise InvalidValueException(
                    detail=_("%(name)s is longer than %(longest)s characters.")
                    % {"name": name, "longest": longest}
                )
        return UserFields(email, self.first_name, self.last_name, self.active, self.external_id)


def permission_require(*, caller: Caller, permission: str) -> None:
    """Raise ``ForbiddenException`` unless the token's owner is active staff holding ``permission``.

    Staff, as in the admin: without it a user's permissions open nothing there,
    and a token gives no more than its owner has there.
    """
    owner = caller.owner
    if not owner.is_staff:
        raise ForbiddenException(detail=_("The token's owner is not a staff member."))
    if not (owner.is_active and owner.has_perm(permission)):
        raise ForbiddenException(
            detail=_("The token's owner lacks the permission %(permission)s.")
            % {"permission": permission}
        )


def _ensure_within_powers(caller: Caller, users: list[User]) -> None:
    beyond = users_beyond(actor=caller.owner, users=users)
    if beyond:
        raise ForbiddenException(
            detail=_(
                "The token's owner may not act on an account more powerful than their own: "
                "%(emails)s"
            )
            % {"emails": ", ".join(user.email for user in beyond)}
        )


def _ensure_unique(email: str, *, other_than: int | None = None) -> None:
    others = User.objects.by_email(email)
    if other_than is not None:
        others = others.exclude(pk=other_than)
    if others.exists():
        raise UniquenessException(
            detail=_("An account with the email %(email)s already exists.") % {"email": email}
        )


@contextmanager
def _unique(what: str):
    """The writes inside as one; a uniqueness the database enforces, as SCIM's 409.

    The checks before a write see no row made by a request running alongside;
    the database's unique index does, and the loser is told what exists.
    """
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        raise UniquenessException(detail=_("%(what)s exists already.") % {"what": what}) from None


@transaction.atomic
def user_create(*, caller: Caller, fields: UserFields) -> tuple[User, IssuedLink | None]:
    """Create an account without a password and issue its set-password link; all or none.

    The owner needs ``accounts.add_user`` and the right to issue links
    (``links_issue``'s rules). An account created inactive gets no link.
    """
    permission_require(caller=caller, permission="accounts.add_user")
    fields = fields.checked()
    _ensure_unique(fields.email)
    user = User(
        email=fields.email,
        first_name=fields.first_name,
        last_name=fields.last_name,
        is_active=fields.active,
        external_id=fields.external_id,
        password=unusable_password(),
    )
    with _unique(fields.email):
        user.save()
    history_write(actor_id=caller.owner.pk, flag=ADDITION, entries=[(user, [{"added": {}}])])
    audit_record(
        action="user.created",
        actor=caller.actor,
        target=user,
        detail={"fields": _set_fields(fields)},
        address=caller.address,
    )
    if not user.is_active:
        return user, None
    return user, _link_issue(caller, user)


def _set_fields(fields: UserFields) -> list[str]:
    """The fields a creation set, for the trail: never their values."""
    optional = ("first_name", "last_name", "external_id")
    return ["email", "is_active", *(name for name in optional if getattr(fields, name))]


def _link_issue(caller: Caller, user: User) -> IssuedLink:
    try:
        return link_issue(user=user, issuer=caller.owner, via=Via.API, actor=caller.actor)
    except IssueRefused:
        raise ForbiddenException(
            detail=_(
                "The token's owner may not issue set-password links for this account "
                "(it takes staff status, the permission invites.issue_link, and powers over it)."
            )
        ) from None


def _ensure_not_owner(caller: Caller, user: User, detail: str) -> None:
    # A token acts for its owner but is not them: were it able to set the
    # owner's password or sign-in email, a leaked token would be the account.
    if user.pk == caller.owner.pk:
        raise MutabilityException(detail=detail)


@transaction.atomic
def user_link_issue(*, caller: Caller, user: User) -> IssuedLink:
    """A new set-password link for ``user``, revoking their older ones; never the owner's."""
    _ensure_not_owner(
        caller, user, _("A token cannot issue a set-password link for its own owner.")
    )
    if not user.is_active:
        raise MutabilityException(
            detail=_("The account is deactivated: set active to true before issuing a link.")
        )
    return _link_issue(caller, user)


@transaction.atomic
def user_update(*, caller: Caller, user: User, fields: UserFields) -> User:
    """Set ``user``'s attributes to ``fields`` (a replacement, or a patch's result).

    The owner needs ``accounts.change_user`` and powers over ``user``. A new
    email revokes the user's open links (``User.save``); ``active`` goes
    through ``users_deactivate`` / ``users_reactivate``.
    """
    permission_require(caller=caller, permission="accounts.change_user")
    _ensure_within_powers(caller, [user])
    fields = fields.checked()
    if fields.email != user.email:
        _ensure_not_owner(caller, user, _("A token cannot change its own owner's email."))
        _ensure_unique(fields.email, other_than=user.pk)
    editable = ("email", "first_name", "last_name", "external_id")
    changed = [name for name in editable if getattr(user, name) != getattr(fields, name)]
    for name in changed:
        setattr(user, name, getattr(fields, name))
    if changed:
        with _unique(user.email):
            user.save(update_fields=changed)
        history_write(
            actor_id=caller.owner.pk,
            flag=CHANGE,
            entries=[(user, [{"changed": {"fields": changed}}])],
        )
        audit_record(
            action="user.changed",
            actor=caller.actor,
            target=user,
            detail={"fields": changed},
            address=caller.address,
        )
    if fields.active != user.is_active:
        _activity_set(caller, user, fields.active)
    return user


def _activity_set(caller: Caller, user: User, active: bool) -> None:
    try:
        if active:
            users_reactivate(users=[user], actor=caller.owner, by=caller.actor)
        else:
            users_deactivate(users=[user], actor=caller.owner, by=caller.actor)
    except ValueError:
        raise MutabilityException(
            detail=_("A token cannot deactivate its own owner's account.")
        ) from None
    except PowersExceeded:
        raise ForbiddenException(
            detail=_("The token's owner may not act on an account more powerful than their own.")
        ) from None
    user.is_active = active


@transaction.atomic
def user_delete(*, caller: Caller, user: User) -> None:
    """Delete ``user``'s account: ``accounts.delete_user`` and powers over them."""
    permission_require(caller=caller, permission="accounts.delete_user")
    _ensure_within_powers(caller, [user])
    if user.pk == caller.owner.pk:
        raise MutabilityException(detail=_("A token cannot delete its own owner's account."))
    history_write(actor_id=caller.owner.pk, flag=DELETION, entries=[(user, [])])
    audit_record(
        action="user.deleted",
        actor=caller.actor,
        target=user,
        detail={"object": user.email},
        address=caller.address,
    )
    user.delete()


def _ensure_group_within_powers(caller: Caller, group: Group) -> None:
    if groups_beyond(actor=caller.owner, groups=[group]):
        raise ForbiddenException(
            detail=_("The group %(name)s grants permissions the token's owner lacks.")
            % {"name": group.name}
        )


def _members(ids: list[int]) -> list[User]:
    members = list(User.objects.filter(pk__in=ids))
    if len(members) != len(set(ids)):
        raise InvalidValueException(detail=_("members names a user that does not exist."))
    return members


@transaction.atomic
def group_create(*, caller: Caller, name: str, member_ids: list[int]) -> Group:
    """A new group (``auth.add_group``), with members the owner has powers over."""
    permission_require(caller=caller, permission="auth.add_group")
    name = _group_name_checked(name)
    with _unique(name):
        group = Group.objects.create(name=name)
    audit_record(
        action="group.created",
        actor=caller.actor,
        detail={"group": name},
        address=caller.address,
    )
    if member_ids:
        _members_set(caller, group, member_ids)
    return group


def _group_name_checked(name: str, *, other_than: int | None = None) -> str:
    name = (name or "").strip()
    if not name or len(name) > 150:
        raise InvalidValueException(detail=_("displayName must be 1 to 150 characters."))
    others = Group.objects.filter(name=name)
    if other_than is not None:
        others = others.exclude(pk=other_than)
    if others.exists():
        raise UniquenessException(
            detail=_("A group named %(name)s already exists.") % {"name": name}
        )
    return name


@transaction.atomic
def group_update(*, caller: Caller, group: Group, name: str, member_ids: list[int]) -> Group:
    """Rename ``group`` and set its members (``auth.change_group``, within the owner's powers)."""
    permission_require(caller=caller, permission="auth.change_group")
    _ensure_group_within_powers(caller, group)
    name = _group_name_checked(name, other_than=group.pk)
    if name != group.name:
        old, group.name = group.name, name
        with _unique(name):
            group.save(update_fields=["name"])
        audit_record(
            action="group.changed",
            actor=caller.actor,
            detail={"group": name, "renamed_from": old},
            address=caller.address,
        )
    _members_set(caller, group, member_ids)
    return group


def _members_set(caller: Caller, group: Group, member_ids: list[int]) -> None:
    """Make ``member_ids`` the group's members: each one added or removed is acted on."""
    _ensure_group_within_powers(caller, group)
    wanted = set(member_ids)
    current = set(group.user_set.values_list("pk", flat=True))
    added, removed = _members(sorted(wanted - current)), _members(sorted(current - wanted))
    if not added and not removed:
        return
    permission_require(caller=caller, permission="accounts.change_user")
    _ensure_within_powers(caller, [*added, *removed])
    group.user_set.add(*added)
    group.user_set.remove(*removed)
    audit_record_many(
        actor=caller.actor,
        happenings=[
            *(
                Happening("user.changed", user, _membership(group, "added"), caller.address)
                for user in added
            ),
            *(
                Happening("user.changed", user, _membership(group, "removed"), caller.address)
                for user in removed
            ),
        ],
    )


def _membership(group: Group, how: str) -> dict:
    return {"fields": ["groups"], "groups": {how: [group.name]}}


@transaction.atomic
def group_delete(*, caller: Caller, group: Group) -> None:
    """Delete ``group`` (``auth.delete_group``, within the owner's powers)."""
    permission_require(caller=caller, permission="auth.delete_group")
    _ensure_group_within_powers(caller, group)
    members = list(group.user_set.all())
    _ensure_within_powers(caller, members)
    audit_record(
        action="group.deleted",
        actor=caller.actor,
        detail={"group": group.name, "members": len(members)},
        address=caller.address,
    )
    group.delete()
