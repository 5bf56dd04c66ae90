"""One way to write a date and time for a person, on every page.

"2026-11-22 14:05 UTC": the site's time zone (``TIME_ZONE``), named, the same
in every locale and sortable as text; with "in 7 days" or "3 hours ago" where
the distance from now helps. The CSV files keep ISO 8601 with the offset.
"""

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _

from accounts import clock

ROUNDING = timedelta(minutes=1)


def when(value: datetime | None) -> str | None:
    """A moment as "2026-11-22 14:05 UTC", in the site's time zone; None stays None."""
    if value is None:
        return None
    local = timezone.localtime(value)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def relative(value: datetime, *, now: datetime | None = None) -> str:
    """The distance from now, to its largest unit: "in 2 hours", "3 days ago"."""
    now = now or clock.now()
    if value > now:
        # A link issued a moment ago for 7 days reads "in 7 days", not "in 6
        # days": the seconds since the page was asked for do not count.
        return _("in %(time)s") % {"time": timeuntil(value, now - ROUNDING, depth=1)}
    return _("%(time)s ago") % {"time": timesince(value, now, depth=1)}
