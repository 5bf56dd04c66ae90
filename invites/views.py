"""The public page that redeems a set-password link.

Follows django.contrib.auth's PasswordResetConfirmView: the secret leaves the
address bar at once, so that it does not linger in history, screenshots or
Referer headers. Unlike Django's view, the secret goes nowhere else and the
server keeps nothing: the browser keeps the secret's digest (what the database
stores, useless without the cookie's signature) in a signed cookie sent only
to the set-password page. Opening a link therefore writes no session row and
reads no table; the form's page looks the link up, and so does every POST.

The rate limits on these views (project.ratelimits) count their failures: the
invalid-link page (404) and a POST that sets no password.
"""

import logging
from dataclasses import dataclass
from http import HTTPStatus

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core import signing
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.generic import FormView

from accounts.views import prefill_sign_in
from invites.decorators import noindex
from invites.errors import AccessRequestsFull, LinkInvalid
from invites.forms import AccessRequestForm, LinkSetPasswordForm, TeamJoinForm
from invites.models import AccessRequest
from invites.selectors import link_open_by_digest
from invites.services import access_request_submit, link_presented_again
from invites.team_links import team_link_join, team_link_open_by_digest
from invites.tokens import (
    access_request_url,
    looks_like_digest,
    looks_like_secret,
    secret_digest,
    secret_make,
)

logger = logging.getLogger(__name__)

LINK_COOKIE = "set_password_link"
LINK_COOKIE_SALT = "invites.views.link-cookie"
# The form names the link it was shown for, so that a POST after another link
# was opened in the same browser cannot set the other account's password.
SHOWN_LINK_FIELD = "link"


@dataclass(frozen=True)
class DigestCookie:
    """How a browser comes back to a link without its secret: a cookie with its digest.

    Signed with SECRET_KEY so it cannot be forged, sent only to ``page`` (a
    URL name), HttpOnly and SameSite=Lax, and carrying the digest, never the
    secret. It lasts as long as the longest link may (the link itself decides
    how long it works), so that a browser closed in between still finds its
    link. One for each kind of link: set-password, access-request status, team.
    """

    name: str
    salt: str
    page: str

    def path(self) -> str:
        return reverse(self.page)

    def remember(self, response, digest: str):
        response.set_signed_cookie(
            self.name,
            digest,
            salt=self.salt,
            max_age=settings.LINK_MAX_AGE_LIMIT,
            path=self.path(),
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
        return response

    def read(self, request) -> str | None:
        """The digest this browser's cookie carries; None when absent or forged."""
        try:
            value = request.get_signed_cookie(self.name, salt=self.salt)
        except (KeyError, signing.BadSignature):
            return None
        return value if looks_like_digest(value) else None

    def forget(self, response):
        response.delete_cookie(self.name, path=self.path(), samesite="Lax")
        return response


LINK = DigestCookie(LINK_COOKIE, LINK_COOKIE_SALT, "invites:set_password")


def remembered_digest(request) -> str | None:
    """The set-password link's digest this browser's cookie carries (``DigestCookie.read``)."""
    return LINK.read(request)


def _expired_while_typing(request, error: LinkInvalid) -> bool:
    """Whether this POST is the form of the very link that expired since it was shown.

    Only a browser holding the link's cookie and posting the form shown for
    that link (its ``link`` field) learns that it expired: its holder, whose
    password was typed in vain. Everyone else gets the page for every reason.
    """
    return (
        request.method == "POST"
        and error.reason == LinkInvalid.Reason.EXPIRED
        and error.link_id is not None
        and request.POST.get(SHOWN_LINK_FIELD) == str(error.link_id)
    )


def _invalid(request, error: LinkInvalid):
    """One page for every reason a link fails; the reason goes to the log only.

    The exception: the holder of a link that expired while they typed is told
    so (``_expired_while_typing``).
    """
    logger.info("Refused a set-password link (%s): link %s.", error.reason, error.link_id)
    if error.reason in (LinkInvalid.Reason.USED, LinkInvalid.Reason.REVOKED):
        # The client's address: the project puts it in REMOTE_ADDR, behind a
        # trusted proxy too.
        link_presented_again(link_id=error.link_id, address=request.META.get("REMOTE_ADDR") or None)
    response = render(
        request,
        "invites/link_invalid.html",
        {"expired_while_typing": _expired_while_typing(request, error)},
        status=HTTPStatus.NOT_FOUND,
    )
    return LINK.forget(response)


def _typed(secret: str) -> str:
    """``secret`` without the spaces a person may type from a printed sheet.

    Handover sheets print the link in groups of four for reading it aloud or
    typing it; the secret's alphabet has no whitespace, so none is meant.
    """
    return "".join(secret.split())


@sensitive_variables("secret")
@never_cache
@noindex
def open_link(request, secret: str):
    """Move a presented link out of the URL, without consuming it.

    GET never consumes: chat apps and mail scanners open links to draw previews.
    A malformed secret is refused here; any other is checked on the form's page,
    which every guess must reach, and where an unknown one counts as a failed
    opening (project.ratelimits).
    """
    secret = _typed(secret)
    if not looks_like_secret(secret):
        return _invalid(request, LinkInvalid(LinkInvalid.Reason.UNKNOWN))
    return LINK.remember(redirect("invites:set_password"), secret_digest(secret))


@method_decorator([sensitive_post_parameters(), never_cache, noindex], name="dispatch")
class SetPasswordView(FormView):
    """Show the set-password form for the link this browser opened, and redeem it.

    Shaped like Django's PasswordResetConfirmView: the link is found in
    ``dispatch`` (here from the cookie, not the session), and the form's
    ``save()`` redeems it.
    """

    form_class = LinkSetPasswordForm
    template_name = "invites/set_password.html"
    success_url = reverse_lazy("login")

    def dispatch(self, request, *args, **kwargs):
        try:
            self.link = self._link(request)
        except LinkInvalid as error:
            return _invalid(request, error)
        return super().dispatch(request, *args, **kwargs)

    def _link(self, request):
        digest = remembered_digest(request)
        if digest is None:
            raise LinkInvalid(LinkInvalid.Reason.UNKNOWN)
        return link_open_by_digest(digest=digest)

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
            form.save()
        except LinkInvalid as error:
            return _invalid(self.request, error)
        # Whoever was signed in in this browser (the same person or another)
        # is signed out; the new password's holder signs in afresh.
        logout(self.request)
        messages.success(self.request, _("Your password is set. You can sign in now."))
        return prefill_sign_in(LINK.forget(super().form_valid(form)), self.link.user.email)

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            link=self.link,
            account=self.link.user,
            signed_in_as_other=user.is_authenticated and user.pk != self.link.user_id,
            shown_link_field=SHOWN_LINK_FIELD,
            **kwargs,
        )


