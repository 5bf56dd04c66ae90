import io
import threading
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from accounts.powers import PowersExceeded
from accounts.services import users_deactivate
from accounts.tests.factories import (
    DEFAULT_PASSWORD,
    GroupFactory,
    InvitedUserFactory,
    StaffFactory,
    SuperuserFactory,
    UserFactory,
    grant,
)
from invites.keys.errors import KeyInvalid
from invites.keys.purging import Purged
from invites.keys.secrets import secret_digest
from invites.links import purging, services
from invites.links.errors import IssueRefused, UsersInactive
from invites.models import Link, PurgedLink
from invites.tests.factories import LinkFactory

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Brand-new-passphrase-77"


def issue(user, **kwargs):
    return services.link_issue(user=user, issuer=None, via=Link.Via.COMMAND, **kwargs)


def test_issue_stores_only_the_digest_of_the_secret():
    issued = issue(InvitedUserFactory())
    link = Link.objects.get()
    assert link.digest == secret_digest(issued.secret)
    assert issued.secret not in [getattr(link, f.attname) for f in Link._meta.concrete_fields]


def test_secret_carries_at_least_128_bits():
    secret = issue(InvitedUserFactory()).secret
    # URL-safe base64: 6 bits a character.
    assert len(secret) * 6 >= 128


def test_purpose_is_invite_without_password_and_reset_with_one():
    assert issue(InvitedUserFactory()).link.purpose == Link.Purpose.INVITE
    assert issue(UserFactory()).link.purpose == Link.Purpose.RESET


def test_expiry_follows_the_purpose_settings(settings, frozen_clock):
    settings.INVITE_MAX_AGE = 3600
    settings.RESET_MAX_AGE = 60
    invite = issue(InvitedUserFactory()).link
    reset = issue(UserFactory()).link
    assert invite.expires_at == frozen_clock.current + timedelta(hours=1)
    assert reset.expires_at == frozen_clock.current + timedelta(minutes=1)


def test_explicit_max_age_wins(frozen_clock):
    link = issue(InvitedUserFactory(), max_age=timedelta(minutes=90)).link
    assert link.expires_at == frozen_clock.current + timedelta(minutes=90)


def test_new_link_revokes_the_users_older_links():
    user = InvitedUserFactory()
    first = issue(user).link
    second = issue(user).link
    first.refresh_from_db()
    assert first.state == Link.State.REVOKED
    assert first.revoke_reason == Link.RevokeReason.SUPERSEDED
    assert list(Link.objects.open()) == [second]


def test_issuing_for_many_users_costs_a_constant_number_of_queries():
    admin = SuperuserFactory()
    few = InvitedUserFactory.create_batch(2)
    many = InvitedUserFactory.create_batch(40)
    ContentType.objects.get_for_model(User)  # warm the cache both calls share
    with CaptureQueriesContext(connection) as small:
        services.links_issue(users=few, issuer=admin, via=Link.Via.ADMIN)
    with CaptureQueriesContext(connection) as large:
        services.links_issue(users=many, issuer=admin, via=Link.Via.ADMIN)
    assert len(large) == len(small)
    assert Link.objects.open().count() == 42
    # savepoint, lock users, revoke older links, insert links, insert history,
    # lock the audit trail's head, insert its events, release; SQLite has no
    # row locks to take on users (the head's SELECT is there all the same)
    assert len(large) == (8 if connection.features.has_select_for_update else 7)


def test_issue_writes_the_admin_history():
    admin, user = SuperuserFactory(), InvitedUserFactory()
    services.link_issue(user=user, issuer=admin, via=Link.Via.ADMIN)
    entry = LogEntry.objects.get(object_id=str(user.pk))
    assert entry.user == admin
    assert entry.get_change_message().startswith("Added set-password link “invite #")


def test_staff_cannot_issue_for_a_superuser():
    staff = grant(StaffFactory(), "invites.issue_link", "accounts.change_user")
    target = SuperuserFactory()
    with pytest.raises(IssueRefused) as refused:
        services.link_issue(user=target, issuer=staff, via=Link.Via.ADMIN)
    assert refused.value.users == [target]
    assert not Link.objects.exists()


def test_staff_cannot_issue_for_a_user_with_a_permission_they_lack():
    staff = grant(StaffFactory(), "invites.issue_link")
    target = grant(StaffFactory(), "accounts.delete_user")
    with pytest.raises(IssueRefused):
        services.link_issue(user=target, issuer=staff, via=Link.Via.ADMIN)


def test_refusal_names_every_refused_user_and_issues_for_none():
    staff = grant(StaffFactory(), "invites.issue_link")
    allowed = InvitedUserFactory()
    boss = SuperuserFactory()
    with pytest.raises(IssueRefused) as refused:
        services.links_issue(users=[allowed, boss], issuer=staff, via=Link.Via.ADMIN)
    assert refused.value.users == [boss]
    assert not Link.objects.exists()


