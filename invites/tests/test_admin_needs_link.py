"""Who still needs a link, and what happened to theirs: the user and link admins.

The user list's link column, status and filter "needs a link"; the message after
a reactivation and its button; the user page's summary, issue and revoke
buttons in place of Django's password buttons; the add form's one message for
an address taken; the links list's labels and reason column, and the Revoke
button on a link's page.
"""

from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from accounts.dates import when
from accounts.models import User
from accounts.tests.admin_pages import action_data, messages_of
from accounts.tests.factories import (
    GroupFactory,
    InvitedUserFactory,
    StaffFactory,
    SuperuserFactory,
    UserFactory,
    grant,
)
from invites.links.selectors import (
    newest_link,
    user_standing,
    users_active_not_reset_pending,
    users_needing_link,
    users_reset_pending,
)
from invites.models import Link
from invites.tests.factories import LinkFactory
from invites.tests.test_admin import attrs_of, find_all, parse, text_of

pytestmark = pytest.mark.django_db

USERS_URL = reverse("admin:accounts_user_changelist")
ADD_USER_URL = reverse("admin:accounts_user_add")
LINKS_URL = reverse("admin:invites_link_changelist")


def change_url(user: User) -> str:
    return reverse("admin:accounts_user_change", args=[user.pk])


def revoke_user_link_url(user: User) -> str:
    return reverse("admin:accounts_user_revoke_link", args=[user.pk])


def revoke_link_url(link: Link) -> str:
    return reverse("admin:invites_link_revoke", args=[link.pk])


def cells(response, column: str, part: str | None = None) -> dict[str, str]:
    """The list's ``column`` by the row's email: the text a person reads; only the element
    of class ``part`` in it, if given (the status and the link share a cell)."""
    rows = {}
    for row in find_all(parse(response), "tr"):
        first = find_all(row, cls="field-email_address") or find_all(row, cls="field-user_email")
        wanted = find_all(row, cls=f"field-{column}")
        if first and wanted:
            (email,) = find_all(first[0], cls="address")
            rows[text_of(email)] = text_of(find_all(wanted[0], cls=part)[0] if part else wanted[0])
    return rows


def situations() -> dict[str, User]:
    """A user in each situation a link can leave them in, by name."""
    people = {}

    def person(name: str, *, invited: bool, **options) -> User:
        factory = InvitedUserFactory if invited else UserFactory
        people[name] = factory(email=f"{name}@example.com", **options)
        return people[name]

    person("invited-no-link", invited=True)
    LinkFactory(user=person("invited-open", invited=True))
    LinkFactory(user=person("invited-expired", invited=True), expired=True)
    LinkFactory(user=person("invited-revoked", invited=True), revoked=True)
    person("active-no-link", invited=False)
    reset = {"purpose": Link.Purpose.RESET}
    LinkFactory(user=person("reset-open", invited=False), **reset)
    LinkFactory(user=person("reset-expired", invited=False), expired=True, **reset)
    LinkFactory(user=person("reset-revoked", invited=False), revoked=True, **reset)
    LinkFactory(user=person("reset-used", invited=False), used=True, **reset)
    LinkFactory(
        user=person("reset-then-own-password", invited=False),
        revoked=True,
        revoke_reason=Link.RevokeReason.PASSWORD_CHANGED,
        **reset,
    )
    # An older expired invite, then a newer open one: they hold a link.
    reissued = person("invited-reissued", invited=True)
    LinkFactory(user=reissued, expired=True)
    LinkFactory(user=reissued)
    person("deactivated-invited", invited=True, is_active=False)
    return people


# A revoked reset was taken back: the user keeps their password, and is active.
NEEDING = {
    "invited-no-link",
    "invited-expired",
    "invited-revoked",
    "reset-expired",
}


# --- Who needs a link: the rule, in Python and in the database ----------------------


def test_users_needing_link_are_the_invited_and_reset_pending_without_an_open_link():
    situations()

    found = set(users_needing_link(users=User.objects.all()).values_list("email", flat=True))

    assert found == {f"{name}@example.com" for name in NEEDING}


