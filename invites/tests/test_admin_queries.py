"""The admin's link pages cost the same number of queries whatever the number of links.

Each test measures a page on a handful of links (one in each state), adds more
links than fit on one page (from many users, issued and revoked by several
administrators, so that a per-row query would show), and measures it again:
the counts must be equal, and below a bound that a query per row would break.
The pages: the links list, a user's change page with their link history, and
the action that issues links for the users selected.
"""

from http import HTTPStatus

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from accounts.tests.admin_pages import action_data
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
from invites.models import Link
from invites.tests.factories import LinkFactory

pytestmark = pytest.mark.django_db

# Session, user, count, full count, the page (users and creators joined in):
# about half a dozen. A query per row would add a page's worth.
LIST_QUERY_BOUND = 12
CHANGE_QUERY_BOUND = 15


@pytest.fixture
def changelist():
    return reverse("admin:invites_link_changelist")


def _links_of_every_kind(users, admins) -> None:
    """A link in each state, for each purpose, from each of ``users``."""
    for index, user in enumerate(users):
        issuer = admins[index % len(admins)]
        purpose = Link.Purpose.RESET if index % 2 else Link.Purpose.INVITE
        via = Link.Via.ADMIN if index % 3 else Link.Via.COMMAND
        common = {"user": user, "purpose": purpose, "created_by": issuer, "created_via": via}
        LinkFactory(**common, used=True)
        LinkFactory(**common, expired=True)
        LinkFactory(**common, revoked=True, revoked_by=issuer)
        LinkFactory(**common)


@pytest.fixture
def admins():
    return [StaffFactory(), StaffFactory()]


@pytest.fixture
def person():
    return UserFactory(email="ada@example.com")


