"""The links list: every link, read-only, with filters, a search and a revoke action."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from accounts import clock
from accounts.admin_confirmation import action_confirmation_response, action_confirmed
from accounts.admin_lists import CountedUpTo, list_datetime, list_email
from accounts.powers import PowersExceeded, ensure_may_act_on
from invites.admin.filters import KeyStateFilter
from invites.admin.link_states import link_state_filter_choices, link_state_label
from invites.admin.records import RecordsWithDigests
from invites.links import services
from invites.links.selectors import EXPIRING_WITHIN, ISSUE_PERMISSION, REDEEMED_WITHIN, links_search
from invites.models import Link


def may_revoke_links(user) -> bool:
    """Who may issue links may take them back; so may holders of "change link"."""
    return user.has_perm(ISSUE_PERMISSION) or user.has_perm("invites.change_link")


class LinkStateFilter(KeyStateFilter):
    def lookups(self, request, model_admin):
        return link_state_filter_choices()


class PresentedAgainFilter(admin.SimpleListFilter):
    """The tripwire: used or revoked links that someone presented again."""

    title = gettext_lazy("presented again")
    parameter_name = "presented_again"
    VALUE = "yes"

    def lookups(self, request, model_admin):
        return [(self.VALUE, gettext_lazy("Yes: someone else may hold a copy"))]

    def queryset(self, request, queryset):
        if self.value() == self.VALUE:
            return queryset.presented_again()
        return queryset


class ExpiringSoonFilter(admin.SimpleListFilter):
    """Open links that will expire unused within a day: hand them over, or issue anew."""

    title = gettext_lazy("expires soon")
    parameter_name = "expires_soon"
    VALUE = "24h"

    def lookups(self, request, model_admin):
        return [(self.VALUE, gettext_lazy("Within 24 hours, unused"))]

    def queryset(self, request, queryset):
        if self.value() == self.VALUE:
            return queryset.expiring_unused(EXPIRING_WITHIN)
        return queryset


class RedeemedRecentlyFilter(admin.SimpleListFilter):
    """Links used lately: who has just set their password."""

    title = gettext_lazy("redeemed")
    parameter_name = "redeemed"
    VALUE = "7d"

    def lookups(self, request, model_admin):
        return [(self.VALUE, gettext_lazy("In the last 7 days"))]

    def queryset(self, request, queryset):
        if self.value() == self.VALUE:
            return queryset.redeemed_since(clock.now() - REDEEMED_WITHIN)
        return queryset


@admin.register(Link)
class LinkAdmin(RecordsWithDigests, CountedUpTo, admin.ModelAdmin):
    """Every link, read-only: what was issued, to whom, by whom, and what became of it.

    Only the secret's digest is stored, and it is shown nowhere, not even as a
    filter: no one can read a link back from here. Links are made by issuing,
    never added here, and deleted by the ``purge_links`` command.
    """

    # Fits a 1280 px screen beside the sidebar and the filters: who created a
    # link shares its cell with when, and the moment of use is on the link's
    # page (and behind the "redeemed" filter).
    list_display = (
        "user_email",
        "purpose_label",
        "state_label",
        "created",
        "expires",
        "reason",
    )
    list_filter = (
        LinkStateFilter,
        "purpose",
        "created_via",
        PresentedAgainFilter,
        ExpiringSoonFilter,
        RedeemedRecentlyFilter,
    )
    list_per_page = 20
    search_fields = ["user__email"]
    # No search_help_text: Django ties it to the search box with aria-describedby,
    # and a box whose only label is the magnifier's alt text then fails axe's
    # label-title-only (serious). The list's only search is by the user's email.
    fields = (
        "user",
        "purpose",
        "state_label",
        "created_at",
        "created_via",
        "created_by",
        "expires_at",
        "used_at",
        "revoked_at",
        "revoked_by",
        "revoke_reason",
        "presented_again_count",
        "presented_again_first_at",
        "presented_again_at",
        "presented_again_from",
        "presented_again_addresses_list",
    )
    readonly_fields = fields
    actions = ["revoke_links"]

    @admin.display(description=gettext_lazy("user"), ordering="user__email")
    def user_email(self, link: Link) -> str:
        return list_email(link.user.email)

    @admin.display(description=gettext_lazy("presented again from"))
    def presented_again_addresses_list(self, link: Link) -> str:
        return ", ".join(link.presented_again_addresses) or "-"

    # Labels as plain strings: a lazy one is translated again at each of the
    # several times the list's machinery reads it, in every row.
    @admin.display(description=gettext_lazy("purpose"), ordering="purpose")
    def purpose_label(self, link: Link) -> str:
        return str(Link.Purpose(link.purpose).label)

    @admin.display(description=gettext_lazy("state"))
    def state_label(self, link: Link) -> str:
        return link_state_label(link)

    @admin.display(description=gettext_lazy("revoke reason"), ordering="revoke_reason")
    def reason(self, link: Link) -> str:
        # Only a revoked link has one: a link revoked after its use stays used.
        if link.used_at is None and link.revoke_reason:
            return capfirst(Link.RevokeReason(link.revoke_reason).label)
        return ""

    @admin.display(description=gettext_lazy("created by"), ordering="created_by__email")
    def created_by_label(self, link: Link) -> str:
        # A command's links have no creator: say where they came from instead.
        if link.created_by is not None:
            return list_email(link.created_by.email)
        return str(Link.Via(link.created_via).label)

    @admin.display(description=gettext_lazy("created"), ordering="created_at")
    def created(self, link: Link) -> str:
        return format_html(
            '{}<br><span class="created-by">{}</span>',
            list_datetime(link.created_at),
            format_html(gettext("by {creator}"), creator=self.created_by_label(link)),
        )

    @admin.display(description=gettext_lazy("expires"), ordering="expires_at")
    def expires(self, link: Link) -> str:
        return list_datetime(link.expires_at)

    @admin.display(description=gettext_lazy("used"), ordering="used_at")
    def used(self, link: Link) -> str | None:
        return list_datetime(link.used_at)

    def get_queryset(self, request):
        # What the list's columns and the change page's fields show.
        return super().get_queryset(request).select_related("user", "created_by", "revoked_by")

    def get_search_results(self, request, queryset, search_term):
        """Links of the users whose email contains the term (``links_search``)."""
        return links_search(links=queryset, term=search_term), False

    def has_revoke_permission(self, request) -> bool:
        return may_revoke_links(request.user)

    def get_urls(self):
        opts = self.opts
        return [
            path(
                "<path:object_id>/revoke/",
                self.admin_site.admin_view(self.revoke_view),
                name=f"{opts.app_label}_{opts.model_name}_revoke",
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.is_open and self.has_revoke_permission(request):
            context["revoke_url"] = reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_revoke",
                args=[obj.pk],
                current_app=self.admin_site.name,
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    @method_decorator(require_POST)
    def revoke_view(self, request, object_id):
        """The Revoke button of a link's page (POST only), then back to that page."""
        if not self.has_revoke_permission(request):
            raise PermissionDenied
        link = self.get_object(request, unquote(object_id))
        if link is None:
            raise Http404(gettext("There is no such link."))
        self._revoke(request, [link])
        return HttpResponseRedirect(
            reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                args=[link.pk],
                current_app=self.admin_site.name,
            )
        )

    @admin.action(description=gettext_lazy("Revoke selected links"), permissions=["revoke"])
    def revoke_links(self, request, queryset):
        """Revoke the selected links, after a page that names whose they are.

        The list's "Go" shows that page (``admin_confirmation``), or says at
        once why none can be revoked; its button revokes.
        """
        links = list(queryset)
        if action_confirmed(request):
            return self._revoke(request, links)
        closing = [link for link in links if link.used_at is None and link.revoked_at is None]
        if not closing:
            self.message_user(
                request,
                gettext("No link was revoked: the selected links were already used or revoked."),
                messages.WARNING,
            )
            return None
        try:
            people = {link.user_id: link.user for link in closing}
            ensure_may_act_on(actor=request.user, users=list(people.values()))
        except PowersExceeded as refused:
            self._refuse_beyond_powers(request, refused)
            return None
        for link in closing:
            link.state_label = link_state_label(link)
        return action_confirmation_response(
            self,
            request,
            action="revoke_links",
            template="admin/invites/revoke_links_confirmation.html",
            title=gettext("Revoke links"),
            objects=closing,
            context={"open_count": len(closing), "closed_count": len(links) - len(closing)},
        )

    def _refuse_beyond_powers(self, request, refused: PowersExceeded) -> None:
        self.message_user(
            request,
            ngettext(
                "No link was revoked: %(emails)s has powers that exceed yours. Ask a superuser.",
                "No link was revoked: %(emails)s have powers that exceed yours. Ask a superuser.",
                len(refused.users),
            )
            % {"emails": ", ".join(user.email for user in refused.users)},
            messages.ERROR,
        )

    def _revoke(self, request, links: list[Link]) -> None:
        """Revoke ``links`` (``links_revoke``) and say how many in a message."""
        try:
            count = services.links_revoke(links=links, by=request.user)
        except PowersExceeded as refused:
            self._refuse_beyond_powers(request, refused)
            return
        message = ngettext("Revoked %(count)d link.", "Revoked %(count)d links.", count) % {
            "count": count
        }
        left = len(links) - count
        if left:
            message += " " + ngettext(
                "%(count)d selected link was already used or revoked, and stays as it was.",
                "%(count)d selected links were already used or revoked, and stay as they were.",
                left,
            ) % {"count": left}
        self.message_user(request, message, messages.SUCCESS if count else messages.WARNING)
