"""One audit trail for every path, and the proof that nobody edited it since.

Every change to an account, a group membership or a key, and every sign-in
outcome, is an ``AuditEvent`` written by ``audit_record`` (or, for a batch,
``audit_record_many``) in the transaction of the change itself: one cannot
happen without the other. Events carry a sequence with no gap and a SHA-256
chain: each event's ``hash`` is that of the previous event's hash followed by
this event's other keys as canonical JSON (``canonical``), so that editing,
removing or inserting an event breaks every hash after it (``audit_verify``).

The chain's head (``AuditHead``: the last sequence number and hash) is one
row, which every writer locks: writers queue up, on PostgreSQL as on SQLite.
Writing one event is one statement: the event is inserted from the head,
its hash computed by the database, and a trigger moves the head along
(migration ``0007_audit_trail``). No secret, digest or password ever enters
an event: ``detail`` holds names, states and counts.
"""

import functools
import getpass
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.utils.ipv6 import clean_ipv6_address
from django.utils.translation import gettext_lazy as _

from accounts import clock
from accounts.audit_chain import (
    GENESIS,
    canonical,
    chained,
    composed,
    detail_text,
    iso,
)
from accounts.sql import rows_insert


class Via(models.TextChoices):
    ADMIN = "admin", _("admin")
    COMMAND = "command", _("command")
    API = "api", _("API")
    PUBLIC = "public", _("public pages")
    SYSTEM = "system", _("system")


@dataclass(frozen=True)
class Actor:
    """Who acts, as the trail names them, by which path, and (if known) from which address.

    ``address`` is each event's where the event gives none of its own.
    """

    name: str
    via: Via
    address: str | None = None

    @classmethod
    def person(cls, user, via: Via) -> "Actor":
        return cls(user.email, via)

    @classmethod
    def command(cls) -> "Actor":
        """The operating-system user running a ``manage.py`` command."""
        try:
            name = getpass.getuser()
        except (KeyError, OSError):
            name = "unknown"
        return cls(f"command:{name}", Via.COMMAND)

    @classmethod
    def system(cls) -> "Actor":
        return cls("system", Via.SYSTEM)

    @classmethod
    def token(cls, token_id: int, address: str | None = None) -> "Actor":
        """An API token acting for its owner (the trail names the token, not the owner)."""
        return cls(f"token:{token_id}", Via.API, address)

    @classmethod
    def of(cls, user, via: str) -> "Actor":
        """An administrator's actor, or the command's where there is no user (keys' issuers)."""
        if user is None:
            return cls.command() if via == Via.COMMAND else cls.system()
        return cls.person(user, Via(via))


class AuditHead(models.Model):
    """The chain's head and start, one row, locked by writers.

    ``seq`` and ``hash`` are the last event's. ``start_seq`` and ``start_hash``
    are where the kept events chain from: nothing before any purge, the last
    purged event after one, vouched for by ``start_signature`` (an HMAC with
    ``SECRET_KEY``), so that a purge cannot hide an edit behind it.
    """

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS)
    start_seq = models.BigIntegerField(default=0)
    start_hash = models.CharField(max_length=64, default=GENESIS)
    start_signature = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("audit trail head")

    def __str__(self) -> str:
        return f"#{self.seq}"


