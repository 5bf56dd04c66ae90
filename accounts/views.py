"""Sign-in, sign-out and password change: Django's views, rate limited."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from project.ratelimits import method_limit_sign_in


class SignInForm(AuthenticationForm):
    """Django's form, with the field called what it holds: an email address."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Email address")
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "email", "type": "email", "autocapitalize": "none"}
        )


@method_limit_sign_in
class SignInView(auth_views.LoginView):
    form_class = SignInForm
    redirect_authenticated_user = True
