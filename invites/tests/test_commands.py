"""The manage.py commands invite, reset_link and purge_links, as an operator runs them."""

import csv
import io
import stat
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import GroupFactory, InvitedUserFactory, UserFactory
from invites.keys.secrets import secret_digest
from invites.links.services import link_issue
from invites.models import Link
from invites.tests.factories import LinkFactory, TeamLinkFactory, TeamLinkJoinFactory, secret_of

pytestmark = pytest.mark.django_db


class TerminalStringIO(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture
def csv_file(tmp_path):
    def write(text: str, *, bom: bool = False):
        path = tmp_path / "people.csv"
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
        return str(path)

    return write


def run(name: str, *args, **options) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), options.pop("stderr", io.StringIO())
    call_command(name, *args, stdout=stdout, stderr=stderr, **options)
    return stdout.getvalue(), stderr.getvalue()


def links_in(output: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(output))
    assert reader.fieldnames == ["email", "link", "expires_at"]
    return list(reader)


def counts() -> tuple[int, int]:
    return User.objects.count(), Link.objects.count()


# --- invite: bootstrapping and single emails ----------------------------------


def test_invite_superuser_bootstraps_the_first_admin_with_a_link_that_opens(client):
    stdout, stderr = run("invite", "you@example.com", "--superuser")

    [row] = links_in(stdout)
    admin = User.objects.get(email="you@example.com")
    assert admin.is_superuser
    assert admin.is_staff
    assert admin.is_active
    assert not admin.has_usable_password()
    assert row["email"] == "you@example.com"
    assert row["link"].startswith("http://testserver/set-password/")
    response = client.get(row["link"])
    assert response.status_code == HTTPStatus.FOUND
    assert response.url == reverse("invites:set_password")
    assert "Created 1 user." in stderr
    assert "Issued 1 invite link." in stderr


def test_invite_sets_names_groups_and_staff_for_a_single_email():
    GroupFactory(name="Editors")
    run("invite", "ada@example.com", "--first-name", "Ada", "--last-name", "Lovelace")
    run("invite", "bob@example.com", "--group", "Editors", "--staff")
    ada = User.objects.get(email="ada@example.com")
    bob = User.objects.get(email="bob@example.com")
    assert (ada.first_name, ada.last_name, ada.is_staff) == ("Ada", "Lovelace", False)
    assert [group.name for group in bob.groups.all()] == ["Editors"]
    assert bob.is_staff
    assert not bob.is_superuser


def test_invite_refuses_first_name_for_more_than_one_email():
    with pytest.raises(CommandError, match="--first-name and --last-name name one person"):
        run("invite", "a@example.com", "b@example.com", "--first-name", "A")
    assert counts() == (0, 0)


def test_invite_without_anyone_to_invite_says_how_to_give_them():
    with pytest.raises(CommandError, match="Nobody to invite"):
        run("invite")


def test_invite_links_are_csv_with_expiry_in_utc(fixed_clock):
    stdout, _ = run("invite", "ada@example.com")
    assert stdout.splitlines()[0] == "email,link,expires_at"
    [row] = links_in(stdout)
    assert row["expires_at"] == "2030-05-24T09:30:00+00:00"  # INVITE_MAX_AGE: 7 days


def test_invite_expires_in_90m_gives_links_90_minutes(fixed_clock):
    stdout, _ = run("invite", "ada@example.com", "--expires-in", "90m")
    [row] = links_in(stdout)
    assert row["expires_at"] == "2030-05-17T11:00:00+00:00"
    assert Link.objects.get().expires_at == fixed_clock.current + timedelta(minutes=90)


@pytest.mark.parametrize(
    ("option", "expected"), [("36h", timedelta(hours=36)), ("2d", timedelta(days=2))]
)
def test_invite_expires_in_reads_hours_and_days(fixed_clock, option, expected):
    run("invite", "ada@example.com", "--expires-in", option)
    assert Link.objects.get().expires_at == fixed_clock.current + expected


