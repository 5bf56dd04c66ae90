"""Who may speak SCIM: a valid API token, sent as a bearer token; the rest get 401 or 429."""

from http import HTTPStatus

import pytest
from django.db import IntegrityError, OperationalError
from django.test import Client

from accounts.tests.factories import StaffFactory
from invites.tests.factories import ApiTokenFactory
from scim import selectors
from scim.tests.conftest import ScimClient, new_user, patch_op

pytestmark = pytest.mark.django_db

USERS = "/scim/v2/Users"


def assert_unauthorized(response):
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response["WWW-Authenticate"] == 'Bearer realm="scim"'
    assert response["Content-Type"] == "application/scim+json"
    assert response.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert response.json()["status"] == "401"


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic cHBsXzE6Mg==",
        "Bearer ppl_",
        "Bearer ppl_" + "A" * 32,
        "Bearer " + "A" * 32,
        "Bearer ppl_" + "A" * 5000,
        "Bearer ppl_\u00e9" + "A" * 31,
    ],
)
def test_a_missing_or_unknown_token_is_401(authorization):
    headers = {"Authorization": authorization} if authorization is not None else {}
    assert_unauthorized(Client().get(USERS, headers=headers))


@pytest.mark.parametrize(
    "token",
    [
        lambda owner: ApiTokenFactory(owner=owner, revoked=True),
        lambda owner: ApiTokenFactory(owner=owner, expired=True),
        lambda owner: ApiTokenFactory(owner=StaffFactory(is_active=False)),
    ],
    ids=["revoked", "expired", "owner deactivated"],
)
def test_a_revoked_expired_or_orphaned_token_is_401_and_writes_nothing(owner, token):
    scim = ScimClient(token(owner).token)
    assert_unauthorized(scim.post(USERS, new_user()))
    assert_unauthorized(scim.get(USERS))


def test_a_token_revoked_now_stops_at_once(scim, token):
    assert scim.get(USERS).status_code == HTTPStatus.OK
    token.revoked_at = token.created_at
    token.save()
    assert_unauthorized(scim.get(USERS))


def test_the_scheme_is_case_insensitive_and_no_csrf_token_is_needed(token):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        USERS,
        new_user(),
        content_type="application/scim+json",
        headers={"Authorization": f"bearer {token.token}"},
    )
    assert response.status_code == HTTPStatus.CREATED


def test_a_token_in_the_query_string_is_not_read(token):
    assert_unauthorized(Client().get(USERS, {"access_token": token.token}))


def test_failed_token_attempts_are_limited_per_address(scim):
    stranger = Client(REMOTE_ADDR="203.0.113.9")
    bad = {"Authorization": "Bearer ppl_" + "B" * 32}
    for _ in range(30):
        assert_unauthorized(stranger.get(USERS, headers=bad))
    response = stranger.get(USERS, headers=bad)
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert int(response["Retry-After"]) > 0
    assert response.json()["status"] == "429"
    # The same address with a valid token (another tenant of the same identity
    # provider, behind the same addresses) is not held.
    assert stranger.get(USERS, headers=scim._headers({})).status_code == HTTPStatus.OK
    assert stranger.get(USERS, headers=bad).status_code == HTTPStatus.TOO_MANY_REQUESTS
    # Another address is not held, and a valid token never counts.
    for _ in range(40):
        assert scim.get(USERS).status_code == HTTPStatus.OK


def test_a_database_out_of_reach_is_a_scim_503(scim, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(selectors, "filtered", unreachable)
    response = scim.get(USERS)
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json()["status"] == "503"


@pytest.mark.parametrize(
    "fault",
    [
        RuntimeError("secret internals"),
        # A database fault that is no clash of two writes: a 500, not a 409.
        IntegrityError("a constraint of ours failed: secret internals"),
    ],
)
def test_an_unexpected_failure_is_a_scim_500_without_a_traceback(scim, monkeypatch, fault):
    def broken(*args, **kwargs):
        raise fault

    monkeypatch.setattr(selectors, "filtered", broken)
    response = scim.get(USERS)
    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert "secret internals" not in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_a_body_too_large_is_a_scim_413(scim, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = scim.post(USERS, new_user(externalId="x" * 2000))
    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert response.json()["status"] == "413"


def test_a_token_whose_owner_is_not_staff_opens_nothing(db):
    from scim.tests.conftest import provisioner

    owner = provisioner()
    owner.is_staff = False
    owner.save()
    scim = ScimClient(ApiTokenFactory(owner=owner).token)
    assert scim.get(USERS).status_code == HTTPStatus.FORBIDDEN
    assert scim.post(USERS, new_user()).status_code == HTTPStatus.FORBIDDEN


def test_without_the_right_to_see_users_no_id_is_told_from_another(db):
    from accounts.tests.factories import UserFactory

    staff_token = ApiTokenFactory(owner=StaffFactory())
    scim = ScimClient(staff_token.token)
    existing = UserFactory()
    answers = [scim.get(f"{USERS}/{pk}") for pk in (existing.pk, 999999)]
    assert [answer.status_code for answer in answers] == [HTTPStatus.FORBIDDEN] * 2
    assert answers[0].content == answers[1].content


def test_the_right_to_issue_links_alone_tells_no_user_id_from_another(db):
    from accounts.tests.factories import UserFactory, grant

    scim = ScimClient(ApiTokenFactory(owner=grant(StaffFactory(), "invites.issue_link")).token)
    existing = UserFactory()
    answers = [scim.post(f"{USERS}/{pk}/set-password-link") for pk in (existing.pk, 999999)]
    assert [answer.status_code for answer in answers] == [HTTPStatus.FORBIDDEN] * 2
    assert answers[0].content == answers[1].content


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_without_the_rights_on_groups_no_group_id_is_told_from_another(db, method):
    from django.contrib.auth.models import Group

    scim = ScimClient(ApiTokenFactory(owner=StaffFactory()).token)
    existing = Group.objects.create(name="Support")
    body = {"put": {"displayName": "Renamed"}, "patch": patch_op()}.get(method)

    def ask(pk):
        path = f"/scim/v2/Groups/{pk}"
        return (
            getattr(scim, method)(path, body) if body is not None else getattr(scim, method)(path)
        )

    answers = [ask(pk) for pk in (existing.pk, 999999)]
    assert [answer.status_code for answer in answers] == [HTTPStatus.FORBIDDEN] * 2
    assert answers[0].content == answers[1].content
    assert Group.objects.get().name == "Support"


def test_the_cache_out_of_reach_is_a_scim_503(scim, monkeypatch):
    import redis

    from project.ratelimits import Attempt

    def unreachable(self):
        raise redis.ConnectionError("connection refused")

    monkeypatch.setattr(Attempt, "is_over", unreachable)
    response = scim.get(USERS)
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response["Content-Type"] == "application/scim+json"
    assert response.json()["status"] == "503"