def test_group_permissions_count_as_powers():
    staff = grant(StaffFactory(), "invites.issue_link")
    group = GroupFactory()
    group.permissions.add(Permission.objects.get(codename="delete_user"))
    target = StaffFactory()
    target.groups.add(group)
    with pytest.raises(IssueRefused):
        services.link_issue(user=target, issuer=staff, via=Link.Via.ADMIN)


def test_staff_can_issue_for_users_with_no_more_powers():
    staff = grant(StaffFactory(), "invites.issue_link", "accounts.view_user")
    target = grant(InvitedUserFactory(), "accounts.view_user")
    assert services.link_issue(user=target, issuer=staff, via=Link.Via.ADMIN).link.is_open


def test_superuser_can_issue_for_anyone():
    admin = SuperuserFactory()
    assert services.link_issue(user=SuperuserFactory(), issuer=admin, via=Link.Via.ADMIN)


def test_presented_secret_resolves_to_its_open_link():
    issued = issue(InvitedUserFactory())
    assert Link.open_by_secret(issued.secret) == issued.link


@pytest.mark.parametrize(
    ("trait", "reason"),
    [
        ("used", KeyInvalid.Reason.USED),
        ("revoked", KeyInvalid.Reason.REVOKED),
        ("expired", KeyInvalid.Reason.EXPIRED),
    ],
)
def test_closed_links_raise_with_their_reason(trait, reason):
    link = LinkFactory(**{trait: True})
    with pytest.raises(KeyInvalid) as error:
        Link.open_by_secret(link.secret)
    assert error.value.reason == reason


@pytest.mark.parametrize("secret", ["", "x", "A" * 32, "../../etc/passwd" + "a" * 16, "é" * 32])
def test_unknown_or_malformed_secrets_are_unknown(secret):
    LinkFactory()
    with pytest.raises(KeyInvalid) as error:
        Link.open_by_secret(secret)
    assert error.value.reason == KeyInvalid.Reason.UNKNOWN


def test_link_of_a_deactivated_user_is_invalid():
    link = LinkFactory(user=InvitedUserFactory(is_active=False))
    with pytest.raises(KeyInvalid, match="user deactivated"):
        Link.open_by_secret(link.secret)


def test_redeem_sets_the_password_and_consumes_the_link():
    issued = issue(InvitedUserFactory())
    services.link_redeem(link=issued.link, password=NEW_PASSWORD)
    issued.link.refresh_from_db()
    assert issued.link.state == Link.State.USED
    assert User.objects.get().check_password(NEW_PASSWORD)


def test_used_link_cannot_set_a_second_password():
    issued = issue(InvitedUserFactory())
    services.link_redeem(link=issued.link, password=NEW_PASSWORD)
    stale = Link.objects.select_related("user").get()
    stale.used_at = None  # as another request read it before the first won
    with pytest.raises(KeyInvalid) as error:
        services.link_redeem(link=stale, password="Another-passphrase-99")
    assert error.value.reason == KeyInvalid.Reason.USED
    assert User.objects.get().check_password(NEW_PASSWORD)


def test_redeem_refuses_a_link_that_expired_after_it_was_read(frozen_clock):
    issued = issue(InvitedUserFactory())
    frozen_clock.advance(days=8)
    with pytest.raises(KeyInvalid, match="expired"):
        services.link_redeem(link=issued.link, password=NEW_PASSWORD)
    assert not User.objects.get().has_usable_password()


def test_redeem_refuses_a_user_deactivated_after_the_link_was_read():
    issued = issue(InvitedUserFactory())
    User.objects.filter(pk=issued.user.pk).update(is_active=False)
    with pytest.raises(KeyInvalid):
        services.link_redeem(link=issued.link, password=NEW_PASSWORD)
    assert not User.objects.get().has_usable_password()


def test_redeem_is_written_to_the_users_history():
    issued = issue(InvitedUserFactory())
    services.link_redeem(link=issued.link, password=NEW_PASSWORD)
    assert LogEntry.objects.filter(object_id=str(issued.user.pk)).exists()


def test_admin_revoke_closes_open_links_and_records_who():
    admin = SuperuserFactory()
    open_link, used = LinkFactory(), LinkFactory(used=True)
    assert services.links_revoke(links=[open_link, used], by=admin) == 1
    open_link.refresh_from_db()
    used.refresh_from_db()
    assert open_link.revoked_by == admin
    assert open_link.revoke_reason == Link.RevokeReason.ADMIN
    assert used.state == Link.State.USED


# --- What kills a link ---------------------------------------------------------


def test_password_change_revokes_open_links():
    user = UserFactory()
    link = issue(user).link
    user.set_password("Changed-passphrase-123")
    user.save()
    link.refresh_from_db()
    assert link.revoke_reason == Link.RevokeReason.PASSWORD_CHANGED


