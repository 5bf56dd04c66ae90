import pytest

from accounts.tests.factories import InvitedUserFactory
from invites.keys.errors import KeyInvalid
from invites.links import services
from invites.links.forms import LinkSetPasswordForm
from invites.models import Link

pytestmark = pytest.mark.django_db
GOOD = "Correct-horse-battery-42"


def form_for(link: Link, password: str = GOOD, confirm: str | None = None) -> LinkSetPasswordForm:
    data = {"new_password1": password, "new_password2": confirm or password}
    return LinkSetPasswordForm(link.user, data, link=link)


def issued() -> Link:
    return services.link_issue(user=InvitedUserFactory(), issuer=None, via=Link.Via.COMMAND).link


def test_saving_the_form_redeems_its_link():
    link = issued()
    form = form_for(link)

    assert form.is_valid()
    user = form.save()

    assert user.check_password(GOOD)
    link.refresh_from_db()
    assert link.used_at is not None


def test_saving_the_form_of_a_link_closed_since_it_was_read_raises_and_sets_nothing():
    link = issued()
    form = form_for(link)
    assert form.is_valid()
    services.links_revoke_for_users(user_ids=[link.user_id], reason=Link.RevokeReason.ADMIN)

    with pytest.raises(KeyInvalid, match="revoked"):
        form.save()
    link.user.refresh_from_db()
    assert not link.user.has_usable_password()


def test_the_rules_messages_stand_under_the_first_field():
    form = form_for(issued(), password="short")
    assert not form.is_valid()
    assert "new_password1" in form.errors
    assert "new_password2" not in form.errors
