import pytest

from accounts.tests.totp import TotpClock


@pytest.fixture
def two_factor_staff(settings):
    """The default policy, ``staff``: the suite runs with two-factor off (project/pytest_env.py)."""
    settings.TWO_FACTOR = "staff"


@pytest.fixture
def totp_clock(monkeypatch):
    return TotpClock(monkeypatch)
