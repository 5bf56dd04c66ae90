"""Asking for an account, in a real browser: request, approval, status link, password, sign-in.

With ``UPDATE_SCREENSHOTS=1`` the request form and the status page go to
docs/screenshots/ (desktop and 390 px wide); otherwise to a temporary folder.
"""

import pytest

from accounts.models import User
from accounts.tests.factories import GroupFactory, SuperuserFactory
from invites.models import AccessRequest
from tests.e2e.helpers import (
    admin_sign_in,
    clipboard_text,
    expect,
    label,
    labelless_inputs,
    submit_new_password,
)
from tests.support import GOOD_PASSWORD, SUCCESS_TEXT

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
KEEP_TEXT = (
    "Keep this link: it is how you will set your password once an administrator approves you."
)


@pytest.fixture
def shoot_both(shoot):
    """Screenshots of a page as it is, and at a phone's width."""

    def save(page, name: str) -> None:
        size = page.viewport_size
        for suffix, viewport in (("", size), ("-390", PHONE)):
            page.set_viewport_size(viewport)
            shoot(page, f"{name}{suffix}", full_page=True)
        page.set_viewport_size(size)

    return save


def sign_in(page, site: str, email: str, password: str) -> None:
    page.goto(f"{site}/accounts/login/")
    page.get_by_label(label("Email address")).fill(email)
    page.get_by_label(label("Password")).fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_request_access_be_approved_and_sign_in(site, settings, new_context, shoot_both):
    settings.ACCESS_REQUESTS = True
    GroupFactory(name="Readers")
    admin = SuperuserFactory(email="admin@example.com")

    # The requester asks for an account and keeps the status link.
    requester = new_context(permissions=["clipboard-read", "clipboard-write"]).new_page()
    requester.goto(f"{site}/accounts/request/")
    expect(requester.get_by_role("heading", level=1)).to_have_text("Ask for an account")
    assert labelless_inputs(requester) == []
    # The honeypot is there, and hidden from people.
    expect(requester.locator("input[name=website]")).to_be_hidden()
    shoot_both(requester, "access-request-form")
    requester.get_by_label(label("Email address")).fill("ada@example.com")
    requester.get_by_label(label("First name")).fill("Ada")
    requester.get_by_label(label("Last name")).fill("Lovelace")
    requester.get_by_label(label("Note")).fill("Analyst; Charles Babbage can vouch for me.")
    requester.get_by_role("button", name="Ask for an account").click()

    expect(requester.get_by_role("heading", level=1)).to_have_text("Request sent")
    expect(requester.locator("main")).to_contain_text(KEEP_TEXT)
    status_url = requester.get_by_label("Your status link").input_value()
    assert status_url.startswith(f"{site}/accounts/request/")
    requester.get_by_role("button", name="Copy").click()
    expect(requester.get_by_role("button", name="Copied")).to_be_visible()
    assert clipboard_text(requester) == status_url
    shoot_both(requester, "access-request-sent")

    # Opening it: the secret leaves the address bar; the request is pending.
    requester.goto(status_url)
    expect(requester).to_have_url(f"{site}/accounts/request/status/")
    expect(requester.locator("main")).to_contain_text("Pending")
    shoot_both(requester, "access-request-status")

    # An administrator approves it, choosing a group.
    office = new_context().new_page()
    admin_sign_in(office, site, admin.email)
    office.goto(f"{site}/admin/invites/accessrequest/?state=pending")
    expect(office.locator("#result_list")).to_contain_text("Charles Babbage can vouch for me.")
    office.get_by_role("link", name="ada@example.com").click()
    office.get_by_role("link", name="Approve…").click()
    office.get_by_label("Readers").check()
    office.get_by_role("button", name="Approve and create the account").click()
    expect(office.locator(".messagelist")).to_contain_text("Approved")
    expect(office.get_by_role("button", name="Issue a new link instead")).to_be_visible()
    assert AccessRequest.objects.get().state == "approved"

    # The same status link now leads to the set-password form.
    requester.goto(status_url)
    expect(requester).to_have_url(f"{site}/set-password/")
    expect(requester.locator("main")).to_contain_text("ada@example.com")
    submit_new_password(requester, GOOD_PASSWORD)
    # The link signed her in.
    expect(requester).to_have_url(f"{site}/accounts/")
    expect(requester.get_by_role("status")).to_contain_text(SUCCESS_TEXT)
    expect(requester.locator(".site-header")).to_contain_text("ada@example.com")
    user = User.objects.get(email="ada@example.com")
    assert list(user.groups.values_list("name", flat=True)) == ["Readers"]

    # The account page lists the sign-in; a second browser signs this one out.
    requester.goto(f"{site}/accounts/")
    expect(requester.locator("table.sign-ins tbody tr")).to_have_count(1)
    second = new_context().new_page()
    sign_in(second, site, "ada@example.com", GOOD_PASSWORD)
    second.goto(f"{site}/accounts/")
    expect(second.locator("table.sign-ins tbody tr")).to_have_count(2)
    second.get_by_role("button", name="Sign out everywhere else").click()
    requester.goto(f"{site}/accounts/")
    expect(requester).to_have_url(f"{site}/accounts/login/?next=/accounts/")
    second.goto(f"{site}/accounts/")
    expect(second).to_have_url(f"{site}/accounts/")


def test_a_reload_of_the_sent_page_asks_first_and_files_no_second_request(
    site, settings, new_context
):
    from invites.models import AccessRequest

    settings.ACCESS_REQUESTS = True
    page = new_context().new_page()
    page.goto(f"{site}/accounts/request/")
    page.get_by_label(label("Email address")).fill("ada@example.com")
    page.get_by_label(label("First name")).fill("Ada")
    page.get_by_label(label("Last name")).fill("Lovelace")
    page.get_by_label(label("Note")).fill("Analyst.")
    page.get_by_role("button", name="Ask for an account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Request sent")
    dialogs = []

    def leave(dialog):
        dialogs.append(dialog.type)
        dialog.accept()

    page.on("dialog", leave)
    # The Copy button shows once copy-link.js runs, which is what asks before leaving.
    expect(page.get_by_role("button", name="Copy")).to_be_visible()
    page.get_by_label("Your status link").click()  # a person on the page, then a reload
    with page.expect_request(lambda request: request.url.startswith(site)) as reloaded:
        page.reload()
    assert reloaded.value.method == "GET"
    assert dialogs == ["beforeunload"]
    expect(page).to_have_url(f"{site}/accounts/request/")
    assert AccessRequest.objects.count() == 1
