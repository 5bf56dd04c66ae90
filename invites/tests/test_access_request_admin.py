"""Access requests in the admin: the list, approving, declining, a fresh link."""

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts import clock
from accounts.models import User
from accounts.tests.factories import GroupFactory, StaffFactory, grant
from invites.keys.errors import KeyInvalid
from invites.models import AccessRequest, Link
from invites.tests.factories import AccessRequestFactory

pytestmark = pytest.mark.django_db

LIST = reverse("admin:invites_accessrequest_changelist")


def approve_url(access_request):
    return reverse("admin:invites_accessrequest_approve", args=[access_request.pk])


def change_url(access_request):
    return reverse("admin:invites_accessrequest_change", args=[access_request.pk])


def test_the_list_shows_requests_and_filters_the_pending_ones(admin_client):
    AccessRequestFactory(email="ada@example.com", note="Babbage vouches")
    AccessRequestFactory(email="grace@example.com", declined=True)
    page = admin_client.get(LIST, {"state": "pending"})
    assert page.status_code == HTTPStatus.OK
    text = page.content.decode()
    assert "ada@example.com" in text
    assert "Babbage vouches" in text
    assert "grace@example.com" not in text
    assert "grace@example.com" in admin_client.get(LIST).content.decode()


def test_the_list_says_which_emails_have_an_account(admin_client):
    AccessRequestFactory(email="admin@example.com")
    page = admin_client.get(LIST).content.decode()
    assert 'alt="True"' in page  # the superuser admin_client signs in as has this email


def test_approving_asks_for_groups_and_staff_status_then_creates_the_account(admin_client):
    access_request = AccessRequestFactory(email="ada@example.com")
    group = GroupFactory(name="readers")

    form = admin_client.get(approve_url(access_request))
    assert form.status_code == HTTPStatus.OK
    assert "readers" in form.content.decode()

    done = admin_client.post(approve_url(access_request), {"groups": [group.pk], "is_staff": "on"})

    assert done.status_code == HTTPStatus.FOUND
    assert done["Location"] == change_url(access_request)
    user = User.objects.get(email="ada@example.com")
    assert user.is_staff
    assert list(user.groups.all()) == [group]
    assert Link.open_by_secret(access_request.secret).user == user
    page = admin_client.get(done["Location"]).content.decode()
    assert "Issue a new link instead" in page
    assert reverse("admin:accounts_user_issue_link", args=[user.pk]) in page


def test_a_new_link_instead_replaces_the_status_link(admin_client):
    access_request = AccessRequestFactory(email="ada@example.com")
    admin_client.post(approve_url(access_request), {})
    user = User.objects.get(email="ada@example.com")

    issued = admin_client.post(reverse("admin:accounts_user_issue_link", args=[user.pk]))

    assert issued.status_code == HTTPStatus.OK
    assert "set-password/" in issued.content.decode()
    assert Link.objects.open().count() == 1
    with pytest.raises(KeyInvalid):
        Link.open_by_secret(access_request.secret)


def test_approving_an_email_that_has_an_account_is_refused(admin_client):
    access_request = AccessRequestFactory(email="admin@example.com")
    page = admin_client.get(approve_url(access_request)).content.decode()
    assert "Approving never changes an account" in page
    done = admin_client.post(approve_url(access_request), {}, follow=True)
    assert "an account with this email address exists" in done.content.decode()
    assert AccessRequest.objects.get().state == "pending"


def test_approving_needs_the_right_to_issue_links_and_add_users(client):
    access_request = AccessRequestFactory(email="ada@example.com")
    staff = grant(StaffFactory(), "invites.view_accessrequest", "accounts.add_user")
    client.force_login(staff)
    assert client.get(approve_url(access_request)).status_code == HTTPStatus.FORBIDDEN
    assert client.post(approve_url(access_request), {}).status_code == HTTPStatus.FORBIDDEN
    assert not User.objects.filter(email="ada@example.com").exists()


def test_a_request_decided_already_leads_back_to_its_page_with_a_warning(admin_client):
    access_request = AccessRequestFactory(email="ada@example.com", declined=True)

    for answer in (
        admin_client.get(approve_url(access_request)),
        admin_client.post(approve_url(access_request), {}),
    ):
        assert answer.status_code == HTTPStatus.FOUND
        assert answer["Location"] == change_url(access_request)
    page = admin_client.get(change_url(access_request)).content.decode()
    assert "This request was decided already." in page
    assert not User.objects.filter(email="ada@example.com").exists()


def test_approving_takes_a_post_and_nothing_else_that_writes(admin_client):
    access_request = AccessRequestFactory()

    answer = admin_client.put(approve_url(access_request))

    assert answer.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert AccessRequest.objects.get().state == "pending"


