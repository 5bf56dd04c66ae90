"""manage.py api_token: issue an API token for a user and print it, once, on standard output."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts.models import User
from invites.batch.csv_output import utc_iso
from invites.keys.models import Via
from invites.management.commands._options import duration_option
from invites.tokens.errors import LifetimeRefused, TokenRefused
from invites.tokens.services import token_issue, token_max_age


class Command(BaseCommand):
    help = _(
        "Issue an API token for the user with this email and print it once on standard "
        "output; the token acts as that user, with their permissions."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", metavar="EMAIL", help=_("The owner's email (any case)."))
        parser.add_argument(
            "--description",
            required=True,
            metavar="TEXT",
            help=_("What the token is for, e.g. “HR system provisioning”."),
        )
        parser.add_argument(
            "--expires-in",
            metavar="DURATION",
            help=_(
                "How long the token works: 90m, 36h, 7d. Default, and at most: API_TOKEN_MAX_AGE."
            ),
        )

    def handle(self, *args, email, description, **options):
        self.stderr.style_func = None
        if not description.strip():
            raise CommandError(_("--description: say what the token is for."))
        max_age = duration_option(options["expires_in"], option="--expires-in")
        try:
            max_age = token_max_age(max_age)
        except LifetimeRefused as error:
            raise CommandError(f"--expires-in: {error}") from None
        owner = User.objects.by_email(email).first()
        if owner is None:
            raise CommandError(_("No user has the email address %(email)s.") % {"email": email})
        if not owner.is_active:
            raise CommandError(
                _("%(email)s is deactivated; reactivate the account in the admin first.")
                % {"email": owner.email}
            )
        try:
            issued = token_issue(
                owner=owner, description=description, issuer=None, via=Via.COMMAND, max_age=max_age
            )
        except TokenRefused as error:
            raise CommandError(str(error)) from None
        self.stdout.write(issued.secret)
        if options["verbosity"] >= 1:
            self.stderr.write(
                _(
                    "Issued an API token for %(email)s, valid until %(expires_at)s. It is "
                    "shown only this once: keep it like a password."
                )
                % {"email": owner.email, "expires_at": utc_iso(issued.expires_at)}
            )
