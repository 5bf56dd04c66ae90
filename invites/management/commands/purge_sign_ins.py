"""manage.py purge_sign_ins: delete the records of sign-ins older than an age."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import clock
from accounts.services import sign_ins_purge
from invites.management.commands._options import duration_option


class Command(BaseCommand):
    help = _(
        "Delete the records of sign-ins and failed sign-in attempts older than "
        "--older-than, which the account pages and the admin show."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            default="90d",
            metavar="DURATION",
            help=_("How old a record must be: 90m, 36h, 7d; 0m for all of them. Default: 90d."),
        )
        parser.add_argument(
            "--dry-run", action="store_true", help=_("Count the records; delete nothing.")
        )

    def handle(self, *args, **options):
        older_than = duration_option(options["older_than"], option="--older-than", zero=True)
        count = sign_ins_purge(older_than=older_than, dry_run=options["dry_run"])
        cutoff = (clock.now() - older_than).isoformat(timespec="seconds")
        if options["dry_run"]:
            message = ngettext(
                "Would delete %(count)d sign-in record from before %(cutoff)s.",
                "Would delete %(count)d sign-in records from before %(cutoff)s.",
                count,
            )
        else:
            message = ngettext(
                "Deleted %(count)d sign-in record from before %(cutoff)s.",
                "Deleted %(count)d sign-in records from before %(cutoff)s.",
                count,
            )
        if options["verbosity"] >= 1:
            self.stdout.write(message % {"count": count, "cutoff": cutoff})
