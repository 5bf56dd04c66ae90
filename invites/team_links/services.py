"""Team links: one link for many people, each use making one account, up to a limit.

Every write on a team link lives here, as ``services`` holds every write on a
link: making one, joining through one, revoking. The admin, the command and
the public join page call these and nothing else.

The rules:

- only active staff with ``invites.issue_team_link`` make or revoke one, and
  only with groups that grant nothing they lack themselves (superusers: any);
  a link carries its issuer's powers no longer than they last, checked again
  in the transaction of every join, as a link's redemption does;
- a use is taken by a conditional UPDATE in the transaction that makes the
  account: under any number of simultaneous joins, exactly ``uses_allowed``
  accounts (or access requests) come to be;
- an email that has an account gets the same answer as a new one, changes
  nothing, takes no use and costs the same password hashing.
"""

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.contrib.admin.models import ADDITION, CHANGE
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q

from accounts import clock
from accounts.audit import Actor, Happening, audit_record, audit_record_many
from accounts.models import User, sign_in_key
from accounts.powers import groups_beyond
from invites.access_requests.models import AccessRequest
from invites.history import history_write
from invites.keys.durations import max_age_check
from invites.keys.errors import KeyInvalid
from invites.keys.models import Via, may_issue
from invites.keys.purging import Purged, purge_cutoff
from invites.keys.secrets import secret_digest, secret_make
from invites.team_links.errors import TeamLinkRefused
from invites.team_links.models import TeamLink, TeamLinkJoin

logger = logging.getLogger(__name__)

TEAM_ISSUE_PERMISSION = TeamLink.issue_permission
# A workshop, a department, a conference: beyond this, issue several links.
MAX_USES = 1000


@dataclass(frozen=True)
class IssuedTeamLink:
    """A team link just made, with its secret: the only time the secret exists."""

    team_link: TeamLink
    secret: str


class Joined(StrEnum):
    """What a join did. The person joining is told the same whatever it is."""

    ACCOUNT = "account"
    REQUESTED = "requested"
    NOTHING = "nothing"  # the email has an account: nothing changed


def default_team_max_age() -> timedelta:
    """A team link lasts as long as an invite unless its issuer says otherwise."""
    return timedelta(seconds=settings.INVITE_MAX_AGE)


def ensure_may_issue_team_links(*, issuer: User, groups: Iterable[Group]) -> None:
    """Raise ``TeamLinkRefused`` unless ``issuer`` may hand out ``groups`` through a team link."""
    if not may_issue(issuer, TEAM_ISSUE_PERMISSION):
        raise TeamLinkRefused(TeamLinkRefused.Reason.NOT_ALLOWED)
    beyond = groups_beyond(actor=issuer, groups=groups)
    if beyond:
        raise TeamLinkRefused(TeamLinkRefused.Reason.GROUPS_BEYOND, beyond)


def team_link_create(
    *,
    name: str,
    groups: Sequence[Group],
    uses: int,
    issuer: User | None,
    via: Via,
    max_age: timedelta | None = None,
    approval: bool = False,
) -> IssuedTeamLink:
    """Make a team link; returns it with its secret, which nothing keeps.

    ``issuer`` is the administrator (``None`` for a command, run with the
    operator's full trust): ``TeamLinkRefused`` when they may not issue team
    links or a group grants what they lack. ``ValueError`` when ``uses`` is
    not within 1..``MAX_USES`` or ``max_age`` exceeds ``LINK_MAX_AGE_LIMIT``.
    """
    if not 1 <= uses <= MAX_USES:
        raise ValueError(f"uses must be between 1 and {MAX_USES}")
    max_age = max_age_check(max_age) if max_age is not None else default_team_max_age()
    groups = list(groups)
    if issuer is not None:
        ensure_may_issue_team_links(issuer=issuer, groups=groups)
    secret = secret_make()
    now = clock.now()
    with transaction.atomic():
        team_link = TeamLink.objects.create(
            name=name.strip(),
            digest=secret_digest(secret),
            uses_allowed=uses,
            approval=approval,
            created_at=now,
            created_by=issuer,
            created_via=via,
            expires_at=now + max_age,
        )
        team_link.groups.set(groups)
        if issuer is not None:
            history_write(actor_id=issuer.pk, flag=ADDITION, entries=[(team_link, [{"added": {}}])])
        audit_record(
            action="team_link.created",
            actor=Actor.of(issuer, via),
            detail={
                "team_link": team_link.pk,
                "name": team_link.name,
                "uses": uses,
                "groups": [group.name for group in groups],
                "approval": approval,
            },
        )
    logger.info("Team link %s made for %d uses.", team_link.pk, uses)
    return IssuedTeamLink(team_link=team_link, secret=secret)


