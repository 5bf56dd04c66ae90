"""The admin's front page: what needs an administrator, counted and linked to its list."""

from datetime import timedelta
from http import HTTPStatus

import pytest
import redis
from django.core.cache import cache, caches
from django.test.html import parse_html

from accounts import clock
from accounts.audit import Actor, Happening, Via, audit_record_many
from accounts.models import User
from accounts.tests.factories import StaffFactory, grant
from accounts.tests.queries import assert_same_query_cost, get_with_queries, queries_sql
from invites.access_requests.services import access_request_submit, access_requests_decline
from invites.models import AccessRequest, Link
from invites.tests.factories import LinkFactory
from project.admin_site import ATTENTION_CACHE_KEY

pytestmark = pytest.mark.django_db

INDEX = "/admin/"
LINKS = "/admin/invites/link/"
REQUESTS = "/admin/invites/accessrequest/"
TRAIL = "/admin/accounts/auditevent/"
# Session, user, the log of recent actions; then one COUNT per line: four
# from the requests and links, two from the audit trail.
INDEX_BASE_QUERIES = 3
INDEX_COUNTS = 6
INDEX_QUERY_BOUND = INDEX_BASE_QUERIES + INDEX_COUNTS


def attention_lines(response) -> dict[str, tuple[str, str]]:
    """The front page's lines, by key: (text, URL)."""
    root = parse_html(response.content.decode())
    lines = {}

    def walk(element):
        for child in getattr(element, "children", []):
            if getattr(child, "name", None) == "li":
                classes = dict(child.attributes).get("class", "")
                key = next(
                    (
                        c.removeprefix("attention-")
                        for c in classes.split()
                        if c.startswith("attention-") and c != "attention-urgent"
                    ),
                    None,
                )
                if key:
                    link = next(c for c in child.children if getattr(c, "name", None) == "a")
                    lines[key] = (
                        " ".join(str(part) for part in link.children),
                        dict(link.attributes)["href"],
                    )
            walk(child)

    walk(root)
    return lines


def some_links_of_every_kind():
    now = clock.now()
    LinkFactory(expires_at=now + timedelta(hours=3))  # expiring
    LinkFactory(expires_at=now + timedelta(hours=30))  # open, not soon
    LinkFactory(expires_at=now - timedelta(hours=1))  # expired already
    LinkFactory(expires_at=now + timedelta(hours=3), used=True)  # used: not expiring
    LinkFactory(used_at=now - timedelta(days=2))  # redeemed lately
    LinkFactory(used_at=now - timedelta(days=9))  # redeemed long ago
    LinkFactory(used=True, presented_again_count=2)  # tripwire, redeemed lately


def test_the_front_page_counts_what_needs_an_administrator(admin_client, frozen_clock):
    some_links_of_every_kind()

    lines = attention_lines(admin_client.get(INDEX))

    assert lines["expiring"] == (
        "1 link expires within 24 hours without being used",
        f"{LINKS}?expires_soon=24h",
    )
    assert lines["redeemed"] == ("3 links were used in the last 7 days", f"{LINKS}?redeemed=7d")
    assert lines["presented_again"] == (
        "1 used or revoked link was presented again",
        f"{LINKS}?presented_again=yes",
    )


@pytest.mark.parametrize(
    ("query", "expected"), [("expires_soon=24h", 1), ("redeemed=7d", 3), ("presented_again=yes", 1)]
)
def test_each_count_is_what_its_filtered_list_shows(admin_client, frozen_clock, query, expected):
    some_links_of_every_kind()
    response = admin_client.get(f"{LINKS}?{query}")
    assert response.status_code == HTTPStatus.OK
    assert response.context["cl"].result_count == expected


def test_waiting_access_requests_are_counted_and_linked_to_the_pending_ones(
    admin_client, admin_user
):
    for email in ("ada@example.com", "grace@example.com", "hedy@example.com"):
        access_request_submit(email=email, first_name="A", last_name="B", note="", address=None)
    access_requests_decline(
        access_requests=AccessRequest.objects.filter(email="hedy@example.com"), by=admin_user
    )

    text, url = attention_lines(admin_client.get(INDEX))["access_requests"]

    assert (text, url) == ("2 access requests wait for a decision", f"{REQUESTS}?state=pending")
    assert admin_client.get(url).context["cl"].result_count == 2


def test_staff_who_may_not_see_links_get_no_counts(client):
    staff = StaffFactory()
    client.force_login(staff)
    assert attention_lines(client.get(INDEX)) == {}
    grant(staff, "invites.view_link")
    assert set(attention_lines(client.get(INDEX))) == {"expiring", "redeemed", "presented_again"}


def test_staff_who_may_not_read_the_trail_get_none_of_its_counts(client):
    staff = StaffFactory()
    client.force_login(grant(staff, "accounts.view_user", "accounts.change_auditevent"))
    assert attention_lines(client.get(INDEX)) == {}
    client.force_login(grant(staff, "accounts.view_auditevent"))
    assert set(attention_lines(client.get(INDEX))) == {"tripwires", "sign_in_bursts"}


def failed_sign_ins(email: str, times: int) -> None:
    audit_record_many(
        actor=Actor(email, Via.PUBLIC),
        happenings=[Happening("sign_in.failed", email, address="192.0.2.9")] * times,
    )


def tripwires(times: int) -> None:
    audit_record_many(
        actor=Actor("system", Via.PUBLIC),
        happenings=[Happening("link.presented_again", "ada@example.com")] * times,
    )


