"""Below the commands: input checks, their services, bulk SQL, CSV output, durations."""

import os
import stat
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.hashers import check_password, is_password_usable
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import sql as bulk
from accounts.models import User
from accounts.sql import in_values, rows_insert
from accounts.tests.factories import GroupFactory, InvitedUserFactory, UserFactory
from invites.batch.csv_input import InputInvalid, rows_check, rows_from_arguments, rows_from_csv
from invites.batch.csv_output import (
    OutputRefused,
    cell_escape,
    links_csv,
    output_path_check,
    private_file_write,
)
from invites.batch.invitations import (
    EmailsRefused,
    SkipReason,
    invite_plan,
    reset_links_issue,
    unusable_password,
    users_invite,
)
from invites.keys.durations import duration_parse
from invites.links.services import link_issue
from invites.models import Link


def csv_rows(text: str):
    rows, problems = rows_from_csv(text.encode(), name="people.csv")
    return rows, messages(problems)


def messages(problems):
    return [problem.message for problem in problems]


# --- unusable_password --------------------------------------------------------


def test_unusable_password_is_recognised_as_unusable_by_django():
    password = unusable_password()
    assert not is_password_usable(password)
    assert not User(password=password).has_usable_password()


def test_unusable_password_matches_no_password_not_even_itself():
    password = unusable_password()
    assert not check_password("", password)
    assert not check_password(password, password)
    assert not check_password(password[1:], password)


def test_unusable_passwords_are_random_and_fit_the_field():
    passwords = {unusable_password() for _ in range(1000)}
    assert len(passwords) == 1000
    assert all(
        len(password) <= User._meta.get_field("password").max_length for password in passwords
    )
    # As long as Django's own: 40 random characters after the prefix.
    assert {len(password) for password in passwords} == {41}


# --- durations ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90m", timedelta(minutes=90)),
        ("36h", timedelta(hours=36)),
        ("7d", timedelta(days=7)),
        (" 7D ", timedelta(days=7)),
        ("1m", timedelta(minutes=1)),
    ],
)
def test_duration_parse_reads_minutes_hours_and_days(text, expected):
    assert duration_parse(text) == expected


@pytest.mark.parametrize("text", ["", "7", "d", "7w", "-5d", "1.5h", "7 days", "abc", "7d7h"])
def test_duration_parse_rejects_garbage_saying_what_it_expects(text):
    with pytest.raises(ValueError, match=r"whole number followed by m \(minutes\), h"):
        duration_parse(text)


def test_duration_parse_rejects_zero():
    with pytest.raises(ValueError, match="above zero"):
        duration_parse("0d")


def test_duration_parse_rejects_more_than_a_century():
    with pytest.raises(ValueError, match="too long"):
        duration_parse("36501d")


# --- reading the CSV ----------------------------------------------------------


def test_csv_rows_carry_their_fields_and_line_numbers():
    rows, problems = csv_rows(
        "email,first_name,last_name,groups\n"
        "ada@example.com,Ada,Lovelace,Staff; Sales;;Staff\n"
        "\n"
        "bob@EXAMPLE.COM,,,\n"
    )
    assert problems == []
    assert [(row.number, row.email) for row in rows] == [
        (2, "ada@example.com"),
        (4, "bob@example.com"),  # the domain's case is normalised, as create_user does
    ]
    assert rows[0].first_name == "Ada"
    assert rows[0].last_name == "Lovelace"
    assert rows[0].groups == ("Staff", "Sales")
    assert rows[1].groups == ()
    assert rows[0].where == "line 2"


def test_csv_line_numbers_count_lines_of_the_file_not_records():
    rows, _ = csv_rows('email,first_name\n"ada@example.com","Ada\nsecond line"\nbob@example.com,\n')
    assert [row.number for row in rows] == [2, 4]


def test_csv_header_is_case_and_space_insensitive_and_columns_may_come_in_any_order():
    rows, _ = csv_rows(" Groups , EMAIL \nStaff,ada@example.com\n")
    assert rows[0].email == "ada@example.com"
    assert rows[0].groups == ("Staff",)