@pytest.mark.parametrize("option", ["soon", "7", "7w", "0m", "-1d"])
def test_invite_refuses_a_bad_duration_and_writes_nothing(option):
    with pytest.raises(CommandError, match=r"--expires-in: .* (not a duration|above zero)"):
        run("invite", "ada@example.com", f"--expires-in={option}")
    assert counts() == (0, 0)


@pytest.mark.parametrize("command", ["invite", "reset_link"])
def test_expires_in_above_the_ceiling_is_refused_naming_it(settings, command):
    settings.LINK_MAX_AGE_LIMIT = 90 * 24 * 60 * 60
    UserFactory(email="ada@example.com")
    before = counts()

    with pytest.raises(
        CommandError, match=r"--expires-in: 91 days .* at most 90 days \(LINK_MAX_AGE_LIMIT\)"
    ):
        run(command, "ada@example.com", "--expires-in", "91d")

    assert counts() == before


def test_invite_without_site_url_explains_the_variable_and_writes_nothing(settings):
    settings.SITE_URL = ""
    with pytest.raises(CommandError, match=r"SITE_URL is not set.*SITE_URL=https://"):
        run("invite", "ada@example.com")
    assert counts() == (0, 0)


def test_invite_refuses_an_unknown_group_option_and_writes_nothing():
    with pytest.raises(CommandError, match="--group: no group is named 'Nope'"):
        run("invite", "ada@example.com", "--group", "Nope")
    assert counts() == (0, 0)


# --- invite: checking the whole input first ----------------------------------


def test_invite_names_each_bad_row_by_its_line_and_writes_nothing(csv_file):
    UserFactory()
    before = counts()
    path = csv_file(
        "email,first_name\n"
        "ok1@example.com,A\n"
        "not-an-email,B\n"
        "ok2@example.com,C\n"
        ",D\n"
        "ok3@example.com,E\n"
        "OK1@Example.com,F\n"
    )

    with pytest.raises(CommandError) as raised:
        run("invite", "--csv", path)

    assert str(raised.value) == (
        "The input has 3 problems, so nothing was written. Fix them and run the command again:\n"
        "  line 3: 'not-an-email' is not a valid email address.\n"
        "  line 5: the email address is empty.\n"
        "  line 7: OK1@example.com was already given on line 2 (case does not matter)."
    )
    assert raised.value.returncode == 1
    assert counts() == before


def test_invite_names_unknown_groups_in_the_file_by_line(csv_file):
    GroupFactory(name="Staff")
    path = csv_file("email,groups\nada@example.com,Staff\nbob@example.com,Staff;Sales\n")
    with pytest.raises(CommandError, match=r"line 3: no group is named 'Sales'\."):
        run("invite", "--csv", path)
    assert counts() == (0, 0)


def test_invite_finds_duplicates_between_arguments_and_the_file(csv_file):
    path = csv_file("email\nAda@Example.com\n")
    with pytest.raises(
        CommandError, match=r"line 2: Ada@example.com was already given on argument 1"
    ):
        run("invite", "ada@example.com", "--csv", path)
    assert counts() == (0, 0)


def test_invite_names_an_unknown_column(csv_file):
    path = csv_file("email,phone\nada@example.com,555\n")
    with pytest.raises(CommandError, match="line 1: unknown column 'phone'"):
        run("invite", "--csv", path)
    assert counts() == (0, 0)


def test_invite_reads_headers_as_people_write_them(csv_file):
    path = csv_file("E-mail,First name,Last Name,Group\nada@example.com,Ada,Lovelace,\n")

    run("invite", "--csv", path)

    user = User.objects.get()
    assert (user.email, user.first_name, user.last_name) == ("ada@example.com", "Ada", "Lovelace")


def test_invite_says_a_semicolon_separated_file_needs_commas(csv_file):
    path = csv_file("email;first_name;last_name\nada@example.com;Ada;Lovelace\n")

    with pytest.raises(CommandError, match=r"line 1: the columns are separated by semicolons"):
        run("invite", "--csv", path)

    assert counts() == (0, 0)


