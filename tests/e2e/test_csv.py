"""The links page's "Download CSV", built in the browser, is the commands' CSV to the byte.

static/invites/issued-links.js writes the file from the page; invites/csv_output.py
writes it for the commands. Both escape cells a spreadsheet would run as a formula
and quote cells that need it; this pins the one to the other on addresses chosen
to need both.
"""

import pytest
from django.core.validators import validate_email

from accounts.models import User
from accounts.tests.factories import InvitedUserFactory, SuperuserFactory, UserFactory
from invites.batch.csv_output import links_csv
from invites.keys.secrets import secret_digest
from invites.models import Link
from invites.tests.factories import secret_of
from tests.e2e.helpers import admin_sign_in, expect

pytestmark = pytest.mark.e2e

# Addresses Django's EmailValidator accepts (so the add form and `invite --csv`
# do too) that a spreadsheet or a CSV reader would misread unless escaped. A
# leading "@", tab or carriage return is impossible in an address: an "@" or a
# tab goes inside a quoted local part, a carriage return nowhere.
HOSTILE_EMAILS = [
    "=1+2@example.com",
    "+sum@example.com",
    "-2+3@example.com",
    '"@cmd"@example.com',
    '"a,b"@example.com',
    '"say\\"hi\\""@example.com',
    '"\\\tx"@example.com',
    "ann@exämple.com",
]


def test_the_downloaded_csv_is_what_the_commands_write_for_the_same_links(
    site, new_context, tmp_path
):
    for email in HOSTILE_EMAILS:
        validate_email(email)
    users = [
        InvitedUserFactory(email=email, first_name='=HYPERLINK("x")', last_name='Quote "me", too')
        for email in HOSTILE_EMAILS[:4]
    ] + [UserFactory(email=email, first_name="+1", last_name="-1") for email in HOSTILE_EMAILS[4:]]
    admin = SuperuserFactory(email="admin@example.com")
    page = new_context().new_page()
    admin_sign_in(page, site, admin.email)
    page.goto(f"{site}/admin/accounts/user/")
    for user in users:
        page.locator(f'input[name="_selected_action"][value="{user.pk}"]').check()
    page.locator("select[name=action]").select_option(label="Generate set-password links")
    page.get_by_role("button", name="Go").click()
    page.get_by_role("button", name="Issue the links").click()
    rows = page.locator(".issued-link")
    expect(rows).to_have_count(len(users))

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download CSV").click()
    downloaded = tmp_path / "links.csv"
    download_info.value.save_as(downloaded)

    # The same links, in the page's order, as the commands would write them.
    links = []
    for row in rows.all():
        email = row.get_attribute("data-email")
        secret = secret_of(row.locator("input.link-url").input_value())
        link = Link.objects.open().get(user__email=email)
        assert link.digest == secret_digest(secret)
        links.append((User.objects.get(pk=link.user_id).email, secret, link.expires_at))
    assert sorted(email for email, _secret, _expires_at in links) == sorted(HOSTILE_EMAILS)
    assert downloaded.read_bytes() == links_csv(links).encode()