def test_disabling_password_sign_in_revokes_open_links():
    user = UserFactory()
    link = issue(user).link
    user.set_unusable_password()
    user.save()
    link.refresh_from_db()
    assert link.revoke_reason == Link.RevokeReason.PASSWORD_CHANGED


def test_hash_upgrade_at_sign_in_does_not_revoke(settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    user = UserFactory()
    # A hash from before the switch above: check_password upgrades it.
    user.password = make_password(DEFAULT_PASSWORD, salt="salt", hasher="md5")
    user.save()
    link = issue(user).link
    user = User.objects.get(pk=user.pk)
    assert user.check_password(DEFAULT_PASSWORD)  # upgrades the hash
    link.refresh_from_db()
    assert link.is_open


def test_email_change_revokes_open_links():
    user = InvitedUserFactory()
    link = issue(user).link
    user.email = "moved@example.com"
    user.save()
    link.refresh_from_db()
    assert link.revoke_reason == Link.RevokeReason.EMAIL_CHANGED


def test_deactivation_by_save_revokes_open_links():
    user = InvitedUserFactory()
    link = issue(user).link
    user.is_active = False
    user.save()
    link.refresh_from_db()
    assert link.revoke_reason == Link.RevokeReason.USER_DEACTIVATED


def test_bulk_deactivation_revokes_open_links():
    admin = SuperuserFactory()
    users = InvitedUserFactory.create_batch(3)
    services.links_issue(users=users, issuer=None, via=Link.Via.COMMAND)
    assert users_deactivate(users=users, actor=admin) == 3
    assert not Link.objects.open().exists()
    assert set(Link.objects.values_list("revoke_reason", flat=True)) == {
        Link.RevokeReason.USER_DEACTIVATED
    }


def test_saving_other_fields_keeps_links_open():
    user = InvitedUserFactory()
    link = issue(user).link
    user.first_name = "Renamed"
    user.save()
    link.refresh_from_db()
    assert link.is_open


def test_changepassword_command_revokes_open_links(monkeypatch):
    user = UserFactory()
    link = issue(user).link
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "Changed-by-command-2024!")
    call_command("changepassword", user.email, stdout=io.StringIO())
    link.refresh_from_db()
    assert link.revoke_reason == Link.RevokeReason.PASSWORD_CHANGED


# --- Races ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_simultaneous_redemptions_set_exactly_one_password():
    user = InvitedUserFactory()
    link_id = issue(user).link.pk
    attempts = 8
    barrier = threading.Barrier(attempts)
    outcomes = []

    def redeem(n):
        try:
            link = Link.objects.select_related("user").get(pk=link_id)
            barrier.wait()
            try:
                services.link_redeem(link=link, password=f"Racing-passphrase-{n:03d}")
                outcomes.append(n)
            except KeyInvalid:
                outcomes.append(None)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=redeem, args=(n,)) for n in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [n for n in outcomes if n is not None]
    assert len(outcomes) == attempts
    assert len(winners) == 1
    assert User.objects.get(pk=user.pk).check_password(f"Racing-passphrase-{winners[0]:03d}")


# --- A link lasts no longer than its issuer's powers ---------------------------------------


def issuing_staff(**fields) -> User:
    return grant(StaffFactory(**fields), "invites.issue_link")


def issued_by(issuer: User, user: User | None = None) -> Link:
    user = user or InvitedUserFactory()
    return services.link_issue(user=user, issuer=issuer, via=Link.Via.ADMIN).link


@pytest.mark.parametrize(
    "demote",
    [
        pytest.param(
            lambda issuer: User.objects.filter(pk=issuer.pk).update(is_staff=False), id="staff"
        ),
        pytest.param(lambda issuer: issuer.user_permissions.clear(), id="right-to-issue"),
        # Deactivated without the revocation that User.save() does: the check
        # at redemption holds on its own.
        pytest.param(
            lambda issuer: User.objects.filter(pk=issuer.pk).update(is_active=False), id="active"
        ),
    ],
)
def test_link_of_an_issuer_who_lost_their_powers_sets_no_password(demote):
    issuer = issuing_staff()
    link = issued_by(issuer)
    demote(issuer)

    with pytest.raises(KeyInvalid) as refused:
        Link.open_by(pk=link.pk)
    assert refused.value.reason == KeyInvalid.Reason.ISSUER_POWERLESS
    with pytest.raises(KeyInvalid):
        services.link_redeem(link=link, password=NEW_PASSWORD)
    link.user.refresh_from_db()
    assert not link.user.has_usable_password()


def test_link_for_a_superuser_dies_when_its_issuer_stops_being_a_superuser():
    issuer = SuperuserFactory()
    link = issued_by(issuer, SuperuserFactory())
    User.objects.filter(pk=issuer.pk).update(is_superuser=False)

    with pytest.raises(KeyInvalid, match="its issuer may no longer issue it"):
        Link.open_by(pk=link.pk)


