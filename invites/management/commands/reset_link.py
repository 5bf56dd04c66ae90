"""manage.py reset_link: print password-reset links for existing users as CSV."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from invites.csv_output import LinksOutput, add_output_arguments, links_url_check
from invites.durations import duration_option
from invites.models import Link
from invites.services import links_issue


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
        max_age = duration_option(options["expires_in"], option="--expires-in")
        output = LinksOutput(path=options["output"], force=options["force"], stdout=self.stdout)
        links_url_check()
        users = self._users(emails)
        with transaction.atomic():
            issued = links_issue(
                users=users,
                issuer=None,
                via=Link.Via.COMMAND,
                max_age=max_age,
                purpose=Link.Purpose.RESET,
            )
            # Inside the transaction: links that cannot be handed out are not kept.
            output.write((item.user.email, item.secret, item.link.expires_at) for item in issued)
        if options["verbosity"] >= 1:
            self.stderr.write(
                ngettext(
                    "Issued %(count)d password-reset link; the user's older links are revoked.",
                    "Issued %(count)d password-reset links; the users' older links are revoked.",
                    len(issued),
                )
                % {"count": len(issued)}
            )

    def _users(self, emails) -> list[User]:
        """The active users with these emails, in order; ``CommandError`` naming any other."""
        wanted: dict[str, str] = {}  # lowercased: as given, first spelling kept
        for email in emails:
            wanted.setdefault(email.strip().lower(), email.strip())
        found = {user.email.lower(): user for user in User.objects.by_emails(list(wanted))}
        problems = []
        for key, email in wanted.items():
            user = found.get(key)
            if user is None:
                problems.append(_("No user has the email address %(email)s.") % {"email": email})
            elif not user.is_active:
                problems.append(
                    _("%(email)s is deactivated; reactivate the account in the admin first.")
                    % {"email": email}
                )
        if problems:
            raise CommandError(
                ngettext(
                    "No link was issued:",
                    "No link was issued, for %(count)d reasons:",
                    len(problems),
                )
                % {"count": len(problems)}
                + "".join(f"\n  {problem}" for problem in problems),
                returncode=1,
            )
        return [found[key] for key in wanted]
