"""Access requests' services: submitting, approving, declining, purging."""

import pytest
from django.contrib.auth.models import Permission

from accounts.models import User
from accounts.tests.factories import (
    GroupFactory,
    StaffFactory,
    SuperuserFactory,
    UserFactory,
    grant,
)
from invites.access_requests import services as access_request_services
from invites.access_requests.errors import AccessRequestRefused, AccessRequestsFull
from invites.keys.secrets import secret_digest, secret_make
from invites.links import services as link_services
from invites.links.errors import IssueRefused
from invites.models import AccessRequest, Link
from invites.tests.factories import AccessRequestFactory

pytestmark = pytest.mark.django_db


def submit(email="ada@example.com", **fields):
    """File a request through the service, for the tests of filing one."""
    fields = {"first_name": "Ada", "last_name": "Lovelace", "note": "Babbage vouches", **fields}
    return access_request_services.access_request_submit(email=email, address="192.0.2.7", **fields)


def approver():
    return grant(StaffFactory(), "invites.issue_link", "accounts.add_user")


def test_a_request_stores_only_the_digest_of_its_status_secret():
    secret = submit()
    stored = AccessRequest.objects.get()
    assert stored.digest == secret_digest(secret)
    assert secret not in str(list(AccessRequest.objects.values()))
    assert (stored.state, stored.client_address) == ("pending", "192.0.2.7")


def test_a_request_for_an_existing_account_is_stored_alike_and_changes_nothing():
    user = UserFactory(email="ada@example.com")
    password = user.password
    submit(email="ADA@example.com")
    submit(email="ADA@example.com")
    assert AccessRequest.objects.pending().count() == 2
    user.refresh_from_db()
    assert (user.password, user.first_name) == (password, user.first_name)


def test_no_request_is_taken_past_the_cap_on_pending_ones(settings):
    settings.ACCESS_REQUESTS_MAX_PENDING = 2
    submit()
    submit()
    with pytest.raises(AccessRequestsFull):
        submit()
    assert AccessRequest.objects.count() == 2
    AccessRequest.objects.update(state=AccessRequest.State.DECLINED)
    submit()


def test_approval_creates_the_user_and_makes_the_status_secret_their_invite_link():
    request = AccessRequestFactory(email="ada@example.com", first_name="Ada", last_name="Lovelace")
    group = GroupFactory(name="readers")
    admin = SuperuserFactory()

    user = access_request_services.access_request_approve(
        access_request=request, approver=admin, groups=[group], is_staff=True
    )

    assert (user.email, user.first_name, user.last_name) == ("ada@example.com", "Ada", "Lovelace")
    assert not user.has_usable_password()
    assert user.is_staff
    assert not user.is_superuser
    assert list(user.groups.all()) == [group]
    link = Link.open_by_secret(request.secret)
    assert (link.user, link.purpose, link.created_by) == (user, Link.Purpose.INVITE, admin)
    request.refresh_from_db()
    assert (request.state, request.decided_by, request.user) == ("approved", admin, user)
    assert request.decided_at is not None


def test_a_request_is_approved_once():
    request = AccessRequestFactory(email="ada@example.com")
    access_request_services.access_request_approve(
        access_request=request, approver=SuperuserFactory()
    )
    with pytest.raises(AccessRequestRefused, match="decided already"):
        access_request_services.access_request_approve(
            access_request=request, approver=SuperuserFactory()
        )
    assert User.objects.filter(email="ada@example.com").count() == 1


def test_approval_never_changes_an_existing_account():
    user = UserFactory(email="ada@example.com", first_name="Someone")
    request = AccessRequestFactory(email="Ada@Example.com")
    with pytest.raises(AccessRequestRefused, match="account with this email address exists"):
        access_request_services.access_request_approve(
            access_request=request, approver=SuperuserFactory()
        )
    user.refresh_from_db()
    assert user.first_name == "Someone"
    assert not Link.objects.exists()
    assert AccessRequest.objects.get().state == "pending"


def test_approval_needs_the_powers_of_issuing_a_link_for_such_a_user():
    request = AccessRequestFactory(email="ada@example.com")
    powerful = GroupFactory(name="powerful")
    powerful.permissions.add(Permission.objects.get(codename="delete_user"))
    with pytest.raises(IssueRefused):
        access_request_services.access_request_approve(
            access_request=request, approver=approver(), groups=[powerful]
        )
    # Nothing written: no user, no link, the request still pending.
    assert not User.objects.filter(email="ada@example.com").exists()
    assert not Link.objects.exists()
    assert AccessRequest.objects.get().state == "pending"