def test_approving_a_request_that_does_not_exist_is_not_found(admin_client):
    missing = reverse("admin:invites_accessrequest_approve", args=[999_999])
    assert admin_client.get(missing).status_code == HTTPStatus.NOT_FOUND


def test_staff_cannot_approve_into_a_group_more_powerful_than_they_are(client):
    access_request = AccessRequestFactory(email="ada@example.com")
    powerful = GroupFactory(name="powerful")
    powerful.permissions.add(Permission.objects.get(codename="delete_user"))
    staff = grant(
        StaffFactory(), "invites.view_accessrequest", "accounts.add_user", "invites.issue_link"
    )
    client.force_login(staff)
    page = client.post(approve_url(access_request), {"groups": [powerful.pk]})
    assert page.status_code == HTTPStatus.OK
    assert "exceed yours" in page.content.decode()
    assert not User.objects.filter(email="ada@example.com").exists()


def test_declining_asks_for_an_optional_reason(admin_client):
    access_request = AccessRequestFactory()
    selection = {"action": "decline_requests", "_selected_action": [access_request.pk]}

    confirm = admin_client.post(LIST, selection)
    assert confirm.status_code == HTTPStatus.OK
    assert "Reason (optional)" in confirm.content.decode()
    assert AccessRequest.objects.get().state == "pending"

    done = admin_client.post(LIST, {**selection, "apply": "1", "reason": "Not one of us."})
    assert done.status_code == HTTPStatus.FOUND
    declined = AccessRequest.objects.get()
    assert (declined.state, declined.decline_reason) == ("declined", "Not one of us.")


def test_the_request_page_offers_approve_and_decline_while_pending(admin_client):
    access_request = AccessRequestFactory()
    page = admin_client.get(change_url(access_request)).content.decode()
    assert approve_url(access_request) in page
    assert 'value="decline_requests"' in page
    assert access_request.digest not in page


@pytest.mark.parametrize("spelling", ["ADMIN@exa\uff4dple.com", " Admin@Example.com "])
def test_a_request_spelling_an_existing_address_otherwise_is_shown_as_such_and_refused(
    admin_client, spelling
):
    """A full-width letter was approved into a second account that could never sign in."""
    AccessRequestFactory(email=spelling)
    access_request = AccessRequest.objects.get()
    listed = admin_client.get(reverse("admin:invites_accessrequest_changelist")).content.decode()
    page = admin_client.get(approve_url(access_request)).content.decode()
    assert "Approving never changes an account" in page
    done = admin_client.post(approve_url(access_request), {}, follow=True)
    assert "an account with this email address exists" in done.content.decode()
    assert User.objects.count() == 1
    assert AccessRequest.objects.get().state == "pending"
    assert listed.count('alt="True"') == 1, "the list's “has an account” column"


def test_every_pending_request_from_a_flooding_network_is_declined_in_one_action(admin_client):
    flood = [
        AccessRequestFactory(client_address=f"198.51.100.{host}", client_network="198.51.100.0/24")
        for host in (7, 8, 9)
    ]
    genuine = AccessRequestFactory(client_address="203.0.113.5", client_network="203.0.113.0/24")
    changelist = reverse("admin:invites_accessrequest_changelist")

    page = admin_client.post(
        changelist,
        {"action": "decline_networks", ACTION_CHECKBOX_NAME: [flood[0].pk]},
    )
    assert "Every pending request from 198.51.100.0/24" in page.content.decode()
    listed = set(page.context["requests"])
    assert listed == set(flood)

    admin_client.post(
        changelist,
        {
            "action": "decline_requests",
            ACTION_CHECKBOX_NAME: [each.pk for each in listed],
            "apply": "1",
            "reason": "",
        },
    )
    assert set(AccessRequest.objects.filter(state="declined")) == set(flood)
    genuine.refresh_from_db()
    assert genuine.state == "pending"


def test_the_pending_filter_leaves_out_expired_requests_which_have_their_own(
    admin_client, settings
):
    settings.ACCESS_REQUESTS_PENDING_MAX_AGE = 3600
    fresh = AccessRequestFactory(email="fresh@example.com")
    AccessRequestFactory(email="stale@example.com", created_at=clock.now() - timedelta(hours=2))
    changelist = reverse("admin:invites_accessrequest_changelist")
    pending = admin_client.get(changelist, {"state": "pending"})
    expired = admin_client.get(changelist, {"state": "expired"})
    assert list(pending.context["cl"].result_list) == [fresh]
    assert [each.email for each in expired.context["cl"].result_list] == ["stale@example.com"]
