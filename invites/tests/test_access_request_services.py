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
from invites import services
from invites.errors import AccessRequestRefused, AccessRequestsFull, IssueRefused
from invites.models import AccessRequest, Link
from invites.selectors import link_open_by_secret
from invites.tokens import secret_digest

pytestmark = pytest.mark.django_db


def submit(email="ada@example.com", **fields):
    fields = {"first_name": "Ada", "last_name": "Lovelace", "note": "Babbage vouches", **fields}
    return services.access_request_submit(email=email, address="192.0.2.7", **fields)


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
    secret = submit()
    group = GroupFactory(name="readers")
    admin = SuperuserFactory()
    request = AccessRequest.objects.get()

    user = services.access_request_approve(
        access_request=request, approver=admin, groups=[group], is_staff=True
    )

    assert (user.email, user.first_name, user.last_name) == ("ada@example.com", "Ada", "Lovelace")
    assert not user.has_usable_password()
    assert user.is_staff
    assert not user.is_superuser
    assert list(user.groups.all()) == [group]
    link = link_open_by_secret(secret=secret)
    assert (link.user, link.purpose, link.created_by) == (user, Link.Purpose.INVITE, admin)
    request.refresh_from_db()
    assert (request.state, request.decided_by, request.user) == ("approved", admin, user)
    assert request.decided_at is not None


def test_a_request_is_approved_once():
    submit()
    request = AccessRequest.objects.get()
    services.access_request_approve(access_request=request, approver=SuperuserFactory())
    with pytest.raises(AccessRequestRefused, match="decided already"):
        services.access_request_approve(access_request=request, approver=SuperuserFactory())
    assert User.objects.filter(email="ada@example.com").count() == 1


def test_approval_never_changes_an_existing_account():
    user = UserFactory(email="ada@example.com", first_name="Someone")
    submit(email="Ada@Example.com")
    with pytest.raises(AccessRequestRefused, match="account with this email address exists"):
        services.access_request_approve(
            access_request=AccessRequest.objects.get(), approver=SuperuserFactory()
        )
    user.refresh_from_db()
    assert user.first_name == "Someone"
    assert not Link.objects.exists()
    assert AccessRequest.objects.get().state == "pending"


def test_approval_needs_the_powers_of_issuing_a_link_for_such_a_user():
    submit()
    powerful = GroupFactory(name="powerful")
    powerful.permissions.add(Permission.objects.get(codename="delete_user"))
    with pytest.raises(IssueRefused):
        services.access_request_approve(
            access_request=AccessRequest.objects.get(), approver=approver(), groups=[powerful]
        )
    # Nothing written: no user, no link, the request still pending.
    assert not User.objects.filter(email="ada@example.com").exists()
    assert not Link.objects.exists()
    assert AccessRequest.objects.get().state == "pending"


def test_staff_who_may_not_issue_links_approve_nothing():
    submit()
    with pytest.raises(IssueRefused):
        services.access_request_approve(
            access_request=AccessRequest.objects.get(),
            approver=grant(StaffFactory(), "accounts.add_user"),
        )
    assert not User.objects.filter(email="ada@example.com").exists()


def test_staff_approve_within_their_powers():
    submit()
    user = services.access_request_approve(
        access_request=AccessRequest.objects.get(), approver=approver(), groups=[GroupFactory()]
    )
    assert Link.objects.get().user == user


