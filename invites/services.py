"""Every write that changes a link's state: issuing, revoking, redeeming.

The admin, the commands and the public page call these; nothing else writes
links.
"""

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.db import connection, transaction
from django.db.models import F, Q

from accounts import clock
from accounts.models import User
from accounts.powers import ensure_may_act_on
from invites.errors import IssueRefused, LinkInvalid
from invites.models import Link
from invites.selectors import link_get_open, users_refused_to_issuer
from invites.tokens import secret_digest, secret_make

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class IssuedLink:
    """A link just issued, with its secret: the only time the secret exists."""

    link: Link
    secret: str

    @property
    def user(self) -> User:
        return self.link.user


def default_max_age(purpose: str) -> timedelta:
    seconds = settings.INVITE_MAX_AGE if purpose == Link.Purpose.INVITE else settings.RESET_MAX_AGE
    return timedelta(seconds=seconds)


def purpose_for(user: User) -> str:
    """An invite for a user who never set a password, a reset for one who has."""
    return Link.Purpose.RESET if user.has_usable_password() else Link.Purpose.INVITE


@transaction.atomic
def links_issue(
    *,
    users: Sequence[User],
    issuer: User | None,
    via: str,
    max_age: timedelta | None = None,
    purpose: str | None = None,
) -> list[IssuedLink]:
    """Issue one link per user, revoking each user's older links.

    ``issuer`` is the administrator, or ``None`` for a command (which runs with
    the operator's full trust). Raises ``IssueRefused`` naming every user the
    issuer may not issue for (see ``users_refused_to_issuer``), and then issues
    nothing. ``purpose`` defaults to
    what each user needs (see ``purpose_for``). A constant number of queries,
    whatever the number of users.
    """
    users = list(users)
    if not users:
        return []
    if issuer is not None:
        refused = users_refused_to_issuer(issuer=issuer, users=users)
        if refused:
            raise IssueRefused(refused)
    now = clock.now()
    user_ids = [user.pk for user in users]
    # Lock the users' rows (in a fixed order, against deadlocks) so that two
    # administrators issuing for the same user at once queue up: the second
    # then sees and supersedes the first's link, leaving exactly one open.
    # SQLite has no row locks (Django would send a plain SELECT): there a
    # writing transaction holds the whole database until it commits, so
    # writers queue up anyway.
    if connection.features.has_select_for_update:
        list(
            User.objects.select_for_update()
            .filter(pk__in=user_ids)
            .order_by("pk")
            .values_list("pk")
        )
    links_revoke_for_users(
        user_ids=user_ids, reason=Link.RevokeReason.SUPERSEDED, by=issuer, now=now
    )
    issued = []
    for user in users:
        link_purpose = purpose or purpose_for(user)
        secret = secret_make()
        link = Link(
            user=user,
            purpose=link_purpose,
            digest=secret_digest(secret),
            created_at=now,
            expires_at=now + (max_age or default_max_age(link_purpose)),
            created_by=issuer,
            created_via=via,
        )
        issued.append(IssuedLink(link=link, secret=secret))
    Link.objects.bulk_create([item.link for item in issued])
    if issuer is not None:
        _log_on_users(
            actor_id=issuer.pk,
            users=users,
            flag=CHANGE,
            message="Issued a set-password link.",
        )
    return issued


def link_issue(
    *, user: User, issuer: User | None, via: str, max_age: timedelta | None = None
) -> IssuedLink:
    """Issue a link for one user; see ``links_issue``."""
    return links_issue(users=[user], issuer=issuer, via=via, max_age=max_age)[0]


def links_revoke_for_users(
    *,
    user_ids: Iterable[int],
    reason: str,
    by: User | None = None,
    now: datetime | None = None,
) -> int:
    """Revoke every unused, unrevoked link of these users; returns how many."""
    return (
        Link.objects.filter(user_id__in=list(user_ids))
        .unrevoked_unused()
        .update(revoked_at=now or clock.now(), revoked_by=by, revoke_reason=reason)
    )


def links_revoke_for_deactivated(*, user_ids: Iterable[int], now: datetime | None = None) -> int:
    """Close what deactivated users leave open: their own links, and those they issued.

    A link issued by an administrator lasts no longer than their powers; it
    would fail at redemption anyway (see ``selectors``), and revoking it now
    shows the administrator's own reason in the admin. Returns how many.
    """
    user_ids = list(user_ids)
    now = now or clock.now()
    own = links_revoke_for_users(
        user_ids=user_ids, reason=Link.RevokeReason.USER_DEACTIVATED, now=now
    )
    issued = (
        Link.objects.filter(created_by_id__in=user_ids)
        .unrevoked_unused()
        .update(revoked_at=now, revoke_reason=Link.RevokeReason.ISSUER_DEACTIVATED)
    )
    return own + issued


@transaction.atomic
def links_revoke(*, links: Iterable[Link], by: User) -> int:
    """Revoke links on an administrator's request; returns how many were open.

    Raises ``PowersExceeded`` naming the users whose powers exceed ``by``'s,
    and then revokes nothing: taking a link back from a more powerful
    account is acting on it.
    """
    ids = [link.pk for link in links]
    open_links = Link.objects.filter(pk__in=ids).unrevoked_unused()
    users = list(User.objects.filter(pk__in=open_links.values("user_id")))
    ensure_may_act_on(actor=by, users=users)
    _log_on_users(actor_id=by.pk, users=users, flag=CHANGE, message="Revoked a set-password link.")
    return open_links.update(
        revoked_at=clock.now(), revoked_by=by, revoke_reason=Link.RevokeReason.ADMIN
    )


def link_redeem(*, link: Link, password: str) -> User:
    """Set the user's password with an open link, consuming the link.

    The password must already be validated. The link is consumed by a
    conditional UPDATE in the same transaction that saves the password: of any
    number of simultaneous redemptions exactly one updates the row, and the
    others raise ``LinkInvalid`` having written nothing. The user's other links
    are revoked (by ``User.save``), and so are their sessions elsewhere: the
    session hash follows the password.
    """
    user = link.user
    # Hash before the transaction: Argon2 takes tens of milliseconds, which
    # should not be spent holding the database's write lock.
    user.set_password(password)
    with transaction.atomic():
        now = clock.now()
        # The user's row first: deactivation and this redemption exclude each
        # other, and a deactivated user's link sets nothing.
        if not User.objects.select_for_update().filter(pk=user.pk, is_active=True).exists():
            raise LinkInvalid(LinkInvalid.Reason.USER_INACTIVE, link.pk)
        # The issuer's powers as they are now, not as they were when the form
        # was shown (see ``selectors``).
        if link.created_by_id is not None:
            issuer = User.objects.filter(pk=link.created_by_id).first()
            if issuer is None or users_refused_to_issuer(issuer=issuer, users=[user]):
                raise LinkInvalid(LinkInvalid.Reason.ISSUER_POWERLESS, link.pk)
        elif link.created_via != Link.Via.COMMAND:
            raise LinkInvalid(LinkInvalid.Reason.ISSUER_POWERLESS, link.pk)
        # The condition names only the link's own columns. PostgreSQL re-checks
        # such a condition on the row a concurrent winner just committed; it
        # would not re-check a join or a subquery, and every racer would win.
        consumed = Link.objects.open(now).filter(pk=link.pk).update(used_at=now)
        if not consumed:
            # Lost a race, or the link closed since it was read: say why.
            link_get_open(link_id=link.pk)
            raise LinkInvalid(LinkInvalid.Reason.USED, link.pk)
        user.save(update_fields=["password"])
        _log_on_users(
            actor_id=user.pk,
            users=[user],
            flag=CHANGE,
            message=f"Set a password with a set-password link ({link.get_purpose_display()}).",
        )
    logger.info("Link %s redeemed: user %s set a password.", link.pk, user.pk)
    return user


# A link presented again after it closed is recorded at most this often, so
# that a flood of replays costs the database one write a minute per link.
PRESENTED_AGAIN_EVERY = timedelta(minutes=1)


def link_presented_again(*, link_id: int, address: str | None) -> bool:
    """Record that a used or revoked link was presented again; True if recorded.

    A closed link coming back means someone else may hold a copy of it: the
    link keeps how many times (counted at most once a minute), when last and
    from which address, and the log gets a warning. The person presenting it
    sees the same invalid page as for any other link.
    """
    now = clock.now()
    recorded = (
        Link.objects.filter(pk=link_id)
        .filter(Q(used_at__isnull=False) | Q(revoked_at__isnull=False))
        .filter(
            Q(presented_again_at__isnull=True)
            | Q(presented_again_at__lte=now - PRESENTED_AGAIN_EVERY)
        )
        .update(
            presented_again_count=F("presented_again_count") + 1,
            presented_again_at=now,
            presented_again_from=address,
        )
    )
    if recorded:
        logger.warning(
            "Link %s was presented again after it was used or revoked, from %s: "
            "someone else may hold a copy of it.",
            link_id,
            address,
        )
    return bool(recorded)


def _log_on_users(*, actor_id: int, users: Iterable[User], flag: int, message: str) -> None:
    """Write to the admin's LogEntry, so each user's History shows link events."""
    LogEntry.objects.log_actions(
        user_id=actor_id, queryset=list(users), action_flag=flag, change_message=message
    )
