"""manage.py invite: create users and print their invite links as CSV."""

import sys
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from invites.bulk import InvitePlan, SkipReason, groups_by_name, invite_plan, invite_write
from invites.csv_input import (
    InputInvalid,
    InviteRow,
    Problem,
    rows_check,
    rows_from_arguments,
    rows_from_csv,
)
from invites.csv_output import LinksOutput, add_output_arguments, links_url_check
from invites.durations import duration_option
from invites.models import Link
from invites.services import default_max_age

# Below this many rows the command is over before a progress bar would help.
PROGRESS_MIN_ROWS = 2000
# Skipped rows listed one by one at the default verbosity; -v 2 lists all.
SKIPPED_LISTED = 50

_SKIP_HINTS = {
    SkipReason.HAS_PASSWORD: gettext_lazy("send them a password-reset link with reset_link"),
    SkipReason.OPEN_LINK: gettext_lazy("add --reissue to revoke it and issue a new one"),
    SkipReason.DEACTIVATED: gettext_lazy("reactivate the account in the admin first"),
}


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
        max_age = duration_option(options["expires_in"], option="--expires-in")
        output = LinksOutput(path=options["output"], force=options["force"], stdout=self.stdout)
        links_url_check()
        rows, group_ids = self._rows_read(emails, options)
        if options["dry_run"]:
            plan = invite_plan(rows, reissue=options["reissue"])
        else:
            plan = self._invite(
                rows, group_ids, output, max_age or default_max_age(Link.Purpose.INVITE), options
            )
        self._report(plan, options, dry_run=options["dry_run"])

    def _invite(self, rows, group_ids, output: LinksOutput, max_age, options) -> InvitePlan:
        """Create the users, issue the links and hand them out, all or nothing."""
        try:
            with transaction.atomic():
                plan = invite_plan(rows, reissue=options["reissue"], lock=True)
                progress = self._progress(len(plan.to_issue), _("Issuing links"))
                invited = invite_write(
                    plan,
                    group_ids=group_ids,
                    extra_groups=options["groups"],
                    is_staff=options["staff"],
                    is_superuser=options["superuser"],
                    max_age=max_age,
                    progress=progress,
                )
                if progress:
                    progress(len(invited))
                # Inside the transaction: links that cannot be handed out are
                # not kept.
                output.write((item.row.email, item.secret, item.expires_at) for item in invited)
        except IntegrityError as error:
            raise CommandError(
                _(
                    "Some of these users were created by someone else meanwhile, so "
                    "nothing was written. Run the command again: it skips existing users. "
                    "The database said: %(error)s"
                )
                % {"error": error}
            ) from None
        return plan

    def _rows_read(self, emails, options) -> tuple[list[InviteRow], dict[str, int]]:
        """Every row of the input, checked; ``CommandError`` naming every bad one."""
        if (options["first_name"] or options["last_name"]) and (len(emails) != 1 or options["csv"]):
            raise CommandError(
                _("--first-name and --last-name name one person: give one email and no --csv.")
            )
        rows = rows_from_arguments(
            emails, first_name=options["first_name"], last_name=options["last_name"]
        )
        problems: list[Problem] = []
        if options["csv"]:
            try:
                file_rows, problems = rows_from_csv(
                    self._csv_data(options["csv"], options.get("stdin")),
                    name=_("standard input") if options["csv"] == "-" else options["csv"],
                )
            except InputInvalid as error:
                raise self._input_invalid(error.problems) from None
            rows += file_rows
        if not rows and not problems:
            raise CommandError(
                _("Nobody to invite: give email addresses, or --csv FILE with at least one row.")
            )
        group_ids = groups_by_name([*options["groups"], *(g for row in rows for g in row.groups)])
        problems += [
            Problem((-1, 0), _("--group: no group is named %(group)r.") % {"group": group})
            for group in dict.fromkeys(options["groups"])
            if group not in group_ids
        ]
        progress = self._progress(len(rows), _("Checking"))
        problems += rows_check(rows, known_groups=group_ids, progress=progress)
        if progress:
            progress(len(rows))
        if problems:
            raise self._input_invalid(problems)
        return rows, group_ids

    def _csv_data(self, path: str, stdin) -> bytes | str:
        if path == "-":
            stream = stdin or sys.stdin
            # The bytes, so that UTF-8 holds whatever the terminal's locale.
            return getattr(stream, "buffer", stream).read()
        try:
            return Path(path).read_bytes()
        except OSError as error:
            raise CommandError(
                _("Cannot read %(path)s: %(error)s.") % {"path": path, "error": error.strerror}
            ) from None

    def _input_invalid(self, problems: list[Problem]) -> CommandError:
        problems = sorted(problems)
        return CommandError(
            ngettext(
                "The input has %(count)d problem, so nothing was written. Fix it and "
                "run the command again:",
                "The input has %(count)d problems, so nothing was written. Fix them and "
                "run the command again:",
                len(problems),
            )
            % {"count": len(problems)}
            + "".join(f"\n  {problem.message}" for problem in problems),
            returncode=1,
        )

    def _progress(self, total: int, label: str):
        if total < PROGRESS_MIN_ROWS or not self.stderr.isatty():
            return None
        return _ProgressBar(self.stderr, total=total, label=label)

    def _report(self, plan: InvitePlan, options, *, dry_run: bool) -> None:
        """Say on standard error what was done (or would be), and what was skipped."""
        if options["verbosity"] < 1:
            return
        created = len(plan.new)
        issued = len(plan.to_issue)
        if dry_run:
            lines = [
                _("Dry run: nothing was written and no links were made."),
                ngettext("Would create %(count)d user.", "Would create %(count)d users.", created)
                % {"count": created},
                ngettext(
                    "Would issue %(count)d invite link.",
                    "Would issue %(count)d invite links.",
                    issued,
                )
                % {"count": issued},
            ]
        else:
            lines = [
                ngettext("Created %(count)d user.", "Created %(count)d users.", created)
                % {"count": created},
                ngettext("Issued %(count)d invite link.", "Issued %(count)d invite links.", issued)
                % {"count": issued},
            ]
        if issued > created:
            lines.append(
                ngettext(
                    "%(count)d link is for an existing user, whose name, groups and staff "
                    "status were left as they were.",
                    "%(count)d links are for existing users, whose names, groups and staff "
                    "status were left as they were.",
                    issued - created,
                )
                % {"count": issued - created}
            )
        if plan.skipped:
            lines += self._skipped(plan.skipped, list_all=options["verbosity"] > 1)
        if not dry_run and options["output"] and issued:
            lines.append(
                _("The links are in %(path)s, readable by you only.") % {"path": options["output"]}
            )
        self.stderr.write("\n".join(lines))

    def _skipped(self, skipped, *, list_all: bool) -> list[str]:
        lines = [
            ngettext(
                "Skipped %(count)d row (skips do not fail the run):",
                "Skipped %(count)d rows (skips do not fail the run):",
                len(skipped),
            )
            % {"count": len(skipped)}
        ]
        for reason, count in Counter(reason for _row, reason in skipped).items():
            lines.append(
                ngettext(
                    "  %(count)d row: %(reason)s; %(hint)s.",
                    "  %(count)d rows: %(reason)s; %(hint)s.",
                    count,
                )
                % {"count": count, "reason": reason.label, "hint": _SKIP_HINTS[reason]}
            )
        shown = skipped if list_all else skipped[:SKIPPED_LISTED]
        lines += [
            _("  %(where)s: %(email)s %(reason)s")
            % {"where": row.where, "email": row.email, "reason": reason.label}
            for row, reason in shown
        ]
        if len(shown) < len(skipped):
            lines.append(
                _("  … and %(count)d more; --verbosity 2 lists them all.")
                % {"count": len(skipped) - len(shown)}
            )
        return lines


class _ProgressBar:
    """A bar on a terminal's standard error, redrawn in place."""

    WIDTH = 30

    def __init__(self, out, *, total: int, label: str):
        self.out = out
        self.total = total
        self.label = label

    def __call__(self, done: int) -> None:
        filled = self.WIDTH * done // self.total
        bar = "#" * filled + "." * (self.WIDTH - filled)
        ending = "\n" if done >= self.total else ""
        self.out.write(f"\r{self.label} [{bar}] {done}/{self.total}", ending=ending)
        self.out.flush()
