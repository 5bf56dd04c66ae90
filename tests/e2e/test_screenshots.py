"""Screenshots of the key pages, for docs/screenshots/ and the README.

Every run renders the pages and checks what they say. The PNGs go to a
temporary folder unless UPDATE_SCREENSHOTS=1, which writes docs/screenshots/:

    UPDATE_SCREENSHOTS=1 .venv/bin/python -m pytest tests/e2e/test_screenshots.py
"""

import pytest

from accounts.tests.factories import InvitedUserFactory, SuperuserFactory
from tests.e2e.helpers import (
    admin_action,
    admin_sign_in,
    expect,
    label,
    submit_new_password,
)
from tests.support import GOOD_PASSWORD, INVALID_LINK_TEXT, SUCCESS_TEXT

pytestmark = pytest.mark.e2e


def test_screenshots_of_the_key_pages(site, new_context, issue_link, shoot):
    admin = SuperuserFactory(email="admin@example.com", first_name="Alex", last_name="Admin")
    InvitedUserFactory(email="ada@example.com", first_name="Ada", last_name="Lovelace")
    InvitedUserFactory(email="grace@example.com", first_name="Grace", last_name="Hopper")

    page = new_context().new_page()
    admin_sign_in(page, site, admin.email)
    page.goto(f"{site}/admin/accounts/user/")
    admin_action(page, "Generate set-password links", ["ada@example.com", "grace@example.com"])
    expect(page.locator(".issued-link")).to_have_count(2)
    shoot(page, "links-page")
    ada_url = page.locator('.issued-link[data-email="ada@example.com"] .link-url').input_value()
    with page.context.expect_page() as printed:
        page.get_by_role("button", name="Print all").click()
    sheets = printed.value
    expect(sheets.locator(".handover-sheet")).to_have_count(2)
    shoot(sheets, "handover-sheets")
    for phone_page, name in ((sheets, "handover-sheets-390"), (page, "links-page-390")):
        phone_page.set_viewport_size({"width": 390, "height": 844})
        widths = phone_page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], f"{name} is {widths[0]} px wide on a 390 px screen"
        shoot(phone_page, name)
    sheets.close()

    invitee = new_context().new_page()
    invitee.goto(ada_url)
    expect(invitee.get_by_role("heading", level=1)).to_have_text("Set your password")
    shoot(invitee, "set-password-form")
    submit_new_password(invitee, "password")
    expect(invitee.get_by_role("alert").first).to_be_visible()
    shoot(invitee, "set-password-weak")
    submit_new_password(invitee, GOOD_PASSWORD)
    expect(invitee).to_have_url(f"{site}/accounts/")
    expect(invitee.get_by_role("status")).to_contain_text(SUCCESS_TEXT)
    shoot(invitee, "set-password-done")
    invitee.get_by_role("button", name="Sign out", exact=True).click()
    invitee.goto(f"{site}/accounts/login/")
    expect(invitee.get_by_label(label("Email address"))).to_have_value("ada@example.com")
    shoot(invitee, "sign-in")

    stranger = new_context().new_page()
    stranger.goto(ada_url)
    expect(stranger.locator("main")).to_contain_text(INVALID_LINK_TEXT)
    shoot(stranger, "link-invalid")

    # Six mismatched submissions of one link: the per-link limit is 5 failures a minute.
    hasty = new_context().new_page()
    hasty.goto(issue_link(InvitedUserFactory()))
    for _ in range(6):
        with hasty.expect_response(lambda r: r.request.method == "POST") as posted:
            submit_new_password(hasty, GOOD_PASSWORD, "something-else")
        if posted.value.status == 429:
            break
    assert posted.value.status == 429
    expect(hasty.get_by_role("heading", level=1)).to_have_text("Too many failed attempts")
    shoot(hasty, "too-many-attempts")


PHONE = {"width": 390, "height": 844}


def assert_fits_a_phone(page) -> None:
    """Nothing wider than the screen, and the header on one line."""
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{page.url} is {widths[0]} px wide on a {widths[1]} px screen"
    header = page.locator(".site-header").bounding_box()
    name = page.locator(".site-name").bounding_box()
    assert header["height"] < name["height"] * 2 + 30, f"the header of {page.url} wraps"


def test_the_admin_front_page_and_the_public_pages_on_a_phone(site, new_context, issue_link, shoot):
    from datetime import timedelta

    from accounts import clock
    from invites.tests.factories import LinkFactory

    admin = SuperuserFactory(email="admin@example.com")
    LinkFactory(expires_at=clock.now() + timedelta(hours=5))
    LinkFactory(used_at=clock.now() - timedelta(days=1), presented_again_count=1)
    page = new_context().new_page()
    admin_sign_in(page, site, admin.email)
    page.goto(f"{site}/admin/")
    expect(page.get_by_role("heading", name="Needs attention")).to_be_visible()
    shoot(page, "admin-index")

    phone = new_context(viewport=PHONE, is_mobile=True).new_page()
    phone.goto(issue_link(InvitedUserFactory(email="ada.lovelace@example.com", is_staff=True)))
    assert_fits_a_phone(phone)
    shoot(phone, "phone-set-password-form")
    submit_new_password(phone, GOOD_PASSWORD)
    # Staff: the link signs them in to the admin.
    expect(phone).to_have_url(f"{site}/admin/")
    expect(phone.locator(".messagelist")).to_contain_text(SUCCESS_TEXT)
    phone.goto(f"{site}/")
    expect(phone.locator(".site-header nav")).to_be_visible()
    assert_fits_a_phone(phone)
    shoot(phone, "phone-home")
    phone.goto(f"{site}/set-password/")  # the link is used: the invalid-link page
    assert_fits_a_phone(phone)