def test_link_of_an_inactive_superuser_sets_no_password():
    issuer = SuperuserFactory()
    link = issued_by(issuer)
    User.objects.filter(pk=issuer.pk).update(is_active=False)

    with pytest.raises(KeyInvalid, match="its issuer may no longer issue it"):
        Link.open_by(pk=link.pk)


def test_link_whose_user_gained_powers_beyond_its_issuer_sets_no_password():
    issuer = issuing_staff()
    link = issued_by(issuer)
    grant(link.user, "accounts.delete_user")

    with pytest.raises(KeyInvalid, match="its issuer may no longer issue it"):
        Link.open_by(pk=link.pk)


def test_link_of_a_deleted_issuer_sets_no_password():
    issuer = issuing_staff()
    link = issued_by(issuer)
    issuer.delete()

    with pytest.raises(KeyInvalid, match="its issuer may no longer issue it"):
        Link.open_by(pk=link.pk)


def test_redeem_checks_the_issuers_powers_as_they_are_at_that_moment():
    issuer = issuing_staff()
    link = Link.open_by(pk=issued_by(issuer).pk)  # as the form's page read it
    User.objects.filter(pk=issuer.pk).update(is_staff=False)

    with pytest.raises(KeyInvalid, match="its issuer may no longer issue it"):
        services.link_redeem(link=link, password=NEW_PASSWORD)
    link.refresh_from_db()
    assert link.used_at is None


def test_link_of_an_issuer_who_kept_their_powers_still_works():
    link = issued_by(issuing_staff())
    assert services.link_redeem(link=link, password=NEW_PASSWORD).check_password(NEW_PASSWORD)


def test_commands_links_have_no_issuer_and_still_work():
    link = issue(InvitedUserFactory()).link
    assert services.link_redeem(link=link, password=NEW_PASSWORD).check_password(NEW_PASSWORD)


def test_deactivating_an_administrator_revokes_the_links_they_issued():
    issuer, bystander = issuing_staff(), issuing_staff()
    theirs = issued_by(issuer)
    others = issued_by(bystander)
    issuer.is_active = False
    issuer.save()

    theirs.refresh_from_db()
    others.refresh_from_db()
    assert theirs.revoke_reason == Link.RevokeReason.ISSUER_DEACTIVATED
    assert theirs.get_revoke_reason_display() == "its issuer was deactivated"
    assert others.is_open


def test_bulk_deactivation_revokes_the_links_the_deactivated_issued():
    issuer = issuing_staff()
    theirs = issued_by(issuer)
    users_deactivate(users=[issuer], actor=SuperuserFactory())

    theirs.refresh_from_db()
    assert theirs.revoke_reason == Link.RevokeReason.ISSUER_DEACTIVATED


def test_staff_who_may_not_issue_get_no_link_issued():
    with pytest.raises(IssueRefused):
        issued_by(grant(StaffFactory(), "accounts.change_user"))
    with pytest.raises(IssueRefused):
        issued_by(grant(UserFactory(), "invites.issue_link"))  # not staff
    assert not Link.objects.exists()


# --- Acting on more powerful users ------------------------------------------------------------


def test_staff_cannot_revoke_a_superusers_link_and_then_revoke_nothing():
    staff = grant(StaffFactory(), "invites.issue_link", "invites.view_link")
    boss_link = issue(SuperuserFactory()).link
    other = issue(InvitedUserFactory()).link

    with pytest.raises(PowersExceeded) as refused:
        services.links_revoke(links=[boss_link, other], by=staff)

    assert refused.value.users == [boss_link.user]
    assert Link.objects.open().count() == 2


# --- Tripwires: a closed link presented again ---------------------------------------------------


def test_a_burst_of_presentations_is_counted_in_full_and_warned_of_once_a_minute(
    frozen_clock, caplog
):
    """A burst of twenty presentations once counted as one, keeping only the last address."""
    link = issue(InvitedUserFactory()).link
    services.link_redeem(link=link, password=NEW_PASSWORD)
    first = frozen_clock.current

    with caplog.at_level("WARNING", logger="invites.links.services"):
        for number in range(20):
            assert services.link_presented_again(key_id=link.pk, address=f"198.51.100.{number % 3}")
        frozen_clock.advance(seconds=59)
        assert services.link_presented_again(key_id=link.pk, address="198.51.100.9")
        frozen_clock.advance(seconds=1)
        assert services.link_presented_again(key_id=link.pk, address="203.0.113.4")

    link.refresh_from_db()
    assert link.presented_again_count == 22
    assert (link.presented_again_first_at, link.presented_again_at) == (
        first,
        frozen_clock.current,
    )
    assert link.presented_again_from == "203.0.113.4"
    assert link.presented_again_addresses == [
        "198.51.100.0",
        "198.51.100.1",
        "198.51.100.2",
        "198.51.100.9",
        "203.0.113.4",
    ]
    warnings = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert len(warnings) == 2, "one a minute"
    assert f"Link {link.pk} was presented again" in warnings[0]
    assert "198.51.100.0" in warnings[0]