def test_invite_refuses_a_file_that_cannot_be_read(tmp_path):
    with pytest.raises(CommandError, match=r"Cannot read .*missing\.csv: No such file"):
        run("invite", "--csv", str(tmp_path / "missing.csv"))


def test_invite_reads_a_file_with_a_byte_order_mark(csv_file):
    path = csv_file("email,first_name\nada@example.com,Ada\n", bom=True)
    stdout, _ = run("invite", "--csv", path)
    assert [row["email"] for row in links_in(stdout)] == ["ada@example.com"]
    assert User.objects.get().first_name == "Ada"


def test_invite_reads_standard_input_with_a_dash():
    stdin = io.BytesIO(b"\xef\xbb\xbfemail,last_name\nada@example.com,Lovelace\nbob@example.com,\n")
    stdout, _ = run("invite", "--csv", "-", stdin=stdin)
    assert [row["email"] for row in links_in(stdout)] == ["ada@example.com", "bob@example.com"]
    assert User.objects.get(email="ada@example.com").last_name == "Lovelace"


def test_invite_puts_people_in_their_groups_from_the_file_and_the_option(csv_file):
    staff, sales, all_hands = (GroupFactory(name=name) for name in ("Staff", "Sales", "All"))
    path = csv_file("email,groups\nada@example.com,Staff; Sales\nbob@example.com,\n")
    run("invite", "--csv", path, "--group", "All")
    assert set(User.objects.get(email="ada@example.com").groups.all()) == {staff, sales, all_hands}
    assert set(User.objects.get(email="bob@example.com").groups.all()) == {all_hands}


def test_invite_escapes_cells_a_spreadsheet_would_run_as_formulas(csv_file):
    path = csv_file(
        "email\n=cmd@example.com\n+sum@example.com\n-dash@example.com\nok@example.com\n"
    )
    stdout, _ = run("invite", "--csv", path)
    emails = [line.split(",")[0] for line in stdout.splitlines()[1:]]
    assert emails == [
        "'=cmd@example.com",
        "'+sum@example.com",
        "'-dash@example.com",
        "ok@example.com",
    ]
    assert User.objects.filter(email="=cmd@example.com").exists()


# --- invite: running again ----------------------------------------------------


def test_invite_run_twice_with_the_same_file_changes_nothing_the_second_time(csv_file):
    path = csv_file("email\nada@example.com\nbob@example.com\n")
    first, _ = run("invite", "--csv", path)
    after_first = counts()

    stdout, stderr = run("invite", "--csv", path)

    assert counts() == after_first
    assert stdout == ""  # nothing to do: not even a header
    assert "Created 0 users." in stderr
    assert "Issued 0 invite links." in stderr
    assert "Skipped 2 rows (skips do not fail the run):" in stderr
    assert "  2 rows: already has an open invite; add --reissue" in stderr
    assert "  line 2: ada@example.com already has an open invite" in stderr
    for row in links_in(first):  # the first run's links still work
        assert Link.open_by_secret(secret_of(row["link"])).user.email == row["email"]


def test_invite_reissue_revokes_open_invites_and_issues_new_ones(csv_file, client):
    path = csv_file("email\nada@example.com\n")
    [old] = links_in(run("invite", "--csv", path)[0])

    stdout, stderr = run("invite", "--csv", path, "--reissue")

    [new] = links_in(stdout)
    assert new["link"] != old["link"]
    assert User.objects.count() == 1
    ada = User.objects.get()
    assert Link.objects.filter(user=ada).open().get().digest == secret_digest(
        secret_of(new["link"])
    )
    assert Link.objects.get(digest=secret_digest(secret_of(old["link"]))).revoke_reason == (
        Link.RevokeReason.SUPERSEDED
    )
    assert client.get(old["link"], follow=True).status_code == HTTPStatus.NOT_FOUND
    assert "1 link is for an existing user" in stderr


def test_invite_issues_a_new_link_to_an_invited_user_whose_invite_expired(fixed_clock):
    user = InvitedUserFactory(email="ada@example.com")
    LinkFactory(user=user, expires_at=fixed_clock.current - timedelta(days=1))
    stdout, stderr = run("invite", "ADA@example.com")
    assert [row["email"] for row in links_in(stdout)] == ["ADA@example.com"]
    assert User.objects.count() == 1
    assert Link.objects.filter(user=user).open().count() == 1
    assert "Created 0 users." in stderr


