"""Nobody whom ``TWO_FACTOR`` requires reaches a signed-in page without a code in this session.

A session can lack a verified device although its user must have one: it
began before the policy applied to them (``TWO_FACTOR`` turned on, the user
promoted to staff while signed in), or their device was removed. Such a
session is ended, whatever the page: signing in again asks for the password,
then the code, or enrolment for who has no device yet. Starting enrolment from
the old session instead would let whoever holds a stolen session cookie enrol
their own authenticator.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.shortcuts import redirect, resolve_url
from django.utils.translation import gettext

from accounts.two_factor import two_factor_satisfied


class TwoFactorMiddleware:
    """Sign out a user who must use two-factor but has not in this session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # With the policy off nothing is read: not even the session.
        if settings.TWO_FACTOR != "off" and not two_factor_satisfied(request):
            return self._sign_in_again(request)
        return self.get_response(request)

    def _sign_in_again(self, request):
        logout(request)
        messages.warning(
            request,
            gettext(
                "Your account needs a code from an authenticator app to sign in. "
                "Sign in again: after your password you will be asked for it."
            ),
        )
        url = resolve_url(settings.LOGIN_URL)
        if request.method == "GET":
            url += "?" + urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})
        return redirect(url)
