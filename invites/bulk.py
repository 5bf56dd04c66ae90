"""Inviting many people at once: the invite command's fast path.

Issuing through the ORM compiles a query per row, which at tens of thousands
of rows costs more than everything else together. Here new users, their group
memberships and their links go to ``cursor.executemany()`` with table and
column names from the models' ``_meta``; lists of emails travel as a single
parameter (a JSON array on SQLite, an array on PostgreSQL). The number of
queries does not depend on the number of rows.

Like ``invites.services``, of which this is the bulk twin, it runs with the
operator's full trust: links are created by no one, via a command.
"""

import json
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, is_password_usable
from django.contrib.auth.models import Group
from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from accounts import clock
from accounts.models import User
from invites.csv_input import InviteRow
from invites.models import Link
from invites.services import links_revoke_for_users
from invites.tokens import secret_digest, secret_make


def unusable_password() -> str:
    """A password hash that no password matches, made in one call.

    Django's ``make_password(None)`` draws its 40 random characters one at a
    time, which dominates a bulk import. 30 random bytes give as many URL-safe
    characters (240 bits); the prefix is what ``has_usable_password()`` checks.
    """
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


class SkipReason(models.TextChoices):
    HAS_PASSWORD = "has_password", _("already has a password")
    OPEN_LINK = "open_link", _("already has an open invite")
    DEACTIVATED = "deactivated", _("is deactivated")


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

    @property
    def existing_ids(self) -> list[int]:
        return [user_id for _row, user_id in self.to_issue if user_id is not None]


@dataclass(frozen=True, slots=True)
class Invited:
    """A link just issued, with its secret: the only time the secret exists."""

    row: InviteRow
    secret: str
    expires_at: datetime
    created: bool


def groups_by_name(names: Iterable[str]) -> dict[str, int]:
    """Ids of the groups with these names; unknown names are left out."""
    names = set(names)
    if not names:
        return {}
    return dict(Group.objects.filter(name__in=names).values_list("name", "pk"))


def _in_values(values: list, *, lower: bool = False):
    """The right-hand side of ``__in`` for a long list, as one query parameter.

    A long ``IN (%s, %s, …)`` list would hit the databases' limits on
    parameters (SQLite's can be 32,766) and cost a compilation per value.
    """
    column = "lower(value)" if lower else "value"
    # The SQL holds no input: the values travel as one parameter.
    if connection.vendor == "sqlite":
        return RawSQL(f"SELECT {column} FROM json_each(%s)", [json.dumps(values)])  # noqa: S608, S611
    if connection.vendor == "postgresql":
        return RawSQL(f"SELECT {column} FROM unnest(%s::text[]) AS value", [values])  # noqa: S608, S611
    return [value.lower() for value in values] if lower else values


def invite_plan(
    rows: Sequence[InviteRow], *, reissue: bool, lock: bool = False, now: datetime | None = None
) -> InvitePlan:
    """Sort checked rows into new users, existing users to issue for, and skips.

    One query, whatever the number of rows. Emails match whatever their case.
    With ``lock`` (inside a transaction) the existing users' rows are locked,
    as ``links_issue`` does, so that concurrent issuers queue up.
    """
    existing = (
        User.objects.by_emails(_in_values([row.email for row in rows], lower=True))
        .annotate(has_open_link=Exists(Link.objects.open(now).filter(user=OuterRef("pk"))))
        .order_by("pk")
    )
    if lock:
        existing = existing.select_for_update()
    users = {
        email.lower(): (user_id, password, is_active, has_open_link)
        for user_id, email, password, is_active, has_open_link in existing.values_list(
            "pk", "email", "password", "is_active", "has_open_link"
        )
    }
    plan = InvitePlan()
    for row in rows:
        user = users.get(row.email.lower())
        if user is None:
            plan.to_issue.append((row, None))
            continue
        user_id, password, is_active, has_open_link = user
        if not is_active:
            plan.skipped.append((row, SkipReason.DEACTIVATED))
        elif is_password_usable(password):
            plan.skipped.append((row, SkipReason.HAS_PASSWORD))
        elif has_open_link and not reissue:
            plan.skipped.append((row, SkipReason.OPEN_LINK))
        else:
            plan.to_issue.append((row, user_id))
    return plan


