"""manage.py invite: create users and print their invite links as CSV."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from invites.batch.invitations import users_invite
from invites.management.commands._invite import invite_report, people_read
from invites.management.commands._options import (
    add_output_arguments,
    links_output,
    max_age_option,
    progress_bar,
    refusals_as_command_errors,
)


class Command(BaseCommand):
    help = _(
        "Create the users who do not exist yet (with no usable password) and print an "
        "invite link for each as CSV (email,link,expires_at). The whole input is checked "
        "first: one bad row and nothing is written."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("emails", nargs="*", metavar="EMAIL", help=_("Email addresses."))
        parser.add_argument(
            "--csv",
            metavar="FILE",
            help=_(
                "Also read people from a UTF-8 CSV file ('-' for standard input) whose "
                "header names the columns email (required), first_name, last_name and "
                "groups (names separated by ';')."
            ),
        )
        parser.add_argument("--first-name", default="", metavar="N", help=_("For a single email."))
        parser.add_argument("--last-name", default="", metavar="N", help=_("For a single email."))
        parser.add_argument(
            "--group",
            action="append",
            default=[],
            dest="groups",
            metavar="NAME",
            help=_("Put new users in this group (repeatable)."),
        )
        parser.add_argument("--staff", action="store_true", help=_("New users are staff."))
        parser.add_argument(
            "--superuser",
            action="store_true",
            help=_("New users are superusers (and staff): how to create the first administrator."),
        )
        parser.add_argument(
            "--expires-in",
            metavar="DURATION",
            help=_("How long the links stay valid: 90m, 36h, 7d. Default: INVITE_MAX_AGE."),
        )
        parser.add_argument(
            "--reissue",
            action="store_true",
            help=_("Revoke and replace the open invites of users who have one (else skipped)."),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("Check the input and say what would happen; write nothing, print no links."),
        )
        add_output_arguments(parser)

    def handle(self, *args, emails, **options):
        # Plain text: what this command says on standard error is not all errors.
        self.stderr.style_func = None
        max_age = max_age_option(options["expires_in"], option="--expires-in")
        output = links_output(options, stdout=self.stdout)
        with refusals_as_command_errors():
            rows, problems = people_read(emails, options)
            invitation = users_invite(
                rows=rows,
                problems=problems,
                groups=options["groups"],
                is_staff=options["staff"],
                is_superuser=options["superuser"],
                max_age=max_age,
                reissue=options["reissue"],
                dry_run=options["dry_run"],
                deliver=output.write,
                progress=progress_bar(self.stderr),
            )
        if options["verbosity"] >= 1:
            self.stderr.write(
                invite_report(
                    invitation, list_all=options["verbosity"] > 1, output=options["output"]
                )
            )