class _EmailTaken(Exception):
    """Raised inside the join's transaction to undo the use it took."""


class _WritesTime:
    """How long a join's writes take here, as an average of the latest joins.

    A join with an email that has an account writes nothing, and answered
    5 ms sooner than one that made an account: with one sample, 82% right
    about whether the address has an account. It now waits out the
    difference (``pad``), so that both answer after the same time. The
    average starts from ``START`` and moves a fifth of the way to each new
    measure; it is the worker's own (each process measures its database).
    """

    START = 0.005
    WEIGHT = 0.2

    def __init__(self) -> None:
        self.seconds = self.START

    def record(self, seconds: float) -> None:
        self.seconds += self.WEIGHT * (seconds - self.seconds)

    def pad(self, since: float) -> None:
        """Sleep until the average writes' time has passed ``since`` (a ``perf_counter``)."""
        left = self.seconds - (time.perf_counter() - since)
        if left > 0:
            time.sleep(left)


JOIN_WRITES = _WritesTime()


def team_link_join(
    *,
    team_link: TeamLink,
    email: str,
    first_name: str,
    last_name: str,
    password: str,
    address: str | None,
) -> Joined:
    """Join through a team link: take one use and make the account (or the access request).

    The password must already be validated. In one transaction: the issuer's
    powers are checked as they are now; a conditional UPDATE takes a use only
    while the link is open with a use left (``KeyInvalid`` otherwise, having
    written nothing); the account is made with the link's groups, never staff,
    or, where the link needs approval, an access request carrying the
    password's hash and the groups; the join is recorded.

    An email that has an account (as sign-in finds it: ``sign_in_key``), or
    a request from this link still waiting for approval, makes nothing and
    takes no use: ``Joined.NOTHING``. The password is hashed whatever the
    email, and a join that writes nothing waits as long as writing takes
    (``JOIN_WRITES``), so that the time taken tells nothing either.
    """
    # Hash first, outside the transaction: Argon2 takes tens of milliseconds,
    # which should hold no lock, and which an existing email must cost too.
    joiner = _Joiner(
        email=sign_in_key(email),
        first_name=first_name,
        last_name=last_name,
        password=make_password(password),
        address=address,
    )
    started = time.perf_counter()
    try:
        with transaction.atomic():
            _ensure_new(team_link, joiner)
            now = clock.now()
            groups = list(team_link.groups.all())
            _use_take(team_link, now)
            if team_link.approval:
                outcome = Joined.REQUESTED
                _request_file(team_link, joiner, groups=groups, now=now)
            else:
                outcome = Joined.ACCOUNT
                _account_make(team_link, joiner, groups=groups, now=now)
    except _EmailTaken:
        JOIN_WRITES.pad(started)
        logger.info(
            "Team link %s: an email that has an account joined; nothing done.", team_link.pk
        )
        return Joined.NOTHING
    JOIN_WRITES.record(time.perf_counter() - started)
    logger.info("Team link %s: one use taken (%s).", team_link.pk, outcome)
    return outcome


@dataclass(frozen=True)
class _Joiner:
    """Who joins: the email as sign-in finds it, and the password's hash, never the password."""

    email: str
    first_name: str
    last_name: str
    password: str
    address: str | None


def _ensure_new(team_link: TeamLink, joiner: _Joiner) -> None:
    """``_EmailTaken`` for an email that has an account, or a request from this link waiting."""
    if User.objects.by_email(joiner.email).exists():
        raise _EmailTaken
    if (
        team_link.approval
        and AccessRequest.objects.pending().filter(team_link=team_link, email=joiner.email).exists()
    ):
        # Joining again while the first request waits: one request, one use.
        raise _EmailTaken


def _use_take(team_link: TeamLink, now) -> None:
    """Take one use of the link as it is now, with its issuer's powers, or ``KeyInvalid``."""
    TeamLink.open_by(pk=team_link.pk)
    # The condition names only the row's own columns: PostgreSQL re-checks it
    # on a row a concurrent join just committed, so the last use goes to one
    # of them alone (see ``link_redeem``).
    taken = (
        TeamLink.objects.open(now).filter(pk=team_link.pk).update(uses_taken=F("uses_taken") + 1)
    )
    if not taken:
        TeamLink.open_by(pk=team_link.pk)  # closed since it was read: say why
        raise KeyInvalid(KeyInvalid.Reason.USED, team_link.pk)


