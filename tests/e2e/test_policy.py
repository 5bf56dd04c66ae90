"""The Content-Security-Policy in a real browser: it blocks inline code, and the admin's pages,
widgets and buttons work under it. Every test here, like every browser test, fails on a
violation any of its pages reports (conftest.py)."""

import pytest

from accounts.tests.factories import InvitedUserFactory, SuperuserFactory, UserFactory
from tests.e2e.helpers import admin_action, admin_sign_in, expect

pytestmark = pytest.mark.e2e


def test_the_policy_blocks_inline_code_and_the_browser_tests_see_it(site, page, csp_violations):
    page.goto(f"{site}/")
    # The listener's report: it comes after Chromium's own console error.
    with page.expect_console_message(lambda m: "Content Security Policy violation" in m.text):
        ran = page.evaluate(
            """() => {
                const script = document.createElement("script");
                script.textContent = "window.inlineScriptRan = true";
                document.body.append(script);
                return window.inlineScriptRan === true;
            }"""
        )

    assert ran is False
    assert any("script-src" in violation for violation in csp_violations), csp_violations
    csp_violations.clear()  # seen and expected: not a failure of this test


def test_admin_pages_and_their_widgets_work_under_the_policy(site, page):
    admin = SuperuserFactory(email="admin@example.com")
    user = UserFactory(email="someone@example.com")
    admin_sign_in(page, site, admin.email)
    for path in ["/admin/", "/admin/accounts/user/", "/admin/invites/link/", "/admin/auth/group/"]:
        response = page.goto(f"{site}{path}")
        assert response.ok, path
        assert "default-src 'none'" in response.headers["content-security-policy"]

    page.goto(f"{site}/admin/accounts/user/{user.pk}/change/")
    # The permissions' two-list widget is drawn by the admin's SelectFilter2.js.
    chooser = page.locator("#id_user_permissions_filter")
    expect(chooser).to_be_visible()
    page.locator("#id_user_permissions_input").fill("link")
    page.locator("#id_user_permissions_add_all").click()
    expect(page.locator("#id_user_permissions_to option").first).to_be_attached()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")


def test_show_qr_code_draws_the_code_under_the_policy(site, page):
    """Past ten links the page draws no codes: each row's button fetches its own."""
    admin = SuperuserFactory(email="admin@example.com")
    people = [InvitedUserFactory(email=f"p{n:02}@example.com") for n in range(11)]
    admin_sign_in(page, site, admin.email)
    page.goto(f"{site}/admin/accounts/user/")
    admin_action(page, "Generate set-password links", [user.email for user in people])

    row = page.locator('.issued-link[data-email="p00@example.com"]')
    expect(row.locator(".qr svg")).to_have_count(0)
    row.get_by_role("button", name="Show QR code").click()
    expect(row.locator(".qr svg")).to_be_visible()


def test_the_sites_icon_loads_under_the_policy_and_nothing_is_not_found(site, page, caplog):
    """Browsers ask for /favicon.ico on their own: every page logged a 404 for it."""
    admin = SuperuserFactory(email="admin@example.com")
    for path in ("/", "/accounts/login/"):
        page.goto(f"{site}{path}")
    admin_sign_in(page, site, admin.email)
    page.goto(f"{site}/admin/accounts/user/")
    # The page's icon, fetched as the page may (the policy's connect-src and img-src are 'self').
    icon = page.evaluate(
        """async () => {
            const response = await fetch(document.querySelector("link[rel=icon]").href);
            const bytes = new Uint8Array(await response.arrayBuffer());
            return [response.status, response.headers.get("content-type"), [...bytes.slice(0, 4)]];
        }"""
    )
    assert icon[0] == 200
    assert icon[2] == [0, 0, 1, 0]  # an ICO file
    assert page.request.get(f"{site}/favicon.ico").body()[:4] == b"\x00\x00\x01\x00"

    not_found = [r.getMessage() for r in caplog.records if "Not Found" in r.getMessage()]
    assert not_found == []