def test_the_addresses_kept_are_bounded(frozen_clock):
    link = issue(InvitedUserFactory()).link
    services.link_redeem(link=link, password=NEW_PASSWORD)
    for number in range(Link.ADDRESSES_KEPT + 5):
        services.link_presented_again(key_id=link.pk, address=f"192.0.2.{number}")
    link.refresh_from_db()
    assert len(link.presented_again_addresses) == Link.ADDRESSES_KEPT
    assert link.presented_again_from == f"192.0.2.{Link.ADDRESSES_KEPT + 4}", "the last, always"


def test_a_purged_link_presented_again_still_trips(frozen_clock, client):
    """Purging once wiped the used links whose reappearance would have tripped."""
    user = InvitedUserFactory()
    issued = issue(user)
    services.link_redeem(link=issued.link, password=NEW_PASSWORD)
    frozen_clock.advance(days=31)
    assert purging.links_purge(older_than=timedelta(days=30)).count == 1
    assert not Link.objects.exists()

    opened = client.get(
        reverse("invites:open", kwargs={"secret": issued.secret}),
        follow=True,
        REMOTE_ADDR="203.0.113.7",
    )

    assert opened.status_code == HTTPStatus.NOT_FOUND
    purged = PurgedLink.objects.get()
    assert (purged.user, purged.digest) == (user, secret_digest(issued.secret))
    assert (purged.presented_again_count, purged.presented_again_addresses) == (
        1,
        ["203.0.113.7"],
    )


def test_purging_keeps_no_trace_of_an_expired_unused_link(frozen_clock):
    issue(InvitedUserFactory())
    frozen_clock.advance(days=40)
    purging.links_purge(older_than=timedelta(days=30))
    assert not PurgedLink.objects.exists()


def test_an_open_link_is_no_tripwire():
    link = issue(InvitedUserFactory()).link
    assert not services.link_presented_again(key_id=link.pk, address="198.51.100.7")
    link.refresh_from_db()
    assert link.presented_again_count == 0


# --- Holes mutation testing found (docs/testing.md, "Mutation testing") ------------------------


def test_redeem_refuses_a_deactivated_user_while_other_accounts_stay_active():
    SuperuserFactory()  # the administrator's account, active as ever
    issued = issue(InvitedUserFactory())
    User.objects.filter(pk=issued.user.pk).update(is_active=False)

    with pytest.raises(KeyInvalid) as refused:
        services.link_redeem(link=issued.link, password=NEW_PASSWORD)

    assert refused.value.reason == KeyInvalid.Reason.USER_INACTIVE
    assert not User.objects.get(pk=issued.user.pk).has_usable_password()
    issued.link.refresh_from_db()
    assert issued.link.used_at is None


def test_a_redemption_whose_update_consumes_nothing_sets_no_password(monkeypatch):
    """As when a rival redemption wins, and the link still reads as open to the loser."""
    from invites.links.models import LinkQuerySet

    issued = issue(InvitedUserFactory())
    monkeypatch.setattr(LinkQuerySet, "open", lambda self, now=None: self.none())

    with pytest.raises(KeyInvalid) as refused:
        services.link_redeem(link=issued.link, password=NEW_PASSWORD)

    assert refused.value.reason == KeyInvalid.Reason.USED
    assert not User.objects.get().has_usable_password()
    assert not LogEntry.objects.exists()


def test_a_link_expires_at_the_very_moment_of_its_expiry(frozen_clock):
    link = issue(InvitedUserFactory()).link
    frozen_clock.current = link.expires_at - timedelta(microseconds=1)
    assert Link.open_by(pk=link.pk) == link

    frozen_clock.current = link.expires_at
    with pytest.raises(KeyInvalid) as refused:
        Link.open_by(pk=link.pk)
    assert refused.value.reason == KeyInvalid.Reason.EXPIRED
    with pytest.raises(KeyInvalid):
        services.link_redeem(link=link, password=NEW_PASSWORD)
    assert not User.objects.get().has_usable_password()


def test_redeem_refuses_a_link_whose_superuser_issuer_was_deactivated_since_it_was_read():
    issuer = SuperuserFactory()
    link = Link.open_by(pk=issued_by(issuer).pk)  # as the form's page read it
    User.objects.filter(pk=issuer.pk).update(is_active=False)

    with pytest.raises(KeyInvalid, match="its issuer may no longer issue it"):
        services.link_redeem(link=link, password=NEW_PASSWORD)
    link.refresh_from_db()
    assert link.used_at is None
    assert not User.objects.get(pk=link.user_id).has_usable_password()


# --- the three ways in: for users, for ids in bulk, for a digest ----------------