def test_the_list_status_and_the_filters_apply_the_same_rule():
    situations()
    everyone = User.objects.all()
    needing = set(users_needing_link(users=everyone))
    reset_pending = set(users_reset_pending(users=everyone))
    active = set(users_active_not_reset_pending(users=everyone))
    assert reset_pending
    assert active

    for user in everyone:
        newest = newest_link(user)
        standing = user_standing(user=user, newest=newest)
        holds_open = newest is not None and newest.is_open
        pending = standing in {"invited", "reset_pending"}
        assert (pending and not holds_open) == (user in needing), user.email
        assert (standing == "reset_pending") == (user in reset_pending), user.email
        assert (standing == "active") == (user in active), user.email


# --- The user list --------------------------------------------------------------------


def test_user_list_shows_each_users_link_state(admin_client):
    people = situations()
    expires = Link.objects.get(user=people["invited-open"]).expires_at

    links = cells(admin_client.get(USERS_URL + "?o=1"), "status_label", "link-state")

    assert links["invited-open@example.com"] == f"Link: Open until {when(expires)}"
    assert links["invited-expired@example.com"] == "Link: Expired"
    assert links["invited-revoked@example.com"] == "Link: Revoked"
    assert links["reset-used@example.com"] == "Link: Used"
    assert links["invited-no-link@example.com"] == "No link"
    assert links["invited-reissued@example.com"].startswith("Link: Open until ")


def test_user_list_says_reset_pending_for_an_unfinished_reset(admin_client):
    situations()

    statuses = cells(admin_client.get(USERS_URL), "status_label", "user-status")

    assert statuses["reset-expired@example.com"] == "Reset pending"
    assert statuses["reset-open@example.com"] == "Reset pending"
    assert statuses["reset-used@example.com"] == "Active"
    assert statuses["reset-revoked@example.com"] == "Active"
    assert statuses["reset-then-own-password@example.com"] == "Active"
    assert statuses["invited-expired@example.com"] == "Invited"
    assert statuses["deactivated-invited@example.com"] == "Deactivated"


@pytest.mark.parametrize(
    ("status", "names"),
    [
        ("reset_pending", {"reset-open", "reset-expired"}),
        ("active", {"active-no-link", "reset-used", "reset-revoked", "reset-then-own-password"}),
    ],
)
def test_status_filter_reads_as_the_status_column(admin_client, status, names):
    situations()

    response = admin_client.get(USERS_URL + f"?status={status}")

    statuses = cells(response, "status_label", "user-status")
    people = {email for email in statuses if email != "admin@example.com"}
    assert people == {f"{name}@example.com" for name in names}
    assert set(statuses.values()) == {"Reset pending" if status == "reset_pending" else "Active"}


def test_needs_a_link_filter_lists_only_those_without_an_open_link(admin_client):
    situations()

    response = admin_client.get(USERS_URL + "?link=needed")

    assert set(cells(response, "status_label")) == {f"{name}@example.com" for name in NEEDING}
    filters = text_of(find_all(parse(response), id="changelist-filter")[0])
    assert "Needs a link" in filters


def test_user_list_shows_each_users_groups_by_name(admin_client):
    user = UserFactory(email="ada@example.com")
    user.groups.add(GroupFactory(name="support"), GroupFactory(name="engineering"))
    UserFactory(email="bob@example.com")

    groups = cells(admin_client.get(USERS_URL), "group_names")

    assert groups["ada@example.com"] == "engineering, support"
    assert groups["bob@example.com"] == "-"


# --- Reactivation -----------------------------------------------------------------------


