from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        # Records sign-ins and failed attempts from Django's own signals
        # (user_logged_in, user_login_failed): both sign-in forms, the site's
        # and the admin's, go through authenticate() and login(), so one
        # receiver sees every sign-in without a line in either view. It sets
        # last_login too, to the record's time, in one UPDATE: Django's own
        # receiver, which saves the whole model for that field, is disconnected.
        from django.contrib.auth.signals import user_logged_in

        from accounts import receivers  # noqa: F401

        # The audit trail's head: a flushed database (tests) has lost the row
        # migration 0007 made, and every writer needs it.
        post_migrate.connect(_audit_head_ensure, sender=self, dispatch_uid="accounts.audit_head")

        user_logged_in.disconnect(dispatch_uid="update_last_login")


def _audit_head_ensure(sender, using="default", apps=None, **kwargs) -> None:
    try:
        AuditHead = (apps or sender.apps).get_model("accounts", "AuditHead")
    except LookupError:  # migrated back to before the trail
        return
    AuditHead.objects.using(using).get_or_create(pk=1)
