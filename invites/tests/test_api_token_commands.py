"""manage.py api_token: the token once on standard output, everything else on standard error."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command

from accounts.audit import AuditEvent
from accounts.tests.factories import UserFactory
from invites.keys.secrets import secret_digest
from invites.models import ApiToken

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("api_token", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def test_standard_output_is_exactly_the_token_and_a_newline(frozen_clock):
    owner = UserFactory(email="grace@example.com")

    out, err = run("Grace@Example.com", "--description", "HR sync", "--expires-in", "30d")

    assert out.endswith("\n")
    assert out.count("\n") == 1
    shown = out.rstrip("\n")
    token = ApiToken.objects.get()
    assert shown.startswith("ppl_")
    assert token.digest == secret_digest(shown.removeprefix("ppl_"))
    assert (token.owner, token.created_by, token.created_via) == (owner, None, "command")
    assert token.expires_at == frozen_clock.current + timedelta(days=30)
    assert "grace@example.com" in err
    assert shown not in err


def test_the_default_lifetime_is_api_token_max_age(settings, frozen_clock):
    settings.API_TOKEN_MAX_AGE = 3600
    run(UserFactory().email, "--description", "x")
    assert ApiToken.objects.get().expires_at == frozen_clock.current + timedelta(hours=1)


def test_issuing_is_audited_as_the_command():
    run(UserFactory().email, "--description", "x")
    event = AuditEvent.objects.get(action="token.issued")
    assert event.actor.startswith("command:")
    assert event.via == "command"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody@example.com", "--description", "x"], "No user has the email address"),
        (["{inactive}", "--description", "x"], "is deactivated"),
        (["{active}", "--description", "  "], "--description: say what the token is for"),
        (["{active}", "--description", "x", "--expires-in", "soon"], "is not a duration"),
        (["{active}", "--description", "x", "--expires-in", "400d"], "API_TOKEN_MAX_AGE"),
    ],
    ids=["unknown email", "deactivated", "empty description", "bad duration", "too long"],
)
def test_refusals_are_command_errors_and_write_nothing(args, message):
    emails = {"inactive": UserFactory(is_active=False).email, "active": UserFactory().email}
    args = [arg.format(**emails) for arg in args]
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.filter(action="token.issued").exists()