def _request_file(team_link: TeamLink, joiner: _Joiner, *, groups: list[Group], now) -> None:
    """File the access request an approving link's join becomes, with the password's hash."""
    access_request = AccessRequest.objects.create(
        email=joiner.email,
        first_name=joiner.first_name,
        last_name=joiner.last_name,
        note="",
        # The joiner holds no status link: a digest of a secret nobody keeps
        # fills the column.
        digest=secret_digest(secret_make()),
        client_address=joiner.address,
        team_link=team_link,
        password=joiner.password,
    )
    access_request.groups.set(groups)
    TeamLinkJoin.objects.create(
        team_link=team_link,
        access_request=access_request,
        joined_at=now,
        client_address=joiner.address,
    )
    audit_record(
        action="access_request.filed",
        actor=Actor(joiner.email, Via.PUBLIC),
        target=joiner.email,
        address=joiner.address,
        detail={"team_link": team_link.pk},
    )


def _account_make(team_link: TeamLink, joiner: _Joiner, *, groups: list[Group], now) -> None:
    """Make the joiner's account with the link's groups, never staff, and record the join."""
    try:
        # A savepoint: on PostgreSQL a failed statement aborts the rest.
        with transaction.atomic():
            user = User(
                email=joiner.email,
                first_name=joiner.first_name,
                last_name=joiner.last_name,
                password=joiner.password,
                date_joined=now,
            )
            user.save()
    except IntegrityError:
        # The same email joined at this very moment.
        raise _EmailTaken from None
    user.groups.set(groups)
    TeamLinkJoin.objects.create(
        team_link=team_link, user=user, joined_at=now, client_address=joiner.address
    )
    history_write(actor_id=user.pk, flag=ADDITION, entries=[(user, [{"added": {}}])])
    audit_record(
        action="user.created",
        actor=Actor(user.email, Via.PUBLIC),
        target=user,
        address=joiner.address,
        detail={"team_link": team_link.pk, "groups": [group.name for group in groups]},
    )


def team_links_revoke(*, team_links: Iterable[TeamLink], by: User) -> int:
    """Revoke team links on an administrator's request; returns how many were unrevoked.

    Raises ``TeamLinkRefused`` and revokes nothing when ``by`` may not issue
    team links or a link's groups grant what they lack: taking back a link
    is acting on what it hands out.
    """
    ids = [each.pk for each in team_links]
    with transaction.atomic():
        closing = list(
            TeamLink.objects.filter(pk__in=ids, revoked_at__isnull=True)
            .prefetch_related("groups")
            .order_by("pk")
        )
        groups = {group.pk: group for each in closing for group in each.groups.all()}
        ensure_may_issue_team_links(issuer=by, groups=groups.values())
        count = TeamLink.objects.filter(pk__in=[each.pk for each in closing]).update(
            revoked_at=clock.now(), revoked_by=by
        )
        history_write(
            actor_id=by.pk,
            flag=CHANGE,
            entries=[(each, [{"changed": {"fields": ["revoked"]}}]) for each in closing],
        )
        audit_record_many(
            actor=Actor.person(by, Via.ADMIN),
            happenings=[
                Happening("team_link.revoked", None, {"team_link": each.pk, "name": each.name})
                for each in closing
            ],
        )
    return count


def team_links_purge(*, older_than: timedelta, dry_run: bool = False) -> Purged:
    """Delete team links closed more than ``older_than`` ago, with their records of joins.

    Closed: revoked, expired, or used up (at its last join). The accounts
    made through them stay. Open team links are never deleted, as for links;
    with ``dry_run`` they are only counted.
    """
    cutoff = purge_cutoff(older_than)
    closed = TeamLink.objects.annotate(last_joined_at=Max("joins__joined_at")).filter(
        Q(revoked_at__lt=cutoff)
        | Q(expires_at__lt=cutoff)
        | (Q(uses_taken__gte=F("uses_allowed")) & Q(last_joined_at__lt=cutoff))
    )
    ids = list(closed.values_list("pk", flat=True))
    if dry_run or not ids:
        return Purged(count=len(ids), cutoff=cutoff)
    deleted = TeamLink.objects.filter(pk__in=ids).delete()[1].get(TeamLink._meta.label, 0)
    return Purged(count=deleted, cutoff=cutoff)
