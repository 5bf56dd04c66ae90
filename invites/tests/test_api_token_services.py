"""API tokens' services: issuing, revoking, and authenticating a presented token."""

from datetime import timedelta

import pytest
from django.forms.models import model_to_dict

from accounts.audit import AuditEvent
from accounts.models import User
from accounts.powers import PowersExceeded
from accounts.services import users_deactivate, users_reactivate
from accounts.tests.factories import StaffFactory, SuperuserFactory, UserFactory, grant
from invites.keys.errors import KeyInvalid
from invites.keys.models import Via
from invites.keys.secrets import secret_digest
from invites.models import ApiToken
from invites.tests.factories import ApiTokenFactory
from invites.tokens.errors import IssuerPowerless, OwnerInactive
from invites.tokens.services import (
    token_authenticate,
    token_issue,
    tokens_revoke,
)

pytestmark = pytest.mark.django_db

Reason = KeyInvalid.Reason


def token_admin():
    """Staff who may issue API tokens, and act on users holding no permission."""
    return grant(StaffFactory(), "invites.add_apitoken")


def issue(owner, issuer=None, via=Via.COMMAND, **kwargs):
    return token_issue(owner=owner, description="HR provisioning", issuer=issuer, via=via, **kwargs)


# Issuing


def test_a_token_is_the_prefix_and_a_secret_of_which_only_the_digest_is_stored():
    issued = issue(UserFactory())

    secret = issued.secret.removeprefix("ppl_")
    assert issued.secret.startswith("ppl_")
    assert len(secret) == 32
    row = ApiToken.objects.get(pk=issued.token.pk)
    assert row.digest == secret_digest(secret)
    stored = " ".join(str(value) for value in model_to_dict(row).values())
    assert secret not in stored
    assert secret not in row.digest


def test_a_token_lasts_api_token_max_age_by_default(settings, frozen_clock):
    settings.API_TOKEN_MAX_AGE = 3600
    issued = issue(UserFactory())
    assert issued.expires_at == frozen_clock.current + timedelta(hours=1)
    assert issued.token.expires_at == issued.expires_at


def test_a_shorter_lifetime_is_kept(frozen_clock):
    issued = issue(UserFactory(), max_age=timedelta(days=3))
    assert issued.expires_at == frozen_clock.current + timedelta(days=3)


def test_a_lifetime_beyond_the_ceiling_is_refused_and_nothing_is_written(settings):
    settings.API_TOKEN_MAX_AGE = 86400
    with pytest.raises(ValueError, match=r"at most 1 day \(API_TOKEN_MAX_AGE\)"):
        issue(UserFactory(), max_age=timedelta(days=2))
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.filter(action="token.issued").exists()


def test_an_empty_description_is_refused():
    with pytest.raises(ValueError, match="Describe what the token is for"):
        token_issue(owner=UserFactory(), description="  ", issuer=None, via=Via.COMMAND)


def test_no_token_is_issued_for_a_deactivated_user():
    with pytest.raises(OwnerInactive, match="is deactivated"):
        issue(UserFactory(is_active=False))
    assert not ApiToken.objects.exists()


def test_an_administrator_with_the_permission_issues_for_someone_within_their_powers():
    admin = token_admin()
    issued = issue(UserFactory(), issuer=admin, via=Via.ADMIN)
    assert issued.token.created_by == admin
    assert issued.token.created_via == Via.ADMIN


def test_staff_without_the_permission_cannot_issue_for_someone_else():
    with pytest.raises(IssuerPowerless):
        issue(UserFactory(), issuer=StaffFactory(), via=Via.ADMIN)
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("owner_kind", ["superuser", "more_permissions"])
def test_an_administrator_cannot_issue_for_someone_more_powerful(owner_kind):
    if owner_kind == "superuser":
        owner = SuperuserFactory()
    else:
        owner = grant(UserFactory(), "accounts.delete_user")
    with pytest.raises(IssuerPowerless):
        issue(owner, issuer=token_admin(), via=Via.ADMIN)
    assert not ApiToken.objects.exists()


def test_staff_issue_their_own_tokens_without_the_permission():
    staff = StaffFactory()
    issued = issue(staff, issuer=staff, via=Via.PUBLIC)
    assert issued.token.self_issued
    assert token_authenticate(presented=issued.secret, address=None) == issued.token


def test_a_person_who_is_not_staff_cannot_issue_their_own():
    person = UserFactory()
    with pytest.raises(IssuerPowerless):
        issue(person, issuer=person, via=Via.PUBLIC)


