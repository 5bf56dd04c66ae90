"""An address beyond Latin-1 works end to end: invite, CSV, set password, sign in, account, admin.

The live attack invited ``ivan@пример.рф``: the password was set and the link
used, then gunicorn answered a bare 500 (the sign-in cookie carried the raw
address), and the retry showed the invalid page and tripped a false tripwire.
"""

import csv
import io
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import SuperuserFactory
from invites.keys.models import Via
from invites.models import Link
from invites.team_links.services import team_link_create
from tests.support import GOOD_PASSWORD, set_password_data

pytestmark = pytest.mark.django_db

ADDRESSES = ["ivan@пример.рф", "ALİCE@example.com", "zoe@exämple.de"]


def invite(email: str, settings) -> str:
    settings.SITE_URL = "http://testserver"
    out = io.StringIO()
    call_command("invite", email, stdout=out, stderr=io.StringIO())
    (row,) = csv.DictReader(io.StringIO(out.getvalue()))
    assert row["email"] == email
    return urlsplit(row["link"]).path


def set_password(client: Client, path: str) -> None:
    opened = client.get(path, follow=True)
    assert opened.status_code == HTTPStatus.OK
    done = client.post(
        reverse("invites:set_password"), set_password_data(opened.content.decode(), GOOD_PASSWORD)
    )
    assert done.status_code == HTTPStatus.FOUND
    # Every header is Latin-1 at most, as the WSGI server must send it.
    for value in done.cookies.values():
        value.OutputString().encode("latin-1")


@pytest.mark.parametrize("email", ADDRESSES)
def test_an_invited_international_address_sets_a_password_and_signs_in(settings, email):
    client = Client()
    set_password(client, invite(email, settings))
    assert email in client.get(reverse("account")).content.decode(), "the link signed them in"

    client.post(reverse("logout"))
    sign_in_page = client.get(reverse("login"))
    assert email in sign_in_page.content.decode(), "the sign-in form shows the address"
    signed_in = client.post(reverse("login"), {"username": email, "password": GOOD_PASSWORD})
    assert signed_in.status_code == HTTPStatus.FOUND
    account = client.get(reverse("account"))
    assert email in account.content.decode()
    assert Link.objects.get().used_at is not None
    assert Link.objects.get().presented_again_count == 0


@pytest.mark.parametrize("email", ADDRESSES)
def test_the_admin_finds_an_international_address(admin_client, email):
    User.objects.create_user(email=email)
    found = admin_client.get(reverse("admin:accounts_user_changelist"), {"q": email})
    assert email in found.content.decode()
    assert "1 result" in found.content.decode()


@pytest.mark.parametrize("email", ["alice@exa\uff4dple.com", "ALİCE@example.com"])
def test_joining_through_a_team_link_with_an_international_spelling_signs_in(email):
    issued = team_link_create(
        name="Workshop", groups=[], uses=5, issuer=SuperuserFactory(), via=Via.ADMIN
    )
    client = Client()
    page = client.get(reverse("invites:team_open", kwargs={"secret": issued.secret}), follow=True)
    joined = client.post(
        reverse("invites:team_join"),
        {
            "csrfmiddlewaretoken": page.context["csrf_token"],
            "email": email,
            "first_name": "Alice",
            "last_name": "Liddell",
            "password1": GOOD_PASSWORD,
            "password2": GOOD_PASSWORD,
        },
    )
    assert joined.status_code == HTTPStatus.FOUND
    for value in joined.cookies.values():
        value.OutputString().encode("latin-1")
    signed_in = client.post(reverse("login"), {"username": email, "password": GOOD_PASSWORD})
    assert signed_in.status_code == HTTPStatus.FOUND