def test_issuing_for_a_deactivated_user_names_them_and_issues_nothing():
    active, gone = InvitedUserFactory(), InvitedUserFactory(is_active=False)
    older = issue(active).link
    with pytest.raises(UsersInactive) as refused:
        services.links_issue(users=[active, gone], issuer=None, via=Link.Via.COMMAND)
    assert refused.value.users == [gone]
    older.refresh_from_db()
    assert older.is_open, "a refusal revokes nothing either"
    assert Link.objects.count() == 1


def test_links_for_users_given_by_id_refuse_deactivated_users_too():
    active, gone = InvitedUserFactory(), InvitedUserFactory(is_active=False)
    with pytest.raises(UsersInactive) as refused:
        services.links_issue_for_ids(user_ids=[active.pk, gone.pk], purpose=Link.Purpose.INVITE)
    assert refused.value.users == [gone]
    assert not Link.objects.exists()


@pytest.mark.parametrize(
    "issue_none",
    [
        lambda: services.links_issue(users=[], issuer=None, via=Link.Via.COMMAND),
        lambda: services.links_issue(users=[], issuer=SuperuserFactory(), via=Link.Via.ADMIN),
        lambda: services.links_issue_for_ids(user_ids=[], purpose=Link.Purpose.INVITE),
    ],
    ids=["users, command", "users, administrator", "ids"],
)
def test_issuing_for_nobody_returns_an_empty_batch_and_writes_nothing(
    issue_none, django_assert_max_num_queries
):
    batch = issue_none()
    assert isinstance(batch, services.LinkBatch)
    assert (list(batch), batch.superseded) == ([], 0)
    assert not Link.objects.exists()


def test_links_for_ids_are_a_commands_and_come_back_in_the_order_given(frozen_clock):
    users = InvitedUserFactory.create_batch(5)
    ids = [user.pk for user in reversed(users)]
    issue(users[0])

    inserted = services.links_issue_for_ids(
        user_ids=ids, purpose=Link.Purpose.RESET, max_age=timedelta(hours=2)
    )

    assert [item.user_id for item in inserted] == ids
    assert inserted.superseded == 1, "the first user's older link"
    for item in inserted:
        link = Link.open_by_secret(item.secret)
        assert (link.pk, link.user_id, link.purpose, link.created_at, link.expires_at) == (
            item.link_id,
            item.user_id,
            Link.Purpose.RESET,
            frozen_clock.current,
            frozen_clock.current + timedelta(hours=2),
        )
        assert (link.created_by, link.created_via) == (None, Link.Via.COMMAND)
    assert Link.objects.open().count() == 5, "the first user's older link was superseded"


def test_an_issued_link_is_frozen_and_holds_what_the_page_needs():
    user = InvitedUserFactory()
    issued = issue(user)
    with pytest.raises(AttributeError):
        issued.secret = "changed"
    assert (issued.user, issued.user_id, issued.purpose) == (user, user.pk, Link.Purpose.INVITE)
    assert issued.expires_at == issued.link.expires_at


def test_an_issued_link_is_the_row_stored():
    admin = SuperuserFactory()
    issued = services.link_issue(user=UserFactory(), issuer=admin, via=Link.Via.ADMIN)
    stored = Link.objects.get()
    fields = [field.attname for field in Link._meta.concrete_fields]
    assert [getattr(issued.link, name) for name in fields] == [
        getattr(stored, name) for name in fields
    ]
    assert not issued.link._state.adding


# --- purging ------------------------------------------------------------------


@pytest.fixture
def closed_links(frozen_clock):
    """A link closed 40 days ago in each way, one revoked 10 days ago, and an open one."""
    now, user = frozen_clock.current, InvitedUserFactory()
    created = {"user": user, "created_at": now - timedelta(days=60)}
    return {
        "used": LinkFactory(
            **created, used_at=now - timedelta(days=40), expires_at=now - timedelta(days=39)
        ),
        "expired": LinkFactory(**created, expires_at=now - timedelta(days=40)),
        "revoked": LinkFactory(
            **created, revoked_at=now - timedelta(days=40), revoke_reason=Link.RevokeReason.ADMIN
        ),
        "recently revoked": LinkFactory(
            **created,
            revoked_at=now - timedelta(days=10),
            revoke_reason=Link.RevokeReason.ADMIN,
            expires_at=now + timedelta(days=1),
        ),
        "open": LinkFactory(user=user, expires_at=now + timedelta(days=365)),
    }


def test_purge_deletes_only_the_links_closed_before_the_cutoff(frozen_clock, closed_links):
    purged = purging.links_purge(older_than=timedelta(days=30))
    assert purged == Purged(count=3, cutoff=frozen_clock.current - timedelta(days=30))
    assert set(Link.objects.values_list("pk", flat=True)) == {
        closed_links["recently revoked"].pk,
        closed_links["open"].pk,
    }


