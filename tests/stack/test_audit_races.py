"""Four writers recording events at once leave a gap-free, verifying chain."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections, transaction

from accounts import audit, audit_reading
from accounts.audit import Actor, AuditEvent, Happening, Via

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WRITERS = 4
EACH = 50


def _write_together(write) -> None:
    barrier = threading.Barrier(WRITERS)

    def writer(number: int) -> None:
        try:
            barrier.wait(timeout=30)
            for count in range(EACH):
                with transaction.atomic():
                    write(number, count)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(WRITERS) as pool:
        list(pool.map(writer, range(WRITERS), timeout=120))


def _one(number: int, count: int) -> None:
    audit.audit_record(
        action="user.changed",
        actor=Actor(f"admin{number}@example.com", Via.ADMIN),
        target=f"person{count}@example.com",
        detail={"writer": number, "count": count},
    )


def _batch(number: int, count: int) -> None:
    if count % 10:
        _one(number, count)
        return
    audit.audit_record_many(
        actor=Actor.command(),
        happenings=[
            Happening("user.created", f"p{number}.{count}.{n}@example.com") for n in range(3)
        ],
    )


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs DATABASE_URL=postgres://... (the race is there)",
)
@pytest.mark.parametrize("write", [_one, _batch], ids=["one by one", "with batches"])
def test_four_writers_at_once_leave_a_gap_free_chain_that_verifies(write):
    audit.audit_record(action="trail.started", actor=Actor.system())
    _write_together(write)
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert len(seqs) >= 1 + WRITERS * EACH
    assert audit_reading.audit_verify() == (len(seqs), None)
