"""The kinds of key that travel in a URL, and what each one's URL and cookie are.

The views, the rate limits (``project.ratelimits``) and the log redaction
read these; nothing else spells a key's path or cookie.
"""

from dataclasses import dataclass

from invites.keys.cookies import DigestCookie


@dataclass(frozen=True)
class KeyKind:
    """One kind of key: how it is named in the log, opened, and remembered.

    ``label`` names it in the log, with its article; ``path_word`` is what
    precedes the secret in its URL (``invites.urls`` must agree: a test checks
    it); ``opens`` is the URL name that takes the secret, and ``cookie``
    carries the digest to the page it opens.
    """

    label: str
    path_word: str
    opens: str
    cookie: DigestCookie


# The cookies' salts keep the names of the module they were born in: a new
# salt would make every browser's cookie of a link opened before unreadable.
SET_PASSWORD = KeyKind(
    label="a set-password link",
    path_word="set-password/",
    opens="invites:open",
    cookie=DigestCookie("set_password_link", "invites.views.link-cookie", "invites:set_password"),
)
TEAM = KeyKind(
    label="a team link",
    path_word="join/",
    opens="invites:team_open",
    cookie=DigestCookie("team_link", "invites.views.team-link-cookie", "invites:team_join"),
)
STATUS = KeyKind(
    label="an access request's status link",
    path_word="accounts/request/",
    opens="invites:access_request_open",
    cookie=DigestCookie(
        "access_request", "invites.views.access-request-cookie", "invites:access_request_status"
    ),
)
KINDS = (SET_PASSWORD, TEAM, STATUS)
