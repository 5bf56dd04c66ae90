"""Users over SCIM, as an identity provider drives them and as an attacker would try."""

from http import HTTPStatus
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from accounts.audit import AuditEvent
from accounts.models import User
from accounts.tests.factories import (
    DEFAULT_PASSWORD,
    InvitedUserFactory,
    SuperuserFactory,
    UserFactory,
)
from invites.keys.models import Via
from invites.keys.secrets import secret_digest
from invites.links.services import link_issue
from invites.models import ApiToken, Link
from invites.tests.factories import ApiTokenFactory, secret_of
from invites.tests.test_views import GOOD, submit
from scim import services
from scim.tests.conftest import (
    LINK_EXTENSION,
    SCIM_JSON,
    ScimClient,
    new_user,
    patch_op,
    provisioner,
)

pytestmark = pytest.mark.django_db

USERS = "/scim/v2/Users"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://people.example.com"


def created(scim, **attributes):
    response = scim.post(USERS, new_user(**attributes))
    assert response.status_code == HTTPStatus.CREATED, response.content
    return response.json()


def test_creating_a_user_answers_their_set_password_link_once(scim, token):
    body = created(scim)
    user = User.objects.get(pk=body["id"])
    assert not user.has_usable_password()
    link = body[LINK_EXTENSION]["setPasswordLink"]
    assert link.startswith("https://people.example.com/set-password/")
    stored = Link.objects.get(user=user)
    assert stored.digest == secret_digest(secret_of(link))
    assert stored.created_by == token.owner
    assert stored.created_via == "api"
    # Never read back: not on the user, not in a list.
    assert LINK_EXTENSION not in scim.get(f"{USERS}/{user.pk}").json()
    assert LINK_EXTENSION not in str(scim.get(USERS).json())


def test_the_answered_link_sets_the_password_and_the_person_signs_in(scim):
    body = created(scim)
    browser = Client()
    path = urlsplit(body[LINK_EXTENSION]["setPasswordLink"]).path
    assert browser.get(path).status_code == HTTPStatus.FOUND
    assert submit(browser).status_code == HTTPStatus.FOUND
    assert Client().login(email="ada@example.com", password=GOOD)


def test_creating_answers_the_resource_with_its_location(scim):
    response = scim.post(USERS, new_user(externalId="E-17", active=True))
    body = response.json()
    assert response["Content-Type"] == SCIM_JSON
    assert response["Location"] == f"http://testserver/scim/v2/Users/{body['id']}"
    assert body["userName"] == "ada@example.com"
    assert body["name"] == {"givenName": "Ada", "familyName": "Lovelace"}
    assert body["externalId"] == "E-17"
    assert body["emails"] == [{"value": "ada@example.com", "type": "work", "primary": True}]


def test_an_address_spelt_otherwise_is_the_same_account(scim):
    UserFactory(email="ada@example.com")
    response = scim.post(USERS, new_user("ADA@Example.COM"))
    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json()["scimType"] == "uniqueness"
    assert User.objects.count() == 2  # the owner and Ada, once


@pytest.mark.parametrize(
    ("payload", "scim_type"),
    [
        (new_user("not an address"), "invalidValue"),
        (new_user(name={"givenName": "x" * 151}), "invalidValue"),
        ({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}, "invalidValue"),
        ("{not json", "invalidSyntax"),
        ("[1, 2]", "invalidSyntax"),
    ],
)
def test_bad_input_is_a_scim_error_and_writes_nothing(scim, payload, scim_type):
    before = User.objects.count(), Link.objects.count(), AuditEvent.objects.count()
    response = scim.post(USERS, payload)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["scimType"] == scim_type
    assert response.json()["detail"]
    assert (User.objects.count(), Link.objects.count(), AuditEvent.objects.count()) == before


def test_two_creations_at_the_same_moment_make_one_account(scim, monkeypatch):
    created(scim)
    # The second request passed its check before the first one's row existed.
    monkeypatch.setattr(services, "_ensure_unique", lambda *args, **kwargs: None)
    response = scim.post(USERS, new_user())
    assert response.status_code == HTTPStatus.CONFLICT
    assert User.objects.filter(email="ada@example.com").count() == 1
    assert Link.objects.count() == 1


