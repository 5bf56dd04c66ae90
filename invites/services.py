"""Every write that changes a link's state: issuing, revoking, redeeming, purging.

The admin, the commands and the public page call these; nothing else writes
links. Every link comes into being through ``links_insert``.
"""

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F, Q
from django.utils import translation
from django.utils.translation import gettext_noop

from accounts import clock
from accounts.models import User
from accounts.powers import ensure_may_act_on
from accounts.two_factor import Enrolment, device_enrol
from invites.bulk import in_values, rows_insert
from invites.durations import max_age_check
from invites.errors import (
    AccessRequestRefused,
    AccessRequestsFull,
    IssueRefused,
    LinkInvalid,
    UsersInactive,
)
from invites.models import AccessRequest, Link
from invites.selectors import link_open_by_id, users_refused_to_issuer
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


class LinkBatch(list):
    """Links just issued (``NewLink`` or ``IssuedLink``), in the order of their users.

    ``superseded`` is how many older open links of these users the new ones
    revoked: the revoking UPDATE's row count, so it costs no query.
    """

    def __init__(self, links: Iterable = (), *, superseded: int = 0) -> None:
        super().__init__(links)
        self.superseded = superseded


def default_max_age(purpose: str) -> timedelta:
    seconds = settings.INVITE_MAX_AGE if purpose == Link.Purpose.INVITE else settings.RESET_MAX_AGE
    return timedelta(seconds=seconds)


def purpose_for(user: User) -> str:
    """An invite for a user who never set a password, a reset for one who has."""
    return Link.Purpose.RESET if user.has_usable_password() else Link.Purpose.INVITE


@dataclass(frozen=True, slots=True)
class NewLink:
    """A link just inserted, with its secret: the only time the secret exists."""

    pk: int
    user_id: int
    purpose: str
    # None for a link given its digest (``links_insert(digests=…)``): its
    # secret was made, and is held, elsewhere.
    secret: str | None
    created_at: datetime
    expires_at: datetime


@transaction.atomic
def links_insert(
    *,
    users: Sequence[User] = (),
    user_ids: Sequence[int] = (),
    issuer: User | None,
    via: str,
    purpose: str | None = None,
    max_age: timedelta | None = None,
    digests: Sequence[str] | None = None,
) -> LinkBatch:
    """Insert an open link for each user: the one way a link comes to be.

    Every rule of issuing holds here, and a refusal writes nothing:

    - a deactivated user gets no link: ``UsersInactive`` names them all;
    - ``issuer``, an administrator, issues only for users within their powers:
      ``IssueRefused`` names the others (see ``users_refused_to_issuer``).
      ``None`` is a command, which runs with the operator's full trust;
    - a user holds one open link: the new one supersedes their older ones;
    - ``purpose`` defaults to what each user needs (see ``purpose_for``) and
      ``max_age`` to the purpose's setting; an issuer's links go in each
      user's History;
    - ``max_age`` is at most ``LINK_MAX_AGE_LIMIT``: ``ValueError`` says so.

    Give ``users``, or ``user_ids`` where a model instance per user would cost
    more than the rest (the invite command's tens of thousands); links for
    users given by id need a ``purpose`` and no issuer. The links go in with
    a statement per 5,000 (see ``bulk.rows_insert``); no other query grows
    with the number of users. Returns the links (``NewLink``) in the order of
    the users, a ``LinkBatch`` that counts the older links they superseded.

    ``digests``, one per user, are stored in place of fresh secrets' digests:
    for a secret the server never saw, an approved access request's, whose
    holder alone then sets the password. The links returned have no secret.
    """
    if user_ids and (users or issuer is not None or purpose is None):
        raise TypeError("links for users given by id need a purpose and no issuer")
    ids = list(user_ids) or [user.pk for user in users]
    if digests is not None and len(digests) != len(ids):
        raise TypeError("give one digest per user")
    if max_age is not None:
        # No path issues a link longer-lived than the ceiling: the admin's
        # form and the commands' options say so first, in their own words.
        max_age_check(max_age)
    if not ids:
        return []
    inactive = (
        [user for user in users if not user.is_active]
        if users
        else list(User.objects.filter(pk__in=in_values(ids), is_active=False))
    )
    if inactive:
        raise UsersInactive(inactive)
    if issuer is not None:
        refused = users_refused_to_issuer(issuer=issuer, users=list(users))
        if refused:
            raise IssueRefused(refused)
    # Lock the users' rows (in a fixed order, against deadlocks) so that two
    # administrators issuing for the same user at once queue up: the second
    # then sees and supersedes the first's link, leaving exactly one open.
    # SQLite has no row locks (Django would send a plain SELECT): there a
    # writing transaction holds the whole database until it commits, so
    # writers queue up anyway.
    if connection.features.has_select_for_update:
        list(
            User.objects.select_for_update()
            .filter(pk__in=in_values(ids))
            .order_by("pk")
            .values_list("pk")
        )
    now = clock.now()
    superseded = links_revoke_for_users(
        user_ids=ids, reason=Link.RevokeReason.SUPERSEDED, by=issuer, now=now
    )
    purposes = [purpose] * len(ids) if purpose else [purpose_for(user) for user in users]
    expires_at = {each: now + (max_age or default_max_age(each)) for each in set(purposes)}
    expiry_field = Link._meta.get_field("expires_at")
    stored_expiry = {
        each: expiry_field.get_db_prep_save(moment, connection)
        for each, moment in expires_at.items()
    }
    if digests is None:
        secrets = [secret_make() for _ in ids]
        digests = [secret_digest(secret) for secret in secrets]
    else:
        secrets = [None] * len(ids)
        digests = list(digests)
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
    if issuer is not None:
        by_user = {user.pk: user for user in users}
        history_write(
            actor_id=issuer.pk,
            flag=CHANGE,
            entries=[
                (by_user[user_id], [_link_event("added", link_purpose, pks[digest])])
                for user_id, link_purpose, digest in zip(ids, purposes, digests, strict=True)
            ],
        )
    new_links = [
        NewLink(
            pk=pks[digest],
            user_id=user_id,
            purpose=link_purpose,
            secret=secret,
            created_at=now,
            expires_at=expires_at[link_purpose],
        )
        for user_id, link_purpose, secret, digest in zip(
            ids, purposes, secrets, digests, strict=True
        )
    ]
    return LinkBatch(new_links, superseded=superseded)


