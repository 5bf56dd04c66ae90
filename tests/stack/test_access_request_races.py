"""Races on PostgreSQL: two administrators approving access requests at the same moment."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from accounts.models import User
from accounts.tests.factories import SuperuserFactory
from invites.access_requests import services
from invites.access_requests.errors import AccessRequestRefused
from invites.models import AccessRequest, Link
from invites.tests.factories import AccessRequestFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROUNDS = 10


def _approve_together(requests: list[AccessRequest]) -> list[str]:
    """Each request approved by its own administrator, at one moment; what each got."""
    admins = [SuperuserFactory() for _ in requests]
    barrier = threading.Barrier(len(requests))

    def approve(index):
        try:
            request = AccessRequest.objects.get(pk=requests[index].pk)
            barrier.wait(timeout=30)
            services.access_request_approve(access_request=request, approver=admins[index])
            return "approved"
        except AccessRequestRefused as refused:
            return str(refused.reason)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(approve, range(len(requests)), timeout=60))


def test_two_approvals_of_one_request_make_one_user(stack_figures):
    for round_number in range(ROUNDS):
        email = f"race{round_number}@example.com"
        request = AccessRequestFactory(email=email)
        outcomes = _approve_together([request, request])
        assert sorted(outcomes) == ["approved", "decided"]
        assert User.objects.filter(email=email).count() == 1
        assert Link.objects.filter(user__email=email, digest=request.digest).count() == 1
    stack_figures.append(
        f"double approval: {ROUNDS} rounds x 2 admins approving one request: each round 1 user"
    )


def test_approvals_of_two_requests_for_one_email_make_one_user(stack_figures):
    for round_number in range(ROUNDS):
        email = f"twice{round_number}@example.com"
        first, second = AccessRequestFactory.create_batch(2, email=email)
        outcomes = _approve_together([first, second])
        assert sorted(outcomes) == ["account_exists", "approved"]
        assert User.objects.filter(email=email).count() == 1
        assert AccessRequest.objects.filter(email=email, state="pending").count() == 1
    stack_figures.append(
        f"two requests, one email: {ROUNDS} rounds x 2 admins at once: each round 1 user"
    )
