"""DURATION values (a whole number and a unit: ``90m``, ``36h``, ``7d``) and links' ceiling.

The commands' options and the admin's lifetime field read durations here alike.
"""

import re
from datetime import timedelta

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
_DURATION = re.compile(r"([0-9]{1,9})\s*([mhd])")
# A century: beyond any sensible link lifetime or purge age, and far enough
# inside datetime's range that now plus or minus it never overflows.
MAX_DURATION = timedelta(days=36500)


def duration_parse(value: str, *, zero: bool = False) -> timedelta:
    """Turn ``90m``, ``36h`` or ``7d`` into a positive timedelta (or zero, where ``zero``).

    Raises ``ValueError`` with a message that says what is expected.
    """
    match = _DURATION.fullmatch(value.strip().lower())
    if not match:
        raise ValueError(
            _(
                "%(value)r is not a duration. Give a whole number followed by m "
                "(minutes), h (hours) or d (days), for example 90m, 36h or 7d."
            )
            % {"value": value}
        )
    duration = timedelta(**{_UNITS[match[2]]: int(match[1])})
    if not duration and not zero:
        raise ValueError(
            _("%(value)r is no time at all; give a duration above zero.") % {"value": value}
        )
    if duration > MAX_DURATION:
        raise ValueError(
            _("%(value)r is too long; give at most %(days)dd.")
            % {"value": value, "days": MAX_DURATION.days}
        )
    return duration


def duration_text(duration: timedelta) -> str:
    """``duration`` as a person says it: "7 days", "36 hours", "90 minutes"."""
    minutes = int(duration.total_seconds()) // 60
    if minutes and minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
    if minutes and minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


def link_max_age_limit() -> timedelta:
    """The longest lifetime any link may be given: ``LINK_MAX_AGE_LIMIT``."""
    return timedelta(seconds=settings.LINK_MAX_AGE_LIMIT)


def max_age_check(max_age: timedelta) -> timedelta:
    """``max_age`` if it is within ``LINK_MAX_AGE_LIMIT``; else ``ValueError`` saying the limit."""
    limit = link_max_age_limit()
    if max_age > limit:
        raise ValueError(
            _("%(duration)s is longer than links may last: at most %(limit)s (LINK_MAX_AGE_LIMIT).")
            % {"duration": duration_text(max_age), "limit": duration_text(limit)}
        )
    return max_age