def test_a_user_created_inactive_gets_no_link(scim):
    body = created(scim, active=False)
    assert LINK_EXTENSION not in body
    assert not Link.objects.exists()


def test_a_new_link_revokes_the_older_one(scim):
    body = created(scim)
    first = body[LINK_EXTENSION]["setPasswordLink"]
    response = scim.post(f"{USERS}/{body['id']}/set-password-link")
    assert response.status_code == HTTPStatus.CREATED
    second = response.json()[LINK_EXTENSION]["setPasswordLink"]
    assert second != first
    assert Link.objects.get(digest=secret_digest(secret_of(first))).revoked_at is not None
    assert Link.objects.open().get().digest == secret_digest(secret_of(second))


def test_finding_a_user_by_filter_matches_as_sign_in_does(scim):
    created(scim)
    UserFactory(email="grace@example.com", external_id="E-2")
    for text in ('userName eq "ADA@example.com"', 'userName eq " ada@example.com"'):
        body = scim.get(USERS, {"filter": text}).json()
        assert [each["userName"] for each in body["Resources"]] == ["ada@example.com"], text
    body = scim.get(USERS, {"filter": 'externalId eq "E-2"'}).json()
    assert [each["userName"] for each in body["Resources"]] == ["grace@example.com"]
    body = scim.get(USERS, {"filter": 'name.givenName sw "ad" and active eq true'}).json()
    assert body["totalResults"] == 1


@pytest.mark.parametrize(
    "text", ['nickName eq "x"', 'userName eq "a" and (', "active eq 1", 'meta.created gt "soon"']
)
def test_a_filter_the_service_cannot_run_is_an_invalid_filter(scim, text):
    response = scim.get(USERS, {"filter": text})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["scimType"] == "invalidFilter"


def test_lists_come_in_pages(scim, owner):
    UserFactory.create_batch(5)
    body = scim.get(USERS, {"startIndex": 3, "count": 2}).json()
    assert (body["totalResults"], body["startIndex"], body["itemsPerPage"]) == (6, 3, 2)
    ids = [int(each["id"]) for each in body["Resources"]]
    assert ids == sorted(User.objects.values_list("pk", flat=True))[2:4]
    assert scim.get(USERS, {"count": 0}).json()["Resources"] == []
    assert scim.get(USERS, {"count": "many"}).status_code == HTTPStatus.BAD_REQUEST


@pytest.mark.parametrize("start", ["7", "99999999999999999999999"])
def test_a_page_past_the_end_is_empty_however_far(scim, owner, start):
    # An offset past a 64-bit integer once reached the database: a 409 on
    # SQLite, a 503 "out of reach" on PostgreSQL.
    UserFactory.create_batch(5)
    response = scim.get(USERS, {"startIndex": start, "count": 2})
    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert (body["totalResults"], body["itemsPerPage"]) == (6, 0)
    assert body.get("Resources", []) == []


def test_attributes_choose_what_comes_back(scim):
    created(scim)
    body = scim.get(USERS, {"attributes": "userName", "filter": 'userName eq "ada@example.com"'})
    assert set(body.json()["Resources"][0]) == {"schemas", "id", "userName"}


def test_replacing_a_user_changes_names_and_email_and_kills_the_old_link(scim):
    body = created(scim)
    response = scim.put(
        f"{USERS}/{body['id']}",
        new_user("ada.lovelace@example.com", name={"givenName": "Augusta"}),
    )
    assert response.status_code == HTTPStatus.OK, response.content
    user = User.objects.get(pk=body["id"])
    assert (user.email, user.first_name, user.last_name) == (
        "ada.lovelace@example.com",
        "Augusta",
        "",
    )
    assert not Link.objects.open().exists()
    event = AuditEvent.objects.filter(action="user.changed").get()
    assert event.detail == {"fields": ["email", "first_name", "last_name"]}


