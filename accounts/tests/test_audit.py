"""The audit trail: one statement an event, a gap-free chain, and a verify that finds an edit."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import audit, audit_reading
from accounts.audit import Actor, AuditEvent, Happening, Via, audit_record, audit_record_many
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def record(action="user.changed", target="ada@example.com", **detail):
    audit_record(
        action=action, actor=Actor("admin@example.com", Via.ADMIN), target=target, detail=detail
    )


def test_recording_an_event_is_one_statement():
    record()  # the head exists after the first
    with CaptureQueriesContext(connection) as captured:
        record(fields=["groups"])
    assert len(captured) == 1


def test_events_are_numbered_without_gaps_and_chained():
    for number in range(3):
        record(number=number)
    audit_record_many(
        actor=Actor.command(),
        happenings=[Happening("user.created", f"p{n}@example.com") for n in range(3)],
    )
    record()
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == [*range(1, 8)]
    assert audit_reading.audit_verify() == (7, None)


def test_an_exported_line_holds_the_interfaces_keys_in_order_and_its_hash():
    user = UserFactory(email="ada@example.com")
    audit_record(
        action="user.deactivated",
        actor=Actor("admin@example.com", Via.ADMIN),
        target=user,
        address="2001:db8:0:0::7",
    )
    (line,) = audit_reading.exported()
    event = json.loads(line)
    assert list(event) == [
        "seq", "at", "actor", "via", "action", "target", "address", "detail", "hash",
    ]  # fmt: skip
    assert (event["target"], event["address"], event["via"]) == (
        "ada@example.com",
        "2001:db8::7",
        "admin",
    )
    stored = AuditEvent.objects.get()
    assert event["hash"] == audit.chained(audit.GENESIS, stored.body())


@pytest.mark.parametrize(
    "edit",
    [
        lambda: AuditEvent.objects.filter(seq=2).update(actor="someone.else@example.com"),
        lambda: AuditEvent.objects.filter(seq=2).update(detail={"n": 99}),
        lambda: AuditEvent.objects.filter(seq=2).delete(),
        lambda: AuditEvent.objects.filter(seq=3).update(hash="f" * 64),
    ],
    ids=["actor", "detail", "removed", "hash"],
)
def test_verify_names_the_first_event_that_no_longer_holds(edit):
    for number in range(4):
        record(n=number)
    edit()
    count, broken = audit_reading.audit_verify()
    assert broken is not None
    assert broken.seq in (2, 3)
    assert count == broken.seq - 1


def test_a_purge_keeps_the_chain_verifiable_from_a_signed_start(frozen_clock):
    for number in range(3):
        record(n=number)
    frozen_clock.advance(days=10)
    record(n=3)
    assert audit_reading.audit_purge(before=frozen_clock.current - timedelta(days=1)) == 3
    assert audit_reading.audit_verify() == (1, None)
    audit.AuditHead.objects.update(start_hash="0" * 64)
    assert audit_reading.audit_verify()[1] is not None, "a forged start is caught"
