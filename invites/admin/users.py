"""The user admin, with set-password links: accounts' own, extended here.

accounts knows nothing of links (``project`` above ``invites`` above
``accounts``), so this app puts its features on the user admin: it replaces
the registration accounts made with a subclass that adds them. In the list:
each user's link and groups, and a filter for who needs a new link; on the
change page: a summary, with buttons to issue or revoke a link in place of
Django's password buttons.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from accounts import admin as accounts_admin
from accounts.admin_lists import list_datetime
from accounts.forms import UserAddForm as AccountsUserAddForm
from accounts.models import User
from accounts.powers import PowersExceeded
from invites.admin.issuing import SetPasswordLinksAdminMixin
from invites.admin.link_states import USER_STATUS_LABELS, user_link_label
from invites.admin.links import may_revoke_links
from invites.links import services
from invites.links.selectors import (
    newest_link,
    newest_link_prefetch,
    user_standing,
    users_active_not_reset_pending,
    users_needing_link,
    users_reset_pending,
)
from invites.models import Link

# The session keeps, from a reactivation to the list page it leads to, the
# users who need a link there, for the button that issues them.
NEEDS_LINK_SESSION_KEY = "invites_reactivated_need_links"


class StatusFilter(accounts_admin.StatusFilter):
    """accounts' statuses, and "Reset pending", as the status column reads them.

    "Active" then means a password and no reset pending, as in the column.
    """

    def lookups(self, request, model_admin):
        return [
            (status, USER_STATUS_LABELS[status])
            for status in ("invited", "reset_pending", "active", "deactivated")
        ]

    def queryset(self, request, queryset):
        if self.value() == "reset_pending":
            return users_reset_pending(users=queryset)
        if self.value() == "active":
            return users_active_not_reset_pending(users=queryset)
        return super().queryset(request, queryset)


class NeedsLinkFilter(admin.SimpleListFilter):
    """Who still needs a link: invited or reset pending, with no open link."""

    title = gettext_lazy("set-password link")
    parameter_name = "link"
    NEEDED = "needed"

    def lookups(self, request, model_admin):
        return [(self.NEEDED, gettext_lazy("Needs a link (no open link)"))]

    def queryset(self, request, queryset):
        if self.value() == self.NEEDED:
            return users_needing_link(users=queryset)
        return queryset


class UserAddForm(AccountsUserAddForm):
    """accounts' add form, where an address already taken leads to its user.

    One message, on the email field, instead of the field's and the
    case-insensitive constraint's, in two wordings: the user exists, and a
    new link is issued from their page.
    """

    def clean_email(self):
        email = super().clean_email()
        existing = User.objects.by_email(email).first()
        if existing is not None:
            url = reverse("admin:accounts_user_change", args=[existing.pk])
            raise ValidationError(
                format_html(
                    _(
                        "A user with this email address already exists: {email}. "
                        '<a href="{url}">Issue a new link</a> from their page.'
                    ),
                    email=existing.email,
                    url=f"{url}#user-summary-heading",
                ),
                code="unique",
            )
        return email


def _with_link_columns(columns: tuple[str, ...]) -> tuple[str, ...]:
    """accounts' columns, with the user's groups after their status (which tells of their link)."""
    at = columns.index("status_label") + 1
    return (*columns[:at], "group_names", *columns[at:])


class UserChangeList(ChangeList):
    """The user list, with each shown user's newest link and groups.

    One query each, whatever the number of rows, and only for the page shown:
    the users an action is given (500 selected) are read without them.
    """

    def get_results(self, request):
        super().get_results(request)
        # Still lazy: an action's POST builds this list too and never reads it.
        self.result_list = self.result_list.prefetch_related(
            newest_link_prefetch(),
            Prefetch("groups", queryset=Group.objects.order_by("name")),
        )


class UserAdmin(SetPasswordLinksAdminMixin, accounts_admin.UserAdmin):
    actions = ["generate_set_password_links", *accounts_admin.UserAdmin.actions]
    list_display = _with_link_columns(accounts_admin.UserAdmin.list_display)
    list_filter = (
        *(
            StatusFilter if each is accounts_admin.StatusFilter else each
            for each in accounts_admin.UserAdmin.list_filter
        ),
        NeedsLinkFilter,
    )
    add_form = UserAddForm

    def get_changelist(self, request, **kwargs):
        return UserChangeList

    def get_urls(self):
        opts = self.opts
        return [
            path(
                "<path:object_id>/revoke-link/",
                self.admin_site.admin_view(self.revoke_link_view),
                name=f"{opts.app_label}_{opts.model_name}_revoke_link",
            ),
            *super().get_urls(),
        ]

    # --- The list ---------------------------------------------------------------

    @admin.display(description=gettext_lazy("status and link"))
    def status_label(self, user: User) -> str:
        """The user's status, and under it their newest link: "Invited", "Link: Expired"."""
        newest = newest_link(user)
        link = (
            format_html(_("Link: {state}"), state=user_link_label(newest))
            if newest is not None
            else _("No link")
        )
        return format_html(
            '<span class="user-status">{}</span><br><span class="list-detail link-state">{}</span>',
            USER_STATUS_LABELS[user_standing(user=user, newest=newest)],
            link,
        )

    @admin.display(description=gettext_lazy("groups"))
    def group_names(self, user: User) -> str:
        return ", ".join(group.name for group in user.groups.all())

    def changelist_view(self, request, extra_context=None):
        user_ids = request.session.pop(NEEDS_LINK_SESSION_KEY, None)
        if user_ids and self.has_issue_link_permission(request):
            extra_context = {
                **(extra_context or {}),
                "needs_link_user_ids": user_ids,
                "needs_link_action": "generate_set_password_links",
            }
        return super().changelist_view(request, extra_context)

    @admin.action(description=gettext_lazy("Reactivate selected users"), permissions=["change"])
    def reactivate_users(self, request, queryset):
        """accounts' reactivation, then: how many of them need a link, and a button to issue them.

        Deactivation revoked every link of theirs: those who never set a
        password cannot sign in until they get a new one (``users_needing_link``).
        The button is for administrators who may issue links; others are told
        whom to ask.
        """
        deactivated = list(queryset.filter(is_active=False).values_list("pk", flat=True))
        response = super().reactivate_users(request, queryset)
        reactivated = User.objects.filter(pk__in=deactivated, is_active=True)
        needing = list(users_needing_link(users=reactivated).values_list("pk", flat=True))
        if not needing:
            return response
        count = len(needing)
        message = ngettext(
            "%(count)d of them has no password and no open set-password link: they "
            "cannot sign in until they get a new link.",
            "%(count)d of them have no password and no open set-password link: they "
            "cannot sign in until they get new links.",
            count,
        ) % {"count": count}
        if self.has_issue_link_permission(request):
            message += " " + ngettext(
                "Issue it with the button below.", "Issue theirs with the button below.", count
            )
            request.session[NEEDS_LINK_SESSION_KEY] = needing
        else:
            message += " " + _("Ask an administrator who may issue set-password links.")
        self.message_user(request, message, messages.WARNING)
        return response

    # --- The change page ------------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        """No password field on the change page: a person's password is set through a link.

        Django's field offers "Set password", "Reset password" or "Enable
        password-based authentication", which the summary's link buttons
        replace.
        """
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "password"]})
            for name, options in fieldsets
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and not add:
            newest = newest_link(obj)
            open_link = newest if newest is not None and newest.is_open else None
            context["user_summary"] = {
                "status": USER_STATUS_LABELS[user_standing(user=obj, newest=newest)],
                "link": user_link_label(newest),
                "last_sign_in": list_datetime(obj.last_login) or _("never"),
            }
            context["open_link"] = open_link
            if open_link is not None and may_revoke_links(request.user):
                context["revoke_link_url"] = self._url("revoke_link", obj.pk)
        return super().render_change_form(request, context, add, change, form_url, obj)

    @method_decorator(require_POST)
    def revoke_link_view(self, request, object_id):
        """The summary's Revoke button: revoke the user's open link (POST only)."""
        if not may_revoke_links(request.user):
            raise PermissionDenied
        user = self.get_object(request, unquote(object_id))
        if user is None:
            raise Http404(_("There is no such user."))
        if not self.has_view_or_change_permission(request, user):
            raise PermissionDenied
        try:
            count = services.links_revoke(
                links=Link.objects.open().filter(user=user), by=request.user
            )
        except PowersExceeded:
            self.message_user(
                request,
                _("No link was revoked: %(email)s has powers that exceed yours. Ask a superuser.")
                % {"email": user.email},
                messages.ERROR,
            )
        else:
            if count:
                self.message_user(
                    request,
                    _("The open set-password link of %(email)s was revoked.")
                    % {"email": user.email},
                    messages.SUCCESS,
                )
            else:
                self.message_user(
                    request,
                    _("%(email)s had no open set-password link: nothing was revoked.")
                    % {"email": user.email},
                    messages.WARNING,
                )
        return HttpResponseRedirect(self._change_url(user))


admin.site.unregister(User)
admin.site.register(User, UserAdmin)
