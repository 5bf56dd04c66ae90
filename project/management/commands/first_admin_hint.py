from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = _("Print how to create the first administrator, when there is none yet.")

    def add_arguments(self, parser):
        parser.add_argument("--port", default="8000", help=_("Port of the development server."))

    def handle(self, *args, **options):
        if get_user_model().objects.filter(is_superuser=True, is_active=True).exists():
            return
        self.stderr.write(
            _(
                "\nNo administrator exists yet. Create the first one (it prints a "
                "link that sets the password and the authenticator app):\n\n"
                "    DEBUG=on SITE_URL=http://127.0.0.1:%(port)s .venv/bin/python "
                "manage.py invite you@example.com --superuser\n"
            )
            % {"port": options["port"]}
        )
