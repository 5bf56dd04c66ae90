"""Access requests in the admin: the list, and the pages that approve and decline them.

Approving creates the account through ``services.access_request_approve`` and
needs what issuing a link for that account needs (``invites.issue_link``,
powers over the groups chosen), and the right to add users. The request's
status link becomes the new user's invite link; a fresh link, which replaces
it, is one button away on the request's page, for a requester who lost theirs.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.templatetags.admin_urls import admin_urlname
from django.contrib.admin.utils import quote, unquote
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import FormView

from accounts.admin_lists import CountedUpTo, list_datetime, list_email, list_ip_address
from accounts.models import User
from invites.access_requests import services
from invites.access_requests.errors import AccessRequestRefused
from invites.admin.records import RecordsWithDigests
from invites.links.errors import IssueRefused
from invites.links.selectors import ISSUE_PERMISSION
from invites.models import AccessRequest

APPROVE_PERMISSIONS = (ISSUE_PERMISSION, "accounts.add_user")


class AccessRequestStateFilter(admin.SimpleListFilter):
    """By state, as ``?state=pending`` (the admin's front page links to it)."""

    title = gettext_lazy("state")
    parameter_name = "state"

    EXPIRED = "expired"

    def lookups(self, request, model_admin):
        return [*AccessRequest.State.choices, (self.EXPIRED, _("expired (nobody decided)"))]

    def queryset(self, request, queryset):
        if self.value() == AccessRequest.State.PENDING:
            return queryset.pending()
        if self.value() == self.EXPIRED:
            return queryset.expired()
        if self.value() in AccessRequest.State.values:
            return queryset.filter(state=self.value())
        return queryset


class ApproveForm(forms.Form):
    groups = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Groups"),
        queryset=Group.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    is_staff = forms.BooleanField(
        label=gettext_lazy("Staff status"),
        required=False,
        help_text=gettext_lazy("Designates whether the user can sign in to this admin site."),
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=gettext_lazy("Shown to the person who asked, on their status page."),
    )


class ApproveView(FormView):
    """The page that approves one request: choose groups and staff status, then create the account.

    Needs what approving needs (``has_approve_permission``); a request that
    is no longer pending leads back to its page with a warning. What the
    service refuses is said in a message: an approval it can never make
    leads back to the request's page, groups too powerful for the approver
    show the form again. The admin passes itself as ``model_admin``.
    """

    form_class = ApproveForm
    template_name = "admin/invites/accessrequest_approve.html"
    # FormView would treat PUT as POST: an empty form is valid and approves.
    http_method_names = ["get", "head", "post"]
    model_admin = None

    def dispatch(self, request, object_id):
        admin = self.model_admin
        if not admin.has_approve_permission(request):
            raise PermissionDenied
        self.access_request = admin.get_object(request, unquote(object_id))
        if self.access_request is None:
            raise Http404(_("There is no such access request."))
        self.change_url = reverse(
            admin_urlname(admin.opts, "change"),
            args=[quote(self.access_request.pk)],
            current_app=admin.admin_site.name,
        )
        if self.access_request.state != AccessRequest.State.PENDING:
            admin.message_user(request, _("This request was decided already."), messages.WARNING)
            return HttpResponseRedirect(self.change_url)
        return super().dispatch(request, object_id)

    def get_initial(self):
        # A team link's request proposes the link's groups.
        return {"groups": list(self.access_request.groups.all())}

    def form_valid(self, form):
        access_request = self.access_request
        # Approving clears the password a team link's request carries: read first.
        chose_a_password = bool(access_request.password)
        try:
            user = services.access_request_approve(
                access_request=access_request,
                approver=self.request.user,
                groups=list(form.cleaned_data["groups"]),
                is_staff=form.cleaned_data["is_staff"],
            )
        except AccessRequestRefused as refused:
            self.model_admin.message_user(
                self.request,
                _("Not approved: %(reason)s.") % {"reason": refused.reason.label},
                messages.ERROR,
            )
            return HttpResponseRedirect(self.change_url)
        except IssueRefused:
            self.model_admin.message_user(
                self.request,
                _(
                    "Not approved: the groups chosen would give %(email)s powers that "
                    "exceed yours. Choose fewer, or ask a superuser."
                )
                % {"email": access_request.email},
                messages.ERROR,
            )
            return self.render_to_response(self.get_context_data(form=form))
        if chose_a_password:
            approved = _(
                "Approved: the account %(email)s was created. Its owner signs in "
                "with the password they chose when they joined."
            )
        else:
            approved = _(
                "Approved: the account %(email)s was created. Its owner sets their "
                "password with their status link."
            )
        self.model_admin.message_user(
            self.request, approved % {"email": user.email}, messages.SUCCESS
        )
        return HttpResponseRedirect(self.change_url)

    def get_context_data(self, **kwargs):
        admin = self.model_admin
        return {
            **admin.admin_site.each_context(self.request),
            "title": _("Approve the access request"),
            "opts": admin.opts,
            "original": self.access_request,
            "account_exists": User.objects.by_email(self.access_request.email).exists(),
            "change_url": self.change_url,
            **super().get_context_data(**kwargs),
        }

    def render_to_response(self, context, **response_kwargs):
        self.request.current_app = self.model_admin.admin_site.name
        return super().render_to_response(context, **response_kwargs)


@admin.register(AccessRequest)
class AccessRequestAdmin(RecordsWithDigests, CountedUpTo, admin.ModelAdmin):
    """Requests for an account: read-only rows, decided by Approve and Decline."""

    list_display = (
        "email_address",
        "name",
        "state_label",
        "note_excerpt",
        "client",
        "requested",
        "has_account",
    )
    list_filter = (AccessRequestStateFilter,)
    list_per_page = 20
    search_fields = ["email"]
    # No search_help_text: Django ties it to the search box with aria-describedby,
    # which fails axe's label-title-only (see LinkAdmin).
    fields = (
        "email",
        "first_name",
        "last_name",
        "note",
        "state",
        "created_at",
        "client_address",
        "decided_at",
        "decided_by",
        "decline_reason",
        "user",
        "team_link",
    )
    readonly_fields = fields
    actions = ["approve_request", "decline_requests", "decline_networks"]
    change_form_template = "admin/invites/accessrequest_change_form.html"

    def get_queryset(self, request):
        accounts = User.objects.filter(email_key=OuterRef("email_key"))
        return (
            super()
            .get_queryset(request)
            .select_related("decided_by", "user")
            .annotate(account_exists=Exists(accounts))
        )

    @admin.display(description=gettext_lazy("email address"), ordering="email")
    def email_address(self, access_request: AccessRequest) -> str:
        return list_email(access_request.email)

    @admin.display(description=gettext_lazy("name"))
    def name(self, access_request: AccessRequest) -> str:
        return f"{access_request.first_name} {access_request.last_name}"

    @admin.display(description=gettext_lazy("state"), ordering="state")
    def state_label(self, access_request: AccessRequest) -> str:
        return str(AccessRequest.State(access_request.state).label)

    @admin.display(description=gettext_lazy("note"))
    def note_excerpt(self, access_request: AccessRequest) -> str:
        return Truncator(access_request.note).chars(80)

    @admin.display(
        description=gettext_lazy("client address"), ordering="client_address", empty_value="-"
    )
    def client(self, access_request: AccessRequest) -> str | None:
        """The address, with its network (which one action declines at once) beneath."""
        address = list_ip_address(access_request.client_address)
        if not access_request.client_network or address is None:
            return address
        return format_html(
            '{}<br><span class="quiet">{}</span>', address, access_request.client_network
        )

    @admin.display(description=gettext_lazy("requested"), ordering="created_at")
    def requested(self, access_request: AccessRequest) -> str:
        return list_datetime(access_request.created_at)

    @admin.display(description=gettext_lazy("has an account"), boolean=True)
    def has_account(self, access_request: AccessRequest) -> bool:
        return access_request.account_exists

    def has_approve_permission(self, request) -> bool:
        return all(request.user.has_perm(each) for each in APPROVE_PERMISSIONS)

    def has_decline_permission(self, request) -> bool:
        return request.user.has_perm(ISSUE_PERMISSION) or request.user.has_perm(
            "invites.change_accessrequest"
        )

    def get_urls(self):
        opts = self.opts
        return [
            path(
                "<path:object_id>/approve/",
                self.admin_site.admin_view(ApproveView.as_view(model_admin=self)),
                name=f"{opts.app_label}_{opts.model_name}_approve",
            ),
            *super().get_urls(),
        ]

    def _url(self, view: str, *keys) -> str:
        return reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_{view}",
            args=[quote(key) for key in keys],
            current_app=self.admin_site.name,
        )

    # --- Approving --------------------------------------------------------------

    @admin.action(
        description=gettext_lazy("Approve the selected request…"), permissions=["approve"]
    )
    def approve_request(self, request, queryset):
        """One request at a time: each gets its own groups and staff status."""
        selected = list(queryset[:2])
        if len(selected) != 1:
            self.message_user(
                request, _("Select one request to approve at a time."), messages.WARNING
            )
            return None
        return HttpResponseRedirect(self._url("approve", selected[0].pk))

    # --- Declining --------------------------------------------------------------

    @admin.action(
        description=gettext_lazy("Decline every pending request from their networks…"),
        permissions=["decline"],
    )
    def decline_networks(self, request, queryset):
        """Decline a flood in one go: every pending request from the selected ones' networks.

        Networks as ``networks.network_of`` gives them (an IPv4 /24, an IPv6
        /64); the same confirmation page as declining, listing them all.
        """
        networks = sorted(
            {each for each in queryset.values_list("client_network", flat=True) if each}
        )
        same = AccessRequest.objects.filter(
            state=AccessRequest.State.PENDING, client_network__in=networks
        )
        return self.decline_requests(request, same, networks=networks)

    @admin.action(description=gettext_lazy("Decline selected requests…"), permissions=["decline"])
    def decline_requests(self, request, queryset, networks=()):
        """Ask for an optional reason, then decline the pending ones (like delete_selected)."""
        form = DeclineForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            count = services.access_requests_decline(
                access_requests=queryset, by=request.user, reason=form.cleaned_data["reason"]
            )
            self.message_user(
                request,
                ngettext(
                    "Declined %(count)d access request.",
                    "Declined %(count)d access requests.",
                    count,
                )
                % {"count": count},
                messages.SUCCESS if count else messages.WARNING,
            )
            return None
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request,
            "admin/invites/accessrequest_decline.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Decline access requests"),
                "opts": self.opts,
                "requests": list(queryset),
                "networks": networks,
                "form": form,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )

    # --- The request's page ---------------------------------------------------------

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["may_approve"] = (
                obj.state == AccessRequest.State.PENDING and self.has_approve_permission(request)
            )
            context["may_decline"] = (
                obj.state == AccessRequest.State.PENDING and self.has_decline_permission(request)
            )
            if obj.state == AccessRequest.State.PENDING:
                context["approve_url"] = self._url("approve", obj.pk)
                context["changelist_url"] = self._url("changelist")
                context["action_checkbox_name"] = helpers.ACTION_CHECKBOX_NAME
            if obj.user_id is not None and request.user.has_perm(ISSUE_PERMISSION):
                context["issue_link_url"] = reverse(
                    "admin:accounts_user_issue_link",
                    args=[quote(obj.user_id)],
                    current_app=self.admin_site.name,
                )
        return super().render_change_form(request, context, add, change, form_url, obj)