@transaction.atomic
def invite_write(
    plan: InvitePlan,
    *,
    group_ids: Mapping[str, int],
    extra_groups: Sequence[str] = (),
    is_staff: bool = False,
    is_superuser: bool = False,
    max_age: timedelta,
    progress: Callable[[int], None] | None = None,
) -> list[Invited]:
    """Create the plan's new users and issue an invite link for every row in it.

    New users get no usable password, the row's groups and ``extra_groups``
    (checked to exist, in ``group_ids``), and staff or superuser status as
    asked; existing users are left as they are, and their older links are
    revoked. Returns the links in input order.
    """
    now = clock.now()
    expires_at = now + max_age
    existing_ids = plan.existing_ids
    if existing_ids:
        links_revoke_for_users(user_ids=existing_ids, reason=Link.RevokeReason.SUPERSEDED, now=now)
    new = plan.new
    user_ids: dict[str, int] = {}
    with connection.cursor() as cursor:
        if new:
            user_ids = _users_insert(
                cursor,
                new,
                now=now,
                is_staff=is_staff or is_superuser,
                is_superuser=is_superuser,
            )
            memberships = [
                (user_ids[row.email], group_ids[name])
                for row in new
                for name in dict.fromkeys((*row.groups, *extra_groups))
            ]
            if memberships:
                rows_insert(cursor, User.groups.through, ("user", "group"), memberships)
        invited = []
        link_rows = []
        for count, (row, user_id) in enumerate(plan.to_issue, start=1):
            if progress is not None and count % 1000 == 0:
                progress(count)
            secret = secret_make()
            created = user_id is None
            link_rows.append((user_ids[row.email] if created else user_id, secret_digest(secret)))
            invited.append(Invited(row=row, secret=secret, expires_at=expires_at, created=created))
        rows_insert(
            cursor,
            Link,
            ("user", "digest"),
            link_rows,
            purpose=Link.Purpose.INVITE,
            created_at=now,
            expires_at=expires_at,
            created_via=Link.Via.COMMAND,
        )
    return invited


def _users_insert(
    cursor, rows: Sequence[InviteRow], *, now, is_staff, is_superuser
) -> dict[str, int]:
    """Insert users for the rows; returns their ids by email."""
    rows_insert(
        cursor,
        User,
        ("email", "first_name", "last_name", "password"),
        ((row.email, row.first_name, row.last_name, unusable_password()) for row in rows),
        is_staff=is_staff,
        is_superuser=is_superuser,
        is_active=True,
        date_joined=now,
    )
    emails = [row.email for row in rows]
    return dict(
        User.objects.filter(email__in=_in_values(emails)).order_by().values_list("email", "pk")
    )


def rows_insert(cursor, model, per_row: Sequence[str], rows: Iterable[tuple], **constants) -> None:
    """INSERT a row of ``model`` per tuple of values for the ``per_row`` fields.

    Every other field but the primary key takes its value from ``constants``
    or its default, prepared for the database once rather than once per row.
    """
    meta = model._meta
    quote = connection.ops.quote_name
    fixed = {}
    for model_field in meta.concrete_fields:
        if model_field.primary_key or model_field.name in per_row:
            continue
        if model_field.name in constants:
            value = constants.pop(model_field.name)
        else:
            value = model_field.get_default()
        fixed[model_field.column] = model_field.get_db_prep_save(value, connection)
    if constants:
        raise TypeError(f"{meta.label} has no fields {', '.join(constants)}")
    columns = [meta.get_field(name).column for name in per_row] + list(fixed)
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (names from _meta)
        quote(meta.db_table),
        ", ".join(quote(column) for column in columns),
        ", ".join(["%s"] * len(columns)),
    )
    fixed_values = tuple(fixed.values())
    cursor.executemany(sql, [values + fixed_values for values in rows])
