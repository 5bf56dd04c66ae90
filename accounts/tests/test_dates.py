from datetime import UTC, datetime, timedelta

from accounts.dates import relative, when

NOW = datetime(2030, 5, 17, 9, 30, tzinfo=UTC)


def test_a_moment_reads_with_its_time_zone_named(settings):
    settings.TIME_ZONE = "UTC"
    assert when(NOW) == "2030-05-17 09:30 UTC"
    assert when(None) is None


def spaced(text: str) -> str:
    """Django joins a number and its unit with a no-break space."""
    return text.replace("\xa0", " ")


def test_a_link_issued_a_moment_ago_for_seven_days_reads_a_whole_week():
    issued_a_moment_ago = NOW + timedelta(days=7) - timedelta(seconds=3)
    assert spaced(relative(issued_a_moment_ago, now=NOW)) == "in 1 week"


def test_the_distance_reads_to_its_largest_unit_both_ways():
    assert spaced(relative(NOW + timedelta(hours=2, minutes=20), now=NOW)) == "in 2 hours"
    assert spaced(relative(NOW - timedelta(days=3, hours=5), now=NOW)) == "3 days ago"