def test_reactivation_says_how_many_need_a_link_and_offers_to_issue_them(admin_client):
    invited = InvitedUserFactory(email="invited@example.com", is_active=False)
    LinkFactory(user=invited, revoked=True, revoke_reason=Link.RevokeReason.USER_DEACTIVATED)
    with_password = UserFactory(email="has-password@example.com", is_active=False)
    never_linked = InvitedUserFactory(email="never-linked@example.com", is_active=False)

    # From the list of deactivated users, which will no longer hold them.
    response = admin_client.post(
        USERS_URL + "?status=deactivated",
        action_data("reactivate_users", [invited, with_password, never_linked]),
        follow=True,
    )

    assert messages_of(response)[:2] == [
        "Reactivated 3 users.",
        "2 of them have no password and no open set-password link: they cannot sign in "
        "until they get new links. Issue theirs with the button below.",
    ]
    (form,) = find_all(parse(response), "form", cls="needs-link-form")
    assert attrs_of(form)["method"] == "post"
    assert attrs_of(form)["action"] == USERS_URL
    hidden = [attrs_of(field) for field in find_all(form, "input")]
    assert {"type": "hidden", "name": "action", "value": "generate_set_password_links"} in hidden
    selected = {int(field["value"]) for field in hidden if field["name"] == "_selected_action"}
    assert selected == {invited.pk, never_linked.pk}
    assert any(field["name"] == "csrfmiddlewaretoken" for field in hidden)
    assert [text_of(b) for b in find_all(form, "button")] == [
        "Issue set-password links for these 2 users"
    ]

    # The button leads to the action's confirmation page for those two.
    data = {
        field["name"]: field["value"] for field in hidden if field["name"] != "_selected_action"
    }
    confirmation = admin_client.post(USERS_URL, {**data, "_selected_action": sorted(selected)})
    assert confirmation.status_code == HTTPStatus.OK
    assert confirmation.templates[0].name == "admin/invites/issue_links_confirmation.html"
    assert {user.email for user, _purpose in confirmation.context["users"]} == {
        "invited@example.com",
        "never-linked@example.com",
    }
    assert not Link.objects.open().exists()

    # Shown once: the list seen again has no button.
    again = admin_client.get(USERS_URL)
    assert not find_all(parse(again), "form", cls="needs-link-form")


def test_reactivation_by_staff_who_may_not_issue_says_whom_to_ask(client):
    client.force_login(grant(StaffFactory(), "accounts.view_user", "accounts.change_user"))
    invited = InvitedUserFactory(is_active=False)

    response = client.post(USERS_URL, action_data("reactivate_users", [invited]), follow=True)

    assert messages_of(response) == [
        "Reactivated 1 user.",
        "1 of them has no password and no open set-password link: they cannot sign in until "
        "they get a new link. Ask an administrator who may issue set-password links.",
    ]
    assert not find_all(parse(response), "form", cls="needs-link-form")


def test_reactivation_of_users_who_have_passwords_adds_nothing(admin_client):
    user = UserFactory(is_active=False)

    response = admin_client.post(USERS_URL, action_data("reactivate_users", [user]), follow=True)

    assert messages_of(response) == ["Reactivated 1 user."]
    assert not find_all(parse(response), "form", cls="needs-link-form")


def test_reactivation_refused_adds_no_count_and_no_button(client):
    staff = grant(
        StaffFactory(), "accounts.view_user", "accounts.change_user", "invites.issue_link"
    )
    client.force_login(staff)
    powerful = SuperuserFactory(is_active=False)
    invited = InvitedUserFactory(is_active=False)

    response = client.post(
        USERS_URL, action_data("reactivate_users", [powerful, invited]), follow=True
    )

    assert len(messages_of(response)) == 1
    assert "exceed yours" in messages_of(response)[0]
    assert not find_all(parse(response), "form", cls="needs-link-form")


# --- The user's change page ----------------------------------------------------------


@pytest.mark.parametrize("invited", [True, False], ids=["invited", "with a password"])
def test_change_page_offers_no_django_password_buttons(admin_client, invited):
    user = (InvitedUserFactory if invited else UserFactory)()

    body = admin_client.get(change_url(user)).content.decode()

    for django_words in (
        "Set password",
        "Reset password",
        "Enable password-based authentication",
        "Password-based authentication",
        "../password/",
    ):
        assert django_words not in body
    assert "Issue a set-password link" in body


def test_change_page_summary_sits_above_the_permissions(admin_client):
    user = InvitedUserFactory(email="ada@example.com")
    link = LinkFactory(user=user, expired=True)

    response = admin_client.get(change_url(user))
    page = parse(response)

    (summary,) = find_all(page, "section", cls="user-summary")
    terms = [text_of(term) for term in find_all(summary, "dt")]
    values = [text_of(value) for value in find_all(summary, "dd")]
    assert dict(zip(terms, values, strict=True)) == {
        "Status": "Invited",
        "Set-password link": "Expired",
        "Last sign-in": "never",
    }
    body = response.content.decode()
    assert body.index("user-summary") < body.index(">Permissions<")
    assert link.state == Link.State.EXPIRED
    # No open link: nothing to revoke, and issuing revokes nothing.
    assert not find_all(summary, "form", cls="revoke-link-form")
    assert not find_all(summary, id="issue-link-note")


def test_issue_button_says_beforehand_that_it_revokes_the_open_link(admin_client):
    user = UserFactory(email="ada@example.com")
    link = LinkFactory(user=user, purpose=Link.Purpose.RESET)

    page = parse(admin_client.get(change_url(user)))

    (summary,) = find_all(page, "section", cls="user-summary")
    (issue_form,) = find_all(summary, "form", cls="issue-link-form")
    (button,) = find_all(issue_form, "button")
    assert attrs_of(button)["aria-describedby"] == "issue-link-note"
    (note,) = find_all(summary, id="issue-link-note")
    expires = when(link.expires_at)
    assert text_of(note) == (
        f"Issuing a new link revokes the open one, valid until {expires}: a copy already "
        "handed over stops working."
    )


def test_revoke_button_on_the_user_page_revokes_their_open_link(admin_client, admin_user):
    user = UserFactory(email="ada@example.com")
    link = LinkFactory(user=user, purpose=Link.Purpose.RESET)
    page = parse(admin_client.get(change_url(user)))
    (form,) = find_all(page, "form", cls="revoke-link-form")
    assert attrs_of(form)["action"] == revoke_user_link_url(user)
    assert attrs_of(form)["method"] == "post"

    response = admin_client.post(revoke_user_link_url(user), follow=True)

    link.refresh_from_db()
    assert link.state == Link.State.REVOKED
    assert link.revoked_by == admin_user
    assert link.revoke_reason == Link.RevokeReason.ADMIN
    assert response.redirect_chain[-1][0] == change_url(user)
    assert messages_of(response) == ["The open set-password link of ada@example.com was revoked."]
    assert not find_all(parse(response), "form", cls="revoke-link-form")


def test_revoke_url_of_the_user_page_takes_only_post_with_csrf(admin_user):
    link = LinkFactory(user=UserFactory())
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)

    assert client.get(revoke_user_link_url(link.user)).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert client.post(revoke_user_link_url(link.user)).status_code == HTTPStatus.FORBIDDEN
    link.refresh_from_db()
    assert link.is_open


def test_revoke_on_the_user_page_needs_a_right_to_revoke(client):
    link = LinkFactory(user=UserFactory())
    client.force_login(grant(StaffFactory(), "accounts.view_user", "accounts.change_user"))

    assert "revoke-link-form" not in client.get(change_url(link.user)).content.decode()
    assert client.post(revoke_user_link_url(link.user)).status_code == HTTPStatus.FORBIDDEN
    link.refresh_from_db()
    assert link.is_open


def test_revoke_on_the_user_page_keeps_to_the_powers_rule(client):
    link = LinkFactory(user=SuperuserFactory(email="root@example.com"))
    client.force_login(grant(StaffFactory(), "accounts.view_user", "invites.issue_link"))

    response = client.post(revoke_user_link_url(link.user), follow=True)

    link.refresh_from_db()
    assert link.is_open
    assert messages_of(response) == [
        "No link was revoked: root@example.com has powers that exceed yours. Ask a superuser."
    ]


# --- Adding a user whose email exists --------------------------------------------------


@pytest.mark.parametrize("typed", ["ada@example.com", "ADA@Example.com"])
def test_an_address_taken_gets_one_message_that_leads_to_its_user(admin_client, typed):
    existing = UserFactory(email="ada@example.com")

    response = admin_client.post(
        ADD_USER_URL, {"email": typed, "first_name": "Ada", "last_name": "L"}
    )

    assert response.status_code == HTTPStatus.OK
    assert User.objects.count() == 2  # the existing user and the admin: nothing added
    errors = find_all(parse(response), "ul", cls="errorlist")
    assert [text_of(error) for error in errors] == [
        "A user with this email address already exists: ada@example.com. "
        "Issue a new link from their page."
    ]
    (link,) = find_all(errors[0], "a")
    assert attrs_of(link)["href"] == change_url(existing) + "#user-summary-heading"
    assert text_of(link) == "Issue a new link"
    assert not Link.objects.exists()


# --- The links list and a link's page ------------------------------------------------


