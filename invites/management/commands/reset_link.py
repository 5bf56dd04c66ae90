"""manage.py reset_link: print password-reset links for existing users as CSV."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from invites.batch.csv_output import utc_iso
from invites.batch.invitations import reset_links_issue
from invites.management.commands._options import (
    add_output_arguments,
    links_output,
    max_age_option,
    refusals_as_command_errors,
)
from invites.models import Link


class Command(BaseCommand):
    help = _(
        "Issue a password-reset link for each existing user named by email and print the "
        "links as CSV (email,link,expires_at). Each user's older links are revoked."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "emails", nargs="+", metavar="EMAIL", help=_("Email addresses (any case).")
        )
        parser.add_argument(
            "--expires-in",
            metavar="DURATION",
            help=_("How long the links stay valid: 90m, 36h, 7d. Default: RESET_MAX_AGE."),
        )
        add_output_arguments(parser)

    def handle(self, *args, emails, **options):
        self.stderr.style_func = None
        max_age = max_age_option(options["expires_in"], option="--expires-in")
        output = links_output(options, stdout=self.stdout)
        with refusals_as_command_errors():
            issued = reset_links_issue(emails=emails, max_age=max_age, deliver=output.write)
        if options["verbosity"] >= 1:
            invites = [item for item in issued if item.purpose == Link.Purpose.INVITE]
            resets = len(issued) - len(invites)
            if resets:
                self.stderr.write(
                    ngettext(
                        "Issued %(count)d password-reset link; the user's older links are revoked.",
                        "Issued %(count)d password-reset links; the users' older links are "
                        "revoked.",
                        resets,
                    )
                    % {"count": resets}
                )
            if invites:
                self.stderr.write(
                    ngettext(
                        "Issued %(count)d invite link instead, valid until %(expires_at)s, for "
                        "a user who never set a password: %(emails)s.",
                        "Issued %(count)d invite links instead, valid until %(expires_at)s, for "
                        "users who never set a password: %(emails)s.",
                        len(invites),
                    )
                    % {
                        "count": len(invites),
                        "expires_at": utc_iso(invites[0].expires_at),
                        "emails": ", ".join(item.user.email for item in invites),
                    }
                )