def test_issuing_is_in_the_audit_trail_without_the_secret_or_digest():
    admin = token_admin()
    owner = UserFactory()
    issued = issue(owner, issuer=admin, via=Via.ADMIN)

    event = AuditEvent.objects.get(action="token.issued")
    assert (event.actor, event.via, event.target) == (admin.email, "admin", owner.email)
    assert event.detail["token"] == issued.token.pk
    assert event.detail["description"] == "HR provisioning"
    assert event.detail["expires_at"].startswith(issued.expires_at.date().isoformat())
    text = str(event.detail)
    assert issued.secret.removeprefix("ppl_") not in text
    assert issued.token.digest not in text


def test_a_command_s_token_names_the_operator_in_the_trail():
    issue(UserFactory())
    assert AuditEvent.objects.get(action="token.issued").actor.startswith("command:")


# Revoking


def test_revoking_closes_the_token_and_records_it():
    admin = token_admin()
    token = ApiTokenFactory()

    assert tokens_revoke(tokens=[token], by=admin, via=Via.ADMIN) == 1

    token.refresh_from_db()
    assert token.state == ApiToken.State.REVOKED
    assert token.revoked_by == admin
    event = AuditEvent.objects.get(action="token.revoked")
    assert (event.actor, event.via, event.target) == (admin.email, "admin", token.owner.email)
    assert event.detail["token"] == token.pk


def test_revoking_a_revoked_token_counts_and_records_nothing():
    token = ApiTokenFactory(revoked=True)
    assert tokens_revoke(tokens=[token], by=None, via=Via.COMMAND) == 0
    assert not AuditEvent.objects.filter(action="token.revoked").exists()


def test_nobody_revokes_the_token_of_someone_more_powerful():
    token = ApiTokenFactory(owner=SuperuserFactory())
    with pytest.raises(PowersExceeded):
        tokens_revoke(tokens=[token], by=token_admin(), via=Via.ADMIN)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_deactivating_the_owner_revokes_the_token_for_good():
    admin = SuperuserFactory()
    token = ApiTokenFactory()

    users_deactivate(users=[token.owner], actor=admin)
    token.refresh_from_db()
    assert token.revoked_at is not None
    event = AuditEvent.objects.get(action="token.revoked")
    assert (event.actor, event.via, event.detail["reason"]) == (
        "system",
        "system",
        "user_deactivated",
    )

    users_reactivate(users=[token.owner], actor=admin)
    with pytest.raises(KeyInvalid) as refused:
        token_authenticate(presented=token.token, address=None)
    assert refused.value.reason == Reason.REVOKED


def test_deactivating_the_issuer_revokes_the_tokens_they_issued():
    admin = token_admin()
    token = ApiTokenFactory(created_by=admin)
    other = ApiTokenFactory()

    admin.is_active = False
    admin.save()

    token.refresh_from_db()
    other.refresh_from_db()
    assert token.revoked_at is not None
    assert other.revoked_at is None


# Authenticating


def test_a_valid_token_authenticates_as_its_owner():
    token = ApiTokenFactory()
    found = token_authenticate(presented=token.token, address="192.0.2.7")
    assert found == token
    assert found.owner == token.owner


@pytest.mark.parametrize(
    "presented",
    [
        "",
        "ppl_",
        "ppl_short",
        "ppl_" + "a" * 31 + "!",
        "ppl_" + "a" * 33,
        "xyz_" + "a" * 32,
        "a" * 32,
    ],
)
def test_anything_not_shaped_like_a_token_is_unknown_without_a_query(
    presented, django_assert_num_queries, caplog
):
    caplog.set_level("INFO", logger="invites.tokens")
    with django_assert_num_queries(0), pytest.raises(KeyInvalid) as refused:
        token_authenticate(presented=presented, address=None)
    assert refused.value.reason == Reason.UNKNOWN
    # Logged, as every refusal is, without what was presented.
    [record] = [each for each in caplog.records if each.name.startswith("invites.tokens")]
    assert "refused" in record.getMessage()
    assert not presented or presented not in record.getMessage()


def test_the_bare_secret_without_the_prefix_is_refused():
    token = ApiTokenFactory()
    with pytest.raises(KeyInvalid) as refused:
        token_authenticate(presented=token.secret, address=None)
    assert refused.value.reason == Reason.UNKNOWN


def test_an_unknown_token_is_refused():
    ApiTokenFactory()
    with pytest.raises(KeyInvalid) as refused:
        token_authenticate(presented="ppl_" + "A" * 32, address=None)
    assert refused.value.reason == Reason.UNKNOWN


