"""What purging any kind of key reports, and the cutoff it purges before."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from accounts import clock


@dataclass(frozen=True)
class Purged:
    """How many records purging deleted (or, on a dry run, would delete), and its cutoff."""

    count: int
    cutoff: datetime


def purge_cutoff(older_than: timedelta) -> datetime:
    """The moment before which closed records go: ``older_than`` ago.

    ``ValueError`` for a negative age: the cutoff is never in the future, so
    a key still open has not closed before it and is never purged.
    """
    if older_than < timedelta(0):
        raise ValueError("older_than must not be negative: open keys are never purged.")
    return clock.now() - older_than
