"""API tokens in real browsers: a staff member's own, on the account page, and an
administrator's, issued in the admin for someone else. Each is shown once, works
on the API (``/scim/v2/``), and stops working once revoked.

With ``UPDATE_SCREENSHOTS=1`` the pages go to docs/screenshots/:

    UPDATE_SCREENSHOTS=1 .venv/bin/python -m pytest tests/e2e/test_api_tokens.py
"""

import re

import httpx
import pyotp
import pytest

from accounts.tests.factories import DEFAULT_PASSWORD, StaffFactory, SuperuserFactory
from invites.models import ApiToken
from tests.e2e.helpers import admin_action, admin_sign_in, clipboard_text, expect, label

pytestmark = pytest.mark.e2e

CLIPBOARD = ["clipboard-read", "clipboard-write"]
PHONE = {"width": 390, "height": 844}
TOKEN = re.compile(r"ppl_[A-Za-z0-9_-]{32}")
CODE = label("Code from your authenticator app")


@pytest.fixture(autouse=True)
def two_factor_default(settings):
    """The default policy, staff (the suite runs with it off): staff sign in with a code."""
    settings.TWO_FACTOR = "staff"


def api_status(site: str, token: str) -> int:
    """The status of an API request made with ``token``, from a client with no cookie."""
    response = httpx.get(
        f"{site}/scim/v2/ServiceProviderConfig",
        headers={"Authorization": f"Bearer {token}"},
    )
    return response.status_code


def staff_sign_in(page, site: str, email: str) -> None:
    """Sign in on the site's page as staff without an authenticator: set one up, as asked."""
    page.goto(f"{site}/accounts/login/")
    page.get_by_label(label("Email address")).fill(email)
    page.get_by_label(label("Password")).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up an authenticator app")
    key = page.locator(".authenticator-key code").inner_text().replace(" ", "")
    page.get_by_label(CODE).fill(pyotp.TOTP(key).now())
    page.get_by_role("button", name="Set up and sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")


def copy_token(page) -> str:
    """The token the page shows, after checking that its Copy button copies it."""
    token = page.get_by_label("Token", exact=True).input_value()
    assert TOKEN.fullmatch(token), token
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert clipboard_text(page) == token
    return token


def test_staff_issue_a_token_on_their_account_page_use_it_and_revoke_it(site, new_context, shoot):
    StaffFactory(email="ada@example.com")
    page = new_context(permissions=CLIPBOARD).new_page()
    staff_sign_in(page, site, "ada@example.com")
    section = page.get_by_role("region", name="API tokens")
    expect(section).to_contain_text("You have no API token.")

    section.get_by_label(label("Description")).fill("HR system provisioning")
    section.get_by_label(label("Expires in")).select_option(label="30 days")
    section.get_by_label(label("Your password")).fill(DEFAULT_PASSWORD)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        section.get_by_role("button", name="Issue a token").click()
    assert "no-store" in posted.value.headers["cache-control"]
    expect(page.get_by_role("heading", level=1)).to_have_text("Your new API token")
    main = page.locator("main")
    expect(main).to_contain_text("Copy the token now: it is shown only this once.")
    expect(main).to_contain_text("HR system provisioning")
    expires = ApiToken.objects.get().expires_at
    expect(main.locator("time")).to_have_text(f"{expires:%Y-%m-%d %H:%M} UTC")
    expect(main).to_contain_text("(in 4 weeks)")
    token = copy_token(page)
    shoot(page, "api-token-issued", full_page=True)
    assert api_status(site, token) == 200

    # A reload fetches the account page (copied: leaving asks nothing), which
    # lists the token by its description, never the token itself.
    with page.expect_request(lambda request: request.url.startswith(site)) as reloaded:
        page.reload()
    assert reloaded.value.method == "GET"
    expect(page).to_have_url(f"{site}/accounts/")
    assert token not in page.content()
    row = section.get_by_role("row").filter(has_text="HR system provisioning")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("127.0.0.1")  # last used, by the request above
    assert_within(row.get_by_role("button", name="Revoke"), section)
    shoot(page, "account-api-tokens", full_page=True)

    row.get_by_role("button", name="Revoke the token HR system provisioning").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "The API token “HR system provisioning” was revoked: it no longer works."
    )
    expect(section).to_contain_text("You have no API token.")
    expect(section.get_by_role("row")).to_have_count(0)
    assert api_status(site, token) == 401
    assert ApiToken.objects.get().state == ApiToken.State.REVOKED


