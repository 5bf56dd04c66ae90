"""manage.py audit_purge: delete audit events older than an age, keeping the chain verifiable."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import clock
from accounts.audit_reading import audit_purge
from invites.management.commands._options import duration_option


class Command(BaseCommand):
    help = _(
        "Delete the audit trail's events older than --older-than. The events kept "
        "still verify: the chain starts, signed with SECRET_KEY, after the last one deleted."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            required=True,
            metavar="DURATION",
            help=_("How old an event must be: 90m, 36h, 400d."),
        )

    def handle(self, *args, **options):
        older_than = duration_option(options["older_than"], option="--older-than")
        cutoff = clock.now() - older_than
        count = audit_purge(before=cutoff)
        self.stdout.write(
            ngettext(
                "Deleted %(count)d audit event from before %(cutoff)s.",
                "Deleted %(count)d audit events from before %(cutoff)s.",
                count,
            )
            % {"count": count, "cutoff": cutoff.isoformat(timespec="seconds")}
        )