def test_csv_with_a_byte_order_mark_reads_the_header():
    rows, problems = rows_from_csv(b"\xef\xbb\xbfemail\nada@example.com\n", name="people.csv")
    assert problems == []
    assert rows[0].email == "ada@example.com"


def test_csv_given_as_text_with_a_byte_order_mark_reads_the_header():
    rows, _ = rows_from_csv("\ufeffemail\nada@example.com\n", name="-")
    assert rows[0].email == "ada@example.com"


def test_csv_unknown_column_is_named():
    with pytest.raises(InputInvalid) as raised:
        csv_rows("email,phone\nada@example.com,123\n")
    assert messages(raised.value.problems) == [
        "line 1: unknown column 'phone'; the columns can be email, first_name, last_name, groups."
    ]


def test_csv_without_email_column_is_refused():
    with pytest.raises(InputInvalid, match="there is no 'email' column"):
        csv_rows("first_name\nAda\n")


def test_csv_with_a_repeated_column_is_refused():
    with pytest.raises(InputInvalid, match="the column 'email' appears twice"):
        csv_rows("email,Email\nada@example.com,b@example.com\n")


def test_csv_with_a_nameless_column_is_refused():
    with pytest.raises(InputInvalid, match="column 2 has no name"):
        csv_rows("email,\nada@example.com,x\n")


def test_empty_csv_is_refused_for_lack_of_a_header():
    with pytest.raises(InputInvalid, match=r"people\.csv has no header"):
        csv_rows("")


def test_csv_row_with_more_values_than_columns_is_a_problem_of_its_line():
    rows, problems = csv_rows("email,first_name\nada@example.com,Ada,extra\nbob@example.com\n")
    assert problems == ["line 2: 3 values, but the header names 2 columns."]
    assert [row.email for row in rows] == ["bob@example.com"]


def test_csv_that_is_not_utf8_names_the_line():
    with pytest.raises(InputInvalid) as raised:
        rows_from_csv("email\nada@example.com\nbjörn@example.com\n".encode("latin-1"), name="p.csv")
    assert messages(raised.value.problems) == [
        "line 3: p.csv is not UTF-8 text (byte 0xf6). Save it as 'CSV UTF-8' and run the "
        "command again."
    ]


def test_csv_with_an_unclosed_quote_is_refused():
    with pytest.raises(InputInvalid, match="not valid CSV"):
        csv_rows('email\n"ada@example.com\n')


# --- checking rows ------------------------------------------------------------


def test_rows_check_names_every_bad_row_with_all_its_problems():
    rows, _ = csv_rows(
        "email,first_name,groups\n"
        "ok@example.com,Ok,Staff\n"
        "not-an-email,,\n"
        ",Nobody,\n"
        "OK@example.com,Again,\n"
        "fine@example.com,,Staff;Nope;Neither\n"
        f"long@example.com,{'x' * 151},\n"
        f"{'x' * 250}@example.com,,\n"
    )
    problems = rows_check(rows, known_groups={"Staff"})
    assert messages(problems) == [
        "line 3: 'not-an-email' is not a valid email address.",
        "line 4: the email address is empty.",
        "line 5: OK@example.com was already given on line 2 (case does not matter).",
        "line 6: no group is named 'Nope', 'Neither'.",
        "line 7: the first name is longer than 150 characters.",
        "line 8: the email address is longer than 254 characters.",
    ]


def test_rows_check_reports_arguments_by_position():
    rows = rows_from_arguments(["ada@example.com", "nope", "ADA@example.com"])
    assert messages(rows_check(rows, known_groups=set())) == [
        "argument 2: 'nope' is not a valid email address.",
        "argument 3: ADA@example.com was already given on argument 1 (case does not matter).",
    ]


def test_rows_check_accepts_good_rows():
    rows, _ = csv_rows("email,groups\nada@example.com,Staff\nbob@example.com,\n")
    assert rows_check(rows, known_groups={"Staff"}) == []


# --- CSV output ---------------------------------------------------------------


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_cell_escape_defuses_what_a_spreadsheet_would_run(start):
    assert cell_escape(f"{start}cmd|' /C calc'!A0") == f"'{start}cmd|' /C calc'!A0"


