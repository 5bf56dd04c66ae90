"""Arbitrary CSV files against ``manage.py invite --csv``."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command, get_commands
from hypothesis import event, example, given
from hypothesis import strategies as st

from accounts.models import User
from accounts.tests.factories import GroupFactory
from invites.models import Link
from tests.fuzz import FUZZ

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("invite" not in get_commands(), reason="no invite command yet"),
]

COLUMNS = ["email", "first_name", "last_name", "groups"]
text = st.text(alphabet=st.characters(codec="utf-8"), max_size=20)
good_emails = st.builds(
    "{}{}@example.com".format, st.sampled_from(["ann", "Ann", "bob", "o'neil"]), st.integers(0, 9)
)
emails = st.one_of(
    good_emails,
    st.sampled_from(["", " ", "not-an-email", "a@b", "x@" + "y" * 260 + ".com", "=cmd()@x.com"]),
    text,
)
good_cells = {
    "email": good_emails,
    "first_name": text,
    "last_name": st.sampled_from(["", "Lovelace", "=HYPERLINK()", "Ünïcødé"]),
    "groups": st.sampled_from(["", "staff-room", " staff-room ;staff-room"]),
}
any_cells = {
    "email": emails,
    "first_name": st.one_of(text, st.just("n" * 151)),
    "last_name": text,
    "groups": st.lists(st.sampled_from(["staff-room", "nope", "", " "]) | text, max_size=3).map(
        ";".join
    ),
}
good_headers = (
    st.permutations(COLUMNS)
    .flatmap(lambda columns: st.integers(1, 4).map(lambda n: ["email", *columns[:n]]))
    .map(lambda columns: list(dict.fromkeys(columns)))
)
any_headers = st.one_of(
    good_headers,
    st.lists(st.sampled_from([*COLUMNS, "EMAIL", " email ", "", "extra"]) | text, max_size=5),
)


@st.composite
def csv_files(draw, *, hostile: bool) -> bytes:
    """A CSV file: plausible (often accepted) or hostile (usually refused)."""
    header = draw(any_headers if hostile else good_headers)
    cells = any_cells if hostile else good_cells
    rows = []
    for _ in range(draw(st.integers(0, 6))):
        row = [draw(cells.get(column.strip().lower(), text)) for column in header]
        if hostile:
            row += draw(st.lists(text, max_size=2))  # sometimes more values than columns
        rows.append(row)
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    encodings = ["utf-8", "utf-8-sig", "utf-16", "latin-1"] if hostile else ["utf-8", "utf-8-sig"]
    return buffer.getvalue().encode(draw(st.sampled_from(encodings)), errors="replace")


files = st.one_of(csv_files(hostile=False), csv_files(hostile=True), st.binary(max_size=200))


def _state() -> tuple:
    return (
        sorted(User.objects.values_list("pk", "email", "password", "first_name")),
        sorted(Link.objects.values_list("pk", "used_at", "revoked_at")),
        sorted(User.groups.through.objects.values_list("user_id", "group_id")),
    )


@FUZZ
@given(data=files)
@example(data=b"email\nann@example.com\nANN@example.com\n")
@example(data=b'email,groups\n"unterminated\n')
@example(data=b"email\n\x00@example.com\n")
@example(data=b"\xef\xbb\xbfemail,first_name\nbob@example.com,Bob\n")
@example(data=b"email,first_name\nann@example.com,A\x00B\n")
@example(data=b"email,groups\nann@example.com,staff-room\x00\n")
def test_refused_input_raises_command_error_and_writes_nothing(data, tmp_path):
    GroupFactory(name="staff-room")
    path = tmp_path / "people.csv"
    path.write_bytes(data)
    before = _state()
    stdout, stderr = io.StringIO(), io.StringIO()

    try:
        call_command("invite", "--csv", str(path), stdout=stdout, stderr=stderr)
    except CommandError as error:
        event("refused")
        message = str(error)
        assert message.strip()
        assert _state() == before
        assert stdout.getvalue() == ""
        return

    event("accepted")
    # Accepted: one link per new row printed, and the database agrees.
    lines = list(csv.reader(io.StringIO(stdout.getvalue())))
    if lines:
        assert lines[0] == ["email", "link", "expires_at"]
    printed = lines[1:]
    assert Link.objects.count() - len(before[1]) == len(printed)
    # Nothing that is not text reached the database (PostgreSQL would refuse it).
    for values in User.objects.values_list("email", "first_name", "last_name"):
        assert not any("\x00" in value for value in values)
    for email, link, _expires_at in printed:
        assert link.startswith("http://testserver/set-password/")
        assert User.objects.by_email(email.removeprefix("'")).exists()
