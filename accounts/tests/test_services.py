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
