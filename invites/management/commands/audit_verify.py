"""manage.py audit_verify: check the audit trail's hash chain."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts.audit_reading import audit_verify


class Command(BaseCommand):
    help = _(
        "Check the audit trail: every event's number follows the last, and its hash "
        "matches the events before it. Exits non-zero naming the first event that does not."
    )

    def handle(self, *args, **options):
        count, broken = audit_verify()
        if broken is not None:
            raise CommandError(
                _(
                    "The audit trail does not hold at event #%(seq)d: %(reason)s. "
                    "%(count)d events before it hold."
                )
                % {"seq": broken.seq, "reason": broken.reason, "count": count}
            )
        self.stdout.write(_("The audit trail holds: %(count)d events.") % {"count": count})
