"""The invite command's people, read from its options, and its report on standard error."""

from collections import Counter

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from invites.batch.csv_input import InviteRow, Problem, rows_from_arguments, rows_from_csv
from invites.batch.invitations import Invitation, SkipReason
from invites.management.commands._options import csv_data

# Skipped rows listed one by one at the default verbosity; -v 2 lists all.
SKIPPED_LISTED = 50

_SKIP_HINTS = {
    SkipReason.HAS_PASSWORD: gettext_lazy("send them a password-reset link with reset_link"),
    SkipReason.OPEN_LINK: gettext_lazy("add --reissue to revoke it and issue a new one"),
    SkipReason.DEACTIVATED: gettext_lazy("reactivate the account in the admin first"),
}


def people_read(emails, options) -> tuple[list[InviteRow], list[Problem]]:
    """The people the emails and ``--csv`` name, and the problems of the file's shape.

    Raises ``InputInvalid`` for a file that cannot be read as CSV at all.
    """
    if (options["first_name"] or options["last_name"]) and (len(emails) != 1 or options["csv"]):
        raise CommandError(
            _("--first-name and --last-name name one person: give one email and no --csv.")
        )
    rows = rows_from_arguments(
        emails, first_name=options["first_name"], last_name=options["last_name"]
    )
    problems = []
    if options["csv"]:
        file_rows, problems = rows_from_csv(
            csv_data(options["csv"], stdin=options.get("stdin")),
            name=_("standard input") if options["csv"] == "-" else options["csv"],
        )
        rows += file_rows
    if not rows and not problems:
        raise CommandError(
            _("Nobody to invite: give email addresses, or --csv FILE with at least one row.")
        )
    return rows, problems


def invite_report(invitation: Invitation, *, list_all: bool, output: str | None) -> str:
    """The report of ``invitation``; ``output`` is the file the links went to, if any."""
    created, issued = invitation.created, invitation.issued
    if invitation.dry_run:
        lines = [
            _("Dry run: nothing was written and no links were made."),
            ngettext("Would create %(count)d user.", "Would create %(count)d users.", created)
            % {"count": created},
            ngettext(
                "Would issue %(count)d invite link.", "Would issue %(count)d invite links.", issued
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
    if not invitation.dry_run and not issued:
        # Not a failure: running again over people already invited is safe.
        lines.append(
            _("Nothing to do: every row was skipped (below), so no links were written.")
            if not output
            else _(
                "Nothing to do: every row was skipped (below), so no links were written "
                "and %(path)s was not created."
            )
            % {"path": output}
        )
    if invitation.plan.skipped:
        lines += _skipped(invitation.plan.skipped, list_all=list_all)
    if not invitation.dry_run and output and issued:
        lines.append(_("The links are in %(path)s, readable by you only.") % {"path": output})
    return "\n".join(lines)


def _skipped(skipped, *, list_all: bool) -> list[str]:
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
