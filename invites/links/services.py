"""Every write that changes a link's state: issuing, revoking, redeeming, purging.

The admin, the commands, the access requests and the public page call these;
nothing else writes links. Issuing has three entry points (for users, for
users' ids in bulk, for a digest the server never saw) that share one set of
rules: ``_issuable``, then ``_insert``.
"""

import logging
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.admin.models import CHANGE
from django.db import connection, transaction
from django.db.models import Q

from accounts import clock
from accounts.audit import Actor, Happening, audit_record, audit_record_many
from accounts.models import User
from accounts.powers import ensure_may_act_on
from accounts.sql import in_values, rows_insert
from accounts.two_factor import Enrolment, device_enrol
from invites.history import history_write, link_event
from invites.keys.durations import max_age_check
from invites.keys.errors import KeyInvalid
from invites.keys.models import Tripwire, Via
from invites.keys.secrets import secret_digest, secret_make
from invites.links.batches import IssuedLink, LinkBatch, issued_event
from invites.links.errors import IssueRefused, UsersInactive
from invites.links.models import Link, PurgedLink
from invites.links.selectors import users_refused_to_issuer

logger = logging.getLogger(__name__)

Purpose = Link.Purpose


def default_max_age(purpose: Purpose) -> timedelta:
    seconds = settings.INVITE_MAX_AGE if purpose == Purpose.INVITE else settings.RESET_MAX_AGE
    return timedelta(seconds=seconds)


def purpose_for(user: User) -> Purpose:
    """An invite for a user who never set a password, a reset for one who has."""
    return Purpose.RESET if user.has_usable_password() else Purpose.INVITE


@transaction.atomic
def links_issue(
    *,
    users: Sequence[User],
    issuer: User | None,
    via: Via,
    purpose: Purpose | None = None,
    max_age: timedelta | None = None,
    actor: Actor | None = None,
) -> LinkBatch:
    """Issue one link per user, revoking each user's older links; all or none.

    ``issuer`` is the administrator, or None for a command (which runs with
    the operator's full trust). ``UsersInactive`` names every deactivated
    user, ``IssueRefused`` every user beyond the issuer's powers, and nothing
    is issued. ``purpose`` defaults to what each user needs (``purpose_for``),
    ``max_age`` to the purpose's setting, at most ``LINK_MAX_AGE_LIMIT``
    (``ValueError``). An issuer's links go in each user's History. The
    audit trail names ``actor``, by default the issuer (or the command). A
    constant number of queries, whatever the number of users.
    """
    users = list(users)
    _max_age_check(max_age)
    inactive = [user for user in users if not user.is_active]
    if inactive:
        raise UsersInactive(inactive)
    if issuer is not None:
        refused = users_refused_to_issuer(issuer=issuer, users=users)
        if refused:
            raise IssueRefused(refused)
    purposes = [purpose or purpose_for(user) for user in users]
    batch = _insert([user.pk for user in users], purposes, issuer=issuer, via=via, max_age=max_age)
    if issuer is not None:
        history_write(
            actor_id=issuer.pk,
            flag=CHANGE,
            entries=[
                (user, [link_event("added", Purpose(item.purpose).label, item.link_id)])
                for user, item in zip(users, batch, strict=True)
            ],
        )
    audit_record_many(
        actor=actor or Actor.of(issuer, via),
        happenings=[issued_event(item, user) for user, item in zip(users, batch, strict=True)],
    )
    return LinkBatch(
        tuple(replace(item, user=user) for item, user in zip(batch, users, strict=True)),
        superseded=batch.superseded,
    )


def link_issue(*, user: User, issuer: User | None, via: Via, **options) -> IssuedLink:
    """Issue a link for one user; ``links_issue``'s rules and options (max_age, actor)."""
    return links_issue(users=[user], issuer=issuer, via=via, **options)[0]


@transaction.atomic
def links_issue_for_ids(
    *, user_ids: Sequence[int], purpose: Purpose, max_age: timedelta | None = None
) -> LinkBatch:
    """Issue a command's links for users given by id: tens of thousands, no row each.

    The rules of ``links_issue``, for a command (no issuer): ``UsersInactive``
    when any user is deactivated. The links go in with a statement per 5,000
    (``sql.rows_insert``); no other query grows with the number of users.
    """
    _max_age_check(max_age)
    ids = list(user_ids)
    if not ids:
        return LinkBatch()
    inactive = list(User.objects.filter(pk__in=in_values(ids), is_active=False))
    if inactive:
        raise UsersInactive(inactive)
    return _insert(ids, [purpose] * len(ids), issuer=None, via=Via.COMMAND, max_age=max_age)