def test_cell_escape_leaves_ordinary_cells_alone():
    assert cell_escape("ada@example.com") == "ada@example.com"
    assert cell_escape("http://testserver/x") == "http://testserver/x"


def test_links_csv_has_a_header_and_utc_times_with_their_offset(settings):
    settings.TIME_ZONE = "Europe/Paris"
    paris = datetime(2030, 5, 17, 11, 30, 15, 123456).astimezone(UTC)
    text = links_csv([("-x@example.com", "S" * 32, paris)])
    assert text.splitlines() == [
        "email,link,expires_at",
        f"'-x@example.com,http://testserver/set-password/{'S' * 32}/,"
        f"{paris.isoformat(timespec='seconds')}",
    ]
    assert text.splitlines()[1].endswith("+00:00")


def test_private_file_write_creates_a_file_only_its_owner_can_read(tmp_path):
    path = tmp_path / "links.csv"
    private_file_write(path, "email,link,expires_at\n", overwrite=False)
    assert path.read_text() == "email,link,expires_at\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert os.listdir(tmp_path) == ["links.csv"]


def test_private_file_write_does_not_replace_a_file_without_overwrite(tmp_path):
    path = tmp_path / "links.csv"
    path.write_text("precious")
    with pytest.raises(OutputRefused, match="appeared while the links were being made"):
        private_file_write(path, "new", overwrite=False)
    assert path.read_text() == "precious"
    assert os.listdir(tmp_path) == ["links.csv"]  # no temporary file left behind


def test_private_file_write_replaces_with_overwrite_and_makes_it_private(tmp_path):
    path = tmp_path / "links.csv"
    path.write_text("old")
    path.chmod(0o644)
    private_file_write(path, "new", overwrite=True)
    assert path.read_text() == "new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_output_path_check_refuses_what_could_not_be_written(tmp_path):
    (tmp_path / "taken.csv").write_text("x")
    with pytest.raises(OutputRefused, match="already exists"):
        output_path_check(str(tmp_path / "taken.csv"), force=False)
    with pytest.raises(OutputRefused, match="does not exist"):
        output_path_check(str(tmp_path / "missing" / "out.csv"), force=True)
    with pytest.raises(OutputRefused, match="is a directory"):
        output_path_check(str(tmp_path), force=True)
    assert output_path_check(str(tmp_path / "taken.csv"), force=True) == tmp_path / "taken.csv"


# --- planning and writing -----------------------------------------------------


@pytest.mark.django_db
def test_invite_plan_sorts_rows_by_what_their_users_need(fixed_clock):
    with_password = UserFactory(email="has@example.com")
    open_invite = InvitedUserFactory(email="open@example.com")
    link_issue(user=open_invite, issuer=None, via=Link.Via.COMMAND)
    stale = InvitedUserFactory(email="stale@example.com")
    stale_link = link_issue(user=stale, issuer=None, via=Link.Via.COMMAND).link
    Link.objects.filter(pk=stale_link.pk).update(
        expires_at=fixed_clock.current - timedelta(seconds=1)
    )
    InvitedUserFactory(email="gone@example.com", is_active=False)
    rows = rows_from_arguments(
        [
            "new@example.com",
            "HAS@example.com",
            "open@EXAMPLE.com",
            "stale@example.com",
            "gone@example.com",
        ]
    )

    plan = invite_plan(rows, reissue=False)

    assert [(row.email, user_id) for row, user_id in plan.to_issue] == [
        ("new@example.com", None),
        ("stale@example.com", stale.pk),
    ]
    assert [(row.email, reason) for row, reason in plan.skipped] == [
        ("HAS@example.com", SkipReason.HAS_PASSWORD),
        ("open@example.com", SkipReason.OPEN_LINK),
        ("gone@example.com", SkipReason.DEACTIVATED),
    ]
    assert with_password.has_usable_password()


@pytest.mark.django_db
def test_invite_plan_with_reissue_issues_for_users_with_an_open_invite():
    user = InvitedUserFactory(email="open@example.com")
    link_issue(user=user, issuer=None, via=Link.Via.COMMAND)
    plan = invite_plan(rows_from_arguments(["Open@Example.com"]), reissue=True)
    assert [user_id for _row, user_id in plan.to_issue] == [user.pk]
    assert plan.skipped == []