def test_declining_keeps_the_reason_and_leaves_decided_requests_alone():
    submit()
    submit(email="grace@example.com")
    admin = SuperuserFactory()
    approved = AccessRequest.objects.get(email="grace@example.com")
    services.access_request_approve(access_request=approved, approver=admin)

    count = services.access_requests_decline(
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
    admin = SuperuserFactory()
    for email in ("stale@example.com", "declined@example.com", "approved@example.com"):
        submit(email=email)
    services.access_requests_decline(
        access_requests=AccessRequest.objects.filter(email="declined@example.com"), by=admin
    )
    services.access_request_approve(
        access_request=AccessRequest.objects.get(email="approved@example.com"), approver=admin
    )
    frozen_clock.advance(days=31)
    submit(email="fresh@example.com")

    assert services.access_requests_purge(dry_run=True).count == 2
    purged = services.access_requests_purge()

    assert purged.count == 2
    assert set(AccessRequest.objects.values_list("email", flat=True)) == {
        "approved@example.com",
        "fresh@example.com",
    }


def test_links_insert_takes_one_digest_per_user():
    with pytest.raises(TypeError, match="one digest per user"):
        services.links_insert(
            users=[UserFactory(), UserFactory()], issuer=None, via=Link.Via.COMMAND, digests=["a"]
        )


# --- What mutation testing found unguarded (docs/testing.md, "Mutation testing") ----------------


def test_an_approved_account_is_not_staff_unless_asked():
    submit()
    user = services.access_request_approve(
        access_request=AccessRequest.objects.get(), approver=SuperuserFactory()
    )
    assert not user.is_staff


def test_of_two_approvals_of_one_email_at_once_the_second_is_refused(monkeypatch):
    """Both pass the check for an existing account; the second then meets the unique email."""
    submit()
    submit(email="ADA@example.com")
    first, second = AccessRequest.objects.order_by("pk")
    admin = SuperuserFactory()
    services.access_request_approve(access_request=first, approver=admin)
    monkeypatch.setattr(
        type(User.objects), "by_email", lambda self, email: User.objects.none(), raising=False
    )

    with pytest.raises(AccessRequestRefused) as refused:
        services.access_request_approve(access_request=second, approver=admin)

    assert refused.value.reason == AccessRequestRefused.Reason.ACCOUNT_EXISTS
    second.refresh_from_db()
    assert second.state == "pending"
    assert Link.objects.count() == 1


def test_an_approval_is_logged_and_written_to_the_new_users_history(caplog, frozen_clock):
    from django.contrib.admin.models import ADDITION, LogEntry
    from django.contrib.contenttypes.models import ContentType

    submit()
    request, admin = AccessRequest.objects.get(), SuperuserFactory()
    with caplog.at_level("INFO", logger="invites.services"):
        user = services.access_request_approve(access_request=request, approver=admin)

    assert [r.getMessage() for r in caplog.records if r.name == "invites.services"] == [
        f"Access request {request.pk} approved by user {admin.pk}: user {user.pk}."
    ]
    added = LogEntry.objects.get(action_flag=ADDITION)
    assert (added.user, added.content_type, added.object_id, added.object_repr) == (
        admin,
        ContentType.objects.get_for_model(User),
        str(user.pk),
        "ada@example.com",
    )
    assert (added.get_change_message(), added.action_time) == ("Added.", frozen_clock.current)


def test_declining_without_a_reason_keeps_none():
    submit()
    services.access_requests_decline(
        access_requests=AccessRequest.objects.all(), by=SuperuserFactory()
    )
    assert AccessRequest.objects.get().decline_reason == ""


def test_purging_takes_any_age_above_zero_and_says_which_cutoff_it_used(frozen_clock):
    from datetime import timedelta

    submit()
    purged = services.access_requests_purge(older_than=timedelta(hours=1))
    assert (purged.count, purged.cutoff) == (0, frozen_clock.current - timedelta(hours=1))
    assert AccessRequest.objects.count() == 1


@pytest.mark.parametrize("max_age", [0, -60])
def test_a_maximum_age_of_zero_or_less_purges_nothing_and_says_so(settings, frozen_clock, max_age):
    """Else every pending request would be deleted at once."""
    settings.ACCESS_REQUESTS_MAX_AGE = max_age
    submit()
    frozen_clock.advance(seconds=1)
    with pytest.raises(ValueError, match=r"^older_than must be above zero\.$"):
        services.access_requests_purge()
    assert AccessRequest.objects.count() == 1