def some_events_to_count(frozen_clock):
    """Two tripwires and a burst a week and more ago; three tripwires and two bursts now."""
    tripwires(2)
    failed_sign_ins("old@example.com", 9)
    frozen_clock.advance(days=7, minutes=1)
    tripwires(3)
    failed_sign_ins("ada@example.com", 5)
    failed_sign_ins("grace@example.com", 12)
    failed_sign_ins("hedy@example.com", 4)  # not a burst
    frozen_clock.advance(minutes=59)


def test_the_front_page_counts_tripwires_and_bursts_of_refused_sign_ins_from_the_trail(
    admin_client, frozen_clock
):
    some_events_to_count(frozen_clock)

    lines = attention_lines(admin_client.get(INDEX))

    assert lines["tripwires"] == (
        "3 tripwires in the last 7 days: used or revoked links presented again",
        f"{TRAIL}?action=link.presented_again&within=7d",
    )
    assert lines["sign_in_bursts"] == (
        "2 accounts had 5 or more refused sign-ins in the last hour",
        f"{TRAIL}?action=sign_in.failed&within=1h",
    )
    tripped = admin_client.get(f"{TRAIL}?action=link.presented_again&within=7d")
    assert tripped.context["cl"].result_count == 3
    refused = admin_client.get(f"{TRAIL}?action=sign_in.failed&within=1h").context["cl"]
    assert {event.target for event in refused.result_list} == {
        "ada@example.com",
        "grace@example.com",
        "hedy@example.com",
    }


def test_a_burst_is_over_once_its_hour_has_passed(admin_client, frozen_clock):
    some_events_to_count(frozen_clock)
    frozen_clock.advance(minutes=2)
    assert attention_lines(admin_client.get(INDEX))["sign_in_bursts"][0].startswith("0 accounts")


def test_the_counts_are_kept_for_a_short_time(admin_client, frozen_clock):
    LinkFactory(expires_at=clock.now() + timedelta(hours=1))
    admin_client.get(INDEX)
    LinkFactory(expires_at=clock.now() + timedelta(hours=1))
    assert attention_lines(admin_client.get(INDEX))["expiring"][0].startswith("1 link")
    cache.delete(ATTENTION_CACHE_KEY)
    assert attention_lines(admin_client.get(INDEX))["expiring"][0].startswith("2 links")


def test_the_front_page_renders_when_the_cache_is_down(admin_client, monkeypatch):
    LinkFactory(expires_at=clock.now() + timedelta(hours=1))

    def fail(*args, **kwargs):
        raise redis.exceptions.ConnectionError("Connection refused.")

    for method in ("get", "set"):
        monkeypatch.setattr(caches["default"], method, fail)
    response = admin_client.get(INDEX)
    assert response.status_code == HTTPStatus.OK
    assert attention_lines(response)["expiring"][0].startswith("1 link")


def _fifty_thousand_users_and_their_links():
    """50,000 users; every tenth with a link in one of the states the page counts or skips."""
    now = clock.now()
    User.objects.bulk_create(
        [User(email=f"crowd{n}@example.org", password="!") for n in range(50_000)],
        batch_size=2_000,
    )
    users = User.objects.filter(email__startswith="crowd").values_list("pk", flat=True)
    kinds = [
        {"expires_at": now + timedelta(hours=5)},
        {"expires_at": now + timedelta(days=5)},
        {"expires_at": now + timedelta(days=5), "used_at": now - timedelta(days=1)},
        {"expires_at": now, "used_at": now - timedelta(days=20), "presented_again_count": 1},
    ]
    Link.objects.bulk_create(
        [
            Link(
                user_id=pk,
                purpose=Link.Purpose.INVITE,
                digest=f"{n:064x}",
                created_at=now - timedelta(days=2),
                created_via=Link.Via.COMMAND,
                **kinds[n % len(kinds)],
            )
            for n, pk in enumerate(users[::10])
        ],
        batch_size=2_000,
    )


def _twenty_thousand_events():
    """Refused sign-ins on 2,000 accounts, a fifth of them in a burst, and tripwires: 20,000."""
    failures = [
        Happening("sign_in.failed", f"crowd{n}@example.org")
        for n in range(2000)
        for _ in range(5 if n % 5 == 0 else 4)
    ]
    tripped = [Happening("link.presented_again", f"crowd{n}@example.org") for n in range(11_600)]
    audit_record_many(actor=Actor("system", Via.PUBLIC), happenings=failures + tripped)


def test_the_front_page_costs_the_same_queries_with_fifty_thousand_users(
    admin_client, frozen_clock
):
    some_links_of_every_kind()
    small = get_with_queries(admin_client, INDEX, warm_up=True)
    cache.delete(ATTENTION_CACHE_KEY)
    small = get_with_queries(admin_client, INDEX)
    _fifty_thousand_users_and_their_links()
    _twenty_thousand_events()
    cache.delete(ATTENTION_CACHE_KEY)
    large = get_with_queries(admin_client, INDEX)
    assert_same_query_cost(INDEX, small, large, INDEX_QUERY_BOUND)
    # 5,000 links, a quarter of them expiring, and the one of the small data.
    assert attention_lines(large[0])["expiring"][0].startswith("1251 links")

    assert attention_lines(large[0])["sign_in_bursts"][0].startswith("400 accounts")

    # Within the cache's 30 seconds the counts cost nothing: the six COUNTs
    # go, the rest stays (the session's read is a query or not by engine).
    cached = get_with_queries(admin_client, INDEX)
    assert len(cached[1]) == len(large[1]) - INDEX_COUNTS, queries_sql(cached[1])
    assert not [sql for sql in queries_sql(cached[1]).splitlines() if "COUNT(" in sql.upper()]
