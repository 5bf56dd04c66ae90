"""The links list's search: the same links by either plan."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from invites.links import selectors, services
from invites.models import Link

pytestmark = pytest.mark.django_db

LINKS_URL = reverse("admin:invites_link_changelist")


@pytest.mark.parametrize("few", [0, 1, 500])
def test_links_search_finds_the_same_links_by_either_plan(admin_client, monkeypatch, few):
    """With at most ``few`` matching users the search lists their ids; past it, it joins."""
    monkeypatch.setattr(selectors, "SEARCH_FEW_USERS", few)
    expected = []
    for email in ["ada.one@example.com", "ada.two@example.org", "bob@example.com"]:
        user = UserFactory(email=email)
        issued = services.links_issue(users=[user], issuer=None, via=Link.Via.COMMAND)
        if email.startswith("ada"):
            expected.append(issued[0].link)

    response = admin_client.get(LINKS_URL, {"q": "ADA."})

    assert list(response.context["cl"].result_list) == expected[::-1]  # newest first


def test_links_search_for_nobody_lists_nothing(admin_client):
    services.link_issue(user=UserFactory(), issuer=None, via=Link.Via.COMMAND)

    response = admin_client.get(LINKS_URL, {"q": "nobody-has-this"})

    assert list(response.context["cl"].result_list) == []
    assert "0 set-password links" in response.content.decode()
