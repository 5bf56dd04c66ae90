"""An account's sign-in history (accounts.selectors)."""

from datetime import timedelta

import pytest

from accounts.models import SignIn
from accounts.selectors import sign_in_history
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def record(user, *, minutes_ago: int, succeeded: bool, now) -> SignIn:
    return SignIn.objects.create(
        user=user, succeeded=succeeded, at=now - timedelta(minutes=minutes_ago)
    )


def test_history_lists_the_ten_newest_sign_ins_newest_first(frozen_clock):
    user, now = UserFactory(), frozen_clock.current
    made = [record(user, minutes_ago=m, succeeded=True, now=now) for m in range(12)]
    record(UserFactory(), minutes_ago=0, succeeded=True, now=now)  # someone else's
    history = sign_in_history(user=user)
    assert history.sign_ins == made[:10]


def test_failures_count_from_the_newest_sign_in_or_the_one_before_it(frozen_clock):
    user, now = UserFactory(), frozen_clock.current
    record(user, minutes_ago=50, succeeded=True, now=now)
    record(user, minutes_ago=40, succeeded=False, now=now)
    record(user, minutes_ago=35, succeeded=False, now=now)
    record(user, minutes_ago=30, succeeded=True, now=now)
    newest_failure = record(user, minutes_ago=5, succeeded=False, now=now)

    since_newest = sign_in_history(user=user)
    assert since_newest.failure_count == 1
    assert since_newest.failures == [newest_failure]
    assert since_newest.since == now - timedelta(minutes=30)

    since_previous = sign_in_history(user=user, since_previous=True)
    assert since_previous.failure_count == 3
    assert since_previous.since == now - timedelta(minutes=50)


def test_failures_without_a_sign_in_before_them_all_count(frozen_clock):
    user, now = UserFactory(), frozen_clock.current
    for minutes in range(15):
        record(user, minutes_ago=minutes, succeeded=False, now=now)
    history = sign_in_history(user=user, since_previous=True)
    assert history.since is None
    assert history.failure_count == 15
    assert len(history.failures) == 10


def test_history_costs_three_queries_at_most(frozen_clock, django_assert_max_num_queries):
    user, now = UserFactory(), frozen_clock.current
    for minutes in range(30):
        record(user, minutes_ago=minutes, succeeded=minutes % 3 == 0, now=now)
    with django_assert_max_num_queries(3):
        sign_in_history(user=user)