# --- Access requests (ACCESS_REQUESTS) ----------------------------------------
#
# The status link works like a set-password link: opening it moves the secret
# into a signed cookie holding its digest, sent only to the status page, and
# consumes nothing. Once the request is approved the same digest is the new
# user's invite link, so the status page hands it on to the set-password page.

ACCESS_REQUEST_COOKIE = "access_request"
ACCESS_REQUEST_COOKIE_SALT = "invites.views.access-request-cookie"


def _access_requests_on() -> None:
    if not settings.ACCESS_REQUESTS:
        raise Http404


STATUS = DigestCookie(
    ACCESS_REQUEST_COOKIE, ACCESS_REQUEST_COOKIE_SALT, "invites:access_request_status"
)


def _access_request_invalid(request):
    """The one invalid-link page, for an unknown, malformed or purged status link."""
    logger.info("Refused an access request's status link (unknown).")
    response = render(request, "invites/link_invalid.html", status=HTTPStatus.NOT_FOUND)
    return STATUS.forget(response)


@method_decorator([sensitive_post_parameters(), never_cache, noindex], name="dispatch")
class AccessRequestView(FormView):
    """Ask for an account; the reply shows the request's status link, once.

    The reply is the same whatever the email (see
    ``services.access_request_submit``). A filled-in honeypot gets the same
    reply, with a status link that nothing stores.
    """

    form_class = AccessRequestForm
    template_name = "invites/access_request.html"

    def dispatch(self, request, *args, **kwargs):
        _access_requests_on()
        return super().dispatch(request, *args, **kwargs)

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
                    address=self.request.META.get("REMOTE_ADDR") or None,
                )
            except AccessRequestsFull:
                logger.warning("Access request refused: ACCESS_REQUESTS_MAX_PENDING are pending.")
                return self.render_to_response(
                    self.get_context_data(form=form, full=True),
                    status=HTTPStatus.SERVICE_UNAVAILABLE,
                )
        # Shown in this answer only: the page is never cached, and the server
        # keeps nothing but the secret's digest.
        return render(
            self.request,
            "invites/access_request_sent.html",
            {"status_url": access_request_url(secret, request=self.request)},
        )


