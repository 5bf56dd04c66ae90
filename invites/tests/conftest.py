from datetime import UTC, datetime, timedelta

import pytest

from invites import clock


class MovableClock:
    """Moves ``invites.clock.now`` forward, the way time passes for a link."""

    def __init__(self, monkeypatch, start: datetime):
        self.current = start
        monkeypatch.setattr(clock, "now", lambda: self.current)

    def advance(self, **delta):
        self.current += timedelta(**delta)


@pytest.fixture
def frozen_clock(monkeypatch):
    """The clock stopped when the test starts."""
    return MovableClock(monkeypatch, clock.now())


@pytest.fixture
def fixed_clock(monkeypatch):
    """The clock stopped at 2030-05-17 09:30 UTC, for tests that read printed times."""
    return MovableClock(monkeypatch, datetime(2030, 5, 17, 9, 30, tzinfo=UTC))
