"""Admin change lists that stay quick with tens of thousands of rows.

Django counts every row a filter or search matches before it shows the first
page: for "all active users" of 50,000 that reads 40,000 rows. ``CountedUpTo``
counts only as far as the pagination shows, the page shown and the nine after
it (200 rows at 20 a page), with no ORDER BY, so the database stops at the
201st match. A list with more says so: "200+ users", "Select all 200+ users"
(which still selects every match). Paging on extends the count; a search or
filter narrows it. A list that fits in ten pages shows what Django shows.
"""

import re

from django.contrib.admin.views.main import PAGE_VAR
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.core.validators import EmailValidator
from django.utils.functional import cached_property
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from accounts.dates import when

PAGES_COUNTED = 10


def is_email(term: str) -> bool:
    """Whether a search term is a whole email address (and not a fragment).

    A whole address is one probe of the LOWER(email) index, where a fragment
    needs a substring search.
    """
    try:
        EmailValidator()(term.strip())
    except ValidationError:
        return False
    return True


def list_datetime(value) -> SafeString | None:
    """A date and time for a list's cell, as on every page: "2026-11-22 14:05 UTC".

    The same in every locale, sortable as text, in the site's time zone and
    naming it (``accounts.dates.when``). The date and the time are each a
    span of class ``moment``, which project/admin.css keeps whole: a narrow
    cell wraps between them, never at the date's dashes ("2026-" "11-22").
    """
    text = when(value)
    if text is None:
        return None
    day, time = text.split(" ", 1)
    return format_html('<span class="moment">{}</span> <span class="moment">{}</span>', day, time)


_AFTER_AT_OR_DOT = re.compile(r"(?<=[@.])")
_AFTER_COLON_OR_DOT = re.compile(r"(?<=[:.])")


def _breakable(text: str, after: re.Pattern) -> SafeString:
    # In a span of class "address", which project/admin.css keeps from
    # breaking anywhere but at the <wbr>.
    parts = (escape(part) for part in after.split(text))
    return format_html('<span class="address">{}</span>', mark_safe("<wbr>".join(parts)))


def list_email(email: str) -> SafeString:
    """An email address for a narrow cell, that wraps only after its "@" and its dots.

    "grace@<wbr>example.<wbr>com": a browser left to itself breaks it
    anywhere, "grace@exampl" and "e.com".
    """
    return _breakable(email, _AFTER_AT_OR_DOT)


def list_ip_address(address: str | None) -> SafeString | None:
    """A client's address for a narrow cell, that wraps only after its colons and dots."""
    return None if address is None else _breakable(address, _AFTER_COLON_OR_DOT)


class AtLeast(int):
    """A count that stopped early: it compares as the number and reads as "200+"."""

    def __str__(self) -> str:
        return f"{int(self)}+"

    __repr__ = __str__


class CountedUpToPaginator(Paginator):
    """A paginator whose count reads at most ``limit`` + 1 rows."""

    def __init__(self, *args, limit: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit = limit

    @cached_property
    def count(self) -> int:
        # Any rows will do for counting: without the ORDER BY the database
        # stops after the first ``limit`` + 1 it finds instead of sorting all.
        counted = self.object_list.order_by()[: self.limit + 1].count()
        return AtLeast(self.limit) if counted > self.limit else counted


class CountedUpTo:
    """ModelAdmin mixin for long lists: a count bounded by what the pagination shows."""

    # The bounded count replaces the unfiltered total too.
    show_full_result_count = False

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        page = request.GET.get(PAGE_VAR, "1")
        page = int(page) if page.isdigit() else 1
        limit = (page - 1 + PAGES_COUNTED) * per_page
        return CountedUpToPaginator(
            queryset, per_page, orphans, allow_empty_first_page, limit=limit
        )
