"""Browser fixtures: Chromium driven by Playwright against pytest-django's live server.

The browser is the one named by ``CHROMIUM``, else ``/usr/bin/chromium``, else
Playwright's own if it was installed. Without one the tests are skipped with the
reason, unless ``E2E_REQUIRED=1`` (CI), which makes a missing browser a failure.

Every page runs under the site's real Content-Security-Policy (never bypassed),
and a test fails if any page it opened reported a violation.
"""

import os
import shutil
from pathlib import Path

import pytest

from invites.keys.kinds import SET_PASSWORD
from invites.keys.urls import key_url
from invites.links.services import link_issue
from invites.models import Link

# Playwright's sync API runs an asyncio event loop in the test's own thread, so
# Django sees a "running loop" there and refuses ORM calls from the test
# (SynchronousOnlyOperation) although nothing async touches the database: the
# loop only carries Playwright's messages to the browser. Set before any test runs.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

VIEWPORT = {"width": 1000, "height": 700}
# A violation shows in the console as Chromium's "Refused to ... because it
# violates the following Content Security Policy directive", and fires this
# event, which this listener (run by Playwright, outside the policy) reports too.
CSP_MARK = "Content Security Policy"
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`Content Security Policy violation: ${event.effectiveDirective} `
    + `blocked ${event.blockedURI} on ${document.location.href}`);
});
"""
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _no_browser(reason: str):
    """Skip, or fail where a browser is required (CI sets E2E_REQUIRED=1)."""
    if os.environ.get("E2E_REQUIRED") == "1":
        pytest.fail(f"E2E_REQUIRED=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def _chromium_executable() -> str | None:
    """The Chromium to drive, or None to try Playwright's own."""
    named = os.environ.get("CHROMIUM")
    if named:
        found = shutil.which(named)
        if not found:
            _no_browser(f"CHROMIUM={named} names no executable")
        return found
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return None


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        _no_browser("the playwright package is not installed (requirements-dev.txt)")
    executable = _chromium_executable()
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        except Error as error:
            if executable:
                raise
            first_line = str(error).strip().splitlines()[0]
            _no_browser(
                "no Chromium found: set CHROMIUM, install Debian's chromium at "
                f"/usr/bin/chromium, or Playwright's own browser ({first_line})"
            )
        yield browser
        browser.close()


@pytest.fixture
def csp_violations() -> list[str]:
    """The Content-Security-Policy violations the test's pages reported, in order."""
    return []


@pytest.fixture
def new_context(browser, csp_violations):
    """Make fresh browser contexts (separate cookies: separate people).

    Fails the test if a page of any of them reported a policy violation that
    the test left in ``csp_violations``.
    """
    contexts = []

    def record(message):
        if message.type == "error" and CSP_MARK in message.text:
            csp_violations.append(f"{message.page.url if message.page else '?'}: {message.text}")

    def make(**options):
        context = browser.new_context(**{"viewport": VIEWPORT, **options})
        context.set_default_timeout(10_000)
        context.add_init_script(CSP_LISTENER)
        context.on("console", record)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert not csp_violations, "\n".join(["Content-Security-Policy violations:", *csp_violations])


@pytest.fixture
def page(new_context):
    return new_context().new_page()


@pytest.fixture
def site(live_server, settings):
    """The live server's address, which links issued in the test then start with."""
    settings.SITE_URL = live_server.url
    return live_server.url


@pytest.fixture
def issue_link(site):
    """Issue a link as a command would, returning its URL."""

    def issue(user) -> str:
        issued = link_issue(user=user, issuer=None, via=Link.Via.COMMAND)
        return key_url(SET_PASSWORD, issued.secret)

    return issue


@pytest.fixture
def shoot(tmp_path):
    """Save a screenshot of a page: in docs/screenshots/ with UPDATE_SCREENSHOTS=1, else
    in a temporary folder (the pages are drawn and checked either way).

        UPDATE_SCREENSHOTS=1 .venv/bin/python -m pytest tests/e2e/
    """
    from tests.e2e.helpers import SCREENSHOTS

    folder = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)

    def save(page, name: str, *, full_page: bool = False) -> None:
        path = folder / f"{name}.png"
        page.screenshot(path=path, full_page=full_page)
        assert path.stat().st_size < 200_000

    return save


# axe measures colours by adding style elements of its own, which the site's
# Content-Security-Policy blocks and reports: reports of the test's tool, not of the site.
AXE_STYLE_REPORTS = ("Applying inline style violates", "style-src-elem blocked inline")
SEVERE = frozenset({"serious", "critical"})


@pytest.fixture
def axe_violations(csp_violations):
    """Run axe-core on a page: its violations (of ``impacts`` only, if given).

    Rule id -> the selectors of the elements that break it.
    """
    axe_playwright = pytest.importorskip(
        "axe_playwright_python.sync_playwright", reason="axe-playwright-python is not installed"
    )

    def run(page, *, impacts=None) -> dict[str, list[str]]:
        before = len(csp_violations)
        results = axe_playwright.Axe().run(page)
        csp_violations[before:] = [
            report
            for report in csp_violations[before:]
            if not any(mark in report for mark in AXE_STYLE_REPORTS)
        ]
        return {
            violation["id"]: [", ".join(node["target"]) for node in violation["nodes"]]
            for violation in results.response["violations"]
            if impacts is None or violation["impact"] in impacts
        }

    return run


@pytest.fixture
def severe_violations(axe_violations):
    """axe-core's violations of impact serious or critical on a page."""
    return lambda page: axe_violations(page, impacts=SEVERE)
