"""The commands' DURATION values: a whole number and a unit, as in ``90m``, ``36h``, ``7d``."""

import re
from datetime import timedelta

from django.utils.translation import gettext as _

_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
_DURATION = re.compile(r"([0-9]{1,9})\s*([mhd])")
# A century: beyond any sensible link lifetime or purge age, and far enough
# inside datetime's range that now plus or minus it never overflows.
MAX_DURATION = timedelta(days=36500)


def duration_parse(value: str) -> timedelta:
    """Turn ``90m``, ``36h`` or ``7d`` into a positive timedelta.

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
    if not duration:
        raise ValueError(
            _("%(value)r is no time at all; give a duration above zero.") % {"value": value}
        )
    if duration > MAX_DURATION:
        raise ValueError(
            _("%(value)r is too long; give at most %(days)dd.")
            % {"value": value, "days": MAX_DURATION.days}
        )
    return duration
