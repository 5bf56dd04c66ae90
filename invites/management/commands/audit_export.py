"""manage.py audit_export: the audit trail as JSON lines, from a time or a duration ago."""

from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import clock
from accounts.audit_reading import exported
from invites.keys.durations import duration_parse


def since_option(value: str | None) -> datetime | None:
    """``--since``: a DURATION ago (``7d``) or an ISO 8601 time (with its offset, or UTC)."""
    if value is None:
        return None
    try:
        return clock.now() - duration_parse(value)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _(
                "--since: %(value)r is neither a duration (90m, 36h, 7d) nor an ISO 8601 "
                "time (2026-12-01T09:00:00+00:00)."
            )
            % {"value": value}
        ) from None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, UTC)


class Command(BaseCommand):
    help = _(
        "Write the audit trail as JSON lines (seq, at, actor, via, action, target, "
        "address, detail, hash), oldest first, to standard output or --output."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since",
            metavar="DURATION_OR_ISO_TIME",
            help=_("Only events from then on: 7d, 36h, or 2026-12-01T09:00:00+00:00."),
        )
        parser.add_argument("--output", metavar="FILE", help=_("Write to FILE instead."))

    def handle(self, *args, **options):
        since = since_option(options["since"])
        if options["output"] is None:
            for line in exported(since=since):
                self.stdout.write(line)
            return
        try:
            with open(options["output"], "x", encoding="utf-8") as file:
                count = 0
                for line in exported(since=since):
                    file.write(line + "\n")
                    count += 1
        except FileExistsError:
            raise CommandError(
                _("%(path)s exists already; name a new file.") % {"path": options["output"]}
            ) from None
        except OSError as error:
            raise CommandError(
                _("Cannot write %(path)s: %(error)s.")
                % {"path": options["output"], "error": error.strerror}
            ) from None
        self.stderr.write(
            _("Wrote %(count)d events to %(path)s.") % {"count": count, "path": options["output"]}
        )
