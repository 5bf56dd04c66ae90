"""``{% load dates %}``: ``value|when``, ``value|when_wrapping`` and ``value|relative``
(accounts.dates) in templates."""

from django import template

from accounts import dates
from accounts.admin_lists import list_datetime

register = template.Library()


@register.filter
def when(value):
    """A moment as "2026-11-22 14:05 UTC"; an empty string for no date."""
    return dates.when(value) or ""


@register.filter
def relative(value):
    """The distance from now, "in 7 days"; an empty string for no date."""
    return dates.relative(value) if value else ""


@register.filter
def when_wrapping(value):
    """``when`` as two spans of class ``moment``, which a narrow cell wraps between and
    never inside ("2026-11-22" / "14:05 UTC"); an empty string for no date."""
    return list_datetime(value) or ""