def test_patching_inactive_ends_sign_in_sessions_links_and_tokens(scim, owner):
    person = UserFactory(email="grace@example.com")
    their_token = ApiTokenFactory(owner=person)
    reset = link_issue(user=person, issuer=None, via=Via.COMMAND)
    browser = Client()
    assert browser.login(email="grace@example.com", password=DEFAULT_PASSWORD)
    response = scim.patch(
        f"{USERS}/{person.pk}", patch_op({"op": "replace", "path": "active", "value": False})
    )
    assert response.status_code == HTTPStatus.OK, response.content
    assert response.json()["active"] is False
    person.refresh_from_db()
    assert not person.is_active
    assert browser.get("/accounts/").status_code == HTTPStatus.FOUND  # signed out
    assert not Client().login(email="grace@example.com", password=DEFAULT_PASSWORD)
    assert ApiToken.objects.get(pk=their_token.pk).revoked_at is not None
    assert Link.objects.get(pk=reset.link_id).revoked_at is not None
    event = AuditEvent.objects.get(action="user.deactivated")
    assert (event.actor, event.via, event.target) == (
        f"token:{scim_token_id(scim)}",
        "api",
        "grace@example.com",
    )


def scim_token_id(scim) -> int:
    return ApiToken.objects.get(digest=secret_digest(scim.token.removeprefix("ppl_"))).pk


def test_removing_active_is_refused(scim):
    body = created(scim)
    response = scim.patch(f"{USERS}/{body['id']}", patch_op({"op": "remove", "path": "active"}))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["scimType"] == "mutability"
    assert User.objects.get(pk=body["id"]).is_active


def test_a_token_cannot_deactivate_or_delete_its_own_owner(scim, owner):
    response = scim.patch(
        f"{USERS}/{owner.pk}", patch_op({"op": "replace", "value": {"active": False}})
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert scim.delete(f"{USERS}/{owner.pk}").status_code == HTTPStatus.BAD_REQUEST
    owner.refresh_from_db()
    assert owner.is_active


def test_a_leaked_token_cannot_take_its_owners_account(scim, owner):
    # A set-password link or a new sign-in email for the owner would make the
    # token the account itself: a password, the admin, more tokens.
    link = scim.post(f"{USERS}/{owner.pk}/set-password-link")
    assert link.status_code == HTTPStatus.BAD_REQUEST
    assert "own owner" in link.json()["detail"]
    moved = scim.patch(
        f"{USERS}/{owner.pk}",
        patch_op({"op": "replace", "path": "userName", "value": "thief@example.net"}),
    )
    assert moved.status_code == HTTPStatus.BAD_REQUEST
    owner.refresh_from_db()
    assert owner.email != "thief@example.net"
    assert not Link.objects.filter(user=owner).exists()
    renamed = scim.patch(
        f"{USERS}/{owner.pk}",
        patch_op({"op": "replace", "path": "name.givenName", "value": "Provisioning"}),
    )
    assert renamed.status_code == HTTPStatus.OK  # the rest of one's own record may change


def test_deleting_a_user(scim):
    body = created(scim)
    assert scim.delete(f"{USERS}/{body['id']}").status_code == HTTPStatus.NO_CONTENT
    assert scim.get(f"{USERS}/{body['id']}").status_code == HTTPStatus.NOT_FOUND
    assert AuditEvent.objects.filter(action="user.deleted", target="ada@example.com").exists()


@pytest.mark.parametrize("pk", ["999", "abc", "1e3"])
def test_an_unknown_user_is_a_scim_404(scim, pk):
    response = scim.get(f"{USERS}/{pk}")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]


def test_a_staff_token_cannot_touch_a_superuser(scim):
    boss = SuperuserFactory(email="boss@example.com")
    before = (boss.email, boss.is_active, boss.password)
    attempts = [
        scim.put(f"{USERS}/{boss.pk}", new_user("mine@example.com")),
        scim.patch(f"{USERS}/{boss.pk}", patch_op({"op": "replace", "value": {"active": False}})),
        scim.post(f"{USERS}/{boss.pk}/set-password-link"),
        scim.delete(f"{USERS}/{boss.pk}"),
    ]
    assert [response.status_code for response in attempts] == [HTTPStatus.FORBIDDEN] * 4
    boss.refresh_from_db()
    assert (boss.email, boss.is_active, boss.password) == before
    assert not Link.objects.filter(user=boss).exists()