@transaction.atomic
def link_issue_for_digest(*, user: User, issuer: User, digest: str) -> None:
    """Issue an invite whose secret the server never saw, only its ``digest``.

    An approved access request's: its status link's holder alone then sets
    the password. The rules of ``links_issue`` hold (``IssueRefused``).
    """
    refused = users_refused_to_issuer(issuer=issuer, users=[user])
    if refused:
        raise IssueRefused(refused)
    batch = _insert(
        [user.pk], [Purpose.INVITE], issuer=issuer, via=Via.ADMIN, max_age=None, digests=[digest]
    )
    history_write(
        actor_id=issuer.pk,
        flag=CHANGE,
        entries=[(user, [link_event("added", Purpose.INVITE.label, batch[0].link_id)])],
    )
    audit_record_many(actor=Actor.of(issuer, Via.ADMIN), happenings=[issued_event(batch[0], user)])


def _max_age_check(max_age: timedelta | None) -> None:
    # No path issues a link longer-lived than the ceiling: the admin's form
    # and the commands' options say so first, in their own words.
    if max_age is not None:
        max_age_check(max_age)


def _insert(
    ids: list[int],
    purposes: list[Purpose],
    *,
    issuer: User | None,
    via: Via,
    max_age: timedelta | None,
    digests: list[str] | None = None,
) -> LinkBatch:
    """Insert an open link for each user id, superseding their older ones.

    The caller has checked the rules. ``digests``, if given, are stored in
    place of fresh secrets' digests, and the links returned carry no secret.
    """
    if not ids:
        return LinkBatch()
    _users_lock(ids)
    now = clock.now()
    superseded = links_revoke_for_users(
        user_ids=ids, reason=Link.RevokeReason.SUPERSEDED, by=issuer, now=now
    )
    expires_at = {each: now + (max_age or default_max_age(each)) for each in set(purposes)}
    expiry_field = Link._meta.get_field("expires_at")
    stored_expiry = {
        each: expiry_field.get_db_prep_save(moment, connection)
        for each, moment in expires_at.items()
    }
    secrets = [""] * len(ids) if digests else [secret_make() for _ in ids]
    digests = digests or [secret_digest(secret) for secret in secrets]
    pks = dict(
        rows_insert(
            Link,
            ("user", "purpose", "digest", "expires_at"),
            zip(ids, purposes, digests, [stored_expiry[each] for each in purposes], strict=True),
            returning=("digest", "id"),
            created_at=now,
            created_by=issuer,
            created_via=via,
        )
    )
    links = (
        IssuedLink(
            link_id=pks[digest],
            user_id=user_id,
            purpose=Purpose(purpose),
            expires_at=expires_at[purpose],
            secret=secret,
        )
        for user_id, purpose, secret, digest in zip(ids, purposes, secrets, digests, strict=True)
    )
    return LinkBatch(tuple(links), superseded=superseded)


def _users_lock(ids: list[int]) -> None:
    """Lock the users' rows, so that two issuers for the same user queue up.

    The second then sees and supersedes the first's link, leaving exactly one
    open. In a fixed order, against deadlocks. SQLite has no row locks
    (Django would send a plain SELECT): there a writing transaction holds the
    whole database until it commits, so writers queue up anyway.
    """
    if connection.features.has_select_for_update:
        list(
            User.objects.select_for_update()
            .filter(pk__in=in_values(ids))
            .order_by("pk")
            .values_list("pk")
        )


def links_revoke_for_users(
    *,
    user_ids: Iterable[int],
    reason: Link.RevokeReason,
    by: User | None = None,
    now: datetime | None = None,
) -> int:
    """Revoke every unused, unrevoked link of these users; returns how many."""
    return (
        Link.objects.filter(user_id__in=in_values(list(user_ids)))
        .unrevoked_unused()
        .update(revoked_at=now or clock.now(), revoked_by=by, revoke_reason=reason)
    )


