"""Links for people named by their email addresses: what the commands do.

``users_invite`` creates the users who do not exist yet and issues their
invite links, for a few emails or a spreadsheet of 100,000 rows;
``reset_links_issue`` issues password-reset links for existing users. Both run
with the operator's full trust, and both issue through
the links services (``links.services``), which hold the rules.
"""

import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, is_password_usable
from django.contrib.auth.models import Group
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import clock
from accounts.audit import Actor, Happening, audit_record_many
from accounts.models import User, sign_in_key
from accounts.sql import in_values, rows_insert
from invites.batch.csv_input import InputInvalid, InviteRow, Problem, rows_check
from invites.links.errors import UsersInactive
from invites.links.models import Link
from invites.links.services import (
    IssuedLink,
    LinkBatch,
    issued_event,
    links_issue,
    links_issue_for_ids,
)

# Receives (email, secret, expires_at) for each link, inside the transaction
# that made them: links it fails to hand out are not kept.
Deliver = Callable[[Iterable[tuple[str, str, datetime]]], None]
# Wraps a long loop over a sequence, given a label: a command's progress bar.
Progress = Callable[[Sequence, str], Iterable]


def unusable_password() -> str:
    """A password hash that no password matches, made in one call.

    Django's ``make_password(None)`` draws its 40 random characters one at a
    time, which dominates a bulk import. 30 random bytes give as many URL-safe
    characters (240 bits); the prefix is what ``has_usable_password()`` checks.
    """
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


class SkipReason(models.TextChoices):
    HAS_PASSWORD = "has_password", gettext_lazy("already has a password")
    OPEN_LINK = "open_link", gettext_lazy("already has an open invite")
    DEACTIVATED = "deactivated", gettext_lazy("is deactivated")


@dataclass
class InvitePlan:
    """What inviting the rows will do, read before anything is written."""

    # Every row that gets a link, in input order, with its user's id, or None
    # for a user still to be created.
    to_issue: list[tuple[InviteRow, int | None]] = field(default_factory=list)
    skipped: list[tuple[InviteRow, SkipReason]] = field(default_factory=list)

    @property
    def new(self) -> list[InviteRow]:
        return [row for row, user_id in self.to_issue if user_id is None]


class UsersAppeared(Exception):
    """Some users were created by someone else while inviting: nothing was written."""


@dataclass(frozen=True)
class Invitation:
    """What inviting did, or on a dry run would do."""

    plan: InvitePlan
    # Each link issued, with the row it is for, in input order.
    links: list[tuple[InviteRow, IssuedLink]]
    dry_run: bool

    @property
    def created(self) -> int:
        return len(self.plan.new)

    @property
    def issued(self) -> int:
        return len(self.plan.to_issue)


def groups_by_name(names: Iterable[str]) -> dict[str, int]:
    """Ids of the groups with these names; unknown names are left out."""
    names = set(names)
    if not names:
        return {}
    return dict(Group.objects.filter(name__in=names).values_list("name", "pk"))


def invite_plan(
    rows: Sequence[InviteRow], *, reissue: bool, lock: bool = False, now: datetime | None = None
) -> InvitePlan:
    """Sort checked rows into new users, existing users to issue for, and skips.

    One query, whatever the number of rows. Emails match as sign-in matches
    them (``sign_in_key``).
    With ``lock`` (inside a transaction) the existing users' rows are locked,
    as issuing does, so that concurrent issuers queue up.
    """
    existing = (
        User.objects.by_emails(in_values([sign_in_key(row.email) for row in rows]))
        .annotate(has_open_link=Exists(Link.objects.open(now).filter(user=OuterRef("pk"))))
        .order_by("pk")
    )
    if lock:
        existing = existing.select_for_update()
    users = {
        key: (user_id, password, is_active, has_open_link)
        for user_id, key, password, is_active, has_open_link in existing.values_list(
            "pk", "email_key", "password", "is_active", "has_open_link"
        )
    }
    plan = InvitePlan()
    for row in rows:
        user = users.get(sign_in_key(row.email))
        if user is None:
            plan.to_issue.append((row, None))
            continue
        user_id, password, is_active, has_open_link = user
        # Skipped and reported, where issuing would refuse the whole
        # run: an existing user is never a reason to fail.
        if not is_active:
            plan.skipped.append((row, SkipReason.DEACTIVATED))
        elif is_password_usable(password):
            plan.skipped.append((row, SkipReason.HAS_PASSWORD))
        elif has_open_link and not reissue:
            plan.skipped.append((row, SkipReason.OPEN_LINK))
        else:
            plan.to_issue.append((row, user_id))
    return plan


