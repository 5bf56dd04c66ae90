"""manage.py purge_links: delete the records of links closed long ago."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import clock
from invites.durations import duration_option
from invites.models import Link


class Command(BaseCommand):
    help = _(
        "Delete the records of used, expired and revoked set-password links that closed "
        "longer ago than --older-than. Open links are never deleted."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            default="30d",
            metavar="DURATION",
            help=_("How long ago a link must have closed: 90m, 36h, 7d. Default: 30d."),
        )
        parser.add_argument(
            "--dry-run", action="store_true", help=_("Count the links; delete nothing.")
        )

    def handle(self, *args, **options):
        # A duration is above zero, so the cutoff is in the past: no open link
        # (unused, unrevoked, expiring in the future) is closed before it.
        cutoff = clock.now() - duration_option(options["older_than"], option="--older-than")
        links = Link.objects.closed_before(cutoff)
        if options["dry_run"]:
            count = links.count()
            message = ngettext(
                "Would delete %(count)d link closed before %(cutoff)s (dry run: nothing deleted).",
                "Would delete %(count)d links closed before %(cutoff)s (dry run: nothing deleted).",
                count,
            )
        else:
            count = links.delete()[1].get(Link._meta.label, 0)
            message = ngettext(
                "Deleted %(count)d link closed before %(cutoff)s.",
                "Deleted %(count)d links closed before %(cutoff)s.",
                count,
            )
        if options["verbosity"] >= 1:
            self.stdout.write(
                message % {"count": count, "cutoff": cutoff.isoformat(timespec="seconds")}
            )
