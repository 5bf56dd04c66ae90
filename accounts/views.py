"""Sign-in, sign-out and password change: Django's views.

Their rate limits are the project's (project.ratelimits): this app, the leaf,
imports nothing above it.
"""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class SignInForm(AuthenticationForm):
    """Django's form, with the field called what it holds: an email address."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Email address")
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "email", "type": "email", "autocapitalize": "none"}
        )


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # LoginView names the site after the request's host (django.contrib.sites
        # is not installed); every other page is named by SITE_NAME.
        context["site_name"] = settings.SITE_NAME
        return context
