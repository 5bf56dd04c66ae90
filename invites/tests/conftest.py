from datetime import timedelta

import pytest

from invites import clock


class MovableClock:
    """Moves ``invites.clock.now`` forward, the way time passes for a link."""

    def __init__(self, monkeypatch):
        self.current = clock.now()
        monkeypatch.setattr(clock, "now", lambda: self.current)

    def advance(self, **delta):
        self.current += timedelta(**delta)


@pytest.fixture
def frozen_clock(monkeypatch):
    return MovableClock(monkeypatch)
