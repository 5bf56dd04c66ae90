"""``{% load dates %}``: ``value|when`` and ``value|relative`` (accounts.dates) in templates."""

from django import template

from accounts import dates

register = template.Library()


@register.filter
def when(value):
    """A moment as "2026-11-22 14:05 UTC"; an empty string for no date."""
    return dates.when(value) or ""


@register.filter
def relative(value):
    """The distance from now, "in 7 days"; an empty string for no date."""
    return dates.relative(value) if value else ""
