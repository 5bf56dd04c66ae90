"""Long admin lists: a bounded count, dates, search, and rows as Django draws them."""

import re
from datetime import UTC, datetime

import pytest
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts import admin_lists
from accounts.models import User
from accounts.tests.admin_pages import action_data
from accounts.tests.factories import GroupFactory, InvitedUserFactory, UserFactory
from accounts.tests.queries import get_with_queries

pytestmark = pytest.mark.django_db

USERS_URL = reverse("admin:accounts_user_changelist")


@pytest.fixture
def small_limit(monkeypatch):
    """Count two pages' worth, so that a few dozen users are "many"."""
    monkeypatch.setattr(admin_lists, "PAGES_COUNTED", 2)


def people(count: int) -> list[User]:
    return User.objects.bulk_create(
        User(email=f"person{index:03}@example.com", password="!") for index in range(count)
    )


def test_a_long_list_counts_only_up_to_the_limit_and_says_so(admin_client, small_limit):
    per_page = admin.site.get_model_admin(User).list_per_page
    people(3 * per_page)

    response, queries = get_with_queries(admin_client, USERS_URL)

    body = response.content.decode()
    limit = 2 * per_page  # the page shown and the one after it
    assert f"{limit}+ users" in body
    assert f"Select all {limit}+ users" in body
    assert f"All {limit}+ selected" in body
    assert response.context["cl"].paginator.num_pages == 2
    counts = [query["sql"] for query in queries.captured_queries if "COUNT(" in query["sql"]]
    assert len(counts) == 1
    assert f"LIMIT {limit + 1}" in counts[0]
    assert "ORDER BY" not in counts[0]


def test_the_count_grows_as_the_administrator_pages_on(admin_client, small_limit):
    per_page = admin.site.get_model_admin(User).list_per_page
    people(4 * per_page)

    response = admin_client.get(USERS_URL, {"p": 2})

    assert f"{3 * per_page}+ users" in response.content.decode()
    assert len(response.context["cl"].result_list) == per_page
    assert response.context["cl"].paginator.num_pages == 3


def test_a_list_within_the_limit_shows_its_exact_count(admin_client, small_limit):
    people(20)

    body = admin_client.get(USERS_URL).content.decode()

    assert "21 users" in body  # and the administrator
    assert "+ users" not in body


def test_selecting_all_of_a_long_list_acts_on_every_matching_row(admin_client, small_limit):
    chosen = people(40)

    data = action_data("deactivate_users", chosen[:1]) | {"select_across": "1"}

    page = admin_client.post(USERS_URL + "?q=person", data).content.decode()
    assert "Deactivate these 40 users?" in page
    assert 'name="select_across" value="1"' in page
    admin_client.post(USERS_URL + "?q=person", data | {"post": "yes"})

    assert User.objects.filter(email__startswith="person", is_active=True).count() == 0


def test_dates_in_the_user_list_read_the_same_everywhere(admin_client, settings):
    settings.TIME_ZONE = "Europe/Paris"
    InvitedUserFactory(email="new@example.com", date_joined=datetime(2026, 1, 2, 9, 5, tzinfo=UTC))

    response = admin_client.get(USERS_URL, {"q": "new@example.com"})

    row = response.content.decode()
    # Paris is UTC+1 in January; the day and the time each kept whole in a narrow cell.
    assert '<span class="moment">2026-01-02</span> <span class="moment">10:05 CET</span>' in row
    assert "never" in row  # never signed in


def test_group_filter_lists_exactly_the_members(admin_client):
    engineering, sales = GroupFactory(name="engineering"), GroupFactory(name="sales")
    ada, bob = UserFactory(email="ada@example.com"), UserFactory(email="bob@example.com")
    ada.groups.add(engineering, sales)
    bob.groups.add(sales)
    UserFactory(email="carol@example.com")

    def members(group: Group) -> list[str]:
        response = admin_client.get(USERS_URL, {"group": group.pk})
        return [user.email for user in response.context["cl"].result_list]

    assert members(engineering) == ["ada@example.com"]
    assert members(sales) == ["ada@example.com", "bob@example.com"]


def row_links(response) -> list[str]:
    body = response.content.decode()
    return re.findall(r'<th class="field-email_address"><a href="([^"]+)"', body)


@pytest.mark.parametrize("query", [{}, {"status": "invited", "q": "example"}])
def test_row_links_are_the_ones_django_makes(admin_client, monkeypatch, query):
    """The change links (with the list's filters carried along) match Django's own."""
    InvitedUserFactory(email="ada@example.com")
    InvitedUserFactory(email="o'brien+1@example.com")
    model_admin = admin.site.get_model_admin(User)

    ours = row_links(admin_client.get(USERS_URL, query))
    monkeypatch.setattr(model_admin, "get_changelist", lambda request, **kwargs: ChangeList)
    djangos = row_links(admin_client.get(USERS_URL, query))

    assert len(ours) >= 2
    assert ours == djangos
    if query:
        assert all("_changelist_filters=" in link for link in ours)


def test_empty_cells_show_djangos_dash(admin_client):
    UserFactory(email="ada@example.com")

    response = admin_client.get(USERS_URL, {"q": "ada@example.com"})

    assert '<td class="field-group_names">-</td>' in response.content.decode()


def test_an_address_in_a_list_wraps_only_after_its_at_and_dots(admin_client):
    UserFactory(email="grace.hopper@navy.example.org", first_name="Grace", last_name="Hopper")

    body = admin_client.get(USERS_URL, {"q": "grace"}).content.decode()

    assert (
        '<span class="address">grace.<wbr>hopper@<wbr>navy.<wbr>example.<wbr>org</span>'
        '<br><span class="list-detail">Grace Hopper</span>'
    ) in body


def test_an_address_escapes_what_it_holds():
    assert admin_lists.list_email("o'brien<b>@example.com") == (
        '<span class="address">o&#x27;brien&lt;b&gt;@<wbr>example.<wbr>com</span>'
    )


def test_postgresql_searches_have_trigram_indexes():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("trigram indexes exist on PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'accounts_user'"
        )
        definitions = dict(cursor.fetchall())
    for column in ("email", "first_name", "last_name"):
        definition = definitions[f"accounts_user_{column}_trgm"]
        assert "gin_trgm_ops" in definition
        assert f"upper(({column})::text)" in definition
