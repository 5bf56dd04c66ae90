"""The public page that redeems a set-password link.

Follows django.contrib.auth's PasswordResetConfirmView: the secret leaves the
address bar at once, so that it does not linger in history, screenshots or
Referer headers. Unlike Django's view, the session keeps only the link's id,
never the secret, so a leaked session store leaks no link.
"""

import logging
from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django_ratelimit.decorators import ratelimit

from invites.decorators import noindex
from invites.errors import LinkInvalid
from invites.forms import LinkSetPasswordForm
from invites.selectors import link_get_open
from invites.services import link_redeem

logger = logging.getLogger(__name__)

SESSION_KEY = "_set_password_link_id"


def _session_link(group: str, request) -> str:
    """Rate-limit key: the link this browser is redeeming."""
    return str(request.session.get(SESSION_KEY, "none"))


def _invalid(request, error: LinkInvalid):
    """One page for every reason a link fails; the reason goes to the log only."""
    request.session.pop(SESSION_KEY, None)
    logger.info("Refused a set-password link (%s): link %s.", error.reason, error.link_id)
    return render(request, "invites/link_invalid.html", status=HTTPStatus.NOT_FOUND)


@sensitive_variables("secret")
@never_cache
@noindex
@ratelimit(group="link-open", key="ip", rate="30/m", method=ratelimit.ALL)
def open_link(request, secret: str):
    """Check a presented link without consuming it, then drop the secret from the URL.

    GET never consumes: chat apps and mail scanners open links to draw previews.
    """
    try:
        link = link_get_open(secret=secret)
    except LinkInvalid as error:
        return _invalid(request, error)
    request.session[SESSION_KEY] = link.pk
    return redirect("invites:set_password")


@method_decorator([sensitive_post_parameters(), never_cache, noindex], name="dispatch")
@method_decorator(
    [
        ratelimit(group="set-password-ip", key="ip", rate="10/m", method="POST"),
        ratelimit(group="set-password-link", key=_session_link, rate="5/m", method="POST"),
    ],
    name="post",
)
class SetPasswordView(View):
    """Show the set-password form for the link kept in the session, and redeem it."""

    template_name = "invites/set_password.html"

    def _link(self, request):
        link_id = request.session.get(SESSION_KEY)
        return link_get_open(link_id=link_id if isinstance(link_id, int) else 0)

    def get(self, request):
        try:
            link = self._link(request)
        except LinkInvalid as error:
            return _invalid(request, error)
        return self._render(request, link, LinkSetPasswordForm(link.user))

    def post(self, request):
        try:
            link = self._link(request)
        except LinkInvalid as error:
            return _invalid(request, error)
        form = LinkSetPasswordForm(link.user, request.POST)
        if not form.is_valid():
            return self._render(request, link, form)
        try:
            link_redeem(link=link, password=form.cleaned_data["new_password1"])
        except LinkInvalid as error:
            return _invalid(request, error)
        # Whoever was signed in in this browser (the same person or another)
        # is signed out; the new password's holder signs in afresh.
        logout(request)
        messages.success(request, _("Your password is set. You can sign in now."))
        return redirect("login")

    def _render(self, request, link, form):
        signed_in_as_other = request.user.is_authenticated and request.user.pk != link.user_id
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "link": link,
                "account": link.user,
                "signed_in_as_other": signed_in_as_other,
            },
        )
