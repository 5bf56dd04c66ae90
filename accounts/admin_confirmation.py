"""The page an admin action that changes many rows shows first, as Django's delete does.

The first "Go" shows what the action would change, named; the page's button
posts the action back to the list as the list sent it (the rows selected, or
all of them) with ``post=yes``, and then the action acts. Its templates extend
``admin/action_confirmation.html``.
"""

from collections.abc import Sequence

from django.contrib.admin import helpers
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.template.response import TemplateResponse
from django.urls import reverse

# The page names this many of the rows, and counts the others: "select all"
# may have chosen thousands.
NAMED_AT_MOST = 100
CONFIRMED = "post"


def action_confirmed(request) -> bool:
    """Whether this POST is the confirmation page's, not the list's first "Go"."""
    return CONFIRMED in request.POST


def action_confirmation_response(
    model_admin,
    request,
    *,
    action: str,
    template: str,
    title: str,
    objects: Sequence,
    context: dict | None = None,
) -> TemplateResponse:
    """The first page of ``action``: ``objects`` named, and a button that runs it."""
    opts = model_admin.opts
    site = model_admin.admin_site
    request.current_app = site.name
    changelist_url = add_preserved_filters(
        {"preserved_filters": model_admin.get_preserved_filters(request), "opts": opts},
        reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist", current_app=site.name),
    )
    return TemplateResponse(
        request,
        template,
        {
            **site.each_context(request),
            "title": title,
            "opts": opts,
            "named": objects[:NAMED_AT_MOST],
            "unnamed_count": max(0, len(objects) - NAMED_AT_MOST),
            "action_name": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across") == "1",
            "confirmed_field": CONFIRMED,
            "changelist_url": changelist_url,
            **(context or {}),
        },
    )
