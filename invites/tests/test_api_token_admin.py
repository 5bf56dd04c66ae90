"""API tokens in the admin: the list, issuing one (shown once), revoking, powers."""

from http import HTTPStatus

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from accounts.audit import AuditEvent
from accounts.models import User
from accounts.powers import may_act_on
from accounts.tests.admin_pages import action_data, messages_of
from accounts.tests.factories import (
    GroupFactory,
    StaffFactory,
    SuperuserFactory,
    UserFactory,
    grant,
)
from invites.keys.secrets import secret_digest
from invites.models import ApiToken
from invites.tests.factories import ApiTokenFactory
from invites.tokens.selectors import owners_for_issuer
from invites.tokens.services import token_authenticate

pytestmark = pytest.mark.django_db

ADD = reverse("admin:invites_apitoken_add")
LIST = reverse("admin:invites_apitoken_changelist")


def form(owner, **fields):
    return {"owner": owner.email, "description": "HR sync", "expires_in": "30d", **fields}


def issuer_client(*perms) -> tuple[Client, User]:
    user = grant(StaffFactory(), "invites.add_apitoken", *perms)
    client = Client()
    client.force_login(user)
    return client, user


def token_in(page) -> str:
    text = page.content.decode()
    start = text.index('value="ppl_') + len('value="')
    return text[start : text.index('"', start)]


# --- The list -------------------------------------------------------------------


def test_the_list_shows_owner_description_dates_last_use_and_state(admin_client):
    used = ApiTokenFactory(description="Payroll export", last_used_from="192.0.2.44")
    ApiToken.objects.filter(pk=used.pk).update(last_used_at=used.created_at)
    ApiTokenFactory(description="Old script", revoked=True)

    page = admin_client.get(LIST)

    assert page.status_code == HTTPStatus.OK
    text = page.content.decode()
    assert "Payroll export" in text
    assert "Old script" in text
    assert "192.0.2.44" in text.replace("<wbr>", "")
    assert "revoked" in text
    assert used.token not in text
    assert used.digest not in text


def test_the_list_filters_by_state(admin_client):
    ApiTokenFactory(description="Working one")
    ApiTokenFactory(description="Revoked one", revoked=True)
    text = admin_client.get(LIST, {"state": "revoked"}).content.decode()
    assert "Revoked one" in text
    assert "Working one" not in text


def test_the_list_is_searched_by_the_owner_s_email(admin_client):
    ApiTokenFactory(description="Grace sync", owner=UserFactory(email="grace@example.com"))
    ApiTokenFactory(description="Ada sync", owner=UserFactory(email="ada@example.com"))
    text = admin_client.get(LIST, {"q": "grace@"}).content.decode()
    assert "Grace sync" in text
    assert "Ada sync" not in text


def test_no_filter_may_name_the_digest(admin_client):
    token = ApiTokenFactory()
    page = admin_client.get(LIST, {"digest": secret_digest(token.secret)})
    assert page.status_code != HTTPStatus.OK or token.description not in page.content.decode()


def test_a_token_cannot_be_changed_after_issue(admin_client):
    token = ApiTokenFactory(description="Before")
    url = reverse("admin:invites_apitoken_change", args=[token.pk])
    page = admin_client.get(url)
    assert page.status_code == HTTPStatus.OK
    assert 'name="description"' not in page.content.decode()
    admin_client.post(url, {"description": "After"})
    token.refresh_from_db()
    assert token.description == "Before"


# --- Issuing one ----------------------------------------------------------------


def test_issuing_shows_the_token_once_and_stores_only_its_digest(admin_client):
    owner = UserFactory()
    page = admin_client.post(ADD, form(owner))

    assert page.status_code == HTTPStatus.OK
    assert "no-store" in page.headers["Cache-Control"]
    shown = token_in(page)
    token = ApiToken.objects.get()
    assert token.owner == owner
    assert token.digest == secret_digest(shown.removeprefix("ppl_"))
    assert token_authenticate(presented=shown, address=None) == token
    # Nowhere to read it back: its own page and the list hold neither.
    for url in (LIST, reverse("admin:invites_apitoken_change", args=[token.pk])):
        text = admin_client.get(url).content.decode()
        assert shown not in text
        assert shown.removeprefix("ppl_") not in text


def test_issuing_is_audited_as_the_administrator_via_the_admin(admin_client):
    owner = UserFactory()
    admin_client.post(ADD, form(owner))
    event = AuditEvent.objects.get(action="token.issued")
    assert (event.via, event.target) == ("admin", owner.email)
    assert event.actor == User.objects.get(is_superuser=True).email


def test_an_issuer_with_the_permission_issues_for_someone_within_their_powers():
    client, issuer = issuer_client()
    page = client.post(ADD, form(UserFactory()))
    assert page.status_code == HTTPStatus.OK
    assert ApiToken.objects.get().created_by == issuer


@pytest.mark.parametrize("owner_kind", ["superuser", "more permissions"])
def test_staff_cannot_issue_a_token_for_someone_more_powerful(owner_kind):
    client, _ = issuer_client()
    if owner_kind == "superuser":
        owner = SuperuserFactory()
    else:
        owner = grant(UserFactory(), "accounts.delete_user")
    page = client.post(ADD, form(owner))
    assert page.status_code == HTTPStatus.OK
    assert "has powers beyond yours" in page.content.decode()
    assert not ApiToken.objects.exists()