def links_issue(
    *,
    users: Sequence[User],
    issuer: User | None,
    via: str,
    max_age: timedelta | None = None,
    purpose: str | None = None,
) -> LinkBatch:
    """Issue one link per user, revoking each user's older links.

    ``issuer`` is the administrator, or ``None`` for a command (which runs with
    the operator's full trust). Raises ``UsersInactive`` naming every
    deactivated user, or ``IssueRefused`` naming every user the issuer may not
    issue for, and then issues nothing. ``purpose`` defaults to what each user
    needs. Returns the ``IssuedLink``s as a ``LinkBatch``, which counts the
    older links revoked. A constant number of queries, whatever the number of
    users: see ``links_insert``, which this calls.
    """
    users = list(users)
    new_links = links_insert(users=users, issuer=issuer, via=via, purpose=purpose, max_age=max_age)
    issued = LinkBatch(superseded=new_links.superseded)
    for user, new in zip(users, new_links, strict=True):
        link = Link(
            pk=new.pk,
            user=user,
            purpose=new.purpose,
            digest=secret_digest(new.secret),
            created_at=new.created_at,
            expires_at=new.expires_at,
            created_by=issuer,
            created_via=via,
        )
        # A saved row, as bulk_create leaves its objects.
        link._state.adding = False
        link._state.db = connection.alias
        issued.append(IssuedLink(link=link, secret=new.secret))
    return issued


def link_issue(
    *, user: User, issuer: User | None, via: str, max_age: timedelta | None = None
) -> IssuedLink:
    """Issue a link for one user; see ``links_issue``."""
    return links_issue(users=[user], issuer=issuer, via=via, max_age=max_age)[0]


@dataclass(frozen=True)
class LinksPurged:
    """How many links purging deleted (or would delete): those closed before ``cutoff``."""

    count: int
    cutoff: datetime


