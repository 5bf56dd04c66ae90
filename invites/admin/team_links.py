"""Team links in the admin: making one (shown once), the list, a link's page, revoking.

Everything here calls ``invites.team_links``, which holds the rules: only
administrators with *Can issue team links* make or revoke one, and only with
groups that grant nothing beyond their own permissions. A team link's secret
exists only in the response that made it, which no cache may keep
(``Cache-Control: no-store``); no page can show it again.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from accounts.admin_lists import list_datetime, list_email
from accounts.dates import relative, when
from accounts.models import User
from accounts.qr import qr_svg
from accounts.two_factor import two_factor_required
from invites.admin.filters import KeyStateFilter
from invites.admin.handover import sheet_value
from invites.admin.lifetimes import DEFAULT, LinkLifetimeForm
from invites.admin.records import IssuedOnItsOwnPage, RecordsWithDigests
from invites.batch.csv_output import utc_iso
from invites.keys.durations import duration_text
from invites.keys.kinds import TEAM
from invites.keys.urls import key_url
from invites.models import Link, TeamLink, TeamLinkJoin
from invites.team_links import services as team_links
from invites.team_links.errors import TeamLinkRefused
from invites.team_links.services import MAX_USES, TEAM_ISSUE_PERMISSION, default_team_max_age


class TeamLinkForm(LinkLifetimeForm):
    """What a team link is: a name, its groups, its uses, its lifetime, whether joins wait."""

    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=200,
        help_text=gettext_lazy(
            "What it is for, e.g. “Data workshop, March”. Shown on the join page."
        ),
    )
    groups = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Groups"),
        queryset=Group.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Everyone who joins gets these groups, never staff status."),
    )
    uses = forms.IntegerField(
        label=gettext_lazy("Number of uses"),
        min_value=1,
        max_value=MAX_USES,
        help_text=gettext_lazy("How many accounts the link can make; then it closes."),
    )
    approval = forms.BooleanField(
        label=gettext_lazy("Needs approval"),
        required=False,
        help_text=gettext_lazy(
            "Each join becomes an access request; the account is made when an "
            "administrator approves it."
        ),
    )

    field_order = ["name", "groups", "uses", "link_lifetime", "link_lifetime_other", "approval"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["link_lifetime"].choices = [
            (
                DEFAULT,
                _("Default: %(duration)s") % {"duration": duration_text(default_team_max_age())},
            ),
            *self.fields["link_lifetime"].choices[1:],
        ]


@admin.register(TeamLink)
class TeamLinkAdmin(RecordsWithDigests, IssuedOnItsOwnPage, admin.ModelAdmin):
    """Team links: made by the add page, then read-only, revoked by an action or a button."""

    list_display = ("name", "state_label", "uses_left", "expires", "creator", "members")
    list_filter = (KeyStateFilter,)
    list_select_related = ("created_by",)
    list_per_page = 20
    search_fields = ["name"]
    fields = (
        "name",
        "state_label",
        "groups_list",
        "uses_left",
        "approval",
        "created_at",
        "created_by",
        "created_via",
        "expires_at",
        "revoked_at",
        "revoked_by",
        "who_joined",
    )
    readonly_fields = fields
    actions = ["revoke_team_links"]
    add_template = "admin/invites/teamlink_add.html"
    change_form_template = "admin/invites/teamlink_change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("joins"))

    # --- Who may do what ---------------------------------------------------------

    def has_add_permission(self, request) -> bool:
        return request.user.has_perm(TEAM_ISSUE_PERMISSION)

    def has_issue_team_link_permission(self, request) -> bool:
        return request.user.has_perm(TEAM_ISSUE_PERMISSION)

    def has_view_permission(self, request, obj=None) -> bool:
        return super().has_view_permission(request, obj) or self.has_issue_team_link_permission(
            request
        )

    def has_module_permission(self, request) -> bool:
        return super().has_module_permission(request) or self.has_issue_team_link_permission(
            request
        )

    # --- The list ----------------------------------------------------------------

    @admin.display(description=gettext_lazy("state"))
    def state_label(self, team_link: TeamLink) -> str:
        return str(TeamLink.State(team_link.state).label)

    @admin.display(description=gettext_lazy("uses left"))
    def uses_left(self, team_link: TeamLink) -> str:
        return _("%(left)d of %(allowed)d left") % {
            "left": team_link.uses_left,
            "allowed": team_link.uses_allowed,
        }

    @admin.display(description=gettext_lazy("expires"), ordering="expires_at")
    def expires(self, team_link: TeamLink) -> str:
        return list_datetime(team_link.expires_at)

    @admin.display(description=gettext_lazy("created by"), ordering="created_by__email")
    def creator(self, team_link: TeamLink) -> str:
        if team_link.created_by is None:
            return str(Link.Via(team_link.created_via).label)
        return list_email(team_link.created_by.email)

    @admin.display(description=gettext_lazy("members"), ordering="member_count")
    def members(self, team_link: TeamLink) -> int:
        return team_link.member_count

    # --- A link's page -----------------------------------------------------------

    @admin.display(description=gettext_lazy("groups"))
    def groups_list(self, team_link: TeamLink) -> str:
        return ", ".join(group.name for group in team_link.groups.order_by("name")) or _("none")

    @admin.display(description=gettext_lazy("who joined"))
    def who_joined(self, team_link: TeamLink):
        joins = list(
            TeamLinkJoin.objects.filter(team_link=team_link).select_related(
                "user", "access_request"
            )
        )
        if not joins:
            return _("Nobody yet.")

        def rows():
            for join in joins:
                if join.user is not None:
                    url = reverse(
                        "admin:accounts_user_change",
                        args=[quote(join.user_id)],
                        current_app=self.admin_site.name,
                    )
                    label = join.user.email
                elif join.access_request is not None:
                    url = reverse(
                        "admin:invites_accessrequest_change",
                        args=[quote(join.access_request_id)],
                        current_app=self.admin_site.name,
                    )
                    label = _("%(email)s (access request)") % {"email": join.access_request.email}
                else:
                    yield ("", _("an account since deleted"), when(join.joined_at))
                    continue
                yield (url, label, when(join.joined_at))

        return format_html(
            "<ul class='team-link-joins'>{}</ul>",
            format_html_join(
                "", "<li><a href='{}'>{}</a> · {}</li>", ((u, lbl, t) for u, lbl, t in rows())
            ),
        )

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
        if (
            obj is not None
            and obj.revoked_at is None
            and self.has_issue_team_link_permission(request)
        ):
            context["revoke_url"] = self._url("revoke", obj.pk)
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- Making one ---------------------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        """The form; its POST makes the link and shows it, this once, with Copy and QR."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = TeamLinkForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                issued = team_links.team_link_create(
                    name=data["name"],
                    groups=list(data["groups"]),
                    uses=data["uses"],
                    issuer=request.user,
                    via=Link.Via.ADMIN,
                    max_age=form.max_age,
                    approval=data["approval"],
                )
            except TeamLinkRefused as refused:
                form.add_error(*self._refusal_error(refused))
            else:
                return self._issued_response(request, issued)
        return self.add_page(request, form=form, title=_("Add team link"))

    @staticmethod
    def _refusal_error(refused: TeamLinkRefused) -> tuple[str | None, str]:
        if refused.reason == TeamLinkRefused.Reason.GROUPS_BEYOND:
            return (
                "groups",
                ngettext(
                    "%(groups)s grants permissions you do not have: a team link may not "
                    "give more than you hold. Choose other groups, or ask a superuser.",
                    "%(groups)s grant permissions you do not have: a team link may not "
                    "give more than you hold. Choose other groups, or ask a superuser.",
                    len(refused.groups),
                )
                % {"groups": ", ".join(group.name for group in refused.groups)},
            )
        return (
            None,
            _("You may not issue team links: you need active staff status and the permission."),
        )

    def _issued_response(self, request, issued) -> TemplateResponse:
        url = key_url(TEAM, issued.secret, request=request)
        team_link = issued.team_link
        return self.shown_once(
            request,
            template="admin/invites/teamlink_issued.html",
            title=_("Team link"),
            pk=team_link.pk,
            team_link=team_link,
            url=url,
            qr_svg=qr_svg(url),
            expires_at_iso=utc_iso(team_link.expires_at),
            expires_at_display=f"{when(team_link.expires_at)} ({relative(team_link.expires_at)})",
            groups=", ".join(group.name for group in team_link.groups.order_by("name")),
            # The print view draws the handover sheet from what this page
            # posts back: nothing is stored, no secret goes in an address.
            print_url=reverse(
                "admin:accounts_user_handover_sheets", current_app=self.admin_site.name
            ),
            print_sheet=sheet_value(
                url=url,
                name=team_link.name,
                expires_at=team_link.expires_at,
                # Who joins is not staff: under TWO_FACTOR=all they too set
                # up an authenticator, at their first sign-in.
                two_factor=two_factor_required(User()),
            ),
        )

    # --- Revoking -----------------------------------------------------------------

    @admin.action(
        description=gettext_lazy("Revoke selected team links"), permissions=["issue_team_link"]
    )
    def revoke_team_links(self, request, queryset):
        self._revoke(request, list(queryset))

    @method_decorator(require_POST)
    def revoke_view(self, request, object_id):
        """The button on a team link's page (POST only)."""
        if not self.has_issue_team_link_permission(request):
            raise PermissionDenied
        team_link = self.get_object(request, unquote(object_id))
        if team_link is None:
            raise Http404(_("There is no such team link."))
        self._revoke(request, [team_link])
        return HttpResponseRedirect(self._url("change", team_link.pk))

    def _revoke(self, request, selected) -> None:
        try:
            count = team_links.team_links_revoke(team_links=selected, by=request.user)
        except TeamLinkRefused as refused:
            self.message_user(
                request,
                _("Nothing was revoked.") + " " + self._refusal_error(refused)[1],
                messages.ERROR,
            )
            return
        self.message_user(
            request,
            ngettext(
                "Revoked %(count)d team link: it shows the invalid-link page from now on.",
                "Revoked %(count)d team links: they show the invalid-link page from now on.",
                count,
            )
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )
