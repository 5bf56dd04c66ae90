"""Counting the queries a page costs, for the admin's query-count tests."""

from collections.abc import Callable
from http import HTTPStatus

from django.db import connection
from django.test.utils import CaptureQueriesContext


def get_with_queries(client, url: str, *, warm_up: bool = False):
    """GETs ``url`` (which must answer 200): the response and the queries it took."""
    if warm_up:
        # Once first: some queries (content types) are cached per process and
        # would otherwise show on whichever measurement runs first.
        client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == HTTPStatus.OK, url
    return response, queries


def queries_sql(queries: CaptureQueriesContext) -> str:
    return "\n".join(f"  {query['sql'][:240]}" for query in queries.captured_queries)


def assert_same_query_cost(url: str, small, large, bound: int) -> None:
    """``small`` and ``large`` (from get_with_queries) took as many queries, at most ``bound``."""
    (_, small_queries), (_, large_queries) = small, large
    assert len(large_queries) == len(small_queries), (
        f"{url}: {len(small_queries)} queries on small data, {len(large_queries)} on large.\n"
        f"small:\n{queries_sql(small_queries)}\nlarge:\n{queries_sql(large_queries)}"
    )
    assert len(large_queries) <= bound, (
        f"{url}: {len(large_queries)} queries\n{queries_sql(large_queries)}"
    )


# --- Changelists on small data, then on more ---------------------------------------


def filter_query_strings(client, changelist: str) -> list[str]:
    """The query string of every choice of every filter the changelist offers."""
    response, _ = get_with_queries(client, changelist)
    cl = response.context["cl"]
    return [choice["query_string"] for spec in cl.filter_specs for choice in spec.choices(cl)]


def assert_list_costs_the_same_on_more_data(
    client, url: str, grow: Callable[[], None], bound: int
) -> None:
    """``url`` lists some rows, more once ``grow`` ran, and as many queries both times."""
    small = get_with_queries(client, url, warm_up=True)
    assert small[0].context["cl"].result_count > 0, f"{url} lists no row on small data"
    grow()
    large = get_with_queries(client, url)
    assert large[0].context["cl"].result_count > small[0].context["cl"].result_count
    assert_same_query_cost(url, small, large, bound)


def assert_lists_cost_the_same_on_more_data(
    client, urls: list[str], grow: Callable[[], None], bound: int
) -> None:
    """Each of ``urls`` takes as many queries once ``grow`` ran, or within ``bound``
    for those that list no row on small data."""
    small = {url: get_with_queries(client, url, warm_up=True) for url in urls}
    grow()
    for url, before in small.items():
        after = get_with_queries(client, url)
        if before[0].context["cl"].result_count:
            assert_same_query_cost(url, before, after, bound)
        else:
            # No row on small data: rows' own queries cannot be compared, but
            # a query per row would still break the bound.
            assert len(after[1]) <= bound, queries_sql(after[1])
