"""One's own API tokens on the account page: staff only, issuing one (shown once), revoking."""

from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from accounts.audit import AuditEvent
from accounts.tests.factories import DEFAULT_PASSWORD, StaffFactory, UserFactory
from invites.keys.secrets import secret_digest
from invites.models import ApiToken
from invites.tests.factories import ApiTokenFactory

pytestmark = pytest.mark.django_db

ACCOUNT = reverse("account")
ISSUE = reverse("invites:api_token_issue")


def revoke_url(token) -> str:
    return reverse("invites:api_token_revoke", args=[token.pk])


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def token_in(page) -> str:
    text = page.content.decode()
    start = text.index('value="ppl_') + len('value="')
    return text[start : text.index('"', start)]


def test_staff_see_their_working_tokens_and_the_form_on_their_account_page():
    staff = StaffFactory()
    ApiTokenFactory(owner=staff, description="Mine, working", last_used_from="192.0.2.5")
    ApiTokenFactory(owner=staff, description="Mine, revoked", revoked=True)
    ApiTokenFactory(description="Someone else's")

    text = signed_in(staff).get(ACCOUNT).content.decode()

    assert "API tokens" in text
    assert "Mine, working" in text
    assert "Mine, revoked" not in text
    assert "Someone else" not in text
    assert f'action="{ISSUE}"' in text


def test_people_who_are_not_staff_get_no_token_section_nor_pages():
    person = UserFactory()
    ApiTokenFactory(owner=person, description="Issued by a command")
    client = signed_in(person)

    text = client.get(ACCOUNT).content.decode()
    assert "API tokens" not in text
    assert "Issued by a command" not in text
    assert client.get(ISSUE).status_code == HTTPStatus.FORBIDDEN
    assert client.post(
        ISSUE, {"description": "x", "expires_in": "30d", "password": DEFAULT_PASSWORD}
    ).status_code == (HTTPStatus.FORBIDDEN)
    assert not ApiToken.objects.filter(description="x").exists()


def test_the_token_pages_need_sign_in(client):
    page = client.post(
        ISSUE, {"description": "x", "expires_in": "30d", "password": DEFAULT_PASSWORD}
    )
    assert page.status_code == HTTPStatus.FOUND
    assert "/accounts/login/" in page.headers["Location"]
    assert not ApiToken.objects.exists()


def test_issuing_shows_the_token_once_uncached_and_it_works():
    staff = StaffFactory()
    client = signed_in(staff)

    page = client.post(
        ISSUE,
        {"description": "My laptop's script", "expires_in": "7d", "password": DEFAULT_PASSWORD},
    )

    assert page.status_code == HTTPStatus.OK
    assert "no-store" in page.headers["Cache-Control"]
    shown = token_in(page)
    token = ApiToken.objects.get()
    assert (token.owner, token.created_by, token.created_via) == (staff, staff, "public")
    assert token.digest == secret_digest(shown.removeprefix("ppl_"))
    assert shown not in client.get(ACCOUNT).content.decode()
    event = AuditEvent.objects.get(action="token.issued")
    assert (event.actor, event.via, event.target) == (staff.email, "public", staff.email)


def test_an_invalid_form_shows_its_errors_and_issues_nothing():
    page = signed_in(StaffFactory()).post(
        ISSUE, {"description": "", "expires_in": "30d", "password": DEFAULT_PASSWORD}
    )
    assert page.status_code == HTTPStatus.OK
    assert "This field is required." in page.content.decode()
    assert not ApiToken.objects.exists()


def test_a_fault_inside_issuing_is_not_shown_as_the_persons_mistake(monkeypatch):
    # Only the service's refusals are form errors; any other ValueError is a
    # fault of ours (a 500, logged), its text never shown to the person.
    from invites.tokens import services

    def broken(*args, **kwargs):
        raise ValueError("internal detail")

    monkeypatch.setattr(services, "secret_make", broken)
    with pytest.raises(ValueError, match="internal detail"):
        signed_in(StaffFactory()).post(
            ISSUE, {"description": "x", "expires_in": "30d", "password": DEFAULT_PASSWORD}
        )
    assert not ApiToken.objects.exists()


def test_the_issue_form_is_csrf_protected():
    client = Client(enforce_csrf_checks=True)
    client.force_login(StaffFactory())
    page = client.post(
        ISSUE, {"description": "x", "expires_in": "30d", "password": DEFAULT_PASSWORD}
    )
    assert page.status_code == HTTPStatus.FORBIDDEN
    assert not ApiToken.objects.exists()


def test_staff_revoke_their_own_token():
    staff = StaffFactory()
    token = ApiTokenFactory(owner=staff, description="Old script")

    page = signed_in(staff).post(revoke_url(token), follow=True)

    assert page.redirect_chain[-1][0] == ACCOUNT
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token.revoked_by == staff
    assert "was revoked" in page.content.decode()
    assert AuditEvent.objects.get(action="token.revoked").via == "public"


def test_another_user_s_token_cannot_be_revoked():
    token = ApiTokenFactory(owner=StaffFactory())
    page = signed_in(StaffFactory()).post(revoke_url(token))
    assert page.status_code == HTTPStatus.NOT_FOUND
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoking_takes_post_only():
    staff = StaffFactory()
    token = ApiTokenFactory(owner=staff)
    assert signed_in(staff).get(revoke_url(token)).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    token.refresh_from_db()
    assert token.revoked_at is None


def test_issuing_is_rate_limited_per_account():
    client = signed_in(StaffFactory())
    statuses = [
        client.post(
            ISSUE, {"description": f"n{n}", "expires_in": "7d", "password": DEFAULT_PASSWORD}
        ).status_code
        for n in range(11)
    ]
    assert statuses[:10] == [HTTPStatus.OK] * 10
    assert statuses[10] == HTTPStatus.TOO_MANY_REQUESTS
    assert ApiToken.objects.count() == 10


def test_a_token_takes_ones_password_so_a_taken_over_session_cannot_mint_one():
    staff = StaffFactory()
    client = signed_in(staff)
    for password in ("", "not-my-password"):
        page = client.post(ISSUE, {"description": "x", "expires_in": "30d", "password": password})
        assert page.status_code == HTTPStatus.OK
        assert "ppl_" not in page.content.decode()
    assert not ApiToken.objects.exists()
    assert "not your password" in page.content.decode()