def test_purge_dry_run_counts_and_deletes_nothing(closed_links):
    assert purging.links_purge(older_than=timedelta(days=30), dry_run=True).count == 3
    assert Link.objects.count() == len(closed_links)


def test_purge_refuses_an_age_that_would_reach_open_links(closed_links):
    with pytest.raises(ValueError, match="must not be negative"):
        purging.links_purge(older_than=timedelta(minutes=-1))
    assert Link.objects.count() == len(closed_links)


# --- Refusals name their link; redemption writes only what it means to --------------------------


def refusal_of(call) -> KeyInvalid:
    with pytest.raises(KeyInvalid) as refused:
        call()
    return refused.value


def test_every_refusal_names_its_link_for_the_log_and_the_admin():
    """The view logs the link's id and records tripwires by it: each refusal must carry it."""
    inactive = issue(InvitedUserFactory()).link
    User.objects.filter(pk=inactive.user_id).update(is_active=False)
    demoted_issuer = issuing_staff()
    demoted = issued_by(demoted_issuer)
    User.objects.filter(pk=demoted_issuer.pk).update(is_staff=False)
    deleted_issuer = issuing_staff()
    orphan = Link.open_by(pk=issued_by(deleted_issuer).pk)  # read before the deletion
    deleted_issuer.delete()
    unsigned = issue(InvitedUserFactory()).link
    Link.objects.filter(pk=unsigned.pk).update(created_via=Link.Via.ADMIN)
    unsigned.created_via = Link.Via.ADMIN  # an admin's link with no issuer on record

    refusals = {
        "user inactive, read": (lambda: Link.open_by(pk=inactive.pk), inactive),
        "user inactive, redeemed": (
            lambda: services.link_redeem(link=inactive, password=NEW_PASSWORD),
            inactive,
        ),
        "issuer demoted, read": (lambda: Link.open_by(pk=demoted.pk), demoted),
        "issuer demoted, redeemed": (
            lambda: services.link_redeem(link=demoted, password=NEW_PASSWORD),
            demoted,
        ),
        "issuer deleted, redeemed": (
            lambda: services.link_redeem(link=orphan, password=NEW_PASSWORD),
            orphan,
        ),
        "no issuer on record, redeemed": (
            lambda: services.link_redeem(link=unsigned, password=NEW_PASSWORD),
            unsigned,
        ),
    }
    for case, (call, link) in refusals.items():
        refused = refusal_of(call)
        assert refused.key_id == link.pk, case
        expected = "user_inactive" if case.startswith("user") else "issuer_powerless"
        assert refused.reason == expected, case


def test_a_lost_race_names_the_link_it_lost(monkeypatch):
    from invites.links.models import LinkQuerySet

    link = issue(InvitedUserFactory()).link
    monkeypatch.setattr(LinkQuerySet, "open", lambda self, now=None: self.none())
    assert refusal_of(lambda: services.link_redeem(link=link, password=NEW_PASSWORD)).key_id == (
        link.pk
    )


def test_redeeming_writes_only_the_password():
    """An administrator's change made while the form was open is not undone by it."""
    link = Link.open_by(pk=issue(InvitedUserFactory(first_name="Ada")).link.pk)
    User.objects.filter(pk=link.user_id).update(first_name="Augusta", is_staff=True)

    services.link_redeem(link=link, password=NEW_PASSWORD)

    user = User.objects.get(pk=link.user_id)
    assert (user.first_name, user.is_staff) == ("Augusta", True)
    assert user.check_password(NEW_PASSWORD)


def test_a_redemption_is_logged_with_its_link_and_user(caplog):
    link = issue(InvitedUserFactory()).link
    with caplog.at_level("INFO", logger="invites.links.services"):
        services.link_redeem(link=link, password=NEW_PASSWORD)
    assert [record.getMessage() for record in caplog.records] == [
        f"Link {link.pk} redeemed: user {link.user_id} set a password."
    ]


def test_a_link_presented_again_is_logged_in_words_an_administrator_can_act_on(caplog):
    link = issue(InvitedUserFactory()).link
    services.link_redeem(link=link, password=NEW_PASSWORD)
    with caplog.at_level("WARNING", logger="invites.links.services"):
        services.link_presented_again(key_id=link.pk, address="198.51.100.7")
    warnings = [record for record in caplog.records if record.levelname == "WARNING"]
    assert [record.getMessage() for record in warnings] == [
        f"Link {link.pk} was presented again after it was used or revoked, from 198.51.100.7: "
        "someone else may hold a copy of it (1 times in all)."
    ]


def test_a_new_link_records_which_administrator_superseded_the_old(frozen_clock):
    admin, user = SuperuserFactory(), InvitedUserFactory()
    first = issued_by(admin, user)
    frozen_clock.advance(minutes=5)
    issued_by(admin, user)
    first.refresh_from_db()
    assert (first.revoked_by, first.revoked_at) == (admin, frozen_clock.current)