@pytest.mark.django_db
def test_users_invite_creates_users_without_usable_password_and_working_links(fixed_clock):
    staff, sales = GroupFactory(name="Staff"), GroupFactory(name="Sales")
    rows, _ = csv_rows(
        "email,first_name,last_name,groups\nada@example.com,Ada,Lovelace,Staff\nbob@example.com,,,\n"
    )

    invitation = users_invite(rows=rows, groups=["Sales"], max_age=timedelta(days=3))

    ada = User.objects.get(email="ada@example.com")
    assert (ada.first_name, ada.last_name) == ("Ada", "Lovelace")
    assert not ada.has_usable_password()
    assert ada.is_active
    assert not ada.is_staff
    assert not ada.is_superuser
    assert ada.date_joined == fixed_clock.current
    assert set(ada.groups.all()) == {staff, sales}
    assert set(User.objects.get(email="bob@example.com").groups.all()) == {sales}
    assert [
        (row.email, row in invitation.plan.new, link.expires_at) for row, link in invitation.links
    ] == [
        ("ada@example.com", True, fixed_clock.current + timedelta(days=3)),
        ("bob@example.com", True, fixed_clock.current + timedelta(days=3)),
    ]
    link = Link.open_by_secret(invitation.links[0][1].secret)
    assert link.user == ada
    assert link.purpose == Link.Purpose.INVITE
    assert link.created_via == Link.Via.COMMAND
    assert link.created_by is None
    assert link.created_at == fixed_clock.current
    assert link.revoke_reason == ""


@pytest.mark.django_db
def test_users_invite_superuser_is_staff_too():
    users_invite(
        rows=rows_from_arguments(["root@example.com"]),
        is_superuser=True,
        max_age=timedelta(days=1),
    )
    root = User.objects.get(email="root@example.com")
    assert root.is_superuser
    assert root.is_staff


@pytest.mark.django_db
def test_users_invite_revokes_the_older_links_of_existing_users(fixed_clock):
    user = InvitedUserFactory(email="open@example.com", first_name="Kept")
    old = link_issue(user=user, issuer=None, via=Link.Via.COMMAND)

    invitation = users_invite(
        rows=rows_from_arguments(["open@example.com"], first_name="Changed"),
        reissue=True,
        is_staff=True,
        max_age=timedelta(days=1),
    )

    old.link.refresh_from_db()
    assert old.link.revoked_at == fixed_clock.current
    assert old.link.revoke_reason == Link.RevokeReason.SUPERSEDED
    [(row, new)] = invitation.links
    assert Link.open_by_secret(new.secret).user == user
    assert row not in invitation.plan.new
    user.refresh_from_db()
    assert user.first_name == "Kept"
    assert not user.is_staff
    assert Link.objects.filter(user=user).open().count() == 1


@pytest.mark.django_db
def test_users_invite_takes_as_many_queries_for_1000_rows_as_for_10():
    GroupFactory(name="Staff")

    def queries(count: int, prefix: str) -> int:
        rows, _ = csv_rows(
            "email,groups\n" + "".join(f"{prefix}{n}@example.com,Staff\n" for n in range(count))
        )
        with CaptureQueriesContext(connection) as captured:
            users_invite(rows=rows, reissue=True, max_age=timedelta(days=1))
        return len(captured)

    assert queries(10, "a") == queries(1000, "b")
    assert User.objects.count() == 1010
    # Again for existing users, whose links are revoked and reissued.
    assert queries(10, "a") == queries(1000, "b")
    assert Link.objects.open().count() == 1010


@pytest.mark.django_db
def test_users_invite_names_every_problem_of_the_input_and_writes_nothing():
    rows = rows_from_arguments(["ada@example.com", "nope", "ADA@example.com"])
    with pytest.raises(InputInvalid) as raised:
        users_invite(rows=rows, groups=["Nope"], max_age=timedelta(days=1))
    assert messages(raised.value.problems) == [
        "--group: no group is named 'Nope'.",
        "argument 2: 'nope' is not a valid email address.",
        "argument 3: ADA@example.com was already given on argument 1 (case does not matter).",
    ]
    assert not User.objects.exists()


