"""Arbitrary query strings against the admin's lists of users and links."""

from http import HTTPStatus
from urllib.parse import urlencode

import pytest
from django.test import Client
from hypothesis import example, given
from hypothesis import strategies as st

from accounts.tests.factories import InvitedUserFactory, SuperuserFactory
from invites.links.services import link_issue
from invites.models import Link
from tests.fuzz import FUZZ, assert_no_traceback

pytestmark = pytest.mark.django_db

PARAMETERS = ["q", "o", "p", "state", "purpose", "created_via", "status", "is_staff__exact"]
PARAMETERS += ["user__id__exact", "groups__id__exact", "e", "_changelist_filters", "all"]
text = st.text(alphabet=st.characters(codec="utf-8"), max_size=20)
queries = st.dictionaries(st.sampled_from(PARAMETERS) | text, text, max_size=4)


@pytest.fixture
def admin_client_factory():
    admin = SuperuserFactory()
    link_issue(user=InvitedUserFactory(), issuer=admin, via=Link.Via.ADMIN)

    def make() -> Client:
        client = Client()
        client.force_login(admin)
        return client

    return make


@FUZZ
@given(
    path=st.sampled_from(["/admin/accounts/user/", "/admin/invites/link/"]),
    query=queries,
)
@example(path="/admin/invites/link/", query={"q": "\x00"})
@example(path="/admin/invites/link/", query={"digest": "0" * 64})
@example(path="/admin/accounts/user/", query={"o": "-99.x"})
def test_any_query_on_the_admin_lists_never_gets_a_server_error(admin_client_factory, path, query):
    response = admin_client_factory().get(path + "?" + urlencode(query))

    assert response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR, (query, response.status_code)
    assert_no_traceback(response.content.decode(errors="replace"))
