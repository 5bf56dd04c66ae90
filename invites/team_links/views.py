"""The join page of a team link.

A team link opens like a set-password link (``keys.views.key_open``): its
secret moves into a cookie holding its digest, sent only here, and no use is
taken. Every link that cannot be joined through gets the one invalid page.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView

from accounts.views import prefill_sign_in
from invites.keys.errors import KeyInvalid
from invites.keys.kinds import TEAM
from invites.keys.pages import client_address, key_invalid, noindex
from invites.keys.views import key_remembered
from invites.team_links.forms import TeamJoinForm
from invites.team_links.models import TeamLink
from invites.team_links.services import team_link_join


@method_decorator([sensitive_post_parameters(), never_cache, noindex], name="dispatch")
class TeamJoinView(FormView):
    """The join form of the team link this browser opened; its POST joins.

    The answer to a join is the same whether the email was new or had an
    account (``team_links.services.team_link_join``): a redirect to the
    sign-in page, with a message that holds for both.
    """

    form_class = TeamJoinForm
    template_name = "invites/team_join.html"

    def dispatch(self, request, *args, **kwargs):
        try:
            self.team_link = key_remembered(request, kind=TEAM, model=TeamLink)
        except KeyInvalid as error:
            return key_invalid(request, error, kind=TEAM)
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            team_link_join(
                team_link=self.team_link,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                password=data["password1"],
                address=client_address(self.request),
            )
        except KeyInvalid as error:
            return key_invalid(self.request, error, kind=TEAM)
        # True whether the email was new or had an account, and without doubt
        # for whoever just joined: "your password" is the one an existing
        # account already had, or the one just chosen.
        if self.team_link.approval:
            reply = _(
                "Done. An administrator approves each new account before it can sign in; "
                "then sign in with this address and your password."
            )
        else:
            reply = _("Done. Sign in with this address and your password.")
        messages.success(self.request, reply)
        response = TEAM.cookie.forget(redirect("login"))
        return prefill_sign_in(response, data["email"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(team_link=self.team_link, **kwargs)