def test_invite_skips_users_with_a_password_whatever_the_case_even_with_reissue(csv_file):
    UserFactory(email="Alice@Example.com")
    path = csv_file("email\nalice@example.COM\nnew@example.com\n")

    stdout, stderr = run("invite", "--csv", path, "--reissue")

    assert [row["email"] for row in links_in(stdout)] == ["new@example.com"]
    assert User.objects.count() == 2
    assert Link.objects.count() == 1
    assert (
        "  1 row: already has a password; send them a password-reset link with reset_link."
        in stderr
    )
    assert "  line 2: alice@example.com already has a password" in stderr


def test_invite_skips_deactivated_users():
    InvitedUserFactory(email="gone@example.com", is_active=False)
    stdout, stderr = run("invite", "gone@example.com")
    assert stdout == ""
    assert Link.objects.count() == 0
    assert "argument 1: gone@example.com is deactivated" in stderr


def test_invite_that_skips_everyone_writes_no_file_and_says_why(tmp_path):
    UserFactory(email="ada@example.com")
    InvitedUserFactory(email="bob@example.com")
    run("invite", "bob@example.com")
    output = tmp_path / "links.csv"

    stdout, stderr = run("invite", "ada@example.com", "bob@example.com", "--output", str(output))

    assert not output.exists()
    assert stdout == ""
    assert (
        "Nothing to do: every row was skipped (below), so no links were written and "
        f"{output} was not created."
    ) in stderr
    assert "Skipped 2 rows (skips do not fail the run):" in stderr


def test_invite_prints_links_in_input_order_skipping_the_skipped(csv_file):
    UserFactory(email="has@example.com")
    path = csv_file("email\nz@example.com\nhas@example.com\na@example.com\nm@example.com\n")
    stdout, _ = run("invite", "--csv", path)
    assert [row["email"] for row in links_in(stdout)] == [
        "z@example.com",
        "a@example.com",
        "m@example.com",
    ]


def test_invite_lists_many_skipped_rows_only_at_higher_verbosity(csv_file):
    path = csv_file("email\n" + "".join(f"p{n}@example.com\n" for n in range(60)))
    run("invite", "--csv", path)
    _, stderr = run("invite", "--csv", path)
    assert "  … and 10 more; --verbosity 2 lists them all." in stderr
    assert "line 61: p59@example.com" not in stderr
    _, stderr = run("invite", "--csv", path, "--verbosity", "2")
    assert "line 61: p59@example.com" in stderr


def test_invite_fails_cleanly_when_a_user_appears_meanwhile(monkeypatch):
    from invites.batch import invitations as by_email

    invite_plan = by_email.invite_plan

    def plan_made_before_ada_appeared(rows, **kwargs):
        plan = invite_plan(rows, **kwargs)
        UserFactory(email="ada@example.com")  # another process, between check and insert
        return plan

    monkeypatch.setattr(by_email, "invite_plan", plan_made_before_ada_appeared)
    with pytest.raises(
        CommandError,
        match=r"created by someone else meanwhile, so nothing was written\. Run the command again",
    ):
        run("invite", "bob@example.com", "ada@example.com")
    assert not User.objects.filter(email="bob@example.com").exists()
    assert Link.objects.count() == 0


def test_invite_handles_emails_with_quotes_braces_and_signs_on_every_database(csv_file):
    emails = ["o'brien@example.com", "{x}@example.com", "%a#b|c@example.com"]
    text = io.StringIO()
    csv.writer(text).writerows([["email"], *([email] for email in emails)])
    stdout, _ = run("invite", "--csv", csv_file(text.getvalue()))
    assert [row["email"] for row in links_in(stdout)] == emails
    # Found again, whatever their case: nothing new the second time.
    stdout, stderr = run("invite", *[email.upper() for email in emails])
    assert stdout == ""
    assert "Skipped 3 rows" in stderr
    assert User.objects.count() == 3


