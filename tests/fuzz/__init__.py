"""Hypothesis-driven hostile input: never a 500, never a traceback, nothing written when refused."""

from hypothesis import HealthCheck, settings

from tests.support import loopback_addresses

# Modest and deterministic in CI; no example database in the working tree.
FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

_addresses = loopback_addresses()


def next_address() -> str:
    """A new client address per example: each example is another stranger, whom
    the limits count afresh, so the view itself is what gets exercised."""
    return next(_addresses)


def assert_no_traceback(body: str) -> None:
    for leak in ("Traceback", 'File "', "Exception Value", "django/"):
        assert leak not in body, body[:2000]
