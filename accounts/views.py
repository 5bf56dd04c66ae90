"""Sign-in, sign-out and password change (Django's views), and one's own account page.

Sign-in has a second step where ``TWO_FACTOR`` requires it (accounts.two_factor):
the code, or a first authenticator; the account page replaces one's authenticator.

Their rate limits are the project's (project.ratelimits): this app, the leaf,
imports nothing above it.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core import signing
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import FormView
from django_otp import login as otp_login

from accounts import services, two_factor
from accounts.forms import EnrolForm, NamesForm, ReplaceAuthenticatorForm, SignInCodeForm
from accounts.models import User
from accounts.selectors import sign_in_history

# After a password is set, the sign-in form offers the account's email: the
# set-password page leaves it in this cookie, signed, sent only to the sign-in
# page, for a few minutes, and read once. Not in the URL, where it would reach
# history and logs.
SIGN_IN_EMAIL_COOKIE = "sign_in_email"
SIGN_IN_EMAIL_SALT = "accounts.views.sign-in-email"
SIGN_IN_EMAIL_MAX_AGE = 10 * 60


def prefill_sign_in(response, email: str):
    """Have the next sign-in form in this browser show ``email``, whatever its characters."""
    # Signed and base64-encoded (signing.dumps), not the raw address: Python's
    # cookies leave characters above U+00FF unescaped, which no header may
    # carry, and the server answered "ivan@пример.рф" with a 500.
    response.set_cookie(
        SIGN_IN_EMAIL_COOKIE,
        signing.dumps(email, salt=SIGN_IN_EMAIL_SALT),
        max_age=SIGN_IN_EMAIL_MAX_AGE,
        path=reverse("login"),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


def prefilled_email(request) -> str | None:
    """The email ``prefill_sign_in`` left in this browser; None when none, forged or too old."""
    try:
        email = signing.loads(
            request.COOKIES[SIGN_IN_EMAIL_COOKIE],
            salt=SIGN_IN_EMAIL_SALT,
            max_age=SIGN_IN_EMAIL_MAX_AGE,
        )
    except (KeyError, signing.BadSignature):
        return None
    return email if isinstance(email, str) else None


class SignInForm(AuthenticationForm):
    """Django's form, with the field called what it holds: an email address.

    Its error does not say the fields are case-sensitive (the email is not),
    nor whether the account exists or is deactivated.
    """

    error_messages = {
        "invalid_login": _(
            "The email address or the password is not right. "
            "Cannot sign in? Ask your administrator for a new link."
        ),
        "inactive": _(
            "The email address or the password is not right. "
            "Cannot sign in? Ask your administrator for a new link."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Email address")
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "email", "type": "email", "autocapitalize": "none"}
        )
        if self.initial.get("username"):
            # The email is filled in: the password is what is left to type.
            self.fields["username"].widget.attrs.pop("autofocus", None)
            self.fields["password"].widget.attrs["autofocus"] = True

    def blank_variant(self) -> tuple:
        """Empty, this form draws the same for everyone (``accounts.blank_forms``)."""
        return ()


class TwoStepSignInMixin:
    """``LoginView`` with a second step for whoever ``TWO_FACTOR`` requires.

    Their correct password signs nobody in: it starts a pending sign-in
    (``two_factor.pending_start``) and leads to the code, or to enrolment for
    who has no authenticator yet. Both the site's and the admin's sign-in use it.
    """

    def form_valid(self, form):
        user = form.get_user()
        if not two_factor.two_factor_required(user):
            return super().form_valid(form)
        two_factor.pending_start(self.request, user=user, next_url=self.get_success_url())
        step = "login_code" if two_factor.has_confirmed_device(user) else "login_enrol"
        return redirect(step)


class SignInView(TwoStepSignInMixin, auth_views.LoginView):
    form_class = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # LoginView names the site after the request's host (django.contrib.sites
        # is not installed); every other page is named by SITE_NAME.
        context["site_name"] = settings.SITE_NAME
        return context

    def get_initial(self):
        initial = super().get_initial()
        if self.request.method == "GET":
            email = prefilled_email(self.request)
            if email is not None:
                initial["username"] = email
        return initial

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if SIGN_IN_EMAIL_COOKIE in request.COOKIES:
            response.delete_cookie(SIGN_IN_EMAIL_COOKIE, path=reverse("login"), samesite="Lax")
        return response


class _PendingSignInView(FormView):
    """A page of the sign-in's second step, for the user whose password was just typed."""

    def dispatch(self, request, *args, **kwargs):
        self.user = two_factor.pending_user(request)
        if self.user is None:
            if two_factor.PENDING_SESSION_KEY in request.session:
                messages.info(
                    request,
                    gettext("It took too long to type the code. Sign in again."),
                )
                del request.session[two_factor.PENDING_SESSION_KEY]
            return redirect("login")
        other_step = self.other_step()
        if other_step is not None:
            return redirect(other_step)
        return super().dispatch(request, *args, **kwargs)

    def other_step(self) -> str | None:
        """The URL name of the step this user should be on instead, if not this one."""
        return None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.user}

    def get_context_data(self, **kwargs):
        return super().get_context_data(account=self.user, **kwargs)

    def _signed_in(self, device):
        next_url = two_factor.pending_finish(self.request, user=self.user, device=device)
        return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))