@pytest.mark.django_db
def test_users_invite_hands_out_the_links_inside_its_transaction():
    def deliver(links):
        assert [email for email, _secret, _expires_at in links] == ["ada@example.com"]
        assert User.objects.filter(email="ada@example.com").exists()
        raise OSError("the disk is full")

    with pytest.raises(OSError, match="disk is full"):
        users_invite(rows=rows_from_arguments(["ada@example.com"]), deliver=deliver)
    assert not User.objects.exists()
    assert not Link.objects.exists()


@pytest.mark.django_db
def test_users_invite_dry_run_plans_and_writes_nothing():
    invitation = users_invite(rows=rows_from_arguments(["ada@example.com"]), dry_run=True)
    assert (invitation.created, invitation.issued, invitation.links) == (1, 1, [])
    assert not User.objects.exists()


# --- reset links by email -----------------------------------------------------


@pytest.mark.django_db
def test_reset_links_issue_names_unknown_and_deactivated_emails_in_order_and_keeps_no_link():
    UserFactory(email="ada@example.com")
    UserFactory(email="gone@example.com", is_active=False)
    delivered = []
    with pytest.raises(EmailsRefused) as raised:
        reset_links_issue(
            emails=["ada@example.com", "nobody@example.com", "Gone@example.com"],
            deliver=delivered.append,
        )
    assert raised.value.refusals == [
        ("nobody@example.com", EmailsRefused.Reason.UNKNOWN),
        ("Gone@example.com", EmailsRefused.Reason.DEACTIVATED),
    ]
    assert delivered == []
    assert not Link.objects.exists()


@pytest.mark.django_db
def test_reset_links_issue_keeps_no_link_when_one_email_is_unknown():
    UserFactory(email="ada@example.com")
    with pytest.raises(EmailsRefused):
        reset_links_issue(emails=["ada@example.com", "nobody@example.com"])
    assert not Link.objects.exists()


# --- one statement for many rows ----------------------------------------------


@pytest.mark.django_db
def test_rows_insert_refuses_constants_for_fields_that_do_not_exist():
    with pytest.raises(TypeError, match="no fields colour"):
        rows_insert(User.groups.through, ("user", "group"), [], colour="red")


@pytest.mark.django_db
def test_rows_insert_returns_the_new_rows_and_fills_the_other_fields():
    group = GroupFactory()
    returned = rows_insert(
        User,
        ("email", "email_key", "password"),
        [
            ("ada@example.com", "ada@example.com", "!x"),
            ("bob@example.com", "bob@example.com", "!y"),
        ],
        returning=("email", "id"),
        is_active=True,
    )
    assert dict(returned) == dict(User.objects.values_list("email", "pk"))
    rows_insert(User.groups.through, ("user", "group"), [(pk, group.pk) for _email, pk in returned])
    bob = User.objects.get(email="bob@example.com")
    assert (bob.first_name, bob.is_active, bob.is_staff, list(bob.groups.all())) == (
        "",
        True,
        False,
        [group],
    )


@pytest.mark.django_db
def test_in_values_takes_more_values_than_a_query_may_have_parameters():
    users = [UserFactory(email=f"p{n}@example.com") for n in range(3)]
    ids = [user.pk for user in users] + list(range(10**6, 10**6 + 40_000))
    assert User.objects.filter(pk__in=in_values(ids)).count() == 3
    emails = in_values(["P1@Example.com", "nobody@example.com"], lower=True)
    assert list(User.objects.by_emails(emails)) == [users[1]]


@pytest.mark.django_db
def test_rows_insert_sends_a_statement_per_batch_of_rows_and_returns_every_row(monkeypatch):
    monkeypatch.setattr(bulk, "ROWS_PER_STATEMENT", 2)
    emails = [f"p{n}@example.com" for n in range(5)]
    with CaptureQueriesContext(connection) as captured:
        returned = rows_insert(
            User,
            ("email", "email_key"),
            ((email, email) for email in emails),
            returning=("email",),
            password="!",
        )
    assert sorted(email for (email,) in returned) == emails
    assert len(captured) == 3
    assert User.objects.count() == 5
