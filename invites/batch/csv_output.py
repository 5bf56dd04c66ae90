"""Issued links as CSV, on standard output or in a private file written atomically.

The CSV holds live links: a file gets mode 0600 from the start (never a moment
readable by others), appears whole or not at all, and does not replace an
existing file unless asked to.
"""

import csv
import io
import os
import tempfile
from collections.abc import Iterable
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path

from django.utils.translation import gettext as _

from invites.keys.urls import key_urls

HEADER = ("email", "link", "expires_at")
TEAM_LINK_HEADER = ("name", "link", "uses", "expires_at")
# What spreadsheets take for the start of a formula (OWASP, "CSV Injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def utc_iso(moment: datetime) -> str:
    """A time as the CSV writes it: in UTC with its offset, to the second."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def cell_escape(value: str) -> str:
    """Prefix a single quote to a cell a spreadsheet would run as a formula."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def links_csv(links: Iterable[tuple[str, str, datetime]]) -> str:
    """The CSV for ``(email, secret, expires_at)`` triples, in their order.

    ``expires_at`` is written in UTC with its offset, to the second.
    """
    links = list(links)
    urls = key_urls([secret for _email, secret, _expires_at in links])
    # Links made together share their expiry: each moment is formatted once.
    expiry = {moment: utc_iso(moment) for moment in {link[2] for link in links}}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(
        (
            cell_escape(email),
            cell_escape(url),
            expiry[expires_at],
        )
        for (email, _secret, expires_at), url in zip(links, urls, strict=True)
    )
    return buffer.getvalue()


def team_link_csv(*, name: str, url: str, uses: int, expires_at: datetime) -> str:
    """The CSV of one team link: its header and its row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(TEAM_LINK_HEADER)
    writer.writerow((cell_escape(name), cell_escape(url), uses, utc_iso(expires_at)))
    return buffer.getvalue()


class OutputRefused(Exception):
    """The output file cannot be written; the message says why and what to do."""


def output_path_check(path: str, *, force: bool) -> Path:
    """Refuse, before any work is done, an output file that could not be written."""
    target = Path(path)
    if target.is_dir():
        raise OutputRefused(_("%(path)s is a directory; give a file name.") % {"path": path})
    if not target.parent.is_dir():
        raise OutputRefused(
            _("The directory %(directory)s does not exist.") % {"directory": target.parent}
        )
    if target.exists() and not force:
        raise OutputRefused(
            _(
                "%(path)s already exists. Choose another file, or add --force to "
                "replace it (its links would be lost)."
            )
            % {"path": path}
        )
    return target


def private_file_write(path: Path, content: str, *, overwrite: bool) -> None:
    """Write ``content`` to ``path`` with mode 0600, all at once.

    The text goes to a temporary file in the same directory (``mkstemp`` makes
    it 0600), which then takes the final name: readers see the whole file or
    none. Without ``overwrite`` the final step is a hard link, which fails if a
    file appeared under that name meanwhile instead of replacing it.
    """
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        if overwrite:
            os.replace(temporary, path)
            return
        try:
            os.link(temporary, path)
        except FileExistsError:
            raise OutputRefused(
                _("%(path)s appeared while the links were being made; nothing was written.")
                % {"path": path}
            ) from None
        except OSError:
            # A file system without hard links: check, then rename.
            if path.exists():
                raise OutputRefused(
                    _("%(path)s already exists; nothing was written.") % {"path": path}
                ) from None
            os.replace(temporary, path)
    finally:
        with suppress(FileNotFoundError):
            os.unlink(temporary)


class LinksOutput:
    """Where a command's links go: standard output, or a private file.

    The file is checked when this is made, before the command writes
    anything; both steps raise ``OutputRefused`` saying why.
    """

    def __init__(self, *, path: str | None, force: bool, stdout):
        self.path = output_path_check(path, force=force) if path else None
        self.force = force
        self.stdout = stdout

    def write(self, links: Iterable[tuple[str, str, datetime]]) -> None:
        self.write_text(links_csv(links))

    def write_text(self, text: str) -> None:
        if self.path is None:
            self.stdout.write(text, ending="")
            return
        private_file_write(self.path, text, overwrite=self.force)
