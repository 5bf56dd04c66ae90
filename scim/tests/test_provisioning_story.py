"""The whole story, as an operator and an identity provider live it, end to end.

A token issued by command; a user created over SCIM, whose answered link
sets their password; found by filter; patched inactive, after which their
password no longer signs them in; the token revoked, after which SCIM says
401; and a staff member's token that cannot reach above its owner.
"""

import io
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from accounts.tests.factories import SuperuserFactory
from invites.keys.models import Via
from invites.models import ApiToken
from invites.tests.test_views import GOOD, submit
from invites.tokens.services import tokens_revoke
from scim.tests.conftest import LINK_EXTENSION, ScimClient, new_user, patch_op, provisioner

pytestmark = pytest.mark.django_db

USERS = "/scim/v2/Users"


def issue_by_command(email: str) -> str:
    stdout = io.StringIO()
    call_command(
        "api_token",
        email,
        "--description",
        "Identity provider",
        stdout=stdout,
        stderr=io.StringIO(),
    )
    return stdout.getvalue().strip()


def test_an_identity_provider_provisions_a_person_from_first_link_to_last_day(settings):
    settings.SITE_URL = "https://people.example.com"
    provisioner(email="idp@example.com", is_superuser=True)
    scim = ScimClient(issue_by_command("idp@example.com"))
    assert scim.token.startswith("ppl_")

    created = scim.post(USERS, new_user("ada@example.com", externalId="00u1"))
    assert created.status_code == HTTPStatus.CREATED
    link = created.json()[LINK_EXTENSION]["setPasswordLink"]

    browser = Client()
    browser.get(urlsplit(link).path)
    assert submit(browser).status_code == HTTPStatus.FOUND
    assert Client().login(email="ada@example.com", password=GOOD)

    found = scim.get(USERS, {"filter": 'userName eq "Ada@Example.com"'}).json()
    assert [each["id"] for each in found["Resources"]] == [created.json()["id"]]

    deactivated = scim.patch(
        f"{USERS}/{created.json()['id']}",
        patch_op({"op": "replace", "path": "active", "value": False}),
    )
    assert deactivated.json()["active"] is False
    assert not Client().login(email="ada@example.com", password=GOOD)

    tokens_revoke(tokens=[ApiToken.objects.get()], by=None, via=Via.COMMAND)
    assert scim.get(USERS).status_code == HTTPStatus.UNAUTHORIZED


def test_a_staff_members_token_reaches_no_higher_than_its_owner():
    provisioner(email="helpdesk@example.com")
    scim = ScimClient(issue_by_command("helpdesk@example.com"))
    boss = SuperuserFactory(email="boss@example.com")

    # Nothing SCIM carries makes a superuser or staff: such attributes are not
    # the service's, and are dropped.
    created = scim.post(
        USERS,
        new_user("new@example.com", isSuperuser=True, is_staff=True, roles=[{"value": "admin"}]),
    )
    assert created.status_code == HTTPStatus.CREATED
    user = User.objects.get(email="new@example.com")
    assert (user.is_superuser, user.is_staff) == (False, False)
    assert user.get_all_permissions() == set()

    refused = scim.patch(
        f"{USERS}/{boss.pk}", patch_op({"op": "replace", "path": "active", "value": False})
    )
    assert refused.status_code == HTTPStatus.FORBIDDEN
    boss.refresh_from_db()
    assert boss.is_active