# --- invite: --dry-run and --output -------------------------------------------


def test_invite_dry_run_reports_and_writes_nothing(csv_file):
    UserFactory(email="has@example.com")
    before = counts()
    path = csv_file("email\nada@example.com\nhas@example.com\n")

    stdout, stderr = run("invite", "--csv", path, "--dry-run")

    assert stdout == ""
    assert counts() == before
    assert "Dry run: nothing was written and no links were made." in stderr
    assert "Would create 1 user." in stderr
    assert "Would issue 1 invite link." in stderr
    assert "line 3: has@example.com already has a password" in stderr


def test_invite_dry_run_needs_no_site_url(settings):
    settings.SITE_URL = ""
    stdout, stderr = run("invite", "ada@example.com", "--dry-run")
    assert stdout == ""
    assert "Would issue 1 invite link." in stderr
    assert counts() == (0, 0)


def test_invite_dry_run_still_refuses_bad_rows(csv_file):
    with pytest.raises(CommandError, match="line 2: 'nope' is not a valid email address"):
        run("invite", "--csv", csv_file("email\nnope\n"), "--dry-run")


def test_invite_output_writes_a_file_only_the_owner_can_read(tmp_path):
    path = tmp_path / "links.csv"
    stdout, stderr = run("invite", "ada@example.com", "--output", str(path))
    assert stdout == ""
    assert [row["email"] for row in links_in(path.read_text())] == ["ada@example.com"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert f"The links are in {path}, readable by you only." in stderr


def test_invite_output_refuses_to_overwrite_a_file_and_writes_nothing(tmp_path):
    path = tmp_path / "links.csv"
    path.write_text("earlier links")
    with pytest.raises(CommandError, match=r"links\.csv already exists.*add --force"):
        run("invite", "ada@example.com", "--output", str(path))
    assert path.read_text() == "earlier links"
    assert counts() == (0, 0)


def test_invite_output_with_force_replaces_the_file(tmp_path):
    path = tmp_path / "links.csv"
    path.write_text("earlier links")
    path.chmod(0o644)
    run("invite", "ada@example.com", "--output", str(path), "--force")
    assert [row["email"] for row in links_in(path.read_text())] == ["ada@example.com"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_invite_output_in_a_missing_directory_is_refused_before_writing(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        run("invite", "ada@example.com", "--output", str(tmp_path / "no" / "links.csv"))
    assert counts() == (0, 0)


# --- invite: large inputs -----------------------------------------------------


def test_invite_takes_as_many_queries_for_1000_rows_as_for_10(csv_file):
    GroupFactory(name="Staff")
    GroupFactory(name="Sales")

    def queries(count: int, prefix: str, *options: str) -> int:
        path = csv_file(
            "email,first_name,groups\n"
            + "".join(f"{prefix}{n}@example.com,P{n},Staff;Sales\n" for n in range(count))
        )
        with CaptureQueriesContext(connection) as captured:
            stdout, _ = run("invite", "--csv", path, "--group", "Staff", *options)
        assert len(links_in(stdout)) == count
        return len(captured)

    assert queries(10, "a") == queries(1000, "b")
    assert User.objects.count() == 1010
    assert queries(10, "a", "--reissue") == queries(1000, "b", "--reissue")
    assert Link.objects.open().count() == 1010


def test_invite_shows_a_progress_bar_on_a_terminal_for_large_inputs(csv_file):
    path = csv_file("email\n" + "".join(f"p{n}@example.com\n" for n in range(2000)))
    _, on_terminal = run("invite", "--csv", path, "--dry-run", stderr=TerminalStringIO())
    _, in_a_file = run("invite", "--csv", path, "--dry-run")
    assert "\rChecking [" + "#" * 30 + "] 2000/2000\n" in on_terminal
    assert "Checking" not in in_a_file


# --- reset_link ---------------------------------------------------------------


def test_reset_link_issues_reset_links_for_existing_users_in_any_case(client):
    ada = UserFactory(email="ada@example.com")
    older = link_issue(user=ada, issuer=None, via=Link.Via.ADMIN)
    bob = UserFactory(email="bob@example.com")

    stdout, stderr = run("reset_link", "ADA@example.com", "bob@example.com")

    rows = links_in(stdout)
    assert [row["email"] for row in rows] == ["ada@example.com", "bob@example.com"]
    links = [Link.open_by_secret(secret_of(row["link"])) for row in rows]
    assert [link.user for link in links] == [ada, bob]
    assert {link.purpose for link in links} == {Link.Purpose.RESET}
    assert {link.created_via for link in links} == {Link.Via.COMMAND}
    older.link.refresh_from_db()
    assert older.link.revoke_reason == Link.RevokeReason.SUPERSEDED
    assert client.get(rows[0]["link"]).status_code == HTTPStatus.FOUND
    assert "Issued 2 password-reset links" in stderr
    assert "invite" not in stderr


def test_reset_link_for_someone_who_never_set_a_password_issues_an_invite_and_says_so(
    fixed_clock,
):
    UserFactory(email="ada@example.com")
    InvitedUserFactory(email="bob@example.com")

    stdout, stderr = run("reset_link", "ada@example.com", "bob@example.com")

    purposes = dict(Link.objects.values_list("user__email", "purpose"))
    assert purposes == {"ada@example.com": Link.Purpose.RESET, "bob@example.com": "invite"}
    rows = {row["email"]: row["expires_at"] for row in links_in(stdout)}
    assert rows == {
        "ada@example.com": "2030-05-18T09:30:00+00:00",  # RESET_MAX_AGE: 1 day
        "bob@example.com": "2030-05-24T09:30:00+00:00",  # INVITE_MAX_AGE: 7 days
    }
    assert "Issued 1 password-reset link;" in stderr
    assert (
        "Issued 1 invite link instead, valid until 2030-05-24T09:30:00+00:00, for a user "
        "who never set a password: bob@example.com."
    ) in stderr


def test_reset_link_names_every_unknown_or_deactivated_email_and_issues_nothing():
    UserFactory(email="ada@example.com")
    UserFactory(email="gone@example.com", is_active=False)
    with pytest.raises(CommandError) as raised:
        run("reset_link", "ada@example.com", "nobody@example.com", "Gone@example.com")
    assert str(raised.value) == (
        "No link was issued, for 2 reasons:\n"
        "  No user has the email address nobody@example.com.\n"
        "  Gone@example.com is deactivated; reactivate the account in the admin first."
    )
    assert raised.value.returncode == 1
    assert Link.objects.count() == 0


@pytest.mark.parametrize(
    "emails",
    [["nobody@example.com"], ["nobody@example.com", "nobody.else@example.com"]],
    ids=["one", "two"],
)
def test_reset_link_with_only_unknown_emails_says_so_and_issues_nothing(emails):
    """It ended in a traceback: issuing for no user returned a list, not a batch."""
    UserFactory(email="ada@example.com")
    with pytest.raises(CommandError) as raised:
        run("reset_link", *emails)
    assert all(f"No user has the email address {email}." in str(raised.value) for email in emails)
    assert raised.value.returncode == 1
    assert Link.objects.count() == 0


def test_reset_link_with_only_deactivated_users_says_so_and_issues_nothing():
    UserFactory(email="gone@example.com", is_active=False)
    with pytest.raises(CommandError, match=r"gone@example\.com is deactivated"):
        run("reset_link", "gone@example.com")
    assert Link.objects.count() == 0


def test_reset_link_expires_in_sets_the_expiry(fixed_clock):
    UserFactory(email="ada@example.com")
    stdout, _ = run("reset_link", "ada@example.com", "--expires-in", "36h")
    assert links_in(stdout)[0]["expires_at"] == "2030-05-18T21:30:00+00:00"
    assert Link.objects.get().expires_at == fixed_clock.current + timedelta(hours=36)


def test_reset_link_defaults_to_reset_max_age(fixed_clock, settings):
    settings.RESET_MAX_AGE = 3600
    UserFactory(email="ada@example.com")
    run("reset_link", "ada@example.com")
    assert Link.objects.get().expires_at == fixed_clock.current + timedelta(hours=1)


def test_reset_link_gives_one_link_for_an_email_given_twice():
    UserFactory(email="ada@example.com")
    stdout, _ = run("reset_link", "ada@example.com", "ADA@EXAMPLE.COM")
    assert len(links_in(stdout)) == 1


def test_reset_link_output_refuses_to_overwrite_and_issues_nothing(tmp_path):
    UserFactory(email="ada@example.com")
    path = tmp_path / "links.csv"
    path.write_text("x")
    with pytest.raises(CommandError, match="already exists"):
        run("reset_link", "ada@example.com", "--output", str(path))
    assert Link.objects.count() == 0
    run("reset_link", "ada@example.com", "--output", str(path), "--force")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(links_in(path.read_text())) == 1


def test_reset_link_without_site_url_issues_nothing(settings):
    settings.SITE_URL = ""
    UserFactory(email="ada@example.com")
    with pytest.raises(CommandError, match="SITE_URL is not set"):
        run("reset_link", "ada@example.com")
    assert Link.objects.count() == 0


# --- purge_links --------------------------------------------------------------


@pytest.fixture
def aged_links(fixed_clock):
    """Links in every state, closed 40 days ago (old) or 10 days ago (recent)."""
    user = InvitedUserFactory()
    now = fixed_clock.current
    old, recent = now - timedelta(days=40), now - timedelta(days=10)

    def link(name, **fields):
        fields.setdefault("expires_at", now + timedelta(days=1))
        return name, LinkFactory(user=user, created_at=now - timedelta(days=60), **fields)

    return dict(
        [
            link("used_old", used_at=old, expires_at=old + timedelta(days=1)),
            link("revoked_old", revoked_at=old, revoke_reason=Link.RevokeReason.ADMIN),
            link("expired_old", expires_at=old),
            link("used_recent", used_at=recent),
            link("revoked_recent", revoked_at=recent, revoke_reason=Link.RevokeReason.ADMIN),
            link("expired_recent", expires_at=recent),
            link("open_long_lived", expires_at=now + timedelta(days=365)),
            link("open", expires_at=now + timedelta(minutes=1)),
        ]
    )


def remaining() -> set[int]:
    return set(Link.objects.values_list("pk", flat=True))


def test_purge_links_deletes_only_links_closed_before_the_default_30_days(aged_links):
    stdout, _ = run("purge_links")
    assert remaining() == {
        aged_links[name].pk
        for name in ("used_recent", "revoked_recent", "expired_recent", "open_long_lived", "open")
    }
    assert stdout.splitlines()[0] == "Deleted 3 links closed before 2030-04-17T09:30:00+00:00."


def test_purge_links_older_than_moves_the_cutoff_but_never_deletes_open_links(aged_links):
    run("purge_links", "--older-than", "1m")
    assert remaining() == {aged_links["open_long_lived"].pk, aged_links["open"].pk}


def test_purge_links_older_than_0m_purges_every_closed_link(aged_links):
    stdout, _ = run("purge_links", "--older-than", "0m")
    assert remaining() == {aged_links["open_long_lived"].pk, aged_links["open"].pk}
    assert stdout.startswith("Deleted 6 links closed before 2030-05-17T09:30:00+00:00.")


def test_purge_links_dry_run_counts_and_deletes_nothing(aged_links):
    stdout, _ = run("purge_links", "--dry-run")
    assert remaining() == {link.pk for link in aged_links.values()}
    assert stdout.startswith("Would delete 3 links closed before 2030-04-17T09:30:00+00:00")


def test_purge_links_dates_a_link_revoked_after_it_expired_from_its_expiry(fixed_clock):
    link = link_issue(user=InvitedUserFactory(), issuer=None, via=Link.Via.COMMAND).link
    now = fixed_clock.current
    Link.objects.filter(pk=link.pk).update(
        expires_at=now - timedelta(days=40), revoked_at=now - timedelta(days=1)
    )
    run("purge_links")
    assert not Link.objects.filter(pk=link.pk).exists()


def test_purge_links_keeps_every_sign_in_record(fixed_clock):
    from accounts.models import SignIn

    user, now = InvitedUserFactory(), fixed_clock.current
    SignIn.objects.create(user=user, succeeded=False, at=now - timedelta(days=400))
    stdout, _ = run("purge_links", "--older-than", "0m")
    assert "sign-in" not in stdout
    assert SignIn.objects.count() == 1


def test_purge_sign_ins_deletes_sign_in_records_past_their_own_age(fixed_clock):
    from accounts.models import SignIn

    user, now = InvitedUserFactory(), fixed_clock.current
    SignIn.objects.create(user=user, succeeded=False, at=now - timedelta(days=31))
    recent = SignIn.objects.create(user=user, succeeded=True, at=now - timedelta(days=29))
    stdout, _ = run("purge_sign_ins", "--older-than", "30d", "--dry-run")
    assert "Would delete 1 sign-in record from before 2030-04-17T09:30:00+00:00." in stdout
    assert SignIn.objects.count() == 2
    stdout, _ = run("purge_sign_ins", "--older-than", "30d")
    assert "Deleted 1 sign-in record from before 2030-04-17T09:30:00+00:00." in stdout
    assert list(SignIn.objects.all()) == [recent]


def test_purge_sign_ins_keeps_ninety_days_by_default(fixed_clock):
    from accounts.models import SignIn

    user, now = InvitedUserFactory(), fixed_clock.current
    SignIn.objects.create(user=user, succeeded=False, at=now - timedelta(days=91))
    kept = SignIn.objects.create(user=user, succeeded=True, at=now - timedelta(days=89))
    run("purge_sign_ins")
    assert list(SignIn.objects.all()) == [kept]


def test_purge_links_refuses_a_bad_duration(aged_links):
    with pytest.raises(CommandError, match="--older-than: 'a month' is not a duration"):
        run("purge_links", "--older-than", "a month")
    assert len(remaining()) == len(aged_links)


def test_purge_links_does_not_touch_groups_or_users(aged_links):
    GroupFactory()
    users, groups = User.objects.count(), Group.objects.count()
    run("purge_links", "--older-than", "1m")
    assert (User.objects.count(), Group.objects.count()) == (users, groups)


def test_purge_links_purges_team_links_closed_before_the_cutoff_and_keeps_their_accounts(
    fixed_clock,
):
    from invites.models import TeamLink, TeamLinkJoin

    now = fixed_clock.current
    old, recent = now - timedelta(days=40), now - timedelta(days=10)
    member = UserFactory()

    def team_link(name, *, joined_at=None, **fields):
        fields.setdefault("expires_at", now + timedelta(days=1))
        fields.setdefault("uses_allowed", 2)
        team_link = TeamLinkFactory(name=name, created_at=now - timedelta(days=60), **fields)
        if joined_at is not None:
            TeamLinkJoinFactory(team_link=team_link, user=member, joined_at=joined_at)
        return team_link

    kept = {
        team_link("open").pk,
        team_link("open, one use taken long ago", uses_taken=1, joined_at=old).pk,
        team_link("revoked lately", revoked_at=recent).pk,
        team_link("expired lately", expires_at=recent).pk,
        team_link("used up lately", uses_allowed=1, uses_taken=1, joined_at=recent).pk,
    }
    team_link("revoked long ago", revoked_at=old)
    team_link("expired long ago", expires_at=old)
    team_link("used up long ago", uses_allowed=1, uses_taken=1, joined_at=old)

    stdout, _ = run("purge_links", "--dry-run")
    assert "Would delete 3 team links closed before 2030-04-17T09:30:00+00:00." in stdout
    assert TeamLink.objects.count() == 8

    stdout, _ = run("purge_links")
    assert (
        "Deleted 3 team links closed before 2030-04-17T09:30:00+00:00, "
        "with their records of who joined." in stdout
    )
    assert set(TeamLink.objects.values_list("pk", flat=True)) == kept
    assert TeamLinkJoin.objects.count() == 2
    assert User.objects.filter(pk=member.pk).exists()
