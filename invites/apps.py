from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvitesConfig(AppConfig):
    name = "invites"
    verbose_name = _("Access")

    def ready(self):
        from invites.links import receivers
        from invites.tokens import receivers as token_receivers

        receivers.connect()
        token_receivers.connect()
