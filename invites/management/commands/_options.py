"""What the link commands share: options, output, progress, and refusals as a person reads them.

Everything here that refuses raises ``CommandError`` with a message a person
can act on. Django prints a ``CommandError`` under that name, where a subclass
would be printed under its own. (A module whose name starts with ``_`` is no
command.)
"""

import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from tqdm import tqdm

from invites.batch.csv_input import InputInvalid
from invites.batch.csv_output import LinksOutput, OutputRefused
from invites.batch.invitations import EmailsRefused, UsersAppeared
from invites.keys.durations import duration_parse, max_age_check
from invites.keys.kinds import SET_PASSWORD
from invites.keys.secrets import secret_make
from invites.keys.urls import key_url

# Below this many rows a command is over before a progress bar would help.
PROGRESS_MIN_ROWS = 2000

_REFUSALS = {
    EmailsRefused.Reason.UNKNOWN: gettext_lazy("No user has the email address %(email)s."),
    EmailsRefused.Reason.DEACTIVATED: gettext_lazy(
        "%(email)s is deactivated; reactivate the account in the admin first."
    ),
}


def add_output_arguments(parser) -> None:
    """The options of every command that writes links: ``--output`` and ``--force``."""
    parser.add_argument(
        "--output",
        metavar="FILE",
        help=_("Write the links to FILE (mode 0600) instead of standard output."),
    )
    parser.add_argument(
        "--force", action="store_true", help=_("Let --output replace an existing file.")
    )


def duration_option(
    value: str | timedelta | None, *, option: str, zero: bool = False
) -> timedelta | None:
    """A command option's DURATION (``None`` when not given); ``zero`` lets ``0m`` through."""
    if value is None or isinstance(value, timedelta):
        return value
    try:
        return duration_parse(value, zero=zero)
    except ValueError as error:
        raise CommandError(f"{option}: {error}") from None


def max_age_option(value: str | timedelta | None, *, option: str) -> timedelta | None:
    """A link lifetime option (``--expires-in``), refused above ``LINK_MAX_AGE_LIMIT``."""
    max_age = duration_option(value, option=option)
    if max_age is None:
        return None
    try:
        return max_age_check(max_age)
    except ValueError as error:
        raise CommandError(f"{option}: {error}") from None


def links_output(options, *, stdout) -> LinksOutput:
    """Where the links go, refused before anything is written if they could not get there.

    The output file must be writable, and links need ``SITE_URL``: outside a
    web request their address comes from it alone. A dry run prints no links,
    so it needs no ``SITE_URL``.
    """
    try:
        output = LinksOutput(path=options["output"], force=options["force"], stdout=stdout)
    except OutputRefused as error:
        raise CommandError(str(error)) from None
    if options.get("dry_run"):
        return output
    try:
        key_url(SET_PASSWORD, secret_make())
    except ImproperlyConfigured as error:
        raise CommandError(str(error)) from None
    return output


def csv_data(path: str, *, stdin=None) -> bytes | str:
    """The contents of the file ``--csv`` names, or of standard input for ``-``."""
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


@contextmanager
def refusals_as_command_errors() -> Iterator[None]:
    """Turn what the commands' services refuse into a ``CommandError`` saying what to do."""
    try:
        yield
    except OutputRefused as error:
        raise CommandError(str(error)) from None
    except UsersAppeared as error:
        raise CommandError(
            _(
                "Some of these users were created by someone else meanwhile, so "
                "nothing was written. Run the command again: it skips existing users. "
                "The database said: %(error)s"
            )
            % {"error": error}
        ) from None
    except EmailsRefused as error:
        problems = [_REFUSALS[reason] % {"email": email} for email, reason in error.refusals]
        raise CommandError(
            ngettext(
                "No link was issued:",
                "No link was issued, for %(count)d reasons:",
                len(problems),
            )
            % {"count": len(problems)}
            + "".join(f"\n  {problem}" for problem in problems),
            returncode=1,
        ) from None
    except InputInvalid as error:
        problems = error.problems
        raise CommandError(
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
        ) from None


def progress_bar(stderr) -> Callable[[Sequence, str], Iterable]:
    """Progress through a long loop, as a bar on standard error when it is a terminal."""

    def progress(items: Sequence, label: str) -> Iterable:
        return tqdm(
            items,
            desc=label,
            file=_Unended(stderr),
            # None: tqdm draws only on a terminal.
            disable=None if len(items) >= PROGRESS_MIN_ROWS else True,
            bar_format="{desc} [{bar:30}] {n_fmt}/{total_fmt}",
            ascii=".#",
        )

    return progress


class _Unended:
    """A command's ``OutputWrapper`` as a plain stream: tqdm ends its lines itself."""

    def __init__(self, out):
        self.out = out

    def write(self, text: str) -> None:
        self.out.write(text, ending="")

    def flush(self) -> None:
        self.out.flush()

    def isatty(self) -> bool:
        return self.out.isatty()