def test_an_unknown_or_deactivated_owner_is_refused(admin_client):
    page = admin_client.post(ADD, form(UserFactory.build(email="nobody@example.com")))
    assert "No user has this email address." in page.content.decode()
    page = admin_client.post(ADD, form(UserFactory(is_active=False)))
    assert "is deactivated" in page.content.decode()
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("who", ["superuser", "staff with the permission"])
def test_ones_own_token_is_not_issued_here_without_ones_password(who):
    # The account page asks for the password again; the admin's form must not
    # be a way round it for a session left open or taken over.
    if who == "superuser":
        me = SuperuserFactory()
        client = Client()
        client.force_login(me)
    else:
        client, me = issuer_client()
    page = client.post(ADD, form(me))
    assert "Issue your own tokens on your account page" in page.content.decode()
    assert not ApiToken.objects.exists()


def test_staff_without_the_permission_cannot_open_the_add_page():
    client = Client()
    client.force_login(StaffFactory())
    assert client.get(ADD).status_code == HTTPStatus.FORBIDDEN
    assert client.post(ADD, form(UserFactory())).status_code == HTTPStatus.FORBIDDEN
    assert not ApiToken.objects.exists()


def test_a_lifetime_beyond_the_ceiling_is_not_offered(admin_client, settings):
    settings.API_TOKEN_MAX_AGE = 7 * 24 * 3600
    page = admin_client.post(ADD, form(UserFactory(), expires_in="30d"))
    assert "Select a valid choice" in page.content.decode()
    assert not ApiToken.objects.exists()


# --- Revoking -----------------------------------------------------------------


def test_the_revoke_action_revokes_and_says_how_many(admin_client):
    tokens = [ApiTokenFactory(), ApiTokenFactory(revoked=True)]
    page = admin_client.post(LIST, action_data("revoke_api_tokens", tokens), follow=True)
    assert messages_of(page) == [
        "Revoked 1 API token: it no longer works. 1 selected token was already revoked."
    ]
    tokens[0].refresh_from_db()
    assert tokens[0].revoked_at is not None
    assert AuditEvent.objects.get(action="token.revoked").via == "admin"


def test_the_revoke_action_refuses_tokens_of_someone_more_powerful():
    client, _ = issuer_client()
    mine = ApiTokenFactory()
    theirs = ApiTokenFactory(owner=SuperuserFactory())
    page = client.post(LIST, action_data("revoke_api_tokens", [mine, theirs]), follow=True)
    assert "No token was revoked" in messages_of(page)[0]
    assert not ApiToken.objects.filter(revoked_at__isnull=False).exists()


def test_the_revoke_action_needs_the_permission():
    client = Client()
    client.force_login(grant(StaffFactory(), "invites.view_apitoken"))
    token = ApiTokenFactory()
    page = client.get(LIST)
    assert page.status_code == HTTPStatus.OK
    assert "revoke_api_tokens" not in page.content.decode()
    client.post(LIST, action_data("revoke_api_tokens", [token]))
    token.refresh_from_db()
    assert token.revoked_at is None


# --- Whom one may issue for -----------------------------------------------------


def member_of(group) -> User:
    user = UserFactory()
    user.groups.add(group)
    return user


def test_the_owners_offered_are_exactly_those_within_the_issuer_s_powers():
    issuer = grant(StaffFactory(), "invites.add_apitoken", "accounts.view_user")
    strong_group = GroupFactory(name="Deleters")
    strong_group.permissions.add(Permission.objects.get(codename="delete_user"))
    weak_group = GroupFactory(name="Viewers")
    weak_group.permissions.add(Permission.objects.get(codename="view_user"))
    people = {
        "plain": UserFactory(),
        "same permission": grant(UserFactory(), "accounts.view_user"),
        "in a weak group": member_of(weak_group),
        "in a strong group": member_of(strong_group),
        "more permissions": grant(UserFactory(), "accounts.delete_user"),
        "superuser": SuperuserFactory(),
        "deactivated": UserFactory(is_active=False),
    }
    offered = set(owners_for_issuer(issuer=issuer))
    for name, person in people.items():
        expected = person.is_active and may_act_on(actor=issuer, user=person)
        assert (person in offered) == expected, name
    assert {name for name, person in people.items() if person in offered} == {
        "plain",
        "same permission",
        "in a weak group",
    }
    assert set(owners_for_issuer(issuer=SuperuserFactory())) >= {
        people["superuser"],
        people["more permissions"],
    }


def test_the_add_page_offers_owner_description_and_lifetimes_within_the_ceiling(settings):
    settings.API_TOKEN_MAX_AGE = 60 * 24 * 3600
    client, _ = issuer_client()
    text = client.get(ADD).content.decode()
    assert 'name="owner"' in text
    assert 'name="description"' in text
    assert 'value="30d"' in text
    assert 'value="90d"' not in text
    assert "60 days (the longest)" in text
