"""Handing links over: printable sheets, and a copy-ready message for each person.

A sheet holds a link's secret, so the print view (``handover_views``) keeps
nothing and looks nothing up: a page that shows links (the links page, a team
link's page) posts them back, one ``sheet`` field each (``sheet_value``), and
the view draws the sheets from that, after checking that every link is one
this site makes (``link_kind``). The messages on the links page come from a
template the site may override (``MESSAGE_TEMPLATE``).
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch
from django.utils.translation import gettext as _

from accounts.dates import relative, when
from invites.admin.rendering import render_for_each
from invites.batch.csv_output import utc_iso
from invites.keys.kinds import SET_PASSWORD, TEAM, KeyKind
from invites.keys.secrets import looks_like_secret, secret_typable
from invites.keys.urls import key_url

# One print holds at most this many sheets: each is a field of the POST, and
# Django refuses a request of more than DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000).
MAX_SHEETS = 500
# The characters of a link's secret printed together: eight groups of four
# are easier to type from paper than one run of 32.
GROUP_SIZE = 4

MESSAGE_TEMPLATE = "invites/handover_message.txt"


def site_address(path: str, *, request: HttpRequest) -> str:
    """The absolute URL of one of this site's pages, starting as its links do (``key_url``)."""
    return settings.SITE_URL + path if settings.SITE_URL else request.build_absolute_uri(path)


def link_kind(url: str, *, request: HttpRequest) -> KeyKind | None:
    """``SET_PASSWORD`` or ``TEAM`` if ``url`` is exactly such a link of this site, else None."""
    secret = urlsplit(url).path.rstrip("/").rpartition("/")[2]
    if not looks_like_secret(secret):
        return None
    if key_url(SET_PASSWORD, secret, request=request) == url:
        return SET_PASSWORD
    try:
        if key_url(TEAM, secret, request=request) == url:
            return TEAM
    except NoReverseMatch:  # a project without team links
        pass
    return None


def sheet_value(
    *, url: str, name: str, email: str = "", expires_at: datetime, two_factor: bool = False
) -> str:
    """The value of one ``sheet`` field that a page posts to the print view.

    ``name`` is the person's name, or a team link's own name (with no
    ``email``); ``expires_at`` the link's expiry; ``two_factor`` whether its
    person (or each person joining) must set up an authenticator app.
    """
    return json.dumps(
        {
            "url": url,
            "name": name,
            "email": email,
            "expires_at": utc_iso(expires_at),
            "two_factor": two_factor,
        },
        separators=(",", ":"),
    )


@dataclass(frozen=True)
class Sheet:
    """One printed sheet: a link and whom (or which team link) it is for."""

    url: str
    kind: KeyKind
    name: str
    email: str
    expires_at: datetime
    # Its person sets up an authenticator app (``TWO_FACTOR``): the sheet says
    # to have a phone at hand.
    two_factor: bool = False

    @property
    def url_groups(self) -> list[str]:
        """The link as printed: the site's part, then its secret in groups of ``GROUP_SIZE``.

        The secret in its typable spelling (``keys.secrets.secret_typable``):
        no two characters alike, any case; the site reads it back.
        """
        head, _, secret = self.url.rstrip("/").rpartition("/")
        tail = self.url[len(head) + 1 + len(secret) :]
        typable = secret_typable(secret)
        return [
            head + "/",
            *[typable[i : i + GROUP_SIZE] for i in range(0, len(typable), GROUP_SIZE)],
            *([tail] if tail else []),
        ]

    @property
    def expires_display(self) -> str:
        return when(self.expires_at)

    @property
    def expires_in(self) -> str:
        return relative(self.expires_at)


class SheetsInvalid(ValueError):
    """What a page posted cannot be printed; the message says why, for a person."""


def sheets_read(values: Sequence[str], *, request: HttpRequest) -> list[Sheet]:
    """The sheets the posted ``sheet`` values describe, in order; ``SheetsInvalid`` if any is wrong.

    Every link must be one this site makes (``link_kind``): a forged or
    foreign link is never drawn, so the view cannot be used to print a QR
    code of any address. The names, expiry and ``two_factor`` are only printed.
    """
    if not values:
        raise SheetsInvalid(_("No sheet was sent. Print from the page that shows the links."))
    if len(values) > MAX_SHEETS:
        raise SheetsInvalid(
            _("At most %(count)d sheets can be printed at once.") % {"count": MAX_SHEETS}
        )
    sheets = []
    for number, value in enumerate(values, start=1):
        try:
            data = json.loads(value)
            url, name, email = (str(data[key]) for key in ("url", "name", "email"))
            expires_at = datetime.fromisoformat(str(data["expires_at"]))
        except (ValueError, TypeError, KeyError):
            data = None
        if data is None or expires_at.tzinfo is None:
            raise SheetsInvalid(
                _("Sheet %(number)d is incomplete. Print from the page that shows the links.")
                % {"number": number}
            )
        kind = link_kind(url, request=request)
        if kind is None:
            raise SheetsInvalid(
                _(
                    "Sheet %(number)d does not hold a link of this site, so it is not "
                    "printed. Print from the page that shows the links."
                )
                % {"number": number}
            )
        sheets.append(
            Sheet(
                url=url,
                kind=kind,
                name=name,
                email=email,
                expires_at=expires_at,
                two_factor=data.get("two_factor") is True,
            )
        )
    return sheets


# --- The copy-ready message of each person -----------------------------------------


def handover_messages(people: Sequence[Mapping[str, str]]) -> list[str]:
    """Each person's message, from ``MESSAGE_TEMPLATE``, as plain text.

    Each of ``people`` gives the template's variables: ``name``,
    ``first_name``, ``email``, ``url``, ``expires_at``, ``expires_in`` and
    ``two_factor`` (non-empty where the person must set up an authenticator
    app), with ``site_name`` added here. The template is drawn once for all of them
    (``render_for_each``); where it changes a value, with a filter such as
    ``upper``, it is rendered for each.
    """
    messages = render_for_each(
        MESSAGE_TEMPLATE, people, shared={"site_name": settings.SITE_NAME}, autoescape=False
    )
    return [message.strip() + "\n" for message in messages]
