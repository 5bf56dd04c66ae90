"""The public page that redeems a set-password link.

Follows django.contrib.auth's PasswordResetConfirmView: the link opens at
``keys.views.key_open``, which moves its secret into a cookie holding its
digest, sent only here; this page looks the link up, and so does every POST.

The rate limits on these views (project.ratelimits) count their failures: the
invalid-link page (404) and a POST that sets no password.
"""

from http import HTTPStatus

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView

from accounts import two_factor
from accounts.views import prefill_sign_in
from invites.keys.errors import KeyInvalid
from invites.keys.kinds import SET_PASSWORD
from invites.keys.pages import client_address, key_invalid, noindex
from invites.keys.views import key_remembered
from invites.links.forms import LinkSetPasswordForm
from invites.links.models import Link
from invites.links.services import link_presented_again

# The form names the link it was shown for, so that a POST after another link
# was opened in the same browser cannot set the other account's password.
SHOWN_LINK_FIELD = "link"


def _expired_while_typing(request, error: KeyInvalid) -> bool:
    """Whether this POST is the form of the very link that expired since it was shown.

    Only a browser holding the link's cookie and posting the form shown for
    that link (its ``link`` field) learns that it expired: its holder, whose
    password was typed in vain. Everyone else gets the page for every reason.
    """
    return (
        request.method == "POST"
        and error.reason == KeyInvalid.Reason.EXPIRED
        and error.key_id is not None
        and request.POST.get(SHOWN_LINK_FIELD) == str(error.key_id)
    )


def _invalid(request, error: KeyInvalid):
    """The one invalid page; a used, revoked or purged link presented again trips its tripwire."""
    digest = SET_PASSWORD.cookie.read(request)
    if error.reason == KeyInvalid.Reason.UNKNOWN and digest is not None:
        # Unknown as a link: perhaps one purged since it was used.
        link_presented_again(digest=digest, address=client_address(request))
    return key_invalid(
        request,
        error,
        kind=SET_PASSWORD,
        presented_again=link_presented_again,
        context={"expired_while_typing": _expired_while_typing(request, error)},
    )


@method_decorator([sensitive_post_parameters(), never_cache, noindex], name="dispatch")
class SetPasswordView(FormView):
    """Show the set-password form for the link this browser opened, and redeem it.

    Shaped like Django's PasswordResetConfirmView: the link is found in
    ``dispatch`` (here from the cookie, not the session), and the form's
    ``save()`` redeems it. Then, as that view does with
    ``post_reset_login``, the person is signed in: staff land in the admin.
    """

    form_class = LinkSetPasswordForm
    template_name = "invites/set_password.html"

    def dispatch(self, request, *args, **kwargs):
        try:
            self.link = key_remembered(request, kind=SET_PASSWORD, model=Link)
        except KeyInvalid as error:
            return _invalid(request, error)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.link.user, "link": self.link}

    def post(self, request, *args, **kwargs):
        if request.POST.get(SHOWN_LINK_FIELD) != str(self.link.pk):
            # The browser holds one link at a time: one opened in another tab
            # since this form was shown has taken its place, and the password
            # typed here was meant for another account. A POST that names no
            # link was not sent by the form: it changes nothing either.
            return self.render_to_response(
                self.get_context_data(
                    form=self.form_class(self.link.user, link=self.link),
                    another_link_opened=True,
                ),
                status=HTTPStatus.CONFLICT,
            )
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            user = form.save()
        except KeyInvalid as error:
            return _invalid(self.request, error)
        # Whoever was signed in in this browser (the same person or another)
        # is signed out, and the link's holder signed in: the link proves who
        # they are, and the code the authenticator they just set up. Asking
        # for a code again would refuse the one the app still shows.
        logout(self.request)
        two_factor.sign_in(self.request, user=user, device=form.device)
        if form.device is not None:
            message = _(
                "Your password is set and your authenticator app is ready. You are signed in."
            )
        else:
            message = _("Your password is set. You are signed in.")
        messages.success(self.request, message)
        response = SET_PASSWORD.cookie.forget(redirect(self.get_success_url()))
        # Their next sign-in, after signing out, offers their email.
        return prefill_sign_in(response, user.email)

    def get_success_url(self):
        """Staff go on to the admin; everyone else to their account page."""
        if self.link.user.is_staff:
            return reverse("admin:index")
        return resolve_url(settings.LOGIN_REDIRECT_URL)

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            link=self.link,
            account=self.link.user,
            signed_in_as_other=user.is_authenticated and user.pk != self.link.user_id,
            shown_link_field=SHOWN_LINK_FIELD,
            **kwargs,
        )