def test_links_list_labels_states_as_the_user_list_labels_people(admin_client):
    LinkFactory(user=InvitedUserFactory(email="invited@example.com"))
    LinkFactory(user=UserFactory(email="reset@example.com"), purpose=Link.Purpose.RESET)
    LinkFactory(user=UserFactory(email="used@example.com"), used=True)
    LinkFactory(user=InvitedUserFactory(email="expired@example.com"), expired=True)
    LinkFactory(user=InvitedUserFactory(email="revoked@example.com"), revoked=True)

    response = admin_client.get(LINKS_URL)

    assert cells(response, "state_label") == {
        "invited@example.com": "Invited",
        "reset@example.com": "Reset pending",
        "used@example.com": "Used",
        "expired@example.com": "Expired",
        "revoked@example.com": "Revoked",
    }
    users = cells(admin_client.get(USERS_URL), "status_label", "user-status")
    assert users["invited@example.com"] == "Invited"
    assert users["reset@example.com"] == "Reset pending"
    filters = text_of(find_all(parse(response), id="changelist-filter")[0])
    assert "Open (invited or reset pending)" in filters
    assert "pending " not in filters.replace("reset pending", "")


def test_links_list_shows_each_revoked_links_reason(admin_client):
    LinkFactory(user=InvitedUserFactory(email="by-admin@example.com"), revoked=True)
    LinkFactory(
        user=InvitedUserFactory(email="superseded@example.com"),
        revoked=True,
        revoke_reason=Link.RevokeReason.SUPERSEDED,
    )
    LinkFactory(user=InvitedUserFactory(email="open@example.com"))

    reasons = cells(admin_client.get(LINKS_URL), "reason")

    assert reasons == {
        "by-admin@example.com": "Revoked by an administrator",
        "superseded@example.com": "Superseded by a newer link",
        "open@example.com": "-",
    }


def test_revoke_button_on_a_links_page_revokes_it(admin_client, admin_user):
    link = LinkFactory(user=InvitedUserFactory())
    page_url = reverse("admin:invites_link_change", args=[link.pk])
    (form,) = find_all(parse(admin_client.get(page_url)), "form", cls="revoke-link-form")
    assert attrs_of(form)["action"] == revoke_link_url(link)
    assert attrs_of(form)["method"] == "post"

    response = admin_client.post(revoke_link_url(link), follow=True)

    link.refresh_from_db()
    assert link.state == Link.State.REVOKED
    assert link.revoked_by == admin_user
    assert response.redirect_chain[-1][0] == page_url
    assert messages_of(response) == ["Revoked 1 link."]
    assert not find_all(parse(response), "form", cls="revoke-link-form")


@pytest.mark.parametrize("state", ["used", "expired", "revoked"])
def test_a_closed_links_page_has_no_revoke_button(admin_client, state):
    link = LinkFactory(user=InvitedUserFactory(), **{state: True})

    body = admin_client.get(reverse("admin:invites_link_change", args=[link.pk])).content
    assert b"revoke-link-form" not in body


def test_revoke_url_of_a_link_takes_only_post_with_csrf(admin_user):
    link = LinkFactory(user=InvitedUserFactory())
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)

    assert client.get(revoke_link_url(link)).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert client.post(revoke_link_url(link)).status_code == HTTPStatus.FORBIDDEN
    link.refresh_from_db()
    assert link.is_open


def test_revoke_url_of_a_link_needs_a_right_to_revoke(client):
    link = LinkFactory(user=InvitedUserFactory())
    client.force_login(grant(StaffFactory(), "invites.view_link"))

    page = client.get(reverse("admin:invites_link_change", args=[link.pk]))
    assert page.status_code == HTTPStatus.OK
    assert b"revoke-link-form" not in page.content
    assert client.post(revoke_link_url(link)).status_code == HTTPStatus.FORBIDDEN
    link.refresh_from_db()
    assert link.is_open


def test_revoke_url_of_a_link_keeps_to_the_powers_rule(client):
    link = LinkFactory(user=SuperuserFactory(email="root@example.com"))
    client.force_login(grant(StaffFactory(), "invites.view_link", "invites.issue_link"))

    response = client.post(revoke_link_url(link), follow=True)

    link.refresh_from_db()
    assert link.is_open
    assert messages_of(response) == [
        "No link was revoked: root@example.com has powers that exceed yours. Ask a superuser."
    ]


def test_an_unknown_links_revoke_url_is_not_found(admin_client):
    assert admin_client.post(revoke_link_url(Link(pk=999))).status_code == HTTPStatus.NOT_FOUND
