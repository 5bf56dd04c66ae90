"""Screenshots of the key pages, for docs/screenshots/ and the README.

Every run renders the pages and checks what they say. The PNGs go to a
temporary folder unless UPDATE_SCREENSHOTS=1, which writes docs/screenshots/:

    UPDATE_SCREENSHOTS=1 .venv/bin/python -m pytest tests/e2e/test_screenshots.py
"""

import os

import pytest

from accounts.tests.factories import DEFAULT_PASSWORD, InvitedUserFactory, SuperuserFactory
from tests.e2e.helpers import SCREENSHOTS, expect, label
from tests.support import GOOD_PASSWORD, INVALID_LINK_TEXT, SUCCESS_TEXT

pytestmark = pytest.mark.e2e


@pytest.fixture
def shoot(tmp_path):
    folder = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)

    def save(page, name: str) -> None:
        path = folder / f"{name}.png"
        page.screenshot(path=path)
        assert path.stat().st_size < 200_000

    return save


def test_screenshots_of_the_key_pages(site, new_context, issue_link, shoot):
    admin = SuperuserFactory(email="admin@example.com", first_name="Alex", last_name="Admin")
    InvitedUserFactory(email="ada@example.com", first_name="Ada", last_name="Lovelace")
    InvitedUserFactory(email="grace@example.com", first_name="Grace", last_name="Hopper")

    page = new_context().new_page()
    page.goto(f"{site}/admin/login/")
    page.get_by_label(label("Email address")).fill(admin.email)
    page.get_by_label(label("Password")).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{site}/admin/accounts/user/")
    for email in ("ada@example.com", "grace@example.com"):
        page.get_by_role("row").filter(has_text=email).get_by_role("checkbox").check()
    page.locator("select[name=action]").select_option(label="Generate set-password links")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".issued-link")).to_have_count(2)
    shoot(page, "links-page")
    ada_url = page.locator('.issued-link[data-email="ada@example.com"] .link-url').input_value()

    invitee = new_context().new_page()
    invitee.goto(ada_url)
    expect(invitee.get_by_role("heading", level=1)).to_have_text("Set your password")
    shoot(invitee, "set-password-form")
    invitee.get_by_label(label("New password")).fill("password")
    invitee.get_by_label(label("New password confirmation")).fill("password")
    invitee.get_by_role("button", name="Set password").click()
    expect(invitee.get_by_role("alert").first).to_be_visible()
    shoot(invitee, "set-password-weak")
    invitee.get_by_label(label("New password")).fill(GOOD_PASSWORD)
    invitee.get_by_label(label("New password confirmation")).fill(GOOD_PASSWORD)
    invitee.get_by_role("button", name="Set password").click()
    expect(invitee.get_by_role("status")).to_contain_text(SUCCESS_TEXT)
    shoot(invitee, "sign-in")

    stranger = new_context().new_page()
    stranger.goto(ada_url)
    expect(stranger.locator("main")).to_contain_text(INVALID_LINK_TEXT)
    shoot(stranger, "link-invalid")

    # Six mismatched submissions of one link: the per-link limit is 5 a minute.
    hasty = new_context().new_page()
    hasty.goto(issue_link(InvitedUserFactory()))
    for _ in range(6):
        hasty.get_by_label(label("New password")).fill(GOOD_PASSWORD)
        hasty.get_by_label(label("New password confirmation")).fill("something-else")
        response_info = hasty.expect_response(lambda r: r.request.method == "POST")
        with response_info as posted:
            hasty.get_by_role("button", name="Set password").click()
        if posted.value.status == 429:
            break
    assert posted.value.status == 429
    expect(hasty.get_by_role("heading", level=1)).to_have_text("Too many attempts")
    shoot(hasty, "too-many-attempts")
