"""What the links page shows of links just issued: one row a link, and the ways on.

The page (``admin/invites/issued_links.html``) draws each row in a loop; the
values it prints are prepared here once, so that a row costs the template no
more than printing them, for hundreds of rows.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from accounts.dates import relative, when
from accounts.qr import qr_svg
from invites.admin.handover import handover_messages
from invites.batch.csv_output import utc_iso
from invites.keys.urls import key_urls
from invites.links.services import IssuedLink
from invites.models import Link

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
) -> list[dict[str, SafeString]]:
    """The rows of the links page, in the order issued: each the values its row prints.

    A row names its person, carries their copy-ready message
    (``handover_messages``) and gives its link's expiry twice: in UTC with its
    offset, to the second, as in the commands' CSV (``expires_at_iso``), and
    as every page reads it (``expires_at_display``, ``accounts.dates``); with
    ``with_qr``, its QR code (``qr_svg``). Every value is a string escaped
    once here, the row's number too, since a row prints several of them more
    than once and rows share their purposes and expiry.
    """
    purposes = {value: conditional_escape(capfirst(label)) for value, label in Link.Purpose.choices}
    qr_label = _("QR code of the link for %(email)s")
    # The expiry as people read it, once for the links issued together.
    moments = {
        at: {"expires_at": when(at), "expires_in": relative(at)}
        for at in {item.expires_at for item in issued}
    }
    expiries = {
        at: {
            "expires_at_iso": escape(utc_iso(at)),
            "expires_at_display": escape("{expires_at} ({expires_in})".format(**moment)),
        }
        for at, moment in moments.items()
    }
    urls = key_urls([item.secret for item in issued], request=request)
    names = [item.user.get_full_name() for item in issued]
    messages = handover_messages(
        [
            {
                "name": name,
                "first_name": item.user.first_name.strip(),
                "email": item.user.email,
                "url": url,
                **moments[item.expires_at],
            }
            for item, url, name in zip(issued, urls, names, strict=True)
        ]
    )
    rows = zip(issued, urls, names, messages, strict=True)
    return [
        {
            **expiries[item.expires_at],
            "number": SafeString(number),
            "email": escape(item.user.email),
            "name": escape(name),
            "message": escape(message),
            "purpose": purposes[item.purpose],
            "url": escape(url),
            "qr_label": escape(qr_label % {"email": item.user.email}),
            "qr_svg": qr_svg(url) if with_qr else SafeString(),
        }
        for number, (item, url, name, message) in enumerate(rows, start=1)
    ]
