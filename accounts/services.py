"""Writes on users that are more than one row, and the record of sign-ins."""

import functools
from collections.abc import Iterable
from datetime import timedelta

from django.contrib.auth import update_session_auth_hash
from django.db import connection, transaction
from django.db.models import F
from django.http import HttpRequest

from accounts import clock
from accounts.audit import Actor, Happening, Via, audit_record, audit_record_many
from accounts.browsers import browser_summary
from accounts.models import SignIn, User
from accounts.powers import ensure_may_act_on
from accounts.signals import users_deactivated


def users_deactivate_check(*, users: Iterable[User], actor: User) -> None:
    """Raise what ``users_deactivate`` would raise for these users, changing nothing.

    For a page that asks before deactivating: it refuses before asking.
    """
    users = list(users)
    if actor.pk in {user.pk for user in users}:
        raise ValueError("actor cannot deactivate themself")
    ensure_may_act_on(actor=actor, users=users)


@transaction.atomic
def users_deactivate(*, users: Iterable[User], actor: User, by: Actor | None = None) -> int:
    """Deactivate users (never ``actor``), announcing it (``users_deactivated``).

    Returns how many users were deactivated. Raises ``ValueError`` when
    ``actor`` is among them: an administrator cannot lock themself out; and
    ``PowersExceeded`` naming every user whose powers exceed ``actor``'s. Either
    way nothing is changed. The audit trail names ``by``, by default ``actor``
    in the admin (an API token names itself).
    """
    users = list(users)
    users_deactivate_check(users=users, actor=actor)
    user_ids = list(
        User.objects.filter(pk__in=[user.pk for user in users], is_active=True).values_list(
            "pk", flat=True
        )
    )
    count = User.objects.filter(pk__in=user_ids).update(is_active=False)
    users_deactivated.send(sender=User, user_ids=user_ids)
    _record_each("user.deactivated", by or actor, [user for user in users if user.pk in user_ids])
    return count


@transaction.atomic
def users_reactivate(*, users: Iterable[User], actor: User, by: Actor | None = None) -> int:
    """Reactivate users; returns how many were deactivated before.

    Raises ``PowersExceeded`` naming every user whose powers exceed
    ``actor``'s, and then reactivates nobody. ``by`` as for ``users_deactivate``.
    """
    users = list(users)
    ensure_may_act_on(actor=actor, users=users)
    inactive = set(
        User.objects.filter(pk__in=[user.pk for user in users], is_active=False).values_list(
            "pk", flat=True
        )
    )
    count = User.objects.filter(pk__in=inactive).update(is_active=True)
    _record_each("user.reactivated", by or actor, [user for user in users if user.pk in inactive])
    return count


def _record_each(action: str, actor: User | Actor, users: list[User]) -> None:
    """One event per user, in one statement for a few and in batches for many."""
    audit_record_many(
        actor=actor if isinstance(actor, Actor) else Actor.person(actor, Via.ADMIN),
        happenings=[Happening(action, user) for user in users],
    )


def sign_in_record(
    *, user_id: int, email: str, succeeded: bool, address: str | None, user_agent: str
) -> SignIn:
    """Record a sign-in to an account, or a failed attempt on it, and its audit event.

    The record is what the account page lists; the event, what the audit trail
    keeps. A sign-in's time is also the account's ``last_login`` (the admin's
    "last sign-in"), written with the record: on PostgreSQL in the same statement.
    """
    browser = browser_summary(user_agent)
    audit_record(
        action="sign_in.succeeded" if succeeded else "sign_in.failed",
        actor=Actor(email, Via.PUBLIC),
        target=email,
        address=address or None,
        detail={"browser": browser} if browser else {},
    )
    record = SignIn(user_id=user_id, succeeded=succeeded, address=address or None, browser=browser)
    if not succeeded:
        record.save(force_insert=True)
    elif connection.vendor == "postgresql":
        _insert_with_last_login(record)
    else:
        record.save(force_insert=True)
        User.objects.filter(pk=user_id).update(last_login=record.at)
    return record


# What _insert_with_last_login writes of a record: every column but its id.
_SIGN_IN_FIELDS = [field for field in SignIn._meta.concrete_fields if not field.primary_key]


def _insert_with_last_login(record: SignIn) -> None:
    """INSERT a sign-in's ``record`` and set its user's ``last_login`` to its time: one statement.

    PostgreSQL runs an UPDATE in a WITH clause. Through the ORM these were two
    statements, each compiled for the one row: about half a millisecond of a
    worker's CPU more for every sign-in (bench/sign_in.py, issue 21).
    """
    last_login = User._meta.get_field("last_login")
    values = [
        field.get_db_prep_save(getattr(record, field.attname), connection)
        for field in _SIGN_IN_FIELDS
    ]
    at = last_login.get_db_prep_save(record.at, connection)
    sql = _insert_with_last_login_sql(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [at, record.user_id, *values])
        record.pk = cursor.fetchone()[0]
    record._state.adding = False
    record._state.db = connection.alias


@functools.cache
def _insert_with_last_login_sql(vendor: str) -> str:
    """``_insert_with_last_login``'s statement, made once per database kind, not per sign-in."""
    quote = connection.ops.quote_name
    users, sign_ins = User._meta, SignIn._meta
    columns = ", ".join(quote(field.column) for field in _SIGN_IN_FIELDS)
    placeholders = ", ".join(["%s"] * len(_SIGN_IN_FIELDS))
    # Names from the models' _meta; every value a parameter.
    return (
        f"WITH signed_in AS (UPDATE {quote(users.db_table)}"  # noqa: S608
        f" SET {quote(users.get_field('last_login').column)} = %s"
        f" WHERE {quote(users.pk.column)} = %s)"
        f" INSERT INTO {quote(sign_ins.db_table)} ({columns}) VALUES ({placeholders})"
        f" RETURNING {quote(sign_ins.pk.column)}"
    )


def sign_ins_purge(*, older_than: timedelta, dry_run: bool = False) -> int:
    """Delete the records of sign-ins and failed attempts older than ``older_than``.

    Returns how many there were; with ``dry_run`` they are only counted. Zero
    deletes them all.
    """
    if older_than < timedelta(0):
        raise ValueError("older_than must not be negative.")
    old = SignIn.objects.filter(at__lt=clock.now() - older_than)
    return old.count() if dry_run else old.delete()[1].get(SignIn._meta.label, 0)


@transaction.atomic
def user_sign_out_elsewhere(*, request: HttpRequest) -> None:
    """End every session of the signed-in user but this one; the password stays.

    The sessions generation is part of each session's proof of sign-in
    (``User.get_session_auth_hash``): one more, and every other session fails
    Django's check on its next request and is flushed, whatever the session
    engine (database, cache, or both), with no list of sessions to keep. This
    session gets the new proof (and a new key). In a transaction: two at
    once each keep the generation they made, so each signs the other out.
    """
    user = request.user
    mine = User.objects.filter(pk=user.pk)
    mine.update(sessions_generation=F("sessions_generation") + 1)
    # Not refresh_from_db(fields=…): User.__init__ reads fields it would defer.
    user.sessions_generation = mine.values_list("sessions_generation", flat=True).get()
    update_session_auth_hash(request, user)
