"""The held-out check of the audit trail, as a test: each path's events, exported and verified.

An administrator deactivates a user in the admin, a CSV is invited, a reset
link issued by command, a sign-in succeeds and one fails; each is an event with
the right actor, via and target; audit_verify passes, then names the event
after one row is edited in the database.
"""

import getpass
import io
import json
from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from accounts.audit import AuditEvent
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def events(**match) -> list[dict]:
    out = io.StringIO()
    call_command("audit_export", stdout=out)
    found = [json.loads(line) for line in out.getvalue().splitlines()]
    return [event for event in found if all(event[key] == value for key, value in match.items())]


def test_every_path_leaves_its_event_with_actor_via_and_target(admin_client, settings, tmp_path):
    settings.SITE_URL = "http://testserver"
    operator = f"command:{getpass.getuser()}"
    leaving = UserFactory(email="leaving@example.com")
    admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "deactivate_users", ACTION_CHECKBOX_NAME: [leaving.pk], "post": "yes"},
    )
    people = tmp_path / "people.csv"
    people.write_text("email,first_name\nnew.one@example.com,New\nnew.two@example.com,Two\n")
    call_command("invite", "--csv", str(people), stdout=io.StringIO(), stderr=io.StringIO())
    UserFactory(email="reset@example.com")
    call_command("reset_link", "reset@example.com", stdout=io.StringIO(), stderr=io.StringIO())
    UserFactory(email="signer@example.com")
    client = Client()
    client.post(reverse("login"), {"username": "signer@example.com", "password": "wrong"})
    client.post(reverse("login"), {"username": "signer@example.com", "password": DEFAULT_PASSWORD})

    assert events(action="user.deactivated", target="leaving@example.com", via="admin")[0][
        "actor"
    ] == ("admin@example.com")
    for email in ("new.one@example.com", "new.two@example.com"):
        (created,) = events(action="user.created", target=email, actor=operator, via="command")
        assert created["detail"]["link"]["purpose"] == "invite", "its invite link, issued with it"
    assert events(action="link.issued", target="reset@example.com", actor=operator)
    assert events(action="sign_in.failed", target="signer@example.com", via="public")
    assert events(action="sign_in.succeeded", target="signer@example.com", via="public")
    text = json.dumps(events())
    assert "password" not in text.replace('"wrong"', "")
    assert "digest" not in text

    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert "holds" in out.getvalue()
    edited = AuditEvent.objects.get(action="link.issued", target="reset@example.com")
    AuditEvent.objects.filter(pk=edited.pk).update(target="someone.else@example.com")
    with pytest.raises(CommandError, match=rf"does not hold at event #{edited.seq}\b"):
        call_command("audit_verify", stdout=io.StringIO())


def test_export_since_a_duration_or_a_time_and_into_a_file(tmp_path, frozen_clock):
    UserFactory(email="old@example.com")
    from accounts.audit import Actor, audit_record

    audit_record(action="user.changed", actor=Actor.system(), target="old@example.com")
    frozen_clock.advance(days=3)
    audit_record(action="user.changed", actor=Actor.system(), target="new@example.com")
    assert [event["target"] for event in events()] == ["old@example.com", "new@example.com"]
    out = io.StringIO()
    call_command("audit_export", "--since", "1d", stdout=out)
    assert [json.loads(line)["target"] for line in out.getvalue().splitlines()] == [
        "new@example.com"
    ]
    since = (frozen_clock.current - timedelta(days=4)).isoformat()
    path = tmp_path / "trail.jsonl"
    call_command("audit_export", "--since", since, "--output", str(path), stderr=io.StringIO())
    assert len(path.read_text().splitlines()) == 2
    with pytest.raises(CommandError, match="exists already"):
        call_command("audit_export", "--output", str(path), stderr=io.StringIO())
    with pytest.raises(CommandError, match="neither a duration"):
        call_command("audit_export", "--since", "last week")


def test_a_purge_keeps_the_rest_verifiable(frozen_clock):
    from accounts.audit import Actor, audit_record

    for number in range(3):
        audit_record(action="user.changed", actor=Actor.system(), detail={"n": number})
    frozen_clock.advance(days=400)
    audit_record(action="user.changed", actor=Actor.system())
    out = io.StringIO()
    call_command("audit_purge", "--older-than", "365d", stdout=out)
    assert "Deleted 3 audit events" in out.getvalue()
    call_command("audit_verify", stdout=io.StringIO())
