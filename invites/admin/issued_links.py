"""What the links page shows of links just issued: one row a link, and the ways on.

The page (``admin/invites/issued_links.html``) holds a row a link, each drawn
with ``ROW_TEMPLATE``; a page may hold hundreds.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst

from accounts.dates import relative, when
from accounts.qr import qr_svg
from accounts.two_factor import two_factor_required
from invites.admin.handover import handover_messages
from invites.admin.rendering import render_for_each
from invites.batch.csv_output import utc_iso
from invites.keys.urls import key_urls
from invites.links.services import IssuedLink
from invites.models import Link

ROW_TEMPLATE = "admin/invites/issued_link_row.html"

# Up to this many links, the links page draws each one's QR code. Drawing
# hundreds would make the page slow for codes rarely all needed: past it,
# each row gets a button that asks ``LinkQRView`` for its code.
QR_INLINE_LIMIT = 10


@dataclass(frozen=True)
class NextStep:
    """A way on from the links page: a URL and what it leads to."""

    url: str
    label: str
    is_default: bool = False


def issued_link_rows(
    issued: Sequence[IssuedLink], *, request: HttpRequest, with_qr: bool
) -> list[SafeString]:
    """The rows of the links page, in the order issued, drawn with ``ROW_TEMPLATE``.

    A row names its person, carries their copy-ready message
    (``handover_messages``), says whether they set up an authenticator app
    (for their printed sheet) and gives its link's expiry twice: in UTC with its
    offset, to the second, as in the commands' CSV, and as every page reads it
    (``accounts.dates``); with ``with_qr``, its QR code. The template is drawn
    once for all the rows (``render_for_each``).
    """
    values = _row_values(issued, request=request, with_qr=with_qr)
    rows = render_for_each(ROW_TEMPLATE, values, shared={"qr_inline": with_qr})
    # The template's output, with values it escaped or that were escaped for it.
    return [mark_safe(row) for row in rows]


def _row_values(
    issued: Sequence[IssuedLink], *, request: HttpRequest, with_qr: bool
) -> list[dict[str, SafeString]]:
    """What each row prints, as strings escaped once: what rows share is formatted once."""
    purposes = {value: conditional_escape(capfirst(label)) for value, label in Link.Purpose.choices}
    # The expiry as people read it, once for the links issued together.
    moments = {
        at: {"expires_at": when(at), "expires_in": relative(at)}
        for at in {item.expires_at for item in issued}
    }
    expiries = {
        at: {
            "expires_at_iso": escape(utc_iso(at)),
            "expires_at": escape(moment["expires_at"]),
            "expires_in": escape(moment["expires_in"]),
        }
        for at, moment in moments.items()
    }
    urls = key_urls([item.secret for item in issued], request=request)
    names = [item.user.get_full_name() for item in issued]
    # Who must set up an authenticator on the link's page: their message and
    # sheet tell them to have their phone at hand ("yes", or empty for no).
    two_factor = ["yes" if two_factor_required(item.user) else "" for item in issued]
    messages = handover_messages(
        [
            {
                "name": name,
                "first_name": item.user.first_name.strip(),
                "email": item.user.email,
                "url": url,
                "two_factor": needed,
                **moments[item.expires_at],
            }
            for item, url, name, needed in zip(issued, urls, names, two_factor, strict=True)
        ]
    )
    rows = zip(issued, urls, names, messages, two_factor, strict=True)
    return [
        {
            **expiries[item.expires_at],
            "number": SafeString(number),
            "email": escape(item.user.email),
            "name": escape(name),
            "message": escape(message),
            "purpose": purposes[item.purpose],
            "url": escape(url),
            "two_factor": SafeString(needed),
            "qr_svg": qr_svg(url) if with_qr else SafeString(),
        }
        for number, (item, url, name, message, needed) in enumerate(rows, start=1)
    ]