@method_decorator([sensitive_post_parameters(), never_cache], name="dispatch")
class SignInCodeView(_PendingSignInView):
    """After the password: the code from the user's authenticator app, then signed in."""

    form_class = SignInCodeForm
    template_name = "registration/sign_in_code.html"

    def other_step(self):
        return None if two_factor.has_confirmed_device(self.user) else "login_enrol"

    def form_valid(self, form):
        return self._signed_in(form.device)

    def form_invalid(self, form):
        if form.has_error("code", "wrong"):
            # Someone who knows the password typed a wrong code: the account's
            # owner sees it among the failed attempts on their account page.
            # Not a code already used: that is the one the app shows now.
            services.sign_in_record(
                user_id=self.user.pk,
                email=self.user.email,
                succeeded=False,
                address=self.request.META.get("REMOTE_ADDR"),
                user_agent=self.request.META.get("HTTP_USER_AGENT", ""),
            )
        return super().form_invalid(form)


@method_decorator([sensitive_post_parameters(), never_cache], name="dispatch")
class SignInEnrolView(_PendingSignInView):
    """After the password, for who must use two-factor and has no authenticator yet."""

    form_class = EnrolForm
    template_name = "registration/sign_in_enrol.html"

    def other_step(self):
        # Enrolment is for who has no device: who has one types its code.
        return "login_code" if two_factor.has_confirmed_device(self.user) else None

    def form_valid(self, form):
        device = two_factor.device_enrol(user=self.user, enrolment=form.enrolment)
        messages.success(self.request, gettext("Your authenticator app is set up."))
        return self._signed_in(device)


@method_decorator([sensitive_post_parameters(), never_cache, login_required], name="dispatch")
class ReplaceAuthenticatorView(FormView):
    """Replace one's authenticator: a code from the current one, then the new key's code."""

    form_class = ReplaceAuthenticatorForm
    template_name = "accounts/two_factor_replace.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not two_factor.has_confirmed_device(request.user):
            messages.info(request, gettext("Your account has no authenticator app to replace."))
            return redirect("account")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        device = two_factor.device_enrol(user=self.request.user, enrolment=form.enrolment)
        # This session goes on with the new device; others, verified with the
        # old one, are signed out where two-factor is required.
        otp_login(self.request, device)
        messages.success(
            self.request,
            gettext("Your new authenticator app is set up. The old one no longer works."),
        )
        return redirect("account")


class SignOutView(auth_views.LogoutView):
    """Django's sign-out (POST), saying on the next page that it happened."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.success(request, _("You are signed out."))
        return response


def _account_page(request, *, names_form: NamesForm | None = None):
    user = request.user
    return render(
        request,
        "accounts/account.html",
        {
            "names_form": names_form or NamesForm(instance=user),
            "groups": user.groups.order_by("name"),
            # The person is signed in by their newest sign-in: the failures
            # they have not seen are those since the one before it.
            "history": sign_in_history(user=user, since_previous=True),
            "has_authenticator": two_factor.has_confirmed_device(user),
        },
    )


@never_cache
@login_required
@require_GET
def account(request):
    """One's own account: names, email, groups, recent sign-ins, other sessions."""
    return _account_page(request)


@never_cache
@login_required
@require_POST
def account_names(request):
    """Save one's names; an invalid form shows the page again, errors by the fields."""
    # The form changes this copy of the user, which the page then shows: give
    # it its own, so the header keeps the names as saved until they are.
    form = NamesForm(request.POST, instance=User.objects.get(pk=request.user.pk))
    if not form.is_valid():
        return _account_page(request, names_form=form)
    form.save()
    messages.success(request, gettext("Your names were saved."))
    return redirect("account")


@never_cache
@login_required
@require_POST
def sign_out_elsewhere(request):
    """End every other session of this account; this one stays, and the password."""
    services.user_sign_out_elsewhere(request=request)
    messages.success(
        request,
        gettext("You were signed out everywhere else. You are still signed in here."),
    )
    return redirect("account")
