"""Reading the audit trail back: export it, verify its chain, purge its oldest events.

See ``accounts.audit`` for how events are written and what their hashes cover.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.audit import _COLUMNS, HEAD, AuditEvent, AuditHead, _head_locked
from accounts.audit_chain import canonical, chained

# Events read a query: each query a short walk of the ``seq`` index, done before
# the next begins, so that no read holds SQLite's lock against writers or makes
# PostgreSQL keep a cursor's rows, and memory is one chunk's however long the trail.
READ_CHUNK = 5000


def _bodies(events, *, chunk: int = READ_CHUNK):
    """``(seq, hash, body)`` of each of ``events`` by number, read as rows, not instances."""
    after = 0
    while True:
        rows = events.filter(seq__gt=after).order_by("seq").values_list(*_COLUMNS)[:chunk]
        for seq, at, actor, via, action, target, address, detail, hash_ in rows:
            values = {"at": at, "actor": actor, "via": via, "action": action, "detail": detail}
            yield seq, hash_, canonical(seq=seq, target=target or None, address=address, **values)
            after = seq
        if len(rows) < chunk:
            return


def exported(*, since: datetime | None = None, chunk: int = READ_CHUNK):
    """The trail's events from ``since`` on, oldest first, each one JSON line (no newline)."""
    events = AuditEvent.objects.all() if since is None else AuditEvent.objects.filter(at__gte=since)
    for _seq, hash_, body in _bodies(events, chunk=chunk):
        yield body[:-1] + f',"hash":"{hash_}"}}'


@dataclass(frozen=True)
class Break:
    """Where the chain does not hold: the event, and what is wrong there."""

    seq: int
    reason: str


def audit_verify() -> tuple[int, Break | None]:
    """Check every kept event against the chain; returns how many, and the first break.

    A break is an event whose hash does not match what precedes it (edited,
    or one before it edited or removed), a gap in the numbers, a last event
    that is not the head, an event beyond the head, or a start whose
    signature does not vouch for it (after a purge). Events written while it
    runs, after the head it read first, are the next run's.
    """
    head = AuditHead.objects.filter(pk=HEAD).first() or AuditHead(pk=HEAD)
    if head.start_seq and not _signed(head.start_seq, head.start_hash, head.start_signature):
        return 0, Break(head.start_seq, "the start left by a purge is not signed by this site")
    expected, previous = head.start_seq + 1, head.start_hash
    for seq, hash_, body in _bodies(AuditEvent.objects.filter(seq__lte=head.seq)):
        count = expected - head.start_seq - 1
        if seq != expected:
            return count, Break(expected, f"missing: the next event is #{seq}")
        if hash_ != chained(previous, body):
            return count, Break(seq, "its hash does not match: it, or one before it, changed")
        previous, expected = hash_, expected + 1
    count = expected - head.start_seq - 1
    if expected <= head.seq:
        return count, Break(expected, f"missing: the trail ends at #{expected - 1}")
    if previous != head.hash:
        return count, Break(head.seq, "the last event is not the head the writers left")
    # One statement, so one moment: a writer moves the head with its event.
    beyond = AuditEvent.objects.filter(seq__gt=AuditHead.objects.filter(pk=HEAD).values("seq"))
    if (extra := beyond.order_by("seq").values_list("seq", flat=True).first()) is not None:
        return count, Break(extra, "it is beyond the head the writers left")
    return count, None


def _signature(seq: int, hash_: str, *, key: str | None = None) -> str:
    return salted_hmac("accounts.audit.start", f"{seq}:{hash_}", secret=key).hexdigest()


def _signed(seq: int, hash_: str, signature: str) -> bool:
    """Whether ``signature`` is the start's with ``SECRET_KEY`` or one of its fallbacks."""
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return any(constant_time_compare(signature, _signature(seq, hash_, key=k)) for k in keys)


def audit_purge(*, before: datetime) -> int:
    """Delete the events older than ``before``; the chain then starts, signed, after them.

    Returns how many were deleted. The kept events still verify: the start
    (the last deleted event's number and hash) is signed with ``SECRET_KEY``.
    """
    with transaction.atomic():
        _head_locked()
        last = AuditEvent.objects.filter(at__lt=before).order_by("-seq").first()
        if last is None:
            return 0
        deleted, _ = AuditEvent.objects.filter(seq__lte=last.seq).delete()
        AuditHead.objects.filter(pk=HEAD).update(
            start_seq=last.seq,
            start_hash=last.hash,
            start_signature=_signature(last.seq, last.hash),
        )
    return deleted
