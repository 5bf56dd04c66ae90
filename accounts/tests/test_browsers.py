"""The browser a sign-in came from, as the account page names it (accounts.browsers)."""

import pytest

from accounts.browsers import browser_summary
from accounts.models import SignIn

FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
)
EDGE_WINDOWS = CHROME_WINDOWS + " Edg/126.0.0.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36"
)
SAFARI_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Safari/605.1.15"
)


@pytest.mark.parametrize(
    ("user_agent", "summary"),
    [
        (FIREFOX_LINUX, "Firefox on Linux"),
        (CHROME_WINDOWS, "Chrome on Windows"),
        (EDGE_WINDOWS, "Edge on Windows"),
        (SAFARI_IPHONE, "Safari on iOS"),
        (CHROME_ANDROID, "Chrome on Android"),
        (SAFARI_MAC, "Safari on macOS"),
    ],
)
def test_a_known_browser_is_named_with_its_system(user_agent, summary):
    assert browser_summary(user_agent) == summary


def test_an_unknown_user_agent_is_kept_cut_short():
    assert browser_summary("curl/8.5.0") == "curl/8.5.0"
    long = "x" * 500
    assert browser_summary(long) == "x" * SignIn.BROWSER_MAX_LENGTH


def test_line_breaks_and_runs_of_spaces_are_flattened():
    assert browser_summary("my\n\ttool   1.0") == "my tool 1.0"


def test_no_user_agent_gives_an_empty_summary():
    assert browser_summary("") == ""