class AuditEvent(models.Model):
    """One thing that happened to an account or a key, or one sign-in outcome."""

    seq = models.BigIntegerField(_("number"), unique=True)
    at = models.DateTimeField(_("when"))
    actor = models.CharField(_("actor"), max_length=254)
    via = models.CharField(_("via"), max_length=10, choices=Via.choices)
    action = models.CharField(_("action"), max_length=60, db_index=True)
    target = models.CharField(_("target"), max_length=254, blank=True, db_index=True)
    address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict)
    hash = models.CharField(_("hash"), max_length=64)
    # Carried over from the admin's History or the sign-in records when the
    # trail began: what they said, as well as they said it.
    imported = models.BooleanField(_("imported"), default=False)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
        ordering = ["-seq"]
        # With target's own, the admin's search by email finds what was done
        # to a person and by them without reading every event. An action's
        # events of the last hour or week (the admin's front page) are one
        # range of (action, at), where either alone would read many more.
        indexes = [
            models.Index(fields=["at"], name="accounts_auditevent_at"),
            models.Index(fields=["actor"], name="accounts_auditevent_actor"),
            models.Index(fields=["action", "at"], name="accounts_auditevent_action_at"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def body(self) -> str:
        """This event's keys but its hash, as canonical JSON: what its hash covers."""
        return canonical(
            seq=self.seq,
            at=self.at,
            actor=self.actor,
            via=self.via,
            action=self.action,
            target=self.target or None,
            address=self.address,
            detail=self.detail,
        )


def _target_of(target) -> str:
    return getattr(target, "email", target) or ""


@dataclass(frozen=True)
class Happening:
    """One event to record, before its number and hash exist."""

    action: str
    target: object = None
    detail: dict | None = None
    address: str | None = None


def audit_record(
    *,
    action: str,
    actor: Actor,
    target=None,
    detail: dict | None = None,
    address: str | None = None,
) -> None:
    """Record one event, in the caller's transaction: one statement.

    ``target`` is the account concerned (a user, or an email), ``detail`` what
    changed: never a secret, a digest or a password.
    """
    _insert_one(actor, Happening(action, target, detail, address))


def audit_record_many(*, actor: Actor, happenings: Iterable[Happening]) -> None:
    """Record many events at once (a bulk import), in the caller's transaction.

    The head is locked (one query), the chain worked out here as the rows
    stream to the database, a statement per 5,000 (``sql.rows_insert``): two
    queries for one to 5,000 events, where ``audit_record`` takes one for one.
    """
    happenings = iter(happenings)
    first = next(happenings, None)
    if first is None:
        return
    with transaction.atomic(savepoint=False):
        seq, previous = _head_locked()
        rows_insert(
            AuditEvent, _COLUMNS, _chained_rows(actor, chain([first], happenings), seq, previous)
        )


_COLUMNS = ("seq", "at", "actor", "via", "action", "target", "address", "detail", "hash")


def _chained_rows(actor: Actor, happenings: Iterable[Happening], seq: int, previous: str):
    """Each event's row as ``sql.rows_insert`` takes it, numbered and hashed after ``seq``."""
    at = clock.now()
    at_text, stored_at = iso(at), connection.ops.adapt_datetimefield_value(at)
    for seq, happening in enumerate(happenings, start=seq + 1):  # noqa: B020 (counts on)
        row, body = _row(actor, happening, seq, at_text, stored_at)
        previous = chained(previous, body)
        yield (*row, previous)


def _row(actor: Actor, happening: Happening, seq: int, at_text: str, stored_at) -> tuple:
    """An event's row in ``_COLUMNS``' order but its hash, and its body, which the hash covers."""
    target = _target_of(happening.target) or None
    address = stored_address(happening.address or actor.address)
    detail = detail_text(happening.detail or {})
    via = str(actor.via)
    body = composed(seq, at_text, actor.name, via, happening.action, target, address, detail)
    return (seq, stored_at, actor.name, via, happening.action, target or "", address, detail), body


def stored_address(address: str | None) -> str | None:
    """``address`` as the database keeps it (IPv6 in its short form); None for none or garbage."""
    if address and ":" in address:
        try:
            return clean_ipv6_address(address)
        except ValidationError:
            return None
    return address or None


def _head_locked() -> tuple[int, str]:
    """The head's sequence number and hash, its row locked until the transaction ends."""
    head = AuditHead.objects.select_for_update().filter(pk=HEAD).first()
    if head is None:
        head = AuditHead.objects.create(pk=HEAD)
    return head.seq, head.hash


HEAD = 1


def _sha256_sql(vendor: str, expression: str) -> str:
    if vendor == "postgresql":
        return f"encode(sha256(convert_to({expression}, 'UTF8')), 'hex')"
    return f"audit_sha256({expression})"


def _insert_one(actor: Actor, happening: Happening) -> None:
    """INSERT the event from the head, hashing in the database; the trigger moves the head."""
    at = clock.now()
    row, body = _row(actor, happening, 0, iso(at), connection.ops.adapt_datetimefield_value(at))
    # The database numbers the event: the row without its seq, the body without
    # its '{"seq":N' start, which the statement writes with N.
    params = (*row[1:], body[len('{"seq":0') :], HEAD)
    sql = _insert_one_sql(connection.vendor, connection.features.has_select_for_update)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount == 1:
            return
    # No head yet (a database just flushed): make it, then insert.
    with transaction.atomic(), connection.cursor() as cursor:
        _head_locked()
        cursor.execute(sql, params)


@functools.cache
def _insert_one_sql(vendor: str, has_select_for_update: bool) -> str:
    """``_insert_one``'s statement, made once per database kind: every sign-in writes one."""
    quote = connection.ops.quote_name
    event, head = quote(AuditEvent._meta.db_table), quote(AuditHead._meta.db_table)
    lock = " FOR UPDATE" if has_select_for_update else ""
    hashed = _sha256_sql(vendor, "h.hash || '{\"seq\":' || CAST(h.seq + 1 AS TEXT) || %s")
    columns = ", ".join(quote(column) for column in (*_COLUMNS, "imported"))
    # A SELECT's parameters have no column to take their type from.
    typed = (
        ["%s::timestamptz", "%s", "%s", "%s", "%s", "%s::inet", "%s::jsonb"]
        if vendor == "postgresql"
        else ["%s"] * 7
    )
    # Names from _meta, values as parameters: the SQL holds no input.
    return (
        f"INSERT INTO {event} ({columns}) "  # noqa: S608
        f"SELECT h.seq + 1, {', '.join(typed)}, {hashed}, FALSE "
        f"FROM {head} h WHERE h.id = %s{lock}"
    )


def _sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@receiver(connection_created, dispatch_uid="accounts.audit.sqlite_sha256")
def _sqlite_sha256(sender, connection, **kwargs) -> None:
    """SQLite has no SHA-256: the one-statement insert calls Python's."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("audit_sha256", 1, _sha256_text, deterministic=True)
