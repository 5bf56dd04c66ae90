"""Counting the queries a page costs, for the admin's query-count tests."""

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
