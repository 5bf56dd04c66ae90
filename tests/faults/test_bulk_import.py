"""A bulk import (invite --csv) that fails part-way writes nothing."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import DatabaseError

from accounts.models import User
from accounts.tests.factories import GroupFactory, InvitedUserFactory
from invites.batch import csv_output
from invites.links import services as link_services
from invites.links.services import link_issue
from invites.models import Link

pytestmark = pytest.mark.django_db(transaction=True)

PEOPLE = 50


def _snapshot() -> tuple:
    return (
        sorted(User.objects.values_list("email", "password")),
        sorted(Link.objects.values_list("pk", "used_at", "revoked_at")),
        sorted(User.groups.through.objects.values_list("user_id", "group_id")),
    )


@pytest.fixture
def people_csv(tmp_path):
    GroupFactory(name="staff-room")
    # Someone already invited: their open link must survive a failed --reissue.
    link_issue(user=InvitedUserFactory(email="person7@example.com"), issuer=None, via="command")
    path = tmp_path / "people.csv"
    lines = ["email,first_name,last_name,groups"]
    lines += [f"person{n}@example.com,First{n},Last{n},staff-room" for n in range(PEOPLE)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _invite(*args):
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("invite", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def test_a_database_failure_while_inserting_the_links_writes_nothing(people_csv, monkeypatch):
    before = _snapshot()
    real_insert = link_services.rows_insert
    reached = []

    def insert_then_fail(model, *args, **kwargs):
        if model is Link:
            # Users and memberships are in by now, within the transaction.
            reached.append(User.objects.filter(email__startswith="person").count())
            raise DatabaseError("injected: the disk is full")
        return real_insert(model, *args, **kwargs)

    # The one place links are inserted.
    monkeypatch.setattr(link_services, "rows_insert", insert_then_fail)
    stdout = io.StringIO()
    with pytest.raises(DatabaseError, match="injected"):
        call_command("invite", "--csv", str(people_csv), "--reissue", stdout=stdout)

    assert reached == [PEOPLE]
    assert _snapshot() == before
    assert stdout.getvalue() == ""


def test_a_failure_while_writing_the_output_file_writes_nothing(people_csv, monkeypatch, tmp_path):
    before = _snapshot()
    output = tmp_path / "links.csv"

    def fail(path, content, *, overwrite):
        assert content.count("\n") == 1 + PEOPLE - 1  # the links were made (person7 skipped)
        raise OSError(28, "No space left on device (injected)")

    monkeypatch.setattr(csv_output, "private_file_write", fail)
    with pytest.raises(OSError, match="injected"):
        _invite("--csv", str(people_csv), "--output", str(output))

    assert _snapshot() == before
    assert not output.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["people.csv"]


def test_the_same_import_succeeds_once_nothing_fails(people_csv):
    stdout, _stderr = _invite("--csv", str(people_csv))

    lines = stdout.splitlines()
    assert lines[0] == "email,link,expires_at"
    # person7 already had an open invite: skipped and reported, not reissued.
    assert len(lines) == 1 + PEOPLE - 1
    assert Group.objects.get(name="staff-room").user_set.count() == PEOPLE - 1
