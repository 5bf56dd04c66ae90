"""The audit trail in the admin: a read-only list, its filters and search, who may read it."""

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts.admin_lists import list_datetime
from accounts.audit import Actor, AuditEvent, Happening, Via, audit_record, audit_record_many
from accounts.tests.factories import StaffFactory, UserFactory, grant
from accounts.tests.queries import (
    assert_list_costs_the_same_on_more_data,
    assert_lists_cost_the_same_on_more_data,
    assert_same_query_cost,
    filter_query_strings,
    get_with_queries,
)

pytestmark = pytest.mark.django_db

TRAIL = reverse("admin:accounts_auditevent_changelist")
ADMIN = Actor("boss@example.com", Via.ADMIN)
# Session, user, the bounded count, the page: a query per row would break it.
LIST_QUERY_BOUND = 6


def event(action="user.changed", target="ada@example.com", *, actor=ADMIN, **detail):
    audit_record(action=action, actor=actor, target=target, detail=detail, address="192.0.2.7")
    return AuditEvent.objects.order_by("-seq").first()


def listed(client, query: str = "") -> list[tuple[str, str]]:
    """(action, target) of each event the list shows, newest first."""
    response = client.get(f"{TRAIL}?{query}")
    assert response.status_code == HTTPStatus.OK, query
    return [(each.action, each.target) for each in response.context["cl"].result_list]


def some_events_of_every_kind(frozen_clock):
    """Old events first, then an hour's: a burst of failures, a tripwire, an edit."""
    event("user.created", "ada@example.com")
    event("group.changed", "")
    frozen_clock.advance(days=10)
    for _ in range(3):
        event("sign_in.failed", "ada@example.com", actor=Actor("ada@example.com", Via.PUBLIC))
    event("link.presented_again", "grace@example.com", actor=Actor("system", Via.PUBLIC))
    event("team_link.revoked", "", actor=Actor.command())
    event("link.issued", "grace@example.com", actor=Actor.command())


def test_the_list_shows_the_newest_first_with_its_columns(admin_client, frozen_clock):
    event("user.deactivated", "ada@example.com")
    frozen_clock.advance(minutes=5)
    newest = event("link.revoked", "grace@example.com", actor=Actor.command())

    response = admin_client.get(TRAIL)

    assert response.status_code == HTTPStatus.OK
    assert listed(admin_client) == [
        ("link.revoked", "grace@example.com"),
        ("user.deactivated", "ada@example.com"),
        ("sign_in.succeeded", "admin@example.com"),  # admin_client's, first
    ]
    # Addresses break only after "@", dots and colons (<wbr>), to fit 1280 px.
    page = response.content.decode().replace("<wbr>", "")
    for text in (list_datetime(newest.at), "boss@example.com", "192.0.2.7", "command"):
        assert text in page
    headers = [str(header["text"]) for header in response.context["result_headers"]]
    assert headers == ["number", "when", "actor", "action", "target", "address"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("action=link", ["link.issued", "link.presented_again"]),
        ("action=team_link", ["team_link.revoked"]),
        # admin_client's own sign-in, when the test began, is the oldest event.
        ("action=sign_in", ["sign_in.failed"] * 3 + ["sign_in.succeeded"]),
        ("action=link.presented_again", ["link.presented_again"]),
        ("via__exact=command", ["link.issued", "team_link.revoked"]),
        (
            "within=1h",
            ["link.issued", "team_link.revoked", "link.presented_again"] + ["sign_in.failed"] * 3,
        ),
        ("within=7d&action=user", []),
        ("within=30d&action=user", ["user.created"]),
        ("target=grace@example.com", ["link.issued", "link.presented_again"]),
    ],
)  # fmt: skip
def test_each_filter_lists_its_events(admin_client, frozen_clock, query, expected):
    some_events_of_every_kind(frozen_clock)
    frozen_clock.advance(minutes=30)
    assert [action for action, _target in listed(admin_client, query)] == expected


def test_within_a_period_the_list_is_newest_first_by_time(admin_client, frozen_clock):
    event("user.created", "ada@example.com")
    # A writer that waited for the head: a later number, an earlier time.
    frozen_clock.current -= timedelta(seconds=5)
    event("user.created", "grace@example.com")
    assert listed(admin_client, "action=user") == [
        ("user.created", "grace@example.com"),
        ("user.created", "ada@example.com"),
    ]
    assert listed(admin_client, "action=user&within=1h") == [
        ("user.created", "ada@example.com"),
        ("user.created", "grace@example.com"),
    ]


def test_the_action_filter_offers_every_kind_and_the_action_it_was_given(admin_client):
    response = admin_client.get(f"{TRAIL}?action=sign_in.failed")
    cl = response.context["cl"]
    (actions,) = [spec for spec in cl.filter_specs if spec.title == "action"]
    offered = [choice["display"] for choice in actions.choices(cl)]
    assert offered[:3] == ["All", "Users", "Groups"]
    assert offered[-1] == "sign_in.failed"
    assert [c["display"] for c in actions.choices(cl) if c["selected"]] == ["sign_in.failed"]


def test_the_target_filter_shows_only_while_it_is_used(admin_client):
    event()
    shown = admin_client.get(TRAIL).context["cl"].filter_specs
    assert "target" not in [spec.title for spec in shown if spec.has_output()]
    shown = admin_client.get(f"{TRAIL}?target=ada@example.com").context["cl"].filter_specs
    assert "target" in [spec.title for spec in shown if spec.has_output()]


def test_a_whole_email_finds_the_events_of_its_account_however_it_is_typed(admin_client):
    UserFactory(email="Ada.Lovelace@example.com")
    event("user.created", "Ada.Lovelace@example.com")
    event("sign_in.succeeded", "grace@example.com", actor=Actor("grace@example.com", Via.PUBLIC))
    event("user.changed", "grace@example.com", actor=Actor("Ada.Lovelace@example.com", Via.ADMIN))

    assert listed(admin_client, "q=ada.lovelace@EXAMPLE.com") == [
        ("user.changed", "grace@example.com"),  # as the actor
        ("user.created", "Ada.Lovelace@example.com"),
    ]
    assert listed(admin_client, "q=grace@example.com") == [
        ("user.changed", "grace@example.com"),
        ("sign_in.succeeded", "grace@example.com"),
    ]


def test_part_of_an_email_finds_targets_and_actors_containing_it(admin_client):
    event("user.created", "hedy@example.org")
    event("user.created", "ada@example.com", actor=Actor("lamarr@example.org", Via.ADMIN))
    event("user.created", "grace@example.com")
    assert [target for _action, target in listed(admin_client, "q=example.org")] == [
        "ada@example.com",
        "hedy@example.org",
    ]


def test_an_event_page_shows_every_field_its_detail_as_escaped_json_and_its_hash(admin_client):
    shown = event("user.changed", "ada@example.com", note="<script>alert(1)</script>", n=[1, 2])

    response = admin_client.get(reverse("admin:accounts_auditevent_change", args=[shown.pk]))

    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    for value in (str(shown.seq), "user.changed", "ada@example.com", "boss@example.com"):
        assert value in page
    assert shown.hash in page
    assert shown.at.isoformat(timespec="microseconds") in page
    assert "<script>alert(1)</script>" not in page
    assert (
        '<pre class="audit-detail">{\n  &quot;n&quot;: [\n    1,\n    2\n  ],\n'
        "  &quot;note&quot;: &quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;\n}</pre>"
    ) in page
    assert 'name="_save"' not in page


def test_nobody_adds_changes_or_deletes_an_event_superusers_included(admin_client):
    shown = event()
    change = reverse("admin:accounts_auditevent_change", args=[shown.pk])
    assert admin_client.get(reverse("admin:accounts_auditevent_add")).status_code == 403
    assert admin_client.post(change, {"action": "user.deleted"}).status_code == 403
    delete = reverse("admin:accounts_auditevent_delete", args=[shown.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.get(pk=shown.pk).action == "user.changed"
    assert admin_client.get(TRAIL).context["cl"].model_admin.get_actions(None) == {}


@pytest.mark.parametrize(
    ("perms", "status"),
    [
        ((), HTTPStatus.FORBIDDEN),
        (("accounts.view_user",), HTTPStatus.FORBIDDEN),
        # Django would let "change" open the list; nobody changes an event.
        (("accounts.change_auditevent",), HTTPStatus.FORBIDDEN),
        (("accounts.view_auditevent",), HTTPStatus.OK),
    ],
)
def test_staff_read_the_trail_only_with_its_view_permission(client, perms, status):
    shown = event()
    client.force_login(grant(StaffFactory(), *perms))
    assert client.get(TRAIL).status_code == status
    page = reverse("admin:accounts_auditevent_change", args=[shown.pk])
    assert client.get(page).status_code == status


def _many_events():
    """More events than fit in ten pages of the list, of every kind, by three paths."""
    kinds = [
        "user.created",
        "link.issued",
        "sign_in.failed",
        "link.presented_again",
        "group.changed",
    ]
    for actor in (ADMIN, Actor.command(), Actor("someone@example.com", Via.PUBLIC)):
        audit_record_many(
            actor=actor,
            happenings=[
                Happening(kinds[n % len(kinds)], f"p{n % 40}@example.com", {"n": n})
                for n in range(200)
            ],
        )


TRAIL_QUERIES = {
    "everything": "",
    "a kind": "action=link",
    "an action": "action=sign_in.failed",
    "via": "via__exact=admin",
    "the last hour": "within=1h",
    "a person": "target=p3@example.com",
    "a whole email": "q=p3@example.com",
    "part of an email": "q=p3",
    "sorted by when": "o=2",
}


@pytest.mark.parametrize("query", TRAIL_QUERIES.values(), ids=TRAIL_QUERIES.keys())
def test_the_list_costs_the_same_queries_on_a_few_events_as_on_ten_pages(admin_client, query):
    audit_record_many(
        actor=ADMIN,
        happenings=[
            Happening(action, "p3@example.com") for action in ("sign_in.failed", "link.issued")
        ],
    )
    assert_list_costs_the_same_on_more_data(
        admin_client, f"{TRAIL}?{query}", _many_events, LIST_QUERY_BOUND
    )


def test_every_filter_the_list_offers_costs_the_same_queries_on_more_events(admin_client):
    audit_record_many(
        actor=ADMIN,
        happenings=[Happening(action, "p3@example.com") for action in ("user.x", "link.y")],
    )
    query_strings = filter_query_strings(admin_client, TRAIL)
    assert len(query_strings) >= 15, query_strings
    assert_lists_cost_the_same_on_more_data(
        admin_client, [TRAIL + query for query in query_strings], _many_events, LIST_QUERY_BOUND
    )


def test_an_event_page_costs_the_same_queries_whatever_the_trail(admin_client):
    page = reverse("admin:accounts_auditevent_change", args=[event().pk])
    small = get_with_queries(admin_client, page, warm_up=True)
    _many_events()
    large = get_with_queries(admin_client, page)
    assert_same_query_cost(page, small, large, bound=4)


# --- The user's page links to their events ---------------------------------------


def user_page(user) -> str:
    return reverse("admin:accounts_user_change", args=[user.pk])


def test_a_users_page_links_to_their_events(admin_client):
    ada = UserFactory(email="ada@example.com")
    event("user.created", "ada@example.com")
    event("user.created", "grace@example.com")

    response = admin_client.get(user_page(ada))

    url = response.context["audit_trail_url"]
    assert url == f"{TRAIL}?target=ada%40example.com"
    assert f'href="{url}"' in response.content.decode()
    assert listed(admin_client, url.split("?")[1]) == [("user.created", "ada@example.com")]


def test_the_link_shows_only_to_who_may_read_the_trail(client):
    ada = UserFactory()
    staff = grant(StaffFactory(), "accounts.view_user")
    client.force_login(staff)
    response = client.get(user_page(ada))
    assert response.context["audit_trail_url"] is None
    assert "audit-trail-link" not in response.content.decode()

    client.force_login(grant(staff, "accounts.view_auditevent"))
    assert "audit-trail-link" in client.get(user_page(ada)).content.decode()


def test_the_trails_periods_match_what_the_front_page_counts():
    from accounts.admin_audit_trail import WithinFilter
    from accounts.audit_selectors import BURST_WITHIN, TRIPWIRES_WITHIN

    assert WithinFilter.value_of(TRIPWIRES_WITHIN) == "7d"
    assert WithinFilter.value_of(BURST_WITHIN) == "1h"
    assert WithinFilter.PERIODS["7d"][0] == timedelta(days=7)