def test_staff_who_may_not_issue_links_approve_nothing():
    request = AccessRequestFactory(email="ada@example.com")
    with pytest.raises(IssueRefused):
        access_request_services.access_request_approve(
            access_request=request,
            approver=grant(StaffFactory(), "accounts.add_user"),
        )
    assert not User.objects.filter(email="ada@example.com").exists()


def test_staff_approve_within_their_powers():
    user = access_request_services.access_request_approve(
        access_request=AccessRequestFactory(), approver=approver(), groups=[GroupFactory()]
    )
    assert Link.objects.get().user == user


def test_declining_keeps_the_reason_and_leaves_decided_requests_alone():
    AccessRequestFactory(email="ada@example.com")
    AccessRequestFactory(email="grace@example.com", approved=True)
    admin = SuperuserFactory()

    count = access_request_services.access_requests_decline(
        access_requests=AccessRequest.objects.all(), by=admin, reason=" Unknown to us. "
    )

    assert count == 1
    declined = AccessRequest.objects.get(email="ada@example.com")
    assert (declined.state, declined.decline_reason, declined.decided_by) == (
        "declined",
        "Unknown to us.",
        admin,
    )
    assert AccessRequest.objects.get(email="grace@example.com").state == "approved"


def test_purging_deletes_declined_and_stale_requests_only(settings, frozen_clock):
    settings.ACCESS_REQUESTS_MAX_AGE = 30 * 24 * 3600
    AccessRequestFactory(email="stale@example.com")
    AccessRequestFactory(email="declined@example.com", declined=True)
    AccessRequestFactory(email="approved@example.com", approved=True)
    frozen_clock.advance(days=31)
    AccessRequestFactory(email="fresh@example.com")

    assert access_request_services.access_requests_purge(dry_run=True).count == 2
    purged = access_request_services.access_requests_purge()

    assert purged.count == 2
    assert set(AccessRequest.objects.values_list("email", flat=True)) == {
        "approved@example.com",
        "fresh@example.com",
    }


def test_a_link_for_a_digest_is_refused_beyond_the_issuers_powers():
    staff = grant(StaffFactory(), "invites.issue_link")
    with pytest.raises(IssueRefused):
        link_services.link_issue_for_digest(
            user=SuperuserFactory(), issuer=staff, digest=secret_digest(secret_make())
        )
    assert not Link.objects.exists()


# --- What mutation testing found unguarded (docs/testing.md, "Mutation testing") ----------------


def test_an_approved_account_is_not_staff_unless_asked():
    user = access_request_services.access_request_approve(
        access_request=AccessRequestFactory(), approver=SuperuserFactory()
    )
    assert not user.is_staff


def test_of_two_approvals_of_one_email_at_once_the_second_is_refused(monkeypatch):
    """Both pass the check for an existing account; the second then meets the unique email."""
    first = AccessRequestFactory(email="ada@example.com")
    second = AccessRequestFactory(email="ADA@example.com")
    admin = SuperuserFactory()
    access_request_services.access_request_approve(access_request=first, approver=admin)
    monkeypatch.setattr(
        type(User.objects), "by_email", lambda self, email: User.objects.none(), raising=False
    )

    with pytest.raises(AccessRequestRefused) as refused:
        access_request_services.access_request_approve(access_request=second, approver=admin)

    assert refused.value.reason == AccessRequestRefused.Reason.ACCOUNT_EXISTS
    second.refresh_from_db()
    assert second.state == "pending"
    assert Link.objects.count() == 1


def test_an_approval_is_logged_and_written_to_the_new_users_history(caplog, frozen_clock):
    from django.contrib.admin.models import ADDITION, LogEntry
    from django.contrib.contenttypes.models import ContentType

    request, admin = AccessRequestFactory(email="ada@example.com"), SuperuserFactory()
    with caplog.at_level("INFO", logger="invites.access_requests.services"):
        user = access_request_services.access_request_approve(
            access_request=request, approver=admin
        )

    assert [
        r.getMessage() for r in caplog.records if r.name == "invites.access_requests.services"
    ] == [f"Access request {request.pk} approved by user {admin.pk}: user {user.pk}."]
    added = LogEntry.objects.get(action_flag=ADDITION)
    assert (added.user, added.content_type, added.object_id, added.object_repr) == (
        admin,
        ContentType.objects.get_for_model(User),
        str(user.pk),
        "ada@example.com",
    )
    assert (added.get_change_message(), added.action_time) == ("Added.", frozen_clock.current)


def test_declining_without_a_reason_keeps_none():
    AccessRequestFactory()
    access_request_services.access_requests_decline(
        access_requests=AccessRequest.objects.all(), by=SuperuserFactory()
    )
    assert AccessRequest.objects.get().decline_reason == ""


def test_purging_takes_any_age_above_zero_and_says_which_cutoff_it_used(frozen_clock):
    from datetime import timedelta

    AccessRequestFactory()
    purged = access_request_services.access_requests_purge(older_than=timedelta(hours=1))
    assert (purged.count, purged.cutoff) == (0, frozen_clock.current - timedelta(hours=1))
    assert AccessRequest.objects.count() == 1


@pytest.mark.parametrize("max_age", [0, -60])
def test_a_maximum_age_of_zero_or_less_purges_nothing_and_says_so(settings, frozen_clock, max_age):
    """Else every pending request would be deleted at once."""
    settings.ACCESS_REQUESTS_MAX_AGE = max_age
    AccessRequestFactory()
    frozen_clock.advance(seconds=1)
    with pytest.raises(ValueError, match=r"^older_than must be above zero\.$"):
        access_request_services.access_requests_purge()
    assert AccessRequest.objects.count() == 1


# --- A flood from one network (the live attack: 42 addresses, 5 requests each) --------------


def test_one_networks_flood_fills_only_its_own_share_and_a_genuine_request_gets_through(
    settings,
):
    settings.ACCESS_REQUESTS_MAX_PENDING = 200
    settings.ACCESS_REQUESTS_MAX_PENDING_PER_NETWORK = 10
    taken = 0
    for host in range(1, 43):
        for _ in range(5):
            try:
                access_request_services.access_request_submit(
                    email=f"bot{host}@example.com",
                    first_name="B",
                    last_name="O",
                    note="t",
                    address=f"198.51.100.{host}",
                )
                taken += 1
            except AccessRequestsFull:
                pass
    assert taken == 10
    submit(email="genuine@example.com")  # another network: not refused
    assert AccessRequest.objects.filter(email="genuine@example.com").exists()


def test_ipv6_addresses_of_one_slash_64_are_one_network(settings):
    settings.ACCESS_REQUESTS_MAX_PENDING_PER_NETWORK = 2
    for host in ("2001:db8:1:2::1", "2001:db8:1:2:ffff::9"):
        access_request_services.access_request_submit(
            email=f"{host[-1]}@example.com", first_name="A", last_name="B", note="", address=host
        )
    with pytest.raises(AccessRequestsFull):
        access_request_services.access_request_submit(
            email="c@example.com", first_name="A", last_name="B", note="", address="2001:db8:1:2::3"
        )
    access_request_services.access_request_submit(
        email="d@example.com", first_name="A", last_name="B", note="", address="2001:db8:1:3::1"
    )
    assert set(AccessRequest.objects.values_list("client_network", flat=True)) == {
        "2001:db8:1:2::/64",
        "2001:db8:1:3::/64",
    }


def test_a_pending_request_expires_counts_for_no_cap_and_cannot_be_approved(settings, frozen_clock):
    settings.ACCESS_REQUESTS_MAX_PENDING = 1
    settings.ACCESS_REQUESTS_PENDING_MAX_AGE = 3600
    submit(email="old@example.com")
    with pytest.raises(AccessRequestsFull):
        submit(email="new@example.com")
    frozen_clock.advance(hours=1)
    old = AccessRequest.objects.get()
    assert old.is_expired
    assert list(AccessRequest.objects.expired()) == [old]
    submit(email="new@example.com")
    with pytest.raises(AccessRequestRefused) as refused:
        access_request_services.access_request_approve(access_request=old, approver=approver())
    assert refused.value.reason == AccessRequestRefused.Reason.EXPIRED
    assert not User.objects.filter(email="old@example.com").exists()