@sensitive_variables("secret")
@never_cache
@noindex
def access_request_open(request, secret: str):
    """Move a status link's secret out of the URL into a cookie, as ``open_link`` does."""
    _access_requests_on()
    if not looks_like_secret(secret):
        return _access_request_invalid(request)
    return STATUS.remember(redirect("invites:access_request_status"), secret_digest(secret))


@never_cache
@noindex
def access_request_status(request):
    """Pending or declined: say so. Approved: on to the set-password form. Else: invalid."""
    _access_requests_on()
    digest = STATUS.read(request)
    if digest is None:
        return _access_request_invalid(request)
    access_request = AccessRequest.objects.filter(digest=digest).first()
    if access_request is None:
        return _access_request_invalid(request)
    if access_request.state == AccessRequest.State.APPROVED:
        # The request's digest is the new user's invite link: the set-password
        # page takes it from here, with its rules and its one-winner redemption.
        return LINK.remember(redirect("invites:set_password"), digest)
    return render(request, "invites/access_request_status.html", {"access_request": access_request})


# --- Team links -----------------------------------------------------------------
#
# A team link opens like a set-password link: GET moves the secret into a
# signed cookie holding its digest, sent only to the join page, and takes no
# use. Every link that cannot be joined through gets the one invalid page.

TEAM_LINK_COOKIE = "team_link"
TEAM_LINK_COOKIE_SALT = "invites.views.team-link-cookie"


TEAM_LINK = DigestCookie(TEAM_LINK_COOKIE, TEAM_LINK_COOKIE_SALT, "invites:team_join")


def remembered_team_digest(request) -> str | None:
    """The team link's digest this browser's cookie carries (``DigestCookie.read``)."""
    return TEAM_LINK.read(request)


def _team_invalid(request, error: LinkInvalid):
    """The page every closed set-password link gets, for every reason; the reason is logged."""
    logger.info("Refused a team link (%s): team link %s.", error.reason, error.link_id)
    response = render(request, "invites/link_invalid.html", status=HTTPStatus.NOT_FOUND)
    return TEAM_LINK.forget(response)


@sensitive_variables("secret")
@never_cache
@noindex
def team_open(request, secret: str):
    """Move a team link's secret out of the URL into a cookie, as ``open_link`` does.

    Takes no use: chat apps open links to draw previews. The join page checks
    the link, and counts an unknown one as a failed opening.
    """
    secret = _typed(secret)
    if not looks_like_secret(secret):
        return _team_invalid(request, LinkInvalid(LinkInvalid.Reason.UNKNOWN))
    return TEAM_LINK.remember(redirect("invites:team_join"), secret_digest(secret))


@method_decorator([sensitive_post_parameters(), never_cache, noindex], name="dispatch")
class TeamJoinView(FormView):
    """The join form of the team link this browser opened; its POST joins.

    The answer to a join is the same whether the email was new or had an
    account (``team_links.team_link_join``): a redirect to the sign-in page,
    with a message that holds for both.
    """

    form_class = TeamJoinForm
    template_name = "invites/team_join.html"

    def dispatch(self, request, *args, **kwargs):
        digest = remembered_team_digest(request)
        try:
            if digest is None:
                raise LinkInvalid(LinkInvalid.Reason.UNKNOWN)
            self.team_link = team_link_open_by_digest(digest=digest)
        except LinkInvalid as error:
            return _team_invalid(request, error)
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
                address=self.request.META.get("REMOTE_ADDR") or None,
            )
        except LinkInvalid as error:
            return _team_invalid(self.request, error)
        if self.team_link.approval:
            reply = _(
                "If this address can join, its request now waits for an administrator's "
                "approval. Once it is approved, sign in with the password you chose."
            )
        else:
            reply = _(
                "If this address can join, its account is ready: sign in with the "
                "password you chose."
            )
        messages.success(self.request, reply)
        response = TEAM_LINK.forget(redirect("login"))
        return prefill_sign_in(response, data["email"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(team_link=self.team_link, **kwargs)