def test_a_changed_password_closes_the_users_links_at_that_moment(frozen_clock):
    user = UserFactory()
    link = issue(user).link
    frozen_clock.advance(minutes=5)
    user.set_password("Changed-passphrase-123")
    user.save()
    link.refresh_from_db()
    assert (link.state, link.revoked_at) == (Link.State.REVOKED, frozen_clock.current)


def test_deactivation_closes_own_and_issued_links_at_that_moment_and_counts_them(frozen_clock):
    issuer = issuing_staff()
    own = issue(issuer).link
    issued = [issued_by(issuer) for _ in range(2)]
    frozen_clock.advance(minutes=5)

    assert services.links_revoke_for_deactivated(user_ids=[issuer.pk]) == 3

    for link in [own, *issued]:
        link.refresh_from_db()
        assert (link.state, link.revoked_at) == (Link.State.REVOKED, frozen_clock.current)


def test_resolving_a_presented_secret_costs_one_query(django_assert_num_queries):
    command_link = issue(InvitedUserFactory())
    admin_link = services.link_issue(
        user=InvitedUserFactory(), issuer=SuperuserFactory(), via=Link.Via.ADMIN
    )
    for issued in (command_link, admin_link):
        with django_assert_num_queries(1):
            Link.open_by_secret(issued.secret)


def test_a_users_links_come_newest_first_and_at_most_as_many_as_asked(frozen_clock):
    from invites.links.selectors import links_of_user

    user = InvitedUserFactory()
    now = frozen_clock.current
    # Made in another order than their moments, to tell the two apart.
    newest = LinkFactory(user=user, created_at=now + timedelta(days=1), revoked=True)
    oldest = LinkFactory(user=user, created_at=now - timedelta(days=2), revoked=True)
    same_moment = [LinkFactory(user=user, created_at=now, revoked=True) for _ in range(2)]
    LinkFactory(revoked=True)  # someone else's
    assert links_of_user(user=user, limit=10) == [newest, same_moment[1], same_moment[0], oldest]
    assert links_of_user(user=user, limit=2) == [newest, same_moment[1]]


def test_purging_when_nothing_is_old_enough_counts_none():
    LinkFactory()
    LinkFactory(used=True)
    assert purging.links_purge(older_than=timedelta(days=1)).count == 0
    assert Link.objects.count() == 2


def test_purging_refuses_a_cutoff_that_could_reach_open_links():
    LinkFactory()
    with pytest.raises(ValueError, match=r"^older_than must not be negative: open keys are never"):
        purging.links_purge(older_than=timedelta(minutes=-1))
    assert Link.objects.count() == 1


def test_purging_older_than_zero_deletes_every_closed_link_and_no_open_one():
    open_link = LinkFactory()
    LinkFactory(used=True)
    assert purging.links_purge(older_than=timedelta(0)).count == 1
    assert list(Link.objects.all()) == [open_link]


def test_no_link_outlives_the_ceiling(settings):
    settings.LINK_MAX_AGE_LIMIT = 30 * 24 * 60 * 60
    user = UserFactory()

    with pytest.raises(ValueError, match=r"31 days is longer .* at most 30 days"):
        services.links_issue(
            users=[user], issuer=None, via=Link.Via.COMMAND, max_age=timedelta(days=31)
        )

    assert not Link.objects.exists()
    issued = services.link_issue(
        user=user, issuer=None, via=Link.Via.COMMAND, max_age=timedelta(days=30)
    )
    assert issued.link.expires_at - issued.link.created_at == timedelta(days=30)


def test_closing_a_deactivated_administrators_links_at_a_given_moment(frozen_clock):
    issuer = issuing_staff()
    own, issued = LinkFactory(user=issuer), LinkFactory(created_by=issuer)
    moment = frozen_clock.current - timedelta(minutes=3)

    assert services.links_revoke_for_deactivated(user_ids=[issuer.pk], now=moment) == 2

    for link in (own, issued):
        link.refresh_from_db()
        assert link.revoked_at == moment


def test_an_explicit_purpose_wins_over_what_each_user_would_need():
    [issued] = services.links_issue(
        users=[InvitedUserFactory()], issuer=None, via=Link.Via.COMMAND, purpose=Link.Purpose.RESET
    )
    assert issued.link.purpose == Link.Purpose.RESET
    assert Link.objects.get().purpose == Link.Purpose.RESET


def test_links_needing_attention_are_counted_at_the_moment_asked(frozen_clock):
    from invites.links.selectors import EXPIRING_WITHIN, links_needing_attention

    issue(InvitedUserFactory(), max_age=EXPIRING_WITHIN + timedelta(hours=6))
    later = frozen_clock.current + timedelta(hours=12)
    assert links_needing_attention(now=frozen_clock.current)["expiring"] == 0
    assert links_needing_attention(now=later)["expiring"] == 1
