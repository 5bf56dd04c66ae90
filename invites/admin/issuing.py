"""Issuing set-password links from the user admin, and the page that shows them.

A link's secret exists only in the one response that issues it. That page is
never cached (``Cache-Control: no-store``), and the clipboard text and the CSV
file are built in the browser from the page itself, so the server keeps no copy.
Its rows come from ``issued_links``; it posts links back to be printed or drawn
as QR codes (``handover_views``).
"""

from collections.abc import Sequence
from datetime import timedelta

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from accounts.models import User
from invites.admin import handover
from invites.admin.handover_views import HandoverSheetsView, LinkQRView
from invites.admin.issued_links import QR_INLINE_LIMIT, NextStep, issued_link_rows
from invites.admin.lifetimes import LinkLifetimeForm
from invites.admin.link_states import link_state_label
from invites.links import services
from invites.links.errors import IssueRefused, UsersInactive
from invites.links.selectors import ISSUE_PERMISSION, links_of_user
from invites.links.services import LinkBatch, purpose_for
from invites.models import Link

# The user's change page shows this many of their newest links; the links
# list, filtered to the user, shows them all.
HISTORY_LENGTH = 20


class SetPasswordLinksAdminMixin:
    """Issuing set-password links from the user admin.

    Adds the action ``generate_set_password_links``, a button on the change
    page (``<id>/issue-link/``), the user's link history on that page, and a
    link page after adding a user. Everything that issues needs the
    "Can issue set-password links" permission.
    """

    change_form_template = "admin/invites/user_change_form.html"
    issued_links_template = "admin/invites/issued_links.html"
    issue_confirmation_template = "admin/invites/issue_links_confirmation.html"

    def has_issue_link_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(ISSUE_PERMISSION)

    def get_urls(self):
        opts = self.opts
        return [
            # Before the admin's own "<path:object_id>/" patterns, which would
            # otherwise read "link-qr" as a user's id.
            path(
                "link-qr/",
                self.admin_site.admin_view(LinkQRView.as_view(model_admin=self)),
                name=f"{opts.app_label}_{opts.model_name}_link_qr",
            ),
            path(
                "handover-sheets/",
                self.admin_site.admin_view(HandoverSheetsView.as_view(model_admin=self)),
                name=f"{opts.app_label}_{opts.model_name}_handover_sheets",
            ),
            path(
                "<path:object_id>/issue-link/",
                self.admin_site.admin_view(self.issue_link_view),
                name=f"{opts.app_label}_{opts.model_name}_issue_link",
            ),
            *super().get_urls(),
        ]

    # --- Issuing --------------------------------------------------------------

    @admin.action(
        description=gettext_lazy("Generate set-password links"), permissions=["issue_link"]
    )
    def generate_set_password_links(self, request, queryset):
        """Issue a link for every selected user and show them all on one page.

        First a page, as Django's delete confirmation is, that lists the
        selected users and asks how long their links stay valid; its POST
        (``post=yes``) issues. All or nothing: when any selected user may not
        get a link from this administrator, nothing is issued and the message
        names each of them. Issuing for the others only would hand the
        administrator a list that looks complete but is not.
        """
        users = list(queryset)
        if not users:
            # Every selected user was deleted since the list was shown.
            self.message_user(
                request,
                _(
                    "No link was issued: the selected users no longer exist. "
                    "Select users from the list again."
                ),
                messages.WARNING,
            )
            return None
        purposes = {purpose_for(user) for user in users}
        confirmed = "post" in request.POST
        form = LinkLifetimeForm(request.POST if confirmed else None, purposes=purposes)
        if not (confirmed and form.is_valid()):
            return self._issue_confirmation_response(request, users, form)
        issued = self._issue_or_report(request, users, max_age=form.max_age)
        if issued is None:
            return None
        return self.issued_links_response(
            request,
            issued,
            title=ngettext("Set-password link", "Set-password links", len(issued)),
            next_steps=[NextStep(self._changelist_url(request), _("Back to the users"), True)],
        )

    @method_decorator(require_POST)
    def issue_link_view(self, request, object_id):
        """The change page's button: issue a link for one user (POST only)."""
        if not self.has_issue_link_permission(request):
            raise PermissionDenied
        user = self.get_object(request, unquote(object_id))
        if user is None:
            raise Http404(_("There is no such user."))
        if not self.has_view_or_change_permission(request, user):
            raise PermissionDenied
        change_url = self._change_url(user)
        issued = self._issue_or_report(request, [user])
        if issued is None:
            return HttpResponseRedirect(change_url)
        return self.issued_links_response(
            request,
            issued,
            title=_("Set-password link"),
            next_steps=[
                NextStep(change_url, _("Back to %(user)s") % {"user": user}, True),
                NextStep(self._changelist_url(request), _("Back to the users")),
            ],
        )

    def response_add(self, request, obj, post_url_continue=None):
        """After adding a user, show their invite link on a page of its own.

        Not through the messages framework, which may keep messages in a
        cookie. The link is issued in the transaction that created the user
        (the add view's), so a failure leaves neither. The page leads on to
        what the pressed button asked for ("Save and add another", "Save and
        continue editing"). In a popup, which must report back to the page that
        opened it, and for staff who may not issue links, Django's usual
        response follows and the link is issued later from the user's page.
        """
        if IS_POPUP_VAR in request.POST:
            return super().response_add(request, obj, post_url_continue)
        if not self.has_issue_link_permission(request):
            self.message_user(
                request,
                _(
                    "No set-password link was issued: you do not have the permission "
                    "to issue them. Ask an administrator who has it."
                ),
                messages.WARNING,
            )
            return super().response_add(request, obj, post_url_continue)
        issued = self._issue_or_report(
            request, [obj], max_age=getattr(request, "_link_max_age", None)
        )
        if issued is None:
            return super().response_add(request, obj, post_url_continue)
        self.message_user(
            request,
            _("The user “%(user)s” was added.") % {"user": obj},
            messages.SUCCESS,
        )
        add_url = add_preserved_filters(
            {"preserved_filters": self.get_preserved_filters(request), "opts": self.opts},
            request.path,
        )
        return self.issued_links_response(
            request,
            issued,
            title=_("Set-password link"),
            next_steps=[
                NextStep(add_url, _("Add another user"), "_addanother" in request.POST),
                NextStep(
                    self._change_url(obj),
                    _("Edit %(user)s") % {"user": obj},
                    "_continue" in request.POST,
                ),
                NextStep(
                    self._changelist_url(request),
                    _("Back to the users"),
                    not {"_addanother", "_continue"} & request.POST.keys(),
                ),
            ],
        )

    def _issue_confirmation_response(
        self, request, users: Sequence[User], form: LinkLifetimeForm
    ) -> TemplateResponse:
        """The action's first page: the selected users, and how long their links last."""
        request.current_app = self.admin_site.name
        purposes = dict(Link.Purpose.choices)
        return TemplateResponse(
            request,
            self.issue_confirmation_template,
            {
                **self.admin_site.each_context(request),
                "title": _("Generate set-password links"),
                "opts": self.opts,
                "users": [(user, purposes[purpose_for(user)]) for user in users],
                "form": form,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "changelist_url": self._changelist_url(request),
            },
        )

    def _issue_or_report(
        self, request, users: Sequence[User], *, max_age: timedelta | None = None
    ) -> LinkBatch | None:
        """Issue a link for each user, or say in a message why none was issued.

        A deactivated user's link could not be used, and a user whose powers
        exceed the administrator's may not get one from them (see
        ``users_refused_to_issuer``): either refuses the whole request, naming
        every such user.
        """
        try:
            return services.links_issue(
                users=users, issuer=request.user, via=Link.Via.ADMIN, max_age=max_age
            )
        except UsersInactive as inactive:
            self.message_user(
                request,
                ngettext(
                    "No link was issued: %(emails)s is deactivated. Reactivate the user first.",
                    "No link was issued: %(emails)s are deactivated. Reactivate these users first.",
                    len(inactive.users),
                )
                % {"emails": ", ".join(user.email for user in inactive.users)},
                messages.ERROR,
            )
            return None
        except IssueRefused as refused:
            self.message_user(
                request,
                ngettext(
                    "No link was issued: you may not issue links for %(emails)s, whose "
                    "powers exceed yours. Ask a superuser.",
                    "No link was issued: you may not issue links for %(emails)s, whose "
                    "powers exceed yours. Ask a superuser.",
                    len(refused.users),
                )
                % {"emails": ", ".join(user.email for user in refused.users)},
                messages.ERROR,
            )
            return None

    def issued_links_response(
        self,
        request,
        issued: LinkBatch,
        *,
        title: str,
        next_steps: Sequence[NextStep] = (),
    ) -> TemplateResponse:
        """The page that shows freshly issued links, once, ready to copy.

        Up to ``QR_INLINE_LIMIT`` links each come with their QR code; beyond
        it, each row's button fetches its code from ``LinkQRView``. The page
        says how many older links the new ones revoked, and posts links to
        ``HandoverSheetsView`` to print them.
        """
        request.current_app = self.admin_site.name
        qr_inline = len(issued) <= QR_INLINE_LIMIT
        response = TemplateResponse(
            request,
            self.issued_links_template,
            {
                **self.admin_site.each_context(request),
                "title": title,
                "opts": self.opts,
                "links": issued,
                "rows": issued_link_rows(issued, request=request, with_qr=qr_inline),
                "qr_inline": qr_inline,
                "qr_inline_limit": QR_INLINE_LIMIT,
                "qr_url": None if qr_inline else self._url("link_qr"),
                "next_steps": next_steps,
                # Older open links of these users that the new ones revoked.
                "superseded": issued.superseded,
                "print_url": self._url("handover_sheets"),
                "print_all": len(issued) <= handover.MAX_SHEETS,
                "max_sheets": handover.MAX_SHEETS,
                # Where a reload of the page goes instead of posting its form again.
                "reload_url": next(
                    (step.url for step in next_steps if step.is_default),
                    self._changelist_url(request),
                ),
            },
        )
        # The page holds secrets: no cache, shared or private, may keep it.
        add_never_cache_headers(response)
        return response

    # --- The add page: the new user's link lifetime ----------------------------

    def _issues_on_add(self, request) -> bool:
        """Whether saving the add form issues a link (see ``response_add``)."""
        is_popup = IS_POPUP_VAR in request.GET or IS_POPUP_VAR in request.POST
        return not is_popup and self.has_issue_link_permission(request)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None and self._issues_on_add(request):
            fieldsets = [
                *fieldsets,
                (_("Set-password link"), {"fields": ("link_lifetime", "link_lifetime_other")}),
            ]
        return fieldsets

    def get_form(self, request, obj=None, **kwargs):
        if obj is None and "form" not in kwargs and self._issues_on_add(request):
            # A new user has no password: their link is an invite, whose
            # default the lifetime field preselects.
            kwargs["form"] = type(
                "UserAddWithLinkLifetimeForm", (LinkLifetimeForm, self.add_form), {}
            )
        return super().get_form(request, obj, **kwargs)

    def save_form(self, request, form, change):
        # ``response_add`` issues the link but is not given the form: the
        # request carries the chosen lifetime there.
        if not change and isinstance(form, LinkLifetimeForm):
            request._link_max_age = form.max_age
        return super().save_form(request, form, change)

    # --- The change page: history and the issue button -----------------------

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and not add:
            history = links_of_user(user=obj, limit=HISTORY_LENGTH)
            for link in history:
                # In the words of the lists: "Invited", "Reset pending", "Used"…
                link.state_label = link_state_label(link)
            context["link_history"] = history
            context["presented_again"] = [link for link in history if link.presented_again_count]
            context["history_length"] = HISTORY_LENGTH
            if request.user.has_perm("invites.view_link"):
                context["all_links_url"] = (
                    reverse("admin:invites_link_changelist", current_app=self.admin_site.name)
                    + f"?user__id__exact={obj.pk}"
                )
            if self.has_issue_link_permission(request):
                context["issue_link_url"] = self._url("issue_link", obj.pk)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_deleted_objects(self, objs, request):
        """What deleting users takes along, their links among it.

        The links list lets no one delete a link (``purge_links`` does), which
        the admin would read as a lack of permission to delete the users who
        have links. A user's links go with the user; their deletion needs no
        permission of its own.
        """
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed.discard(Link._meta.verbose_name)
        return deleted, model_count, perms_needed, protected

    def _url(self, view: str, *keys) -> str:
        """The URL of this admin's ``view`` (``change``, ``issue_link``, …)."""
        return reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_{view}",
            args=[quote(key) for key in keys],
            current_app=self.admin_site.name,
        )

    def _change_url(self, user: User) -> str:
        return self._url("change", user.pk)

    def _changelist_url(self, request) -> str:
        return add_preserved_filters(
            {"preserved_filters": self.get_preserved_filters(request), "opts": self.opts},
            self._url("changelist"),
        )
