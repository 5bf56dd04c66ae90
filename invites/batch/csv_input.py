"""The people to invite, from email arguments and a CSV file, checked as a whole.

Every problem is collected with the place it was found (``line 7`` of the file,
or ``argument 2`` on the command line), so that a person can fix all of them
from one message and run the command again.
"""

import csv
import io
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from django.contrib.auth.base_user import BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from accounts.models import User, sign_in_key

COLUMNS = ("email", "first_name", "last_name", "groups")
GROUP_SEPARATOR = ";"

_EMAIL_MAX_LENGTH = User._meta.get_field("email").max_length
_NAME_MAX_LENGTH = User._meta.get_field("first_name").max_length


@dataclass(frozen=True, slots=True)
class InviteRow:
    """One person to invite, and where they were given."""

    number: int  # the line in the file, or the position among the arguments
    from_file: bool
    email: str
    first_name: str = ""
    last_name: str = ""
    groups: tuple[str, ...] = ()

    @property
    def where(self) -> str:
        if self.from_file:
            return _("line %(number)d") % {"number": self.number}
        return _("argument %(number)d") % {"number": self.number}


class Problem(NamedTuple):
    """Something wrong with the input; ``order`` sorts problems as they appear."""

    order: tuple[int, int]
    message: str


class InputInvalid(Exception):
    """The input cannot be used; ``problems`` lists every reason, in input order."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(problem.message for problem in self.problems))


def _problem(row: InviteRow, message: str) -> Problem:
    return Problem(
        (int(row.from_file), row.number),
        _("%(where)s: %(problem)s") % {"where": row.where, "problem": message},
    )


def _line_problem(line: int, message: str) -> Problem:
    """A problem with a line of the file that is not a row: the header, bad CSV."""
    return Problem(
        (1, line), _("line %(number)d: %(problem)s") % {"number": line, "problem": message}
    )


def rows_from_arguments(
    emails: Sequence[str], *, first_name: str = "", last_name: str = ""
) -> list[InviteRow]:
    return [
        InviteRow(
            number=position,
            from_file=False,
            email=BaseUserManager.normalize_email(email.strip()),
            first_name=first_name.strip(),
            last_name=last_name.strip(),
        )
        for position, email in enumerate(emails, start=1)
    ]


def rows_from_csv(data: bytes | str, *, name: str) -> tuple[list[InviteRow], list[Problem]]:
    """Read a CSV file with a header row; UTF-8, with or without a byte order mark.

    Returns the rows and the problems found in the file's shape (rows with more
    values than the header has columns). Raises ``InputInvalid`` when the file
    cannot be read at all: not UTF-8, no header, an unknown column.
    """
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = data.count(b"\n", 0, error.start) + 1
            raise InputInvalid(
                [
                    _line_problem(
                        line,
                        _(
                            "%(name)s is not UTF-8 text (byte 0x%(byte)02x). Save it as "
                            "'CSV UTF-8' and run the command again."
                        )
                        % {"name": name, "byte": data[error.start]},
                    )
                ]
            ) from None
    data = data.removeprefix("\ufeff")
    nul = data.find("\x00")
    if nul != -1:
        # Not text, and PostgreSQL refuses it in any text column.
        raise InputInvalid(
            [
                _line_problem(
                    data.count("\n", 0, nul) + 1,
                    _(
                        "%(name)s contains a NUL character (0x00), which is not text. Save it "
                        "as 'CSV UTF-8' and run the command again."
                    )
                    % {"name": name},
                )
            ]
        )
    reader = csv.reader(io.StringIO(data, newline=""), strict=True)
    try:
        return _rows_read(reader, name=name)
    except csv.Error as error:
        raise InputInvalid(
            [
                _line_problem(
                    reader.line_num, _("this is not valid CSV (%(error)s).") % {"error": error}
                )
            ]
        ) from None


def _rows_read(reader, *, name: str) -> tuple[list[InviteRow], list[Problem]]:
    header = next(reader, None)
    if not header or not any(cell.strip() for cell in header):
        raise InputInvalid(
            [
                _line_problem(
                    1,
                    _(
                        "%(name)s has no header. Its first line must name the "
                        "columns, such as: %(columns)s"
                    )
                    % {"name": name, "columns": ",".join(COLUMNS)},
                )
            ]
        )
    _separator_check(header)
    columns = [column_name(cell) for cell in header]
    _header_check(columns)
    email_at = columns.index("email")
    first_name_at = columns.index("first_name") if "first_name" in columns else None
    last_name_at = columns.index("last_name") if "last_name" in columns else None
    groups_at = columns.index("groups") if "groups" in columns else None
    width = len(columns)

    rows: list[InviteRow] = []
    problems: list[Problem] = []
    line = reader.line_num + 1  # where the next record starts
    for record in reader:
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in record):
            continue  # blank lines, as spreadsheets leave at the end
        if len(record) > width:
            problems.append(
                _line_problem(
                    start,
                    _("%(found)d values, but the header names %(columns)d columns.")
                    % {"found": len(record), "columns": width},
                )
            )
            continue
        record += [""] * (width - len(record))
        groups = ()
        if groups_at is not None:
            names = (group.strip() for group in record[groups_at].split(GROUP_SEPARATOR))
            groups = tuple(dict.fromkeys(group for group in names if group))
        rows.append(
            InviteRow(
                number=start,
                from_file=True,
                email=BaseUserManager.normalize_email(record[email_at].strip()),
                first_name=record[first_name_at].strip() if first_name_at is not None else "",
                last_name=record[last_name_at].strip() if last_name_at is not None else "",
                groups=groups,
            )
        )
    return rows, problems


# Headers as people write them: "E-mail", "First name", "Last Name", "Group".
_COLUMN_ALIASES = {
    "email": "email",
    "emailaddress": "email",
    "firstname": "first_name",
    "givenname": "first_name",
    "lastname": "last_name",
    "surname": "last_name",
    "familyname": "last_name",
    "groups": "groups",
    "group": "groups",
}


def column_name(cell: str) -> str:
    """The column a header cell names, whatever its case, spaces, hyphens and underscores.

    A cell that names none comes back as written (lowercased), for the message.
    """
    written = cell.strip().lower()
    return _COLUMN_ALIASES.get(re.sub(r"[\s_-]+", "", written), written)


def _separator_check(header: list[str]) -> None:
    """Refuse a file separated by semicolons, saying so.

    Spreadsheets in many languages save "CSV" with semicolons, since there the
    comma is the decimal mark. Read with commas, its header is one column.
    """
    if len(header) == 1 and ";" in header[0]:
        named = {column_name(cell) for cell in header[0].split(";")}
        if "email" in named:
            raise InputInvalid(
                [
                    _line_problem(
                        1,
                        _(
                            "the columns are separated by semicolons (;), not commas. Save "
                            "the file as 'CSV UTF-8 (comma delimited)', or replace the "
                            "semicolons between columns with commas, and run the command "
                            "again."
                        ),
                    )
                ]
            )


def _header_check(columns: list[str]) -> None:
    problems = []
    seen = set()
    for position, column in enumerate(columns, start=1):
        if not column:
            problems.append(
                _("column %(position)d has no name; remove the column or name it.")
                % {"position": position}
            )
        elif column not in COLUMNS:
            problems.append(
                _("unknown column %(column)r; the columns can be %(columns)s.")
                % {"column": column, "columns": ", ".join(COLUMNS)}
            )
        elif column in seen:
            problems.append(_("the column %(column)r appears twice.") % {"column": column})
        seen.add(column)
    if "email" not in seen:
        problems.append(_("there is no 'email' column, which is required."))
    if problems:
        raise InputInvalid([_line_problem(1, problem) for problem in problems])


def rows_check(rows: Iterable[InviteRow], *, known_groups: Collection[str]) -> list[Problem]:
    """Every bad row, with all that is wrong with it.

    An email must be present, valid by Django's validator and given once,
    whatever its case; groups must exist; names must fit their fields.
    """
    problems = []
    first_seen: dict[str, InviteRow] = {}
    name_fields = ((_("first name"), "first_name"), (_("last name"), "last_name"))
    for row in rows:
        wrong = []
        if not row.email:
            wrong.append(_("the email address is empty."))
        elif len(row.email) > _EMAIL_MAX_LENGTH:
            wrong.append(
                _("the email address is longer than %(max)d characters.")
                % {"max": _EMAIL_MAX_LENGTH}
            )
        else:
            try:
                validate_email(row.email)
            except ValidationError:
                wrong.append(_("%(email)r is not a valid email address.") % {"email": row.email})
            else:
                earlier = first_seen.setdefault(sign_in_key(row.email), row)
                if earlier is not row:
                    wrong.append(
                        _("%(email)s was already given on %(where)s (case does not matter).")
                        % {"email": row.email, "where": earlier.where}
                    )
        for label, attribute in name_fields:
            if len(getattr(row, attribute)) > _NAME_MAX_LENGTH:
                wrong.append(
                    _("the %(field)s is longer than %(max)d characters.")
                    % {"field": label, "max": _NAME_MAX_LENGTH}
                )
        unknown = [group for group in row.groups if group not in known_groups]
        if unknown:
            wrong.append(
                _("no group is named %(groups)s.") % {"groups": ", ".join(map(repr, unknown))}
            )
        if wrong:
            problems.append(_problem(row, " ".join(wrong)))
    return problems
