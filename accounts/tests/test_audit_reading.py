"""Reading the trail back: an export anyone can check, a verify that misses no removal and
raises no false alarm while writers write, a purge's start that survives a key rotation."""

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import audit, audit_reading
from accounts.audit import Actor, AuditEvent, AuditHead, Via, audit_record

pytestmark = pytest.mark.django_db


def record(n: int, **detail) -> None:
    audit_record(
        action="user.changed",
        actor=Actor("admin@example.com", Via.ADMIN),
        target=f"p{n}@example.com",
        detail={"n": n, **detail},
    )


def checked_outside(lines: list[str], previous: str = "0" * 64) -> str:
    """docs/audit.md's check of an export, without the project: the last hash."""
    for line in lines:
        body = line[: line.rindex(',"hash":')] + "}"
        expected = hashlib.sha256((previous + body).encode()).hexdigest()
        assert json.loads(line)["hash"] == expected, line
        previous = expected
    return previous


def test_an_export_checks_without_the_project_and_a_later_one_chains_from_it(frozen_clock):
    record(1, name="Zoë", nested={"b": 1, "a": [1, "ü"]})
    record(2)
    first = list(audit_reading.exported())
    frozen_clock.advance(days=2)
    record(3)
    later = list(audit_reading.exported(since=frozen_clock.current - timedelta(days=1)))

    assert len(later) == 1
    assert checked_outside(later, previous=checked_outside(first)) == AuditHead.objects.get().hash


@pytest.mark.parametrize("detail", [{9: "a", 10: "b"}, {"groups": [{1: "x"}]}, {"n": {None: 1}}])
def test_a_detail_key_that_is_not_text_is_refused(detail):
    # JSON sorts 9 before 10 and writes "9", "10"; the database's text sorts "10" first:
    # the hash could not be checked again.
    with pytest.raises(TypeError, match="not text"):
        audit.detail_text(detail)


def test_the_canonical_text_is_what_json_dumps_makes():
    detail = {"z": [1, {"y": "ü", "x": None}], "a": "\u2028<tag>", "m": 1.5}
    at = datetime(2026, 12, 1, 9, 30, 0, 5, tzinfo=UTC)
    text = audit.canonical(
        seq=7, at=at, actor="a@example.com", via=Via.ADMIN, action="user.changed",
        target=None, address="192.0.2.1", detail=detail,
    )  # fmt: skip
    compact = {"ensure_ascii": False, "separators": (",", ":")}
    assert text == json.dumps(
        {
            "seq": 7,
            "at": "2026-12-01T09:30:00.000005+00:00",
            "actor": "a@example.com",
            "via": "admin",
            "action": "user.changed",
            "target": None,
            "address": "192.0.2.1",
            "detail": json.loads(json.dumps(detail, sort_keys=True)),
        },
        **compact,
    )


def test_the_export_reads_a_chunk_a_query_and_misses_no_event():
    for n in range(12):
        record(n)
    with CaptureQueriesContext(connection) as queries:
        lines = list(audit_reading.exported(chunk=5))
    assert [json.loads(line)["seq"] for line in lines] == list(range(1, 13))
    assert len(queries) == 3  # 5, 5, then 2: the last chunk is short


def test_verify_finds_events_removed_at_the_end_or_all_of_them():
    for n in range(4):
        record(n)
    AuditEvent.objects.filter(seq__gte=3).delete()
    assert audit_reading.audit_verify() == (
        2,
        audit_reading.Break(3, "missing: the trail ends at #2"),
    )
    AuditEvent.objects.all().delete()
    assert audit_reading.audit_verify() == (
        0,
        audit_reading.Break(1, "missing: the trail ends at #0"),
    )


def test_verify_finds_an_event_beyond_the_head():
    for n in range(3):
        record(n)
    second = AuditEvent.objects.get(seq=2)
    AuditHead.objects.update(seq=2, hash=second.hash)
    assert audit_reading.audit_verify() == (
        2,
        audit_reading.Break(3, "it is beyond the head the writers left"),
    )


def test_events_written_while_verify_runs_are_no_false_alarm(monkeypatch):
    for n in range(3):
        record(n)
    reading = audit_reading._bodies

    def while_a_writer_writes(events, **options):
        record(99)  # after verify read the head, before it read the events
        yield from reading(events, **options)

    monkeypatch.setattr(audit_reading, "_bodies", while_a_writer_writes)
    assert audit_reading.audit_verify() == (3, None)
    monkeypatch.setattr(audit_reading, "_bodies", reading)
    assert audit_reading.audit_verify() == (4, None)


def test_a_purges_start_still_verifies_after_the_key_is_rotated(settings, frozen_clock):
    record(1)
    frozen_clock.advance(days=10)
    record(2)
    audit_reading.audit_purge(before=frozen_clock.current - timedelta(days=1))
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-key-" + "x" * 50
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert audit_reading.audit_verify() == (1, None)
    settings.SECRET_KEY_FALLBACKS = []
    assert audit_reading.audit_verify()[1] == audit_reading.Break(
        1, "the start left by a purge is not signed by this site"
    )
