"""A provisioning staff member, their token, and a client that speaks SCIM with it."""

import json

import pytest
from django.test import Client

from accounts.tests.factories import StaffFactory
from invites.tests.factories import ApiTokenFactory
from scim.permissions import provisioning_permissions

SCIM_JSON = "application/scim+json"
LINK_EXTENSION = "urn:people:params:scim:schemas:extension:link:2.0:User"


def provisioner(**kwargs):
    """A staff member with what provisioning takes, and nothing more."""
    user = StaffFactory(**kwargs)
    user.user_permissions.add(*provisioning_permissions())
    return user


class ScimClient:
    """Django's test client, sending SCIM JSON with a bearer token."""

    def __init__(self, token: str | None):
        self.client = Client()
        self.token = token

    def _headers(self, headers):
        auth = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**auth, **(headers or {})}

    def get(self, path, params=None, headers=None):
        return self.client.get(path, params or {}, headers=self._headers(headers))

    def _send(self, method, path, payload, headers):
        body = payload if isinstance(payload, (str, bytes)) else json.dumps(payload)
        return getattr(self.client, method)(
            path, body, content_type=SCIM_JSON, headers=self._headers(headers)
        )

    def post(self, path, payload=None, headers=None):
        return self._send("post", path, payload if payload is not None else {}, headers)

    def put(self, path, payload, headers=None):
        return self._send("put", path, payload, headers)

    def patch(self, path, payload, headers=None):
        return self._send("patch", path, payload, headers)

    def delete(self, path, headers=None):
        return self.client.delete(path, headers=self._headers(headers))


@pytest.fixture
def owner(db):
    return provisioner(email="provisioner@example.com")


@pytest.fixture
def token(owner):
    return ApiTokenFactory(owner=owner)


@pytest.fixture
def scim(token):
    return ScimClient(token.token)


def new_user(user_name="ada@example.com", **attributes):
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        **attributes,
    }


def patch_op(*operations):
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": list(operations),
    }
