"""What the admin's pages of secret-bearing records share.

Lists read-only with digests unreachable; keys issued on a page of their own,
shown once.
"""

from django.contrib.admin.utils import quote
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers


class RecordsWithDigests:
    """ModelAdmin mixin for rows that keep a secret's digest: links, team links,
    access requests, API tokens.

    They are made by their services, never edited here (team links and tokens
    are issued on an add page of their own, ``IssuedOnItsOwnPage``), and no
    filter in the URL may name the digest, which would confirm a guessed one.
    """

    def lookup_allowed(self, lookup, value, request=None):
        return not lookup.startswith("digest") and super().lookup_allowed(lookup, value, request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class IssuedOnItsOwnPage:
    """ModelAdmin mixin for keys issued on an add page of their own: team links, API tokens.

    The add page is the kind's form (``add_page``); a valid POST issues the
    key and answers with the page that shows it this once (``shown_once``).
    """

    add_template: str

    def _url(self, view: str, *keys) -> str:
        return reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_{view}",
            args=[quote(key) for key in keys],
            current_app=self.admin_site.name,
        )

    def add_page(self, request, *, form, title: str) -> TemplateResponse:
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request,
            self.add_template,
            {
                **self.admin_site.each_context(request),
                "title": title,
                "opts": self.opts,
                "form": form,
                "changelist_url": self._url("changelist"),
            },
        )

    def shown_once(self, request, *, template: str, title: str, pk, **context) -> TemplateResponse:
        """The page holding the key just issued, whose row is ``pk``: no cache may keep it."""
        request.current_app = self.admin_site.name
        response = TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "title": title,
                "opts": self.opts,
                "change_url": self._url("change", pk),
                "changelist_url": self._url("changelist"),
                **context,
            },
        )
        add_never_cache_headers(response)
        return response