def users_invite(
    *,
    rows: Sequence[InviteRow],
    problems: Sequence[Problem] = (),
    groups: Sequence[str] = (),
    is_staff: bool = False,
    is_superuser: bool = False,
    max_age: timedelta | None = None,
    reissue: bool = False,
    dry_run: bool = False,
    deliver: Deliver | None = None,
    progress: Progress | None = None,
) -> Invitation:
    """Create the users of ``rows`` who do not exist yet and issue an invite link for each.

    The whole input is checked first: ``InputInvalid`` lists every problem,
    with the ``problems`` found in reading it, and nothing is written. Users
    who exist keep their names, groups and status, and get a link if they are
    active, never set a password and hold no open invite (or ``reissue``
    replaces it); the others are skipped (see ``SkipReason``). New users get
    no usable password, their row's groups and ``groups``, and staff or
    superuser status as asked. ``deliver`` hands the links out inside the
    transaction, and a dry run only plans. ``progress`` wraps the check of
    every row. ``UsersAppeared`` means another process created some of the
    users meanwhile: nothing was written, and running again skips them.
    """
    group_ids = groups_by_name([*groups, *(name for row in rows for name in row.groups)])
    problems = [*problems, *_problems_found(rows, groups, group_ids, progress)]
    if problems:
        raise InputInvalid(problems)
    if dry_run:
        return Invitation(plan=invite_plan(rows, reissue=reissue), links=[], dry_run=True)
    try:
        with transaction.atomic():
            plan = invite_plan(rows, reissue=reissue, lock=True)
            created = _users_create(
                plan.new,
                group_ids=group_ids,
                groups=groups,
                is_staff=is_staff,
                is_superuser=is_superuser,
            )
            new_links = links_issue_for_ids(
                user_ids=[user_id or created[row.email] for row, user_id in plan.to_issue],
                purpose=Link.Purpose.INVITE,
                max_age=max_age,
            )
            links = list(zip([row for row, _user_id in plan.to_issue], new_links, strict=True))
            _audit_record(plan, links)
            # Nothing to hand out: no file, not even a CSV header.
            if deliver is not None and links:
                deliver((row.email, link.secret, link.expires_at) for row, link in links)
    except IntegrityError as error:
        # An email taken between the plan and the insert.
        raise UsersAppeared(str(error)) from error
    return Invitation(plan=plan, links=links, dry_run=False)


def _audit_record(plan: InvitePlan, links: list[tuple[InviteRow, IssuedLink]]) -> None:
    """The command's events: an account made, with its link; a link issued to one there was."""
    new = {row.email for row in plan.new}
    audit_record_many(
        actor=Actor.command(),
        happenings=(
            Happening(
                "user.created",
                row.email,
                {"groups": [*row.groups], "link": issued_event(link, row.email).detail},
            )
            if row.email in new
            else issued_event(link, row.email)
            for row, link in links
        ),
    )


def _problems_found(
    rows: Sequence[InviteRow],
    groups: Sequence[str],
    group_ids: dict[str, int],
    progress: Progress | None,
) -> list[Problem]:
    """What is wrong with ``--group`` and with each row, before anything is written."""
    unknown = [
        Problem((-1, 0), _("--group: no group is named %(group)r.") % {"group": group})
        for group in dict.fromkeys(groups)
        if group not in group_ids
    ]
    checked = progress(rows, _("Checking")) if progress else rows
    return [*unknown, *rows_check(checked, known_groups=group_ids)]


def _users_create(
    rows: Sequence[InviteRow],
    *,
    group_ids: dict[str, int],
    groups: Sequence[str],
    is_staff: bool,
    is_superuser: bool,
) -> dict[str, int]:
    """Insert a user for each row, in their groups; returns their ids by email."""
    if not rows:
        return {}
    ids = dict(
        rows_insert(
            User,
            ("email", "email_key", "first_name", "last_name", "password"),
            (
                (
                    row.email,
                    sign_in_key(row.email),
                    row.first_name,
                    row.last_name,
                    unusable_password(),
                )
                for row in rows
            ),
            returning=("email", "id"),
            is_staff=is_staff or is_superuser,
            is_superuser=is_superuser,
            is_active=True,
            date_joined=clock.now(),
        )
    )
    memberships = [
        (ids[row.email], group_ids[name])
        for row in rows
        for name in dict.fromkeys((*row.groups, *groups))
    ]
    if memberships:
        rows_insert(User.groups.through, ("user", "group"), memberships)
    return ids


class EmailsRefused(Exception):
    """Some emails name no user, or a deactivated one; no link was issued.

    ``refusals`` holds each such email as given, with the reason, in order.
    """

    class Reason(models.TextChoices):
        UNKNOWN = "unknown", gettext_lazy("no user has this email address")
        DEACTIVATED = "deactivated", gettext_lazy("the user is deactivated")

    def __init__(self, refusals: Sequence[tuple[str, "EmailsRefused.Reason"]]):
        self.refusals = list(refusals)
        super().__init__(", ".join(f"{email}: {reason.label}" for email, reason in self.refusals))


@transaction.atomic
def reset_links_issue(
    *, emails: Sequence[str], max_age: timedelta | None = None, deliver: Deliver | None = None
) -> LinkBatch:
    """Issue a set-password link for each user named by email, revoking their older links.

    A reset link, or an invite (with the invite's lifetime, unless
    ``max_age``) for a user who never set a password: a reset link would
    tell them to reset what they never had. Emails match whatever their
    case; one given twice gets one link. All or
    nothing: ``EmailsRefused`` names every email of no user or of a
    deactivated one, and no link is kept.
    """
    given: dict[str, str] = {}  # by sign_in_key: as given, first spelling kept
    for email in emails:
        given.setdefault(sign_in_key(email), email.strip())
    found = {user.email_key: user for user in User.objects.by_emails(list(given))}
    try:
        issued = links_issue(
            users=[found[key] for key in given if key in found],
            issuer=None,
            via=Link.Via.COMMAND,
            max_age=max_age,
        )
    except UsersInactive as refused:
        issued, inactive = LinkBatch(), {user.email_key for user in refused.users}
    else:
        inactive = set()
    refusals = [
        (
            email,
            EmailsRefused.Reason.UNKNOWN if key not in found else EmailsRefused.Reason.DEACTIVATED,
        )
        for key, email in given.items()
        if key not in found or key in inactive
    ]
    if refusals:
        # The transaction takes back the links issued for the others.
        raise EmailsRefused(refusals)
    if deliver is not None:
        deliver((item.user.email, item.secret, item.expires_at) for item in issued)
    return issued
