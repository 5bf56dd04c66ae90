"""API tokens in the admin: issuing one (shown once), the list, revoking.

Everything here calls ``invites.tokens``, which holds the rules: only staff
with *Can add API token* issue one, and only for users within their powers;
taking one from a more powerful account is refused too. A token's secret
exists only in the response that issued it, which no cache may keep; no page
can show it again, and a token cannot be changed once issued.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.admin_lists import list_datetime, list_email, list_ip_address
from accounts.dates import relative, when
from accounts.powers import PowersExceeded
from invites.admin.filters import KeyStateFilter
from invites.admin.records import IssuedOnItsOwnPage, RecordsWithDigests
from invites.batch.csv_output import utc_iso
from invites.keys.models import Via
from invites.models import ApiToken
from invites.tokens.errors import TokenRefused
from invites.tokens.forms import ApiTokenIssueForm
from invites.tokens.services import IssuedToken, token_issue, tokens_revoke

ISSUE_PERMISSION = ApiToken.issue_permission


@admin.register(ApiToken)
class ApiTokenAdmin(RecordsWithDigests, IssuedOnItsOwnPage, admin.ModelAdmin):
    """Every API token, read-only: whose, what for, until when, when last used."""

    list_display = ("owner_email", "description", "created", "expires", "last_used", "state_label")
    list_filter = (KeyStateFilter, "created_via")
    list_select_related = ("owner", "created_by")
    list_per_page = 20
    search_fields = ["owner__email"]
    fields = (
        "owner",
        "description",
        "state_label",
        "created_at",
        "created_via",
        "created_by",
        "expires_at",
        "last_used_at",
        "last_used_from",
        "revoked_at",
        "revoked_by",
    )
    readonly_fields = fields
    actions = ["revoke_api_tokens"]
    add_template = "admin/invites/apitoken_add.html"

    # --- Who may do what ---------------------------------------------------------

    def has_issue_permission(self, request) -> bool:
        return request.user.has_perm(ISSUE_PERMISSION)

    def has_add_permission(self, request) -> bool:
        return self.has_issue_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return super().has_view_permission(request, obj) or self.has_issue_permission(request)

    def has_module_permission(self, request) -> bool:
        return super().has_module_permission(request) or self.has_issue_permission(request)

    # --- The list ----------------------------------------------------------------

    @admin.display(description=gettext_lazy("owner"), ordering="owner__email")
    def owner_email(self, token: ApiToken) -> str:
        return list_email(token.owner.email)

    @admin.display(description=gettext_lazy("created"), ordering="created_at")
    def created(self, token: ApiToken) -> str:
        creator = (
            list_email(token.created_by.email)
            if token.created_by is not None
            else str(Via(token.created_via).label)
        )
        return format_html(
            '{}<br><span class="created-by">{}</span>',
            list_datetime(token.created_at),
            format_html(_("by {creator}"), creator=creator),
        )

    @admin.display(description=gettext_lazy("expires"), ordering="expires_at")
    def expires(self, token: ApiToken) -> str:
        return list_datetime(token.expires_at)

    @admin.display(description=gettext_lazy("last used"), ordering="last_used_at")
    def last_used(self, token: ApiToken) -> str:
        if token.last_used_at is None:
            return _("never")
        return format_html(
            '{}<br><span class="address">{}</span>',
            list_datetime(token.last_used_at),
            list_ip_address(token.last_used_from) or "",
        )

    @admin.display(description=gettext_lazy("state"))
    def state_label(self, token: ApiToken) -> str:
        return str(ApiToken.State(token.state).label)

    # --- Issuing one ---------------------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        """The form; its POST issues the token and shows it, this once."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        post = request.POST if request.method == "POST" else None
        form = ApiTokenIssueForm(post, issuer=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                issued = token_issue(
                    owner=form.cleaned_data["owner"],
                    description=form.cleaned_data["description"],
                    issuer=request.user,
                    via=Via.ADMIN,
                    max_age=form.max_age,
                )
            except TokenRefused as refused:
                form.add_error(None, str(refused))
            else:
                return self._issued_response(request, issued)
        return self.add_page(request, form=form, title=_("Add API token"))

    def _issued_response(self, request, issued: IssuedToken) -> TemplateResponse:
        return self.shown_once(
            request,
            template="admin/invites/apitoken_issued.html",
            title=_("API token"),
            pk=issued.token.pk,
            token=issued.token,
            secret=issued.secret,
            expires_at_iso=utc_iso(issued.expires_at),
            expires_at_display=f"{when(issued.expires_at)} ({relative(issued.expires_at)})",
        )

    # --- Revoking -----------------------------------------------------------------

    @admin.action(description=gettext_lazy("Revoke selected API tokens"), permissions=["issue"])
    def revoke_api_tokens(self, request, queryset):
        """Revoke the selected tokens, or none where one's owner is beyond one's powers."""
        selected = list(queryset)
        try:
            count = tokens_revoke(tokens=selected, by=request.user, via=Via.ADMIN)
        except PowersExceeded as refused:
            self.message_user(
                request,
                ngettext(
                    "No token was revoked: %(emails)s has powers that exceed yours. "
                    "Ask a superuser.",
                    "No token was revoked: %(emails)s have powers that exceed yours. "
                    "Ask a superuser.",
                    len(refused.users),
                )
                % {"emails": ", ".join(user.email for user in refused.users)},
                messages.ERROR,
            )
            return
        message = ngettext(
            "Revoked %(count)d API token: it no longer works.",
            "Revoked %(count)d API tokens: they no longer work.",
            count,
        ) % {"count": count}
        left = len(selected) - count
        if left:
            message += " " + ngettext(
                "%(count)d selected token was already revoked.",
                "%(count)d selected tokens were already revoked.",
                left,
            ) % {"count": left}
        self.message_user(request, message, messages.SUCCESS if count else messages.WARNING)