def links_revoke_for_deactivated(*, user_ids: Iterable[int], now: datetime | None = None) -> int:
    """Close what deactivated users leave open: their own links, and those they issued.

    A link issued by an administrator lasts no longer than their powers; it
    would fail at redemption anyway (``Link.refusal``), and revoking it now
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
    closing = list(open_links.select_related("user").order_by("pk"))
    ensure_may_act_on(actor=by, users=list({link.user_id: link.user for link in closing}.values()))
    history_write(
        actor_id=by.pk,
        flag=CHANGE,
        entries=[
            (
                link.user,
                [link_event("changed", link.get_purpose_display(), link.pk, fields=["revoked"])],
            )
            for link in closing
        ],
    )
    audit_record_many(
        actor=Actor.person(by, Via.ADMIN),
        happenings=[
            Happening("link.revoked", link.user, {"purpose": link.purpose, "link": link.pk})
            for link in closing
        ],
    )
    return open_links.update(
        revoked_at=clock.now(), revoked_by=by, revoke_reason=Link.RevokeReason.ADMIN
    )


def link_redeem(*, link: Link, password: str, enrolment: Enrolment | None = None) -> User:
    """Set the user's password with an open link, consuming the link.

    With ``enrolment`` (a key whose code was just checked), the user's new
    authenticator is confirmed, any older device deleted, in the same
    transaction: the account is set up whole or not at all.

    The password must already be validated. The link is read again, its user
    locked, and consumed by a conditional UPDATE in the transaction that
    saves the password: of any number of simultaneous redemptions exactly one
    updates the row, and the others raise ``KeyInvalid`` having written
    nothing. The user's other links are revoked (by ``User.save``), and so are
    their sessions elsewhere: the session hash follows the password.
    """
    user = link.user
    # Hash before the transaction: Argon2 takes tens of milliseconds, which
    # should not be spent holding the database's write lock.
    user.set_password(password)
    with transaction.atomic():
        now = clock.now()
        # The user's row first: deactivation and this redemption exclude each
        # other. Then the link as it is now, with its user and its issuer's
        # powers, not as they were when the form was shown.
        list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk"))
        Link.open_by(pk=link.pk)
        # The condition names only the link's own columns. PostgreSQL re-checks
        # such a condition on the row a concurrent winner just committed; it
        # would not re-check a join or a subquery, and every racer would win.
        if not Link.objects.open(now).filter(pk=link.pk).update(used_at=now):
            Link.open_by(pk=link.pk)  # closed since it was read: say why
            raise KeyInvalid(KeyInvalid.Reason.USED, link.pk)
        user.save(update_fields=["password"])
        if enrolment is not None:
            device_enrol(user=user, enrolment=enrolment)
        used = link_event("changed", link.get_purpose_display(), link.pk, fields=["used"])
        history_write(
            actor_id=user.pk,
            flag=CHANGE,
            entries=[(user, [used, {"changed": {"fields": ["password"]}}])],
        )
        audit_record(
            action="link.redeemed",
            actor=Actor(user.email, Via.PUBLIC),
            target=user,
            detail={
                "purpose": link.purpose,
                "link": link.pk,
                "authenticator": enrolment is not None,
            },
        )
    logger.info("Link %s redeemed: user %s set a password.", link.pk, user.pk)
    return user


# The log warns of a link presented again at most this often: a flood of
# replays is counted in full on the link, not written to the log in full.
WARN_AGAIN_AFTER = timedelta(minutes=1)


@transaction.atomic
def link_presented_again(
    *, key_id: int | None = None, digest: str | None = None, address: str | None
) -> bool:
    """Record that a used, revoked or purged link was presented again; True if one was.

    A closed link coming back means someone else may hold a copy of it. The
    link (``key_id``), or what purging kept of it (``digest``), counts every
    presentation, with the first and last moment and the addresses
    (``Tripwire.trip``); the log gets a warning, at most once a minute per
    link. The person presenting it sees the same invalid page as for any
    other link. An open link, or a digest nothing knows, records nothing.
    """
    if key_id is not None:
        closed = Q(used_at__isnull=False) | Q(revoked_at__isnull=False)
        tripped = Link.objects.select_for_update(of=("self",)).select_related("user")
        tripped = tripped.filter(closed, pk=key_id).first()
    else:
        tripped = PurgedLink.objects.select_for_update(of=("self",)).select_related("user")
        tripped = tripped.filter(digest=digest).first()
    if tripped is None:
        return False
    now = clock.now()
    first, last = tripped.presented_again_first_at, tripped.presented_again_at
    tripped.trip(address=address, now=now)
    tripped.save(update_fields=Tripwire.TRIPWIRE_FIELDS)
    audit_record(
        action="link.presented_again",
        actor=Actor("system", Via.PUBLIC),
        target=tripped.user,
        address=address,
        detail={"purged": key_id is None, "times": tripped.presented_again_count},
    )
    # Once in each minute counted from the first presentation.
    if last is None or (now - first) // WARN_AGAIN_AFTER != (last - first) // WARN_AGAIN_AFTER:
        logger.warning(
            "%s was presented again after it was used or revoked, from %s: "
            "someone else may hold a copy of it (%d times in all).",
            f"Link {key_id}" if key_id is not None else f"A purged link of user {tripped.user_id}",
            address,
            tripped.presented_again_count,
        )
    return True
