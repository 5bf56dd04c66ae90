"""manage.py purge_links: delete the records of links closed long ago, and of old sign-ins."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.services import sign_ins_purge
from invites.access_requests.services import access_requests_purge
from invites.links.services import links_purge
from invites.management.commands._options import duration_option
from invites.team_links.services import team_links_purge


class Command(BaseCommand):
    help = _(
        "Delete the records of used, expired and revoked set-password links and team "
        "links that closed longer ago than --older-than, and the records of sign-ins and "
        "failed sign-in attempts older than that. Open links are never deleted."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            default="30d",
            metavar="DURATION",
            help=_(
                "How long ago a link must have closed, or a sign-in happened: 90m, 36h, 7d; "
                "0m for every closed link. Default: 30d."
            ),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("Count the links and sign-ins; delete nothing."),
        )

    def handle(self, *args, **options):
        older_than = duration_option(options["older_than"], option="--older-than", zero=True)
        purged = links_purge(older_than=older_than, dry_run=options["dry_run"])
        team_links = team_links_purge(older_than=older_than, dry_run=options["dry_run"])
        # Their own age: ACCESS_REQUESTS_MAX_AGE, whatever --older-than says.
        requests = access_requests_purge(dry_run=options["dry_run"])
        sign_ins = sign_ins_purge(older_than=older_than, dry_run=options["dry_run"])
        if options["dry_run"]:
            message = ngettext(
                "Would delete %(count)d link closed before %(cutoff)s (dry run: nothing deleted).",
                "Would delete %(count)d links closed before %(cutoff)s (dry run: nothing deleted).",
                purged.count,
            )
        else:
            message = ngettext(
                "Deleted %(count)d link closed before %(cutoff)s.",
                "Deleted %(count)d links closed before %(cutoff)s.",
                purged.count,
            )
        if options["verbosity"] >= 1:
            self.stdout.write(
                message
                % {"count": purged.count, "cutoff": purged.cutoff.isoformat(timespec="seconds")}
            )
            if options["dry_run"]:
                sign_ins_message = ngettext(
                    "Would delete %(count)d sign-in record from before %(cutoff)s.",
                    "Would delete %(count)d sign-in records from before %(cutoff)s.",
                    sign_ins,
                )
            else:
                sign_ins_message = ngettext(
                    "Deleted %(count)d sign-in record from before %(cutoff)s.",
                    "Deleted %(count)d sign-in records from before %(cutoff)s.",
                    sign_ins,
                )
            self.stdout.write(
                sign_ins_message
                % {"count": sign_ins, "cutoff": purged.cutoff.isoformat(timespec="seconds")}
            )
            if team_links.count:
                self.stdout.write(
                    (
                        ngettext(
                            "Would delete %(count)d team link closed before %(cutoff)s.",
                            "Would delete %(count)d team links closed before %(cutoff)s.",
                            team_links.count,
                        )
                        if options["dry_run"]
                        else ngettext(
                            "Deleted %(count)d team link closed before %(cutoff)s, with its "
                            "record of who joined.",
                            "Deleted %(count)d team links closed before %(cutoff)s, with their "
                            "records of who joined.",
                            team_links.count,
                        )
                    )
                    % {
                        "count": team_links.count,
                        "cutoff": team_links.cutoff.isoformat(timespec="seconds"),
                    }
                )
            if requests.count or settings.ACCESS_REQUESTS:
                self.stdout.write(
                    (
                        ngettext(
                            "Would delete %(count)d access request declined or left pending "
                            "before %(cutoff)s.",
                            "Would delete %(count)d access requests declined or left pending "
                            "before %(cutoff)s.",
                            requests.count,
                        )
                        if options["dry_run"]
                        else ngettext(
                            "Deleted %(count)d access request declined or left pending "
                            "before %(cutoff)s.",
                            "Deleted %(count)d access requests declined or left pending "
                            "before %(cutoff)s.",
                            requests.count,
                        )
                    )
                    % {
                        "count": requests.count,
                        "cutoff": requests.cutoff.isoformat(timespec="seconds"),
                    }
                )
