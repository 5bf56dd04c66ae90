"""A short, honest name for the browser a sign-in came from, read from its User-Agent.

Only what a person recognises ("Firefox on Linux"); a User-Agent it cannot read
is kept as it came, cut short. No list of every browser: a wrong name would
mislead more than the raw string.
"""

from accounts.models import SignIn

# Order matters: Edge and Opera say "Chrome" too, Chrome says "Safari".
_BROWSERS = (
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("EdgiOS/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
)


def browser_summary(user_agent: str) -> str:
    """``"Firefox on Linux"``, or the User-Agent itself cut to fit ``SignIn.browser``."""
    user_agent = " ".join(user_agent.split())
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), None)
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    if browser:
        return browser
    return user_agent[: SignIn.BROWSER_MAX_LENGTH]
