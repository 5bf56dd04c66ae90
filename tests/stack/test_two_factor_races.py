"""A two-factor code sent several times at once, on PostgreSQL: it signs in once."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from accounts import two_factor
from accounts.models import User
from accounts.tests.factories import StaffFactory, TOTPDeviceFactory
from accounts.tests.totp import TotpClock, base32_of

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROUNDS = 5
AT_ONCE = 8


def test_one_code_sent_eight_times_at_once_is_accepted_once(monkeypatch, stack_figures):
    clock = TotpClock(monkeypatch)
    for _ in range(ROUNDS):
        user = StaffFactory()
        code = clock.code(base32_of(TOTPDeviceFactory(user=user).key))
        barrier = threading.Barrier(AT_ONCE)

        def verify(_, user_id=user.pk, code=code, barrier=barrier):
            try:
                user = User.objects.get(pk=user_id)
                barrier.wait(timeout=30)
                return two_factor.device_verify(user=user, code=code).device is not None
            finally:
                connections.close_all()

        with ThreadPoolExecutor(AT_ONCE) as pool:
            accepted = list(pool.map(verify, range(AT_ONCE), timeout=60))
        assert accepted.count(True) == 1
    stack_figures.append(
        f"one code {AT_ONCE} times at once: accepted once in each of {ROUNDS} rounds"
    )
