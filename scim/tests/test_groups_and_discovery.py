"""Groups over SCIM (their members are the users), and what the service says of itself."""

from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group, Permission

from accounts.audit import AuditEvent
from accounts.tests.factories import GroupFactory, SuperuserFactory, UserFactory
from scim.tests.conftest import patch_op

pytestmark = pytest.mark.django_db

GROUPS = "/scim/v2/Groups"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"


def new_group(name="ops", *members):
    return {
        "schemas": [GROUP_SCHEMA],
        "displayName": name,
        "members": [{"value": str(m.pk)} for m in members],
    }


def member_ids(body):
    return sorted(int(member["value"]) for member in body.get("members", []))


def test_creating_a_group_with_members(scim):
    ada, grace = UserFactory(), UserFactory()
    response = scim.post(GROUPS, new_group("ops", ada, grace))
    assert response.status_code == HTTPStatus.CREATED, response.content
    group = Group.objects.get(name="ops")
    assert set(group.user_set.all()) == {ada, grace}
    assert member_ids(response.json()) == sorted([ada.pk, grace.pk])
    assert response.json()["members"][0]["$ref"].startswith("http://testserver/scim/v2/Users/")
    added = AuditEvent.objects.filter(action="user.changed").values_list("target", flat=True)
    assert sorted(added) == sorted([ada.email, grace.email])


def test_a_group_name_taken_is_a_conflict(scim):
    GroupFactory(name="ops")
    response = scim.post(GROUPS, new_group("ops"))
    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json()["scimType"] == "uniqueness"


def test_a_member_that_does_not_exist_is_refused_and_nothing_is_made(scim):
    response = scim.post(
        GROUPS, {"schemas": [GROUP_SCHEMA], "displayName": "ops", "members": [{"value": "9999"}]}
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert not Group.objects.filter(name="ops").exists()


def test_patching_members_in_and_out(scim):
    group = GroupFactory(name="ops")
    ada, grace = UserFactory(), UserFactory()
    group.user_set.add(ada)
    response = scim.patch(
        f"{GROUPS}/{group.pk}",
        patch_op(
            {"op": "add", "path": "members", "value": [{"value": str(grace.pk)}]},
            {"op": "remove", "path": f'members[value eq "{ada.pk}"]'},
        ),
    )
    assert response.status_code == HTTPStatus.OK, response.content
    assert list(group.user_set.all()) == [grace]
    assert member_ids(response.json()) == [grace.pk]


def test_listing_groups_by_name_and_without_members(scim):
    GroupFactory(name="ops").user_set.add(UserFactory())
    GroupFactory(name="finance")
    body = scim.get(GROUPS, {"filter": 'displayName eq "OPS"'}).json()
    assert [each["displayName"] for each in body["Resources"]] == ["ops"]
    assert len(body["Resources"][0]["members"]) == 1
    body = scim.get(GROUPS, {"excludedAttributes": "members"}).json()
    assert body["totalResults"] == 2
    assert all("members" not in each for each in body["Resources"])


def test_renaming_and_deleting_a_group(scim):
    group = GroupFactory(name="ops")
    response = scim.put(f"{GROUPS}/{group.pk}", new_group("operations"))
    assert response.status_code == HTTPStatus.OK
    group.refresh_from_db()
    assert group.name == "operations"
    assert scim.delete(f"{GROUPS}/{group.pk}").status_code == HTTPStatus.NO_CONTENT
    assert not Group.objects.filter(pk=group.pk).exists()
    assert AuditEvent.objects.filter(action="group.deleted").exists()


def test_a_staff_token_cannot_hand_out_a_group_with_more_powers(scim):
    admins = GroupFactory(name="admins")
    admins.permissions.add(Permission.objects.get(codename="change_permission"))
    person = UserFactory()
    response = scim.patch(
        f"{GROUPS}/{admins.pk}",
        patch_op({"op": "add", "path": "members", "value": [{"value": str(person.pk)}]}),
    )
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not admins.user_set.exists()
    assert scim.delete(f"{GROUPS}/{admins.pk}").status_code == HTTPStatus.FORBIDDEN


def test_a_staff_token_cannot_take_a_superuser_out_of_a_group(scim):
    group = GroupFactory(name="ops")
    boss = SuperuserFactory()
    group.user_set.add(boss)
    response = scim.put(f"{GROUPS}/{group.pk}", new_group("ops"))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert list(group.user_set.all()) == [boss]


def test_the_service_describes_itself(scim):
    config = scim.get("/scim/v2/ServiceProviderConfig").json()
    assert config["patch"] == {"supported": True}
    assert config["filter"] == {"supported": True, "maxResults": 1000}
    assert config["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    types = scim.get("/scim/v2/ResourceTypes").json()["Resources"]
    assert [each["endpoint"] for each in types] == ["/Users", "/Groups"]
    assert types[0]["schemaExtensions"] == [
        {"schema": "urn:people:params:scim:schemas:extension:link:2.0:User", "required": False}
    ]
    schemas = scim.get("/scim/v2/Schemas").json()["Resources"]
    user = next(each for each in schemas if each["id"].endswith("core:2.0:User"))
    assert [attribute["name"] for attribute in user["attributes"]] == [
        "userName",
        "name",
        "displayName",
        "active",
        "emails",
        "groups",
    ]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/scim/v2/Nowhere", HTTPStatus.NOT_FOUND),
        ("get", "/scim/v2/ResourceTypes/Printer", HTTPStatus.NOT_FOUND),
        ("get", "/scim/v2/Schemas/urn:nothing", HTTPStatus.NOT_FOUND),
        ("delete", "/scim/v2/Users", HTTPStatus.METHOD_NOT_ALLOWED),
        ("post", "/scim/v2/ServiceProviderConfig", HTTPStatus.METHOD_NOT_ALLOWED),
        ("post", "/scim/v2/.search", HTTPStatus.NOT_IMPLEMENTED),
    ],
)
def test_every_refusal_is_a_scim_error_body(scim, method, path, status):
    response = getattr(scim, method)(path)
    assert response.status_code == status
    assert response["Content-Type"] == "application/scim+json"
    assert response.json()["status"] == str(int(status))
