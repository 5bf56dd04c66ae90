"""The administrator's side, in a real browser: add users, hand out links, revoke them."""

import csv
import io

import pytest

from accounts.models import User
from accounts.tests.factories import InvitedUserFactory, SuperuserFactory, UserFactory
from invites.models import Link
from tests.e2e.helpers import (
    admin_action,
    admin_sign_in,
    clipboard_text,
    expect,
    label,
    qr_codes,
    submit_new_password,
)
from tests.support import GOOD_PASSWORD, INVALID_LINK_TEXT, SUCCESS_TEXT

pytestmark = pytest.mark.e2e

CLIPBOARD = ["clipboard-read", "clipboard-write"]


@pytest.fixture
def admin_page(site, new_context):
    """A signed-in superuser's page, in a context that may use the clipboard."""
    admin = SuperuserFactory(email="admin@example.com")
    page = new_context(permissions=CLIPBOARD).new_page()
    admin_sign_in(page, site, admin.email)
    expect(page).to_have_url(f"{site}/admin/")
    return page


def issued_links(page) -> dict[str, str]:
    """The links page's links, by email, as the page shows them."""
    rows = page.locator(".issued-link")
    expect(rows.first).to_be_visible()
    return {
        row.get_attribute("data-email"): row.locator("input.link-url").input_value()
        for row in rows.all()
    }


def set_password_with(new_context, url: str, password: str = GOOD_PASSWORD):
    """Open a link in a fresh browser and set a password; returns the page."""
    page = new_context().new_page()
    page.goto(url)
    submit_new_password(page, password)
    return page


def assert_link_is_invalid(new_context, url: str):
    page = new_context().new_page()
    response = page.goto(url)
    assert response.status == 404
    expect(page.locator("main")).to_contain_text(INVALID_LINK_TEXT)
    expect(page.locator("input[type=password]")).to_have_count(0)


def test_admin_adds_a_user_and_copies_their_link(site, admin_page, new_context):
    page = admin_page
    page.goto(f"{site}/admin/accounts/user/add/")
    expect(page.locator("input[type=password]")).to_have_count(0)
    page.get_by_label(label("Email address")).fill("new.person@example.com")
    page.get_by_label(label("First name")).fill("New")
    page.get_by_label(label("Last name")).fill("Person")
    page.get_by_label(label("Staff status")).check()
    with page.expect_response(lambda r: r.request.method == "POST") as saved:
        page.get_by_role("button", name="Save", exact=True).click()

    assert "no-store" in saved.value.headers["cache-control"]
    links = issued_links(page)
    assert list(links) == ["new.person@example.com"]
    url = links["new.person@example.com"]
    assert url.startswith(f"{site}/set-password/")
    row = page.locator('.issued-link[data-email="new.person@example.com"]')
    copy = row.get_by_role("button", name="Copy", exact=True)
    copy.click()
    expect(row.get_by_role("button", name="Copied")).to_be_visible()
    assert clipboard_text(page) == url

    user = User.objects.get(email="new.person@example.com")
    assert (user.first_name, user.last_name, user.is_staff) == ("New", "Person", True)
    assert not user.has_usable_password()
    # Staff: the link signs them in to the admin.
    invitee = set_password_with(new_context, url)
    expect(invitee).to_have_url(f"{site}/admin/")
    expect(invitee.locator(".messagelist")).to_contain_text(SUCCESS_TEXT)


def test_admin_issues_links_for_three_users_and_each_works_once(
    site, admin_page, new_context, tmp_path
):
    page = admin_page
    people = [
        InvitedUserFactory(email="ann@example.com"),
        InvitedUserFactory(email="bob@example.com"),
        UserFactory(email="cy@example.com"),  # has a password: gets a reset link
    ]
    InvitedUserFactory(email="not.selected@example.com")
    page.goto(f"{site}/admin/accounts/user/")
    admin_action(page, "Generate set-password links", [user.email for user in people])

    links = issued_links(page)
    assert sorted(links) == sorted(user.email for user in people)
    assert Link.objects.open().filter(user__in=people).count() == 3
    assert Link.objects.get(user=people[2]).purpose == Link.Purpose.RESET

    page.get_by_role("button", name="Copy all").click()
    copied = clipboard_text(page)
    assert sorted(copied.splitlines()) == sorted(f"{email} {url}" for email, url in links.items())

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename == "set-password-links.csv"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert list(rows[0]) == ["email", "link", "expires_at"]
    assert {row["email"]: row["link"] for row in rows} == links
    for row in rows:
        link = Link.objects.open().get(user__email=row["email"])
        assert row["expires_at"] == link.expires_at.isoformat(timespec="seconds")

    for email, url in links.items():
        qr = page.locator(f'.issued-link[data-email="{email}"] .qr svg')
        assert qr_codes(qr.screenshot()) == [url]

    for email, url in links.items():
        used = set_password_with(new_context, url)
        expect(used).to_have_url(f"{site}/accounts/")
        assert_link_is_invalid(new_context, url)
        assert User.objects.get(email=email).check_password(GOOD_PASSWORD)


def test_admin_revokes_a_link_and_it_stops_working(site, admin_page, new_context):
    page = admin_page
    revoked, kept = InvitedUserFactory(email="gone@example.com"), InvitedUserFactory()
    page.goto(f"{site}/admin/accounts/user/")
    admin_action(page, "Generate set-password links", [revoked.email, kept.email])
    links = issued_links(page)

    page.goto(f"{site}/admin/invites/link/")
    row = page.get_by_role("row").filter(has_text="gone@example.com")
    expect(row).to_contain_text("Invited")  # as the user list labels the person
    admin_action(page, "Revoke selected links", ["gone@example.com"])

    # The first "Go" asks, naming whose link; nothing is revoked yet.
    expect(page.get_by_role("heading", level=1)).to_have_text("Revoke links")
    expect(page.locator("#content")).to_contain_text("gone@example.com: Invited, until")
    assert Link.objects.get(user=revoked).is_open
    page.get_by_role("button", name="Revoke this link").click()
    expect(page.locator(".messagelist")).to_contain_text("Revoked 1 link.")
    expect(page.get_by_role("row").filter(has_text="gone@example.com")).to_contain_text("Revoked")
    # No way to read a link back from the list.
    assert links["gone@example.com"].rsplit("/", 2)[-2] not in page.content()
    assert_link_is_invalid(new_context, links["gone@example.com"])
    still = set_password_with(new_context, links[kept.email])
    expect(still).to_have_url(f"{site}/accounts/")


def test_admin_deactivates_a_user_after_a_page_that_names_them(site, admin_page, shoot):
    page = admin_page
    ada = UserFactory(email="ada@example.com", first_name="Ada", last_name="Lovelace")
    page.goto(f"{site}/admin/accounts/user/")
    admin_action(page, "Deactivate selected users", [ada.email])

    expect(page.get_by_role("heading", level=1)).to_have_text("Deactivate users")
    expect(page.locator("#content")).to_contain_text("ada@example.com (Ada Lovelace)")
    ada.refresh_from_db()
    assert ada.is_active
    shoot(page, "deactivate-confirmation")
    # "No, take me back" changes nothing.
    page.get_by_role("link", name="No, take me back").click()
    expect(page).to_have_url(f"{site}/admin/accounts/user/")
    ada.refresh_from_db()
    assert ada.is_active

    admin_action(page, "Deactivate selected users", [ada.email])
    page.get_by_role("button", name="Deactivate this user").click()
    expect(page.locator(".messagelist")).to_contain_text("Deactivated 1 user")
    ada.refresh_from_db()
    assert not ada.is_active
