"""Every service that takes many answers an empty input with its one type, writing nothing.

``reset_link`` with only unknown emails once ended in a traceback: issuing for
no user returned a list where its callers expected a batch.
"""

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import SuperuserFactory
from invites.access_requests.services import access_requests_decline
from invites.batch.invitations import Invitation, reset_links_issue, users_invite
from invites.keys.purging import Purged
from invites.links.purging import links_purge
from invites.links.services import (
    LinkBatch,
    links_issue,
    links_issue_for_ids,
    links_revoke,
    links_revoke_for_deactivated,
    links_revoke_for_users,
)
from invites.models import Link
from invites.team_links.services import team_links_purge, team_links_revoke

pytestmark = pytest.mark.django_db


def test_issuing_for_nobody_is_an_empty_batch_in_a_single_query():
    admin = SuperuserFactory()
    with CaptureQueriesContext(connection) as captured:
        batches = [
            links_issue(users=[], issuer=admin, via=Link.Via.ADMIN),
            links_issue(users=[], issuer=None, via=Link.Via.COMMAND),
            links_issue_for_ids(user_ids=[], purpose=Link.Purpose.INVITE),
            reset_links_issue(emails=[]),
        ]
    for batch in batches:
        assert isinstance(batch, LinkBatch)
        assert (len(batch), batch.superseded) == (0, 0)
    assert not [query for query in captured if query["sql"].startswith(("INSERT", "UPDATE"))]
    assert not Link.objects.exists()
    assert not LogEntry.objects.exists()


def test_revoking_nothing_revokes_nothing():
    admin = SuperuserFactory()
    assert links_revoke(links=[], by=admin) == 0
    assert links_revoke_for_users(user_ids=[], reason=Link.RevokeReason.ADMIN) == 0
    assert links_revoke_for_deactivated(user_ids=[]) == 0
    assert team_links_revoke(team_links=[], by=admin) == 0
    assert access_requests_decline(access_requests=[], by=admin) == 0
    assert not LogEntry.objects.exists()


def test_inviting_nobody_plans_and_writes_nothing():
    invitation = users_invite(rows=[])
    assert isinstance(invitation, Invitation)
    assert (invitation.created, invitation.issued, invitation.links) == (0, 0, [])


def test_purging_an_empty_database_reports_zero_with_its_cutoff(frozen_clock):
    for purge in (links_purge, team_links_purge):
        purged = purge(older_than=timedelta(days=1))
        assert purged == Purged(count=0, cutoff=frozen_clock.current - timedelta(days=1))