@pytest.fixture
def grow(admins, person):
    """Adds more links of each state than fit on one page, ``person`` holding many."""

    def grow_data():
        per_page = admin.site.get_model_admin(Link).list_per_page
        users = [InvitedUserFactory() for _ in range(per_page // 4 + 5)]
        users += [UserFactory() for _ in range(per_page // 4 + 5)]
        _links_of_every_kind(users + [person] * 10, admins)

    return grow_data


LINK_LIST_QUERIES = {
    "every link": "",
    "pending": "state=pending",
    "used": "state=used",
    "expired": "state=expired",
    "revoked": "state=revoked",
    "invites": "purpose__exact=invite",
    "resets": "purpose__exact=reset",
    "via the admin": "created_via__exact=admin",
    "via a command": "created_via__exact=command",
    "one user's links": "user__id__exact={person}",
    "search by a domain": "q=example.com",
    "search by an email": "q=ada@example.com",
    "search and filter": "q=example.com&state=pending&purpose__exact=invite",
    "sorted by user": "o=1",
}


@pytest.mark.parametrize("query", LINK_LIST_QUERIES.values(), ids=LINK_LIST_QUERIES.keys())
def test_links_list_costs_the_same_queries_for_a_few_links_as_for_more_than_a_page(
    admin_client, changelist, admins, person, grow, query
):
    _links_of_every_kind([person, InvitedUserFactory()], admins)
    url = changelist + "?" + query.format(person=person.pk)
    assert_list_costs_the_same_on_more_data(admin_client, url, grow, LIST_QUERY_BOUND)


def test_every_filter_the_links_list_offers_costs_the_same_queries_on_more_data(
    admin_client, changelist, admins, person, grow
):
    _links_of_every_kind([person, InvitedUserFactory()], admins)
    query_strings = filter_query_strings(admin_client, changelist)
    offered = "&".join(query_strings)
    for value in [*Link.State.values, *Link.Purpose.values]:
        assert f"={value}" in offered, f"no filter offers {value!r}: {query_strings}"
    assert_lists_cost_the_same_on_more_data(
        admin_client, [changelist + query for query in query_strings], grow, LIST_QUERY_BOUND
    )


def test_links_list_costs_the_same_queries_whatever_the_page_size(
    admin_client, monkeypatch, changelist, grow
):
    grow()
    model_admin = admin.site.get_model_admin(Link)
    monkeypatch.setattr(model_admin, "list_per_page", 5)
    short = get_with_queries(admin_client, changelist, warm_up=True)
    monkeypatch.setattr(model_admin, "list_per_page", 200)
    long = get_with_queries(admin_client, changelist)
    assert len(long[0].context["cl"].result_list) > len(short[0].context["cl"].result_list)
    assert_same_query_cost(changelist, short, long, LIST_QUERY_BOUND)


# --- The user admin's link features ------------------------------------------------


def _people(count: int, groups) -> list[User]:
    """``count`` users of every status, each in groups and holding links."""
    users = []
    kinds = [UserFactory, InvitedUserFactory, UserFactory]
    for index in range(count):
        kind = kinds[index % len(kinds)]
        user = kind(is_active=index % 3 != 2)
        user.groups.add(*groups[: 1 + index % len(groups)])
        LinkFactory(user=user)
        LinkFactory(user=user, used=True)
        users.append(user)
    StaffFactory().groups.add(groups[0])
    SuperuserFactory()
    return users


def _users_per_page() -> int:
    return admin.site.get_model_admin(User).list_per_page


@pytest.fixture
def groups():
    return [GroupFactory(name=name) for name in ("engineering", "sales", "support")]


@pytest.fixture
def grow_users(groups):
    """Adds more users than fit on one page of the user list."""

    def grow_data():
        _people(_users_per_page() + 20, groups)

    return grow_data


def test_change_page_costs_the_same_queries_for_a_busy_user_in_a_big_organisation(
    admin_client, groups, grow_users
):
    quiet, busy = _people(2, groups)
    quiet.groups.set(groups[:1])
    small = get_with_queries(
        admin_client, reverse("admin:accounts_user_change", args=[quiet.pk]), warm_up=True
    )
    grow_users()
    busy.groups.set(groups)
    for _ in range(10):
        LinkFactory(user=busy, revoked=True, created_by=quiet, revoked_by=quiet)
    url = reverse("admin:accounts_user_change", args=[busy.pk])
    large = get_with_queries(admin_client, url)
    assert_same_query_cost(url, small, large, CHANGE_QUERY_BOUND)


def _statements(queries: CaptureQueriesContext) -> list[str]:
    """The SQL run, with each bulk insert counted once however Django batched it.

    On SQLite Django splits a bulk insert into statements of at most 999
    parameters (about 90 links each); that is the backend's limit, not a
    query per row, and PostgreSQL runs the same insert as one statement.
    """
    statements: list[str] = []
    for query in queries.captured_queries:
        sql = query["sql"]
        head = sql.split(" VALUES ", 1)[0]
        if sql.startswith("INSERT") and statements and statements[-1] == head:
            continue
        statements.append(head if sql.startswith("INSERT") else sql)
    return statements


def test_generate_set_password_links_costs_the_same_queries_for_three_users_as_for_many(
    admin_client, groups
):
    url = reverse("admin:accounts_user_changelist")

    def issue_for(users):
        data = action_data("generate_set_password_links", users) | {"post": "yes"}
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.post(url, data)
        assert response.status_code == HTTPStatus.OK
        assert len(response.context["links"]) == len(users)
        return _statements(queries)

    active = [user for user in _people(_users_per_page() + 60, groups) if user.is_active]
    few, many = active[:3], active[3:]
    assert len(many) > _users_per_page()
    issue_for(few)  # warm-up: the first issuing caches content types
    small = issue_for(few)
    large = issue_for(many)
    sql = "\n".join
    assert len(large) == len(small), f"small:\n{sql(small)}\nlarge:\n{sql(large)}"
    assert len(large) <= LIST_QUERY_BOUND + 10, sql(large)


# --- Who needs a link: the user list's link and groups columns, its filter ------------


def _people_with_every_link(count: int, groups) -> None:
    """``count`` users, each in groups, whose newest link is of every state and purpose."""
    shapes = [
        {},
        {"expired": True},
        {"revoked": True},
        {"used": True},
        {"purpose": Link.Purpose.RESET, "expired": True},
        {"purpose": Link.Purpose.RESET, "used": True},
        None,  # no link at all
    ]
    for index in range(count):
        shape = shapes[index % len(shapes)]
        kind = UserFactory if shape and shape.get("purpose") else InvitedUserFactory
        user = kind()
        user.groups.add(*groups[: 1 + index % len(groups)])
        if shape is not None:
            LinkFactory(user=user, expired=True)  # an older one, superseded
            LinkFactory(user=user, **shape)


NEEDS_LINK_QUERIES = {
    "everyone": "",
    "needs a link": "link=needed",
    "needs a link, invited": "link=needed&status=invited",
    "needs a link, in a group": "link=needed&group={group}",
    "reset pending": "status=reset_pending",
    "active, no reset pending": "status=active",
    "sorted by name": "o=2",
}


@pytest.mark.parametrize("query", NEEDS_LINK_QUERIES.values(), ids=NEEDS_LINK_QUERIES.keys())
def test_user_list_with_links_and_groups_costs_the_same_queries_on_more_users(
    admin_client, groups, query
):
    _people_with_every_link(6, groups)
    url = reverse("admin:accounts_user_changelist") + "?" + query.format(group=groups[0].pk)

    def grow():
        _people_with_every_link(_users_per_page() * 2, groups)

    assert_list_costs_the_same_on_more_data(admin_client, url, grow, LIST_QUERY_BOUND)


def test_reactivation_costs_the_same_queries_for_three_users_as_for_many(admin_client, groups):
    url = reverse("admin:accounts_user_changelist")

    def reactivate(users):
        User.objects.filter(pk__in=[user.pk for user in users]).update(is_active=False)
        data = action_data("reactivate_users", users)
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.post(url, data)
        assert response.status_code == HTTPStatus.FOUND
        return [query["sql"] for query in queries.captured_queries]

    _people_with_every_link(_users_per_page() * 2 + 3, groups)
    users = list(User.objects.filter(is_superuser=False).order_by("pk"))
    few, many = users[:3], users[3:]
    reactivate(few)  # warm-up
    small, large = reactivate(few), reactivate(many)
    assert len(large) == len(small), "\n".join(large)