@pytest.mark.parametrize(
    ("traits", "reason"),
    [({"revoked": True}, Reason.REVOKED), ({"expired": True}, Reason.EXPIRED)],
)
def test_a_closed_token_is_refused_with_its_reason(traits, reason):
    token = ApiTokenFactory(**traits)
    with pytest.raises(KeyInvalid) as refused:
        token_authenticate(presented=token.token, address=None)
    assert (refused.value.reason, refused.value.key_id) == (reason, token.pk)


def test_a_token_expires_at_its_expiry(frozen_clock):
    token = ApiTokenFactory()
    frozen_clock.advance(days=30)
    with pytest.raises(KeyInvalid) as refused:
        token_authenticate(presented=token.token, address=None)
    assert refused.value.reason == Reason.EXPIRED


def test_a_deactivated_owner_s_token_is_refused_even_unrevoked():
    token = ApiTokenFactory()
    User.objects.filter(pk=token.owner.pk).update(is_active=False)
    with pytest.raises(KeyInvalid) as refused:
        token_authenticate(presented=token.token, address=None)
    assert refused.value.reason == Reason.USER_INACTIVE


def test_a_token_dies_when_its_issuer_loses_the_permission():
    admin = token_admin()
    token = ApiTokenFactory(created_by=admin)
    assert token_authenticate(presented=token.token, address=None) == token

    admin.user_permissions.clear()
    with pytest.raises(KeyInvalid) as refused:
        token_authenticate(presented=token.token, address=None)
    assert refused.value.reason == Reason.ISSUER_POWERLESS


def test_a_token_dies_when_its_owner_outgrows_its_issuer():
    token = ApiTokenFactory(created_by=token_admin())
    grant(token.owner, "accounts.delete_user")
    with pytest.raises(KeyInvalid) as refused:
        token_authenticate(presented=token.token, address=None)
    assert refused.value.reason == Reason.ISSUER_POWERLESS


def test_a_self_issued_token_dies_when_its_owner_is_no_longer_staff():
    token = ApiTokenFactory(self_issued=True)
    User.objects.filter(pk=token.owner.pk).update(is_staff=False)
    with pytest.raises(KeyInvalid) as refused:
        token_authenticate(presented=token.token, address=None)
    assert refused.value.reason == Reason.ISSUER_POWERLESS


# Last use


def test_the_first_use_is_recorded_with_its_address(frozen_clock):
    token = ApiTokenFactory()
    token_authenticate(presented=token.token, address="2001:db8:0:0::7")
    token.refresh_from_db()
    assert token.last_used_at == frozen_clock.current
    assert token.last_used_from == "2001:db8::7"


def test_a_use_costs_one_lookup_and_one_update(django_assert_num_queries):
    token = ApiTokenFactory()
    with django_assert_num_queries(2):
        token_authenticate(presented=token.token, address="192.0.2.7")


def test_a_use_within_the_minute_from_the_same_address_writes_nothing(
    frozen_clock, django_assert_num_queries
):
    token = ApiTokenFactory()
    token_authenticate(presented=token.token, address="192.0.2.7")
    frozen_clock.advance(seconds=59)
    with django_assert_num_queries(1):
        token_authenticate(presented=token.token, address="192.0.2.7")
    token.refresh_from_db()
    assert token.last_used_at == frozen_clock.current - timedelta(seconds=59)


def test_a_use_a_minute_later_is_recorded(frozen_clock, django_assert_num_queries):
    token = ApiTokenFactory()
    token_authenticate(presented=token.token, address="192.0.2.7")
    frozen_clock.advance(minutes=1)
    with django_assert_num_queries(2):
        token_authenticate(presented=token.token, address="192.0.2.7")
    token.refresh_from_db()
    assert token.last_used_at == frozen_clock.current


def test_a_use_from_another_address_is_recorded_at_once(frozen_clock, django_assert_num_queries):
    token = ApiTokenFactory()
    token_authenticate(presented=token.token, address="192.0.2.7")
    frozen_clock.advance(seconds=5)
    with django_assert_num_queries(2):
        token_authenticate(presented=token.token, address="198.51.100.9")
    token.refresh_from_db()
    assert token.last_used_from == "198.51.100.9"


def test_a_refused_token_records_no_use():
    token = ApiTokenFactory(revoked=True)
    with pytest.raises(KeyInvalid):
        token_authenticate(presented=token.token, address="192.0.2.7")
    token.refresh_from_db()
    assert token.last_used_at is None