def test_a_staff_token_cannot_touch_an_account_with_more_permissions(scim):
    admin = UserFactory(email="admin@example.com", is_staff=True)
    admin.user_permissions.add(Permission.objects.get(codename="change_permission"))
    response = scim.put(f"{USERS}/{admin.pk}", new_user("mine@example.com"))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "more powerful" in response.json()["detail"]
    admin.refresh_from_db()
    assert admin.email == "admin@example.com"
    # One with no more than the owner's own is theirs to change.
    plain = InvitedUserFactory()
    response = scim.patch(
        f"{USERS}/{plain.pk}", patch_op({"op": "replace", "value": {"active": False}})
    )
    assert response.status_code == HTTPStatus.OK


def test_an_owner_without_the_permission_is_refused(db):
    staff_token = ApiTokenFactory(owner=UserFactory(is_staff=True))
    scim = ScimClient(staff_token.token)
    assert scim.post(USERS, new_user()).status_code == HTTPStatus.FORBIDDEN
    assert scim.get(USERS).status_code == HTTPStatus.FORBIDDEN
    assert not User.objects.filter(email="ada@example.com").exists()


def test_a_create_whose_link_cannot_be_issued_writes_nothing(db):
    owner = provisioner()
    owner.user_permissions.remove(Permission.objects.get(codename="issue_link"))
    scim = ScimClient(ApiTokenFactory(owner=owner).token)
    response = scim.post(USERS, new_user())
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not User.objects.filter(email="ada@example.com").exists()
    assert not AuditEvent.objects.filter(action="user.created").exists()


def test_every_write_is_audited_as_the_token_via_the_api(scim):
    body = created(scim)
    scim.patch(
        f"{USERS}/{body['id']}", patch_op({"op": "replace", "path": "name.givenName", "value": "A"})
    )
    events = AuditEvent.objects.order_by("seq")
    token_id = scim_token_id(scim)
    assert [(e.action, e.actor, e.via) for e in events] == [
        ("user.created", f"token:{token_id}", "api"),
        ("link.issued", f"token:{token_id}", "api"),
        ("user.changed", f"token:{token_id}", "api"),
    ]
    assert "ppl_" not in str([e.detail for e in events])


@pytest.mark.parametrize("path", [f"{USERS}/999999/set-password-link", f"{USERS}/²", f"{USERS}/-1"])
def test_odd_ids_are_scim_404s_not_failures(scim, path):
    response = scim.post(path) if path.endswith("link") else scim.get(path)
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json()["status"] == "404"


def test_a_date_that_does_not_exist_is_an_invalid_filter(scim):
    response = scim.get(USERS, {"filter": 'meta.created gt "2024-13-45T00:00:00Z"'})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["scimType"] == "invalidFilter"


def test_entra_restating_the_read_only_email_and_display_name_changes_nothing(scim):
    body = created(scim)
    response = scim.patch(
        f"{USERS}/{body['id']}",
        patch_op(
            {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "ADA@example.com"},
            {"op": "Replace", "path": "displayName", "value": "Ada Lovelace"},
            {"op": "Replace", "path": "name.givenName", "value": "Augusta"},
        ),
    )
    assert response.status_code == HTTPStatus.OK, response.content
    assert response.json()["name"]["givenName"] == "Augusta"
    # Only restating: nothing to change, the account as it is.
    only = patch_op({"op": "replace", "value": {"displayName": "Augusta Lovelace"}})
    assert scim.patch(f"{USERS}/{body['id']}", only).status_code == HTTPStatus.OK


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": "other@example.com"},
        {"op": "replace", "path": "displayName", "value": "Someone Else"},
    ],
)
def test_changing_a_read_only_attribute_is_refused(scim, operation):
    body = created(scim)
    response = scim.patch(f"{USERS}/{body['id']}", patch_op(operation))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["scimType"] == "mutability"
    assert User.objects.get(pk=body["id"]).email == "ada@example.com"


def test_every_event_of_a_request_names_its_address(token):
    scim = ScimClient(token.token)
    scim.client.defaults["REMOTE_ADDR"] = "198.51.100.7"
    body = created(scim)
    scim.patch(
        f"{USERS}/{body['id']}", patch_op({"op": "replace", "path": "active", "value": False})
    )
    addresses = dict(AuditEvent.objects.values_list("action", "address"))
    assert addresses == {
        "user.created": "198.51.100.7",
        "link.issued": "198.51.100.7",
        "user.deactivated": "198.51.100.7",
    }
