"""The user admin costs the same number of queries whatever the number of users.

Each test measures a page on a few users, adds more users than fit on one page
(each in groups, so that a per-row query would show), and measures
it again: the counts must be equal, and below a bound that a query per row
would break. Times are measured by bench/admin_pages.py, never asserted here.
"""

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import (
    GroupFactory,
    InvitedUserFactory,
    StaffFactory,
    SuperuserFactory,
    UserFactory,
)
from accounts.tests.queries import (
    assert_list_costs_the_same_on_more_data,
    assert_lists_cost_the_same_on_more_data,
    assert_same_query_cost,
    filter_query_strings,
    get_with_queries,
)

pytestmark = pytest.mark.django_db

# A list page needs about half a dozen (session, user, count, full count, the
# page, the groups filter); a query per row would add at least a page's worth.
LIST_QUERY_BOUND = 12


def _per_page() -> int:
    return admin.site.get_model_admin(User).list_per_page


def _people(count: int, groups) -> list[User]:
    """``count`` users of every status, each in groups."""
    users = []
    kinds = [UserFactory, InvitedUserFactory, UserFactory]
    for index in range(count):
        kind = kinds[index % len(kinds)]
        user = kind(is_active=index % 3 != 2)
        user.groups.add(*groups[: 1 + index % len(groups)])
        users.append(user)
    StaffFactory().groups.add(groups[0])
    SuperuserFactory()
    return users


@pytest.fixture
def groups():
    return [GroupFactory(name=name) for name in ("engineering", "sales", "support")]


@pytest.fixture
def grow(groups):
    """Adds more users than fit on one page of the list."""

    def grow_data():
        _people(_per_page() + 20, groups)

    return grow_data


USER_LIST_QUERIES = {
    "everyone": "",
    "invited": "status=invited",
    "active": "status=active",
    "deactivated": "status=deactivated",
    "staff": "is_staff__exact=1",
    "not staff": "is_staff__exact=0",
    "superusers": "is_superuser__exact=1",
    "not superusers": "is_superuser__exact=0",
    "in a group": "group={group}",
    "search": "q=example.com",
    "search and filter": "q=person&status=active&group={group}",
    "sorted by name": "o=2",
}


@pytest.mark.parametrize("query", USER_LIST_QUERIES.values(), ids=USER_LIST_QUERIES.keys())
def test_user_list_costs_the_same_queries_for_three_users_as_for_more_than_a_page(
    admin_client, groups, grow, query
):
    _people(3, groups)
    url = reverse("admin:accounts_user_changelist") + "?" + query.format(group=groups[0].pk)
    assert_list_costs_the_same_on_more_data(admin_client, url, grow, LIST_QUERY_BOUND)


def test_every_filter_the_user_list_offers_costs_the_same_queries_on_more_data(
    admin_client, groups, grow
):
    _people(3, groups)
    changelist = reverse("admin:accounts_user_changelist")
    query_strings = filter_query_strings(admin_client, changelist)
    assert len(query_strings) >= 10, query_strings
    assert_lists_cost_the_same_on_more_data(
        admin_client, [changelist + query for query in query_strings], grow, LIST_QUERY_BOUND
    )


def test_user_list_costs_the_same_queries_whatever_the_page_size(
    admin_client, monkeypatch, groups, grow
):
    grow()
    model_admin = admin.site.get_model_admin(User)
    url = reverse("admin:accounts_user_changelist")
    monkeypatch.setattr(model_admin, "list_per_page", 5)
    short = get_with_queries(admin_client, url, warm_up=True)
    monkeypatch.setattr(model_admin, "list_per_page", 200)
    long = get_with_queries(admin_client, url)
    assert len(long[0].context["cl"].result_list) > len(short[0].context["cl"].result_list)
    assert_same_query_cost(url, short, long, LIST_QUERY_BOUND)
