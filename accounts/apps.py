from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        # Records sign-ins and failed attempts from Django's own signals
        # (user_logged_in, user_login_failed): both sign-in forms, the site's
        # and the admin's, go through authenticate() and login(), so one
        # receiver sees every sign-in without a line in either view.
        from accounts import receivers  # noqa: F401
