"""Asking for an account (``ACCESS_REQUESTS``), and the request's status page.

The status link works like a set-password link: opening it
(``keys.views.key_open``) moves the secret into a cookie holding its digest,
sent only to the status page, and consumes nothing. Once the request is
approved the same digest is the new user's invite link, so the status page
hands it on to the set-password page.
"""

import logging
from http import HTTPStatus

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView

from invites.access_requests.errors import AccessRequestsFull
from invites.access_requests.forms import AccessRequestForm
from invites.access_requests.models import AccessRequest
from invites.access_requests.services import access_request_submit
from invites.keys.errors import KeyInvalid
from invites.keys.kinds import SET_PASSWORD, STATUS
from invites.keys.pages import client_address, key_invalid, noindex
from invites.keys.secrets import secret_make
from invites.keys.urls import key_url
from invites.keys.views import key_open, key_remembered

logger = logging.getLogger(__name__)

# When a full queue tells a client to try again: a day, as the page says.
FULL_RETRY_AFTER = 24 * 60 * 60


def access_requests_on(view):
    """Answer 404 while ``ACCESS_REQUESTS`` is off."""

    def wrapped(request, *args, **kwargs):
        if not settings.ACCESS_REQUESTS:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


@method_decorator(
    [access_requests_on, sensitive_post_parameters(), never_cache, noindex], name="dispatch"
)
class AccessRequestView(FormView):
    """Ask for an account; the reply shows the request's status link, once.

    The reply is the same whatever the email (see
    ``access_requests.services.access_request_submit``). A filled-in honeypot
    gets the same reply, with a status link that nothing stores.
    """

    form_class = AccessRequestForm
    template_name = "invites/access_request.html"

    def form_valid(self, form):
        if form.filled_by_a_bot():
            logger.info("An access request filled in the honeypot: nothing stored.")
            secret = secret_make()
        else:
            data = form.cleaned_data
            try:
                secret = access_request_submit(
                    email=data["email"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    note=data["note"],
                    address=client_address(self.request),
                )
            except AccessRequestsFull:
                logger.warning("Access request refused: ACCESS_REQUESTS_MAX_PENDING are pending.")
                # The client's to wait for, not the server broken: 429, not 503.
                response = self.render_to_response(
                    self.get_context_data(form=form, full=True),
                    status=HTTPStatus.TOO_MANY_REQUESTS,
                )
                response["Retry-After"] = str(FULL_RETRY_AFTER)
                return response
        # Shown in this answer only: the page is never cached, and the server
        # keeps nothing but the secret's digest.
        return render(
            self.request,
            "invites/access_request_sent.html",
            {"status_url": key_url(STATUS, secret, request=self.request)},
        )


@access_requests_on
def access_request_open(request, secret: str):
    """Move a status link's secret out of the URL into a cookie (``key_open``)."""
    return key_open(request, secret, kind=STATUS)


@never_cache
@noindex
@access_requests_on
def access_request_status(request):
    """Pending or declined: say so. Approved: on to the set-password form. Else: invalid."""
    try:
        access_request = key_remembered(request, kind=STATUS, model=AccessRequest)
    except KeyInvalid as error:
        return key_invalid(request, error, kind=STATUS)
    if access_request.state == AccessRequest.State.APPROVED:
        # The request's digest is the new user's invite link: the set-password
        # page takes it from here, with its rules and its one-winner redemption.
        return SET_PASSWORD.cookie.remember(
            redirect(SET_PASSWORD.cookie.page), access_request.digest
        )
    return render(request, "invites/access_request_status.html", {"access_request": access_request})
