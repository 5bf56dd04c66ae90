"""manage.py purge_links: delete the records of links that closed long ago."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy

from invites.access_requests.services import access_requests_purge
from invites.keys.purging import Purged
from invites.links.purging import links_purge
from invites.management.commands._options import duration_option
from invites.team_links.services import team_links_purge

# What each purge reports: (done, dry run), each counted by "count".
LINKS = (
    ngettext_lazy(
        "Deleted %(count)d link closed before %(cutoff)s.",
        "Deleted %(count)d links closed before %(cutoff)s.",
        "count",
    ),
    ngettext_lazy(
        "Would delete %(count)d link closed before %(cutoff)s (dry run: nothing deleted).",
        "Would delete %(count)d links closed before %(cutoff)s (dry run: nothing deleted).",
        "count",
    ),
)
TEAM_LINKS = (
    ngettext_lazy(
        "Deleted %(count)d team link closed before %(cutoff)s, with its record of who joined.",
        "Deleted %(count)d team links closed before %(cutoff)s, with their records of who joined.",
        "count",
    ),
    ngettext_lazy(
        "Would delete %(count)d team link closed before %(cutoff)s.",
        "Would delete %(count)d team links closed before %(cutoff)s.",
        "count",
    ),
)
ACCESS_REQUESTS = (
    ngettext_lazy(
        "Deleted %(count)d access request declined or left pending before %(cutoff)s.",
        "Deleted %(count)d access requests declined or left pending before %(cutoff)s.",
        "count",
    ),
    ngettext_lazy(
        "Would delete %(count)d access request declined or left pending before %(cutoff)s.",
        "Would delete %(count)d access requests declined or left pending before %(cutoff)s.",
        "count",
    ),
)


class Command(BaseCommand):
    help = _(
        "Delete the records of used, expired and revoked set-password links and team "
        "links that closed longer ago than --older-than, and of access requests declined "
        "or left pending longer ago than ACCESS_REQUESTS_MAX_AGE. Open links are never "
        "deleted; a used or revoked link's digest is kept, so that its coming back is "
        "still noticed. Sign-in records have their own command: purge_sign_ins."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            default="30d",
            metavar="DURATION",
            help=_(
                "How long ago a link must have closed: 90m, 36h, 7d; "
                "0m for every closed link. Default: 30d."
            ),
        )
        parser.add_argument(
            "--dry-run", action="store_true", help=_("Count the links; delete nothing.")
        )

    def handle(self, *args, **options):
        older_than = duration_option(options["older_than"], option="--older-than", zero=True)
        dry_run = options["dry_run"]
        reports = [
            (links_purge(older_than=older_than, dry_run=dry_run), LINKS, True),
            (team_links_purge(older_than=older_than, dry_run=dry_run), TEAM_LINKS, False),
            # Their own age: ACCESS_REQUESTS_MAX_AGE, whatever --older-than says.
            (access_requests_purge(dry_run=dry_run), ACCESS_REQUESTS, settings.ACCESS_REQUESTS),
        ]
        if options["verbosity"] < 1:
            return
        for purged, (done, would), always in reports:
            if purged.count or always:
                self.stdout.write(_said(would if dry_run else done, purged))


def _said(message, purged: Purged) -> str:
    return message % {"count": purged.count, "cutoff": purged.cutoff.isoformat(timespec="seconds")}
