"""Reads of the audit trail beyond one filter: what the admin's front page counts."""

from datetime import datetime, timedelta

from django.db.models import Count

from accounts.audit import AuditEvent

# Tripwires: a used or revoked link presented again, counted this far back.
TRIPWIRES_WITHIN = timedelta(days=7)
# A burst of refused sign-ins: this many or more on one account within this time.
BURST_FAILURES = 5
BURST_WITHIN = timedelta(hours=1)


def audit_needing_attention(*, now: datetime) -> dict[str, int]:
    """What the front page counts from the trail: one COUNT each, whatever the number of events.

    ``tripwires``: ``link.presented_again`` events within ``TRIPWIRES_WITHIN``;
    ``sign_in_bursts``: accounts with ``BURST_FAILURES`` or more
    ``sign_in.failed`` events within ``BURST_WITHIN``. Both read a short
    stretch of time through the index on ``at``.
    """
    events = AuditEvent.objects.order_by()
    tripwires = events.filter(action="link.presented_again", at__gte=now - TRIPWIRES_WITHIN)
    bursts = (
        events.filter(action="sign_in.failed", at__gte=now - BURST_WITHIN)
        .values("target")
        .annotate(failures=Count("pk"))
        .filter(failures__gte=BURST_FAILURES)
    )
    return {"tripwires": tripwires.count(), "sign_in_bursts": bursts.count()}