def links_purge(*, older_than: timedelta, dry_run: bool = False) -> LinksPurged:
    """Delete the records of links used, revoked or expired more than ``older_than`` ago.

    Open links are never deleted: ``older_than`` is not negative, so the
    cutoff is not in the future, and a link still open has not closed before
    it. Zero deletes every closed link. With ``dry_run`` the links are only
    counted.
    """
    if older_than < timedelta(0):
        raise ValueError("older_than must not be negative: open links are never purged.")
    cutoff = clock.now() - older_than
    links = Link.objects.closed_before(cutoff)
    count = links.count() if dry_run else links.delete()[1].get(Link._meta.label, 0)
    return LinksPurged(count=count, cutoff=cutoff)


def links_revoke_for_users(
    *,
    user_ids: Iterable[int],
    reason: str,
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
    closing = list(open_links.select_related("user").order_by("pk"))
    ensure_may_act_on(actor=by, users=list({link.user_id: link.user for link in closing}.values()))
    history_write(
        actor_id=by.pk,
        flag=CHANGE,
        entries=[
            (link.user, [_link_event("changed", link.purpose, link.pk, fields=["revoked"])])
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
            link_open_by_id(link_id=link.pk)
            raise LinkInvalid(LinkInvalid.Reason.USED, link.pk)
        user.save(update_fields=["password"])
        if enrolment is not None:
            device_enrol(user=user, enrolment=enrolment)
        history_write(
            actor_id=user.pk,
            flag=CHANGE,
            entries=[
                (
                    user,
                    [
                        _link_event("changed", link.purpose, link.pk, fields=["used"]),
                        {"changed": {"fields": ["password"]}},
                    ],
                )
            ],
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


# --- Access requests ----------------------------------------------------------


def access_request_submit(
    *, email: str, first_name: str, last_name: str, note: str, address: str | None
) -> str:
    """Store a request for an account; return the secret of its status link.

    The same for every email, whether it has an account, a pending request
    or neither: nothing here reads the users, so neither the reply nor its
    time can tell them apart. A request for an email that has an account is
    stored like any other and can never be approved (``access_request_approve``
    changes no account); the admin shows it for what it is. Only the
    secret's digest is stored, as for links (``tokens``).

    Raises ``AccessRequestsFull`` while ``ACCESS_REQUESTS_MAX_PENDING``
    requests wait: whatever the email, so it tells nothing either. Requests
    sent at the same moment may pass the cap by as many.
    """
    pending = AccessRequest.objects.pending().order_by()
    cap = settings.ACCESS_REQUESTS_MAX_PENDING
    if pending[:cap].count() >= cap:
        raise AccessRequestsFull
    secret = secret_make()
    AccessRequest.objects.create(
        email=email,
        first_name=first_name,
        last_name=last_name,
        note=note,
        digest=secret_digest(secret),
        client_address=address,
    )
    return secret


def access_request_approve(
    *,
    access_request: AccessRequest,
    approver: User,
    groups: Sequence[Group] = (),
    is_staff: bool = False,
) -> User:
    """Create the requested account and give it the request's status link as its invite.

    In one transaction: the request's row is locked and must still be
    pending; the user is created with no usable password, ``groups`` and
    ``is_staff``; their invite link is inserted with the request's digest
    (``links_insert``, under the approver's powers over the new user, as
    for issuing any link); the request is marked approved. Of two approvals
    at once, one creates the user and the other raises.

    Raises ``AccessRequestRefused`` (decided already; an account with this
    email exists, which approval never changes) or ``IssueRefused`` (the new
    user's powers would exceed the approver's), having written nothing.
    """
    with transaction.atomic():
        locked = AccessRequest.objects.select_for_update().filter(pk=access_request.pk).first()
        if locked is None or locked.state != AccessRequest.State.PENDING:
            raise AccessRequestRefused(AccessRequestRefused.Reason.DECIDED)
        if User.objects.by_email(locked.email).exists():
            raise AccessRequestRefused(AccessRequestRefused.Reason.ACCOUNT_EXISTS)
        try:
            # A savepoint: on PostgreSQL a failed statement aborts the rest.
            with transaction.atomic():
                user = User.objects.create_user(
                    email=locked.email,
                    first_name=locked.first_name,
                    last_name=locked.last_name,
                    is_staff=is_staff,
                )
        except IntegrityError:
            # Another request for the same email was approved at this moment.
            raise AccessRequestRefused(AccessRequestRefused.Reason.ACCOUNT_EXISTS) from None
        user.groups.set(groups)
        history_write(actor_id=approver.pk, flag=ADDITION, entries=[(user, [{"added": {}}])])
        if locked.password:
            # Filed by joining a team link: the account takes the password its
            # owner chose there, and needs no link; the approver's powers over
            # it are checked as issuing one would.
            User.objects.filter(pk=user.pk).update(password=locked.password)
            user.password = locked.password
            refused = users_refused_to_issuer(issuer=approver, users=[user])
            if refused:
                raise IssueRefused(refused)
        else:
            links_insert(
                users=[user],
                issuer=approver,
                via=Link.Via.ADMIN,
                purpose=Link.Purpose.INVITE,
                digests=[locked.digest],
            )
        now = clock.now()
        AccessRequest.objects.filter(pk=locked.pk).update(
            state=AccessRequest.State.APPROVED,
            decided_at=now,
            decided_by=approver,
            user=user,
            password="",
        )
    access_request.refresh_from_db()
    logger.info("Access request %s approved by user %s: user %s.", locked.pk, approver.pk, user.pk)
    return user


def access_requests_decline(
    *, access_requests: Iterable[AccessRequest], by: User, reason: str = ""
) -> int:
    """Decline the pending ones of these requests; returns how many.

    ``reason``, if any, is shown on the requester's status page.
    """
    ids = [each.pk for each in access_requests]
    return (
        AccessRequest.objects.pending()
        .filter(pk__in=ids)
        .update(
            state=AccessRequest.State.DECLINED,
            decided_at=clock.now(),
            decided_by=by,
            decline_reason=reason.strip(),
            # A team link's request carries a password's hash: a declined one
            # keeps none.
            password="",
        )
    )


@dataclass(frozen=True)
class AccessRequestsPurged:
    """How many access requests purging deleted (or would delete), and its cutoff."""

    count: int
    cutoff: datetime


def access_requests_purge(
    *, older_than: timedelta | None = None, dry_run: bool = False
) -> AccessRequestsPurged:
    """Delete requests declined, or left pending, more than ``older_than`` ago.

    ``older_than`` defaults to ``ACCESS_REQUESTS_MAX_AGE``. The status link of
    a deleted request then gets the one invalid-link page. Approved requests
    stay (see ``AccessRequestQuerySet.purgeable``). ``purge_links`` calls this.
    """
    older_than = older_than or timedelta(seconds=settings.ACCESS_REQUESTS_MAX_AGE)
    if older_than <= timedelta(0):
        raise ValueError("older_than must be above zero.")
    cutoff = clock.now() - older_than
    requests = AccessRequest.objects.purgeable(cutoff)
    count = requests.count() if dry_run else requests.delete()[1].get(AccessRequest._meta.label, 0)
    return AccessRequestsPurged(count=count, cutoff=cutoff)


# What the admin's History calls a link and its fields: the msgids, which
# LogEntry.get_change_message() translates when it shows them.
LINK_NAME = gettext_noop("set-password link")


def _link_event(kind: str, purpose: str, link_pk: int, *, fields: Sequence[str] = ()) -> dict:
    """One of Django's structured change messages, about one link."""
    about = {"name": LINK_NAME, "object": f"{Link.Purpose(purpose).label} #{link_pk}"}
    if kind == "changed":
        about["fields"] = list(fields)
    return {kind: about}


def history_write(
    *, actor_id: int, flag: int, entries: Sequence[tuple[models.Model, list[dict]]]
) -> None:
    """Write to the admin's History (LogEntry): what ``actor_id`` did to each object.

    ``entries`` pairs objects of one model with Django's structured change
    messages, as the admin's own forms write them ("Added set-password link
    “invite #12”.", "Changed used for …"), translated when shown; ``flag`` is
    ADDITION or CHANGE. One statement however many entries, by the same
    insert that writes links (``bulk.rows_insert``).
    """
    if not entries:
        return
    with translation.override(None):
        rows = [
            (str(each.pk), str(each)[:200], json.dumps(message, ensure_ascii=False))
            for each, message in entries
        ]
    rows_insert(
        LogEntry,
        ("object_id", "object_repr", "change_message"),
        rows,
        user=actor_id,
        content_type=ContentType.objects.get_for_model(type(entries[0][0])).pk,
        action_flag=flag,
        action_time=clock.now(),
    )