def test_a_superuser_issues_a_token_for_someone_in_the_admin_and_revokes_it(
    site, new_context, settings, shoot
):
    settings.TWO_FACTOR = "off"  # the admin's sign-in with a code is test_two_factor's
    admin = SuperuserFactory(email="admin@example.com")
    StaffFactory(email="grace@example.com")
    page = new_context(permissions=CLIPBOARD).new_page()
    admin_sign_in(page, site, admin.email)
    page.get_by_role("link", name="API tokens").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("API token")
    page.get_by_role("link", name="Add API token").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add API token")

    page.get_by_label(label("Owner's email")).fill("nobody@example.com")
    page.get_by_label(label("Description")).fill("Nightly export")
    page.get_by_role("button", name="Issue the token").click()
    expect(page.locator(".errorlist")).to_contain_text("No user has this email address.")
    page.get_by_label(label("Owner's email")).fill("grace@example.com")
    page.get_by_label(label("Expires in")).select_option(label="7 days")
    shoot(page, "api-token-add", full_page=True)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Issue the token").click()
    assert "no-store" in posted.value.headers["cache-control"]

    main = page.locator("#content-main")
    expect(main).to_contain_text("This token is shown only this once")
    expect(main).to_contain_text("grace@example.com")
    expect(main.get_by_role("heading", name="Nightly export")).to_be_visible()
    token = copy_token(page)
    shoot(page, "api-token-admin-issued", full_page=True)
    assert api_status(site, token) == 200
    page.set_viewport_size(PHONE)
    assert_fits(page)
    shoot(page, "api-token-admin-issued-390", full_page=True)
    page.set_viewport_size({"width": 1000, "height": 700})

    page.get_by_role("link", name="Back to the API tokens").click()
    expect(page).to_have_url(f"{site}/admin/invites/apitoken/")
    assert token not in page.content()
    row = page.get_by_role("row").filter(has_text="Nightly export")
    expires = ApiToken.objects.get().expires_at
    expect(row).to_contain_text("grace@example.com")
    expect(row).to_contain_text(f"{expires:%Y-%m-%d %H:%M} UTC")
    expect(row).to_contain_text("by admin@example.com")
    expect(row.locator(".field-state_label")).to_have_text("active")
    admin_action(page, "Revoke selected API tokens", ["Nightly export"])
    expect(page.locator(".messagelist")).to_contain_text("Revoked 1 API token: it no longer works.")
    expect(row.locator(".field-state_label")).to_have_text("revoked")
    assert api_status(site, token) == 401


def test_the_token_pages_fit_a_phone(site, new_context, shoot):
    StaffFactory(email="ada.lovelace-byron@example.com")
    page = new_context(viewport=PHONE, is_mobile=True, permissions=CLIPBOARD).new_page()
    staff_sign_in(page, site, "ada.lovelace-byron@example.com")
    section = page.get_by_role("region", name="API tokens")
    description = "Provisioning from the HR system (Workday), nightly"
    section.get_by_label(label("Description")).fill(description)
    section.get_by_label(label("Your password")).fill(DEFAULT_PASSWORD)
    section.get_by_role("button", name="Issue a token").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your new API token")
    field = page.get_by_label("Token", exact=True)
    assert_fits(page)
    # The token is whole inside its box: the box scrolls or wraps, never the page.
    assert_within(field, page.locator(".card"))
    # Here it even shows whole, for reading it out: no part scrolled out of sight.
    assert field.evaluate("input => input.scrollWidth <= input.clientWidth")
    shoot(page, "api-token-issued-390", full_page=True)
    copy_token(page)

    page.goto(f"{site}/accounts/")
    row = section.get_by_role("row").filter(has_text=description)
    expect(row).to_have_count(1)
    # Each line is named (the table's head is hidden), in the cell's accessible name too.
    expect(row.get_by_role("cell", name=re.compile(r"^Expires: \d{4}-"))).to_be_visible()
    assert_within(row.get_by_role("button", name="Revoke"), section)
    shoot(page, "account-api-tokens-390", full_page=True)
    assert_fits(page)


def assert_fits(page) -> None:
    """Nothing wider than the phone's screen."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide on a {PHONE['width']} px screen"


def assert_within(inner, outer) -> None:
    """``inner`` ends before ``outer``'s right edge: nothing sticks out of its box."""
    box, frame = inner.bounding_box(), outer.bounding_box()
    assert box["x"] + box["width"] <= frame["x"] + frame["width"], (box, frame)
