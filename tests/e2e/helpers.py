"""What the browser tests look for on a page, and the steps they share."""

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from accounts.tests.factories import DEFAULT_PASSWORD
from tests.e2e.png import png_to_gray

REQUIRED = os.environ.get("E2E_REQUIRED") == "1"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

# Playwright and zxing-cpp are development requirements. Where they are missing
# the browser tests are skipped, unless E2E_REQUIRED=1: then the import fails.
if not REQUIRED:
    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
from playwright.sync_api import expect  # noqa: E402

__all__ = [
    "CONFIRMATION",
    "NEW_PASSWORD",
    "SCREENSHOTS",
    "admin_action",
    "admin_sign_in",
    "clipboard_text",
    "expect",
    "label",
    "labelless_inputs",
    "qr_codes",
    "submit_new_password",
]


def label(text: str) -> re.Pattern:
    """A form label, with or without the colon Django's label_tag() adds."""
    return re.compile(rf"^{re.escape(text)}:?$")


NEW_PASSWORD = label("New password")
CONFIRMATION = label("New password confirmation")


def submit_new_password(page, password: str, confirmation: str | None = None) -> None:
    """Fill the set-password form and click its button; the confirmation repeats
    the password unless given."""
    page.get_by_label(NEW_PASSWORD).fill(password)
    page.get_by_label(CONFIRMATION).fill(password if confirmation is None else confirmation)
    page.get_by_role("button", name="Set password").click()


def admin_sign_in(page, site: str, email: str, password: str = DEFAULT_PASSWORD) -> None:
    """Sign in on the admin's login page (the factories' users have DEFAULT_PASSWORD)."""
    page.goto(f"{site}/admin/login/")
    page.get_by_label(label("Email address")).fill(email)
    page.get_by_label(label("Password")).fill(password)
    page.get_by_role("button", name="Log in").click()


ISSUE_ACTION = "Generate set-password links"


def admin_action(page, action: str, rows: list[str]) -> None:
    """On the admin list the page shows, tick the rows showing each text and run ``action``."""
    for text in rows:
        page.get_by_role("row").filter(has_text=text).get_by_role("checkbox").check()
    page.locator("select[name=action]").select_option(label=action)
    page.get_by_role("button", name="Go").click()
    if action == ISSUE_ACTION:
        # Its page asks how long the links last; the default is kept.
        page.get_by_role("button", name="Issue the links").click()


def clipboard_text(page) -> str:
    """What the clipboard holds, as a page of ``page``'s site reads it.

    The site's own pages may not read the clipboard (its Permissions-Policy
    has clipboard-read=()), so the reader is a blank page the test serves
    itself at the same origin, in the same browser context.
    """
    parts = urlsplit(page.url)
    reader_url = f"{parts.scheme}://{parts.netloc}/__clipboard-reader__"
    context = page.context
    context.route(reader_url, lambda route: route.fulfill(content_type="text/html", body=""))
    reader = context.new_page()
    try:
        reader.goto(reader_url)
        return reader.evaluate("navigator.clipboard.readText()")
    finally:
        reader.close()
        context.unroute(reader_url)


def labelless_inputs(page) -> list[str]:
    """Visible form controls that no label names (by <label>, aria-label or aria-labelledby)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
            .filter(el => el.type !== 'hidden' && el.getClientRects().length > 0)
            .filter(el => el.labels.length === 0
                && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby'))
            .map(el => el.outerHTML)"""
    )


def qr_codes(png: bytes) -> list[str]:
    """The texts of the QR codes in a screenshot."""
    if not REQUIRED:
        pytest.importorskip("zxingcpp", reason="the zxing-cpp package is not installed")
    import zxingcpp

    return [code.text for code in zxingcpp.read_barcodes(png_to_gray(png))]
