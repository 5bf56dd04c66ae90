"""Arbitrary form bodies against the set-password POST."""

from http import HTTPStatus

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

from accounts.tests.factories import InvitedUserFactory
from invites.models import Link
from tests.fuzz import FUZZ, assert_no_traceback, next_address
from tests.support import GOOD_PASSWORD, open_new_link

pytestmark = pytest.mark.django_db

FIELDS = ["new_password1", "new_password2", "link", "csrfmiddlewaretoken", "username", "next"]
# Text the test client can encode (no lone surrogates).
text = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
passwords = st.one_of(
    text,
    st.sampled_from([GOOD_PASSWORD, "password", "", " " * 12, "12345678901234", "x" * 5000]),
)
values = st.one_of(passwords, st.lists(passwords, min_size=1, max_size=3))
bodies = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS) | text, values, max_size=5),
    # A matching pair, good or not, sometimes with extra fields.
    st.builds(
        lambda password, extra: {**extra, "new_password1": password, "new_password2": password},
        passwords,
        st.dictionaries(st.sampled_from(FIELDS[3:]) | text, values, max_size=2),
    ),
)


def _is_a_good_matching_pair(data: QueryDict, user) -> bool:
    """What the link may be consumed for: equal new passwords that every validator accepts."""
    first, second = data.get("new_password1"), data.get("new_password2")
    if not first or first != second or "\x00" in first:
        return False
    try:
        password_validation.validate_password(first, user)
    except ValidationError:
        return False
    return True


def _consumes(data: QueryDict, link: Link) -> bool:
    """Whether the POST may consume the link: it names it, with a good matching pair."""
    return data.get("link") == str(link.pk) and _is_a_good_matching_pair(data, link.user)


def _check(response, link: Link, data: QueryDict, good: bool) -> None:
    assert response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR
    assert_no_traceback(response.content.decode(errors="replace"))
    link.refresh_from_db()
    shown_for_this_link = data.get("link") == str(link.pk)
    if good:
        assert response.status_code == HTTPStatus.FOUND
        assert link.used_at is not None
    else:
        # A POST that does not name the link its form was shown for changes nothing.
        expected = HTTPStatus.OK if shown_for_this_link else HTTPStatus.CONFLICT
        assert response.status_code == expected
        assert link.used_at is None
        assert link.revoked_at is None
        assert not link.user.__class__.objects.get(pk=link.user_id).has_usable_password()


@FUZZ
@given(body=bodies)
@example(body={"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD})
@example(body={"new_password1": GOOD_PASSWORD, "new_password2": [GOOD_PASSWORD, "other"]})
@example(body={"new_password1": "x" * 5000, "new_password2": "x" * 5000})
def test_only_a_good_matching_pair_consumes_the_link(body):
    client = Client()
    address = next_address()
    link = open_new_link(client, InvitedUserFactory(), REMOTE_ADDR=address)
    # The form names its link, as the page does, unless the body says otherwise.
    body = {"link": str(link.pk), **body}
    data = QueryDict(mutable=True)
    for key, value in body.items():
        data.setlist(key, value if isinstance(value, list) else [value])
    good = _consumes(data, link)

    response = client.post(reverse("invites:set_password"), body, REMOTE_ADDR=address)

    _check(response, link, data, good)


@FUZZ
@given(raw=st.binary(max_size=300))
@example(raw=b"new_password1=%ff%fe&new_password2=%ff%fe")
@example(raw=b"new_password1=" + GOOD_PASSWORD.encode() + b"&new_password2=" + b"%00")
@example(raw=b"&&&==&=%")
def test_raw_urlencoded_bodies_never_fail(raw):
    client = Client()
    address = next_address()
    link = open_new_link(client, InvitedUserFactory(), REMOTE_ADDR=address)
    raw = f"link={link.pk}&".encode() + raw
    good = _consumes(QueryDict(raw), link)

    response = client.post(
        reverse("invites:set_password"),
        raw,
        content_type="application/x-www-form-urlencoded",
        REMOTE_ADDR=address,
    )

    _check(response, link, QueryDict(raw), good)
