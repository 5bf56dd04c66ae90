"""Admin change lists that stay quick with tens of thousands of rows.

Two costs grow with the data on Django's change list, and this module caps
both without changing what a list that fits in ten pages shows:

- The filtered count. Django counts every row a filter or search matches
  before it shows the first page; for "all active users" of 50,000 that reads
  40,000 rows. ``CountedUpTo`` counts only as far as the pagination shows:
  the page shown and the nine after it, 200 rows at 20 a page. A list with
  more says so: "200+ users", "Select all 200+ users" (which still selects
  every match). Paging on extends the count; a search or filter narrows it.
- The time a row takes. Django renders a form widget template for each row's
  action checkbox, a quarter of a row's time; the same HTML is written here
  directly. Each row's link to its change page costs a ``reverse()`` and, on
  a filtered list, a ``resolve()`` to carry the filters along; here the link
  is made once per page and the filters appended to it. Dates in cells use
  ``list_datetime``, not Django's localized formats, which cost more than the
  rest of a cell.
"""

from urllib.parse import quote as url_quote

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.utils import quote
from django.contrib.admin.views.main import PAGE_VAR, ChangeList
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.core.validators import EmailValidator
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

# The characters reverse() leaves unencoded in a path.
KEY_SAFE = RFC3986_SUBDELIMS + "/~:@"
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


def list_datetime(value) -> str | None:
    """A date and time for a list's cell, in the site's time zone: "2026-11-22 14:05".

    The same in every locale, sortable as text, short enough to keep a list's
    columns on one screen, and a thirtieth of the time of Django's formats.
    """
    if value is None:
        return None
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


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


class LongChangeList(ChangeList):
    """Django's ChangeList, with each row's change link made without a URL lookup.

    Django reverses the change URL for each row, then, when the list is
    filtered, resolves it again to add the filters to it
    (``add_preserved_filters``). Here the URL is reversed once, with a
    placeholder for the key, and the filters are appended as that function
    would have appended them to a change URL; the rows' links come out the same.
    """

    KEY_PLACEHOLDER = "0-key-0"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        url_name = f"admin:{self.opts.app_label}_{self.opts.model_name}_change"
        self._change_url = reverse(
            url_name, args=(self.KEY_PLACEHOLDER,), current_app=self.model_admin.admin_site.name
        )
        self._filters_query = f"?{self.preserved_filters}" if self.preserved_filters else ""
        # Read by admin_list.items_for_result only, to add to each row's link.
        self.preserved_filters = ""

    def url_for_result(self, result):
        # As reverse() would quote it: admin's quote, then percent-encoding.
        key = url_quote(str(quote(getattr(result, self.pk_attname))), safe=KEY_SAFE)
        return self._change_url.replace(self.KEY_PLACEHOLDER, key, 1) + self._filters_query


class CountedUpTo:
    """ModelAdmin mixin for long lists: a bounded count and cheaper rows."""

    # The bounded count replaces the unfiltered total too.
    show_full_result_count = False

    def get_changelist(self, request, **kwargs):
        return LongChangeList

    def get_empty_value_display(self):
        """Django's, translated once per language: Django asks for it once per cell."""
        by_language = self.__dict__.setdefault("_empty_value_display_by_language", {})
        language = get_language()
        if language not in by_language:
            by_language[language] = super().get_empty_value_display()
        return by_language[language]

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        page = request.GET.get(PAGE_VAR, "1")
        page = int(page) if page.isdigit() else 1
        limit = (page - 1 + PAGES_COUNTED) * per_page
        return CountedUpToPaginator(
            queryset, per_page, orphans, allow_empty_first_page, limit=limit
        )

    @admin.display(description=mark_safe('<input type="checkbox" id="action-toggle">'))
    def action_checkbox(self, obj):
        """The HTML of Django's ``ModelAdmin.action_checkbox``, without a template."""
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            format_html(_("Select this object for an action - {}"), str(obj)),
        )
