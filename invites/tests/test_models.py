from datetime import timedelta

import pytest

from invites.models import Link
from invites.tests.factories import LinkFactory

pytestmark = pytest.mark.django_db


def test_new_link_is_pending_and_open():
    link = LinkFactory()
    assert link.state == Link.State.PENDING
    assert link.is_open


@pytest.mark.parametrize(
    ("trait", "state"),
    [("used", Link.State.USED), ("revoked", Link.State.REVOKED), ("expired", Link.State.EXPIRED)],
)
def test_closed_link_states(trait, state):
    link = LinkFactory(**{trait: True})
    assert link.state == state
    assert not link.is_open


def test_link_expires_when_the_clock_passes_expires_at(frozen_clock):
    link = LinkFactory()
    frozen_clock.advance(days=7, seconds=1)
    assert link.state == Link.State.EXPIRED


def test_open_queryset_excludes_every_closed_state():
    pending = LinkFactory()
    LinkFactory(used=True)
    LinkFactory(revoked=True)
    LinkFactory(expired=True)
    assert list(Link.objects.open()) == [pending]


@pytest.mark.parametrize("state", [s.value for s in Link.State])
def test_with_state_matches_the_state_property(state):
    links = [LinkFactory(), LinkFactory(used=True), LinkFactory(revoked=True)]
    links.append(LinkFactory(expired=True))
    selected = set(Link.objects.with_state(state))
    assert selected == {link for link in links if link.state == state}


def test_str_never_contains_the_digest():
    link = LinkFactory()
    assert link.digest not in str(link)


def test_one_clock_moves_model_defaults_factories_and_services(fixed_clock):
    from accounts.tests.factories import UserFactory
    from invites.links import services

    user = UserFactory()
    by_default = Link.objects.create(
        user=user, purpose=Link.Purpose.INVITE, digest="d" * 64, expires_at=fixed_clock.current
    )
    by_factory = LinkFactory()
    issued = services.link_issue(user=user, issuer=None, via=Link.Via.COMMAND)

    assert user.date_joined == fixed_clock.current
    assert by_default.created_at == fixed_clock.current
    assert by_factory.created_at == fixed_clock.current
    assert issued.link.created_at == fixed_clock.current


@pytest.mark.parametrize("used", [False, True])
@pytest.mark.parametrize("revoked", [False, True])
@pytest.mark.parametrize("expired", [False, True])
def test_a_links_state_reads_the_same_on_a_row_and_in_a_query(used, revoked, expired, frozen_clock):
    now = frozen_clock.current
    link = LinkFactory(
        used_at=now if used else None,
        revoked_at=now if revoked else None,
        expires_at=now if expired else now + timedelta(seconds=1),
    )
    in_queries = [state for state in Link.State.values if Link.objects.with_state(state).exists()]
    assert in_queries == [link.state]


def test_the_open_links_query_drops_a_link_at_the_moment_it_expires(frozen_clock):
    link = LinkFactory(expires_at=frozen_clock.current + timedelta(minutes=1))
    assert list(Link.objects.open()) == [link]
    frozen_clock.advance(minutes=1)
    assert list(Link.objects.open()) == []
    assert list(Link.objects.with_state(Link.State.EXPIRED)) == [link]
