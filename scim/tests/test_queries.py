"""A SCIM page costs the same queries however many rows it holds and however deep it is.

bench/scim.py measures this at 50,000 users (docs/benchmarks.md); these tests
keep it true: each list is counted on a few rows, then on more rows than fit
on a page, in several groups, where a query per row would show.
"""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import GroupFactory, UserFactory
from scim.tests.conftest import new_user

pytestmark = pytest.mark.django_db

USERS = "/scim/v2/Users"
GROUPS = "/scim/v2/Groups"

# The token (with its owner), the owner's permissions (two queries), the count,
# the page, and the page's groups (Users) or members (Groups).
LIST_QUERIES = 6


def _people(count: int, groups: list) -> None:
    for index in range(count):
        user = UserFactory()
        user.groups.add(*groups[: 1 + index % len(groups)])


def _queries(scim, path, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = scim.get(path, params)
    assert response.status_code == 200, response.content
    return len(queries)


@pytest.fixture
def groups():
    return [GroupFactory() for _ in range(3)]


@pytest.fixture
def warm(scim):
    """The client after one request: the token's last use is written once a minute, not now."""
    scim.get(USERS)
    return scim


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"count": 5},
        {"startIndex": 11, "count": 5},
        {"filter": 'userName sw "user" or name.familyName pr', "count": 5},
        {"filter": "groups pr", "count": 5},
    ],
)
def test_a_users_page_costs_the_same_queries_on_more_users(warm, groups, params):
    # Enough for a row on each page asked for: an empty page prefetches nothing.
    _people(15, groups)
    few = _queries(warm, USERS, params)

    _people(40, groups)
    many = _queries(warm, USERS, params)

    assert (few, many) == (LIST_QUERIES, LIST_QUERIES)


def test_every_page_of_a_long_list_costs_the_same(warm, groups):
    _people(25, groups)

    counts = [_queries(warm, USERS, {"startIndex": start, "count": 10}) for start in (1, 11, 21)]

    assert counts == [LIST_QUERIES] * 3


def test_a_groups_page_costs_the_same_queries_on_more_members(warm, groups):
    _people(3, groups)
    few = _queries(warm, GROUPS)

    _people(30, [*groups, GroupFactory(), GroupFactory()])
    many = _queries(warm, GROUPS)
    without_members = _queries(warm, GROUPS, {"excludedAttributes": "members"})

    assert (few, many, without_members) == (LIST_QUERIES, LIST_QUERIES, LIST_QUERIES - 1)


def test_creating_a_user_costs_the_same_queries_on_more_users(warm, groups):
    def created(email: str) -> int:
        body = json.dumps(new_user(email))
        with CaptureQueriesContext(connection) as queries:
            response = warm.post(USERS, body)
        assert response.status_code == 201, response.content
        return len(queries)

    created("warm@example.com")  # the content types, read once a process
    first = created("first@example.com")
    _people(30, groups)
    second = created("second@example.com")

    assert first == second
