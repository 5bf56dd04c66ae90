"""(De)activating users in bulk (accounts.services)."""

import pytest

from accounts.models import User
from accounts.powers import PowersExceeded
from accounts.services import users_deactivate, users_reactivate
from accounts.tests.factories import StaffFactory, SuperuserFactory, UserFactory, grant

pytestmark = pytest.mark.django_db


def test_deactivation_and_reactivation_refuse_users_beyond_the_actor():
    staff = grant(StaffFactory(), "accounts.change_user")
    boss, plain = SuperuserFactory(), UserFactory()

    with pytest.raises(PowersExceeded):
        users_deactivate(users=[plain, boss], actor=staff)
    assert User.objects.filter(is_active=False).count() == 0
    User.objects.filter(pk=boss.pk).update(is_active=False)
    with pytest.raises(PowersExceeded):
        users_reactivate(users=[boss], actor=staff)
    boss.refresh_from_db()
    assert not boss.is_active


# --- sign-ins: recording, purging, signing out elsewhere ---------------------


def test_a_recorded_sign_in_keeps_time_address_and_a_browser_summary(frozen_clock):
    from accounts.models import SignIn
    from accounts.services import sign_in_record

    user = UserFactory()
    sign_in_record(
        user_id=user.pk,
        email=user.email,
        succeeded=True,
        address="2001:db8::1",
        user_agent="Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    )
    recorded = SignIn.objects.get(user=user)
    assert (recorded.at, recorded.address, recorded.browser) == (
        frozen_clock.current,
        "2001:db8::1",
        "Firefox on Linux",
    )
    assert recorded.succeeded
    user.refresh_from_db()
    assert user.last_login == frozen_clock.current


def test_a_failed_attempt_is_recorded_and_leaves_last_login_alone(frozen_clock):
    from accounts.models import SignIn
    from accounts.services import sign_in_record

    user = UserFactory()
    record = sign_in_record(
        user_id=user.pk, email=user.email, succeeded=False, address=None, user_agent=""
    )

    assert SignIn.objects.get(pk=record.pk).succeeded is False
    user.refresh_from_db()
    assert user.last_login is None


def test_purging_sign_ins_deletes_only_the_older_ones(frozen_clock):
    from datetime import timedelta

    from accounts.models import SignIn
    from accounts.services import sign_ins_purge

    user, now = UserFactory(), frozen_clock.current
    old = SignIn.objects.create(user=user, succeeded=True, at=now - timedelta(days=31))
    SignIn.objects.create(user=user, succeeded=False, at=now - timedelta(days=40))
    recent = SignIn.objects.create(user=user, succeeded=True, at=now - timedelta(days=29))

    assert sign_ins_purge(older_than=timedelta(days=30), dry_run=True) == 2
    assert SignIn.objects.count() == 3
    assert sign_ins_purge(older_than=timedelta(days=30)) == 2
    assert list(SignIn.objects.all()) == [recent]
    assert not SignIn.objects.filter(pk=old.pk).exists()
    with pytest.raises(ValueError, match="must not be negative"):
        sign_ins_purge(older_than=timedelta(minutes=-1))
