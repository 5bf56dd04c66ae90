"""QR codes drawn as SVG: of set-password and team links (invites), and of
authenticator keys (accounts.two_factor)."""

import io

import segno
from django.utils.safestring import SafeString, mark_safe


def qr_svg(text: str, *, scalable: bool = False) -> SafeString:
    """The QR code of ``text`` as an SVG element, safe to put in a page as it is.

    Drawn 4 pixels a module; ``scalable`` leaves the size to the page's CSS
    (a ``viewBox`` in place of a width and height), as a printed sheet needs.

    The mask is fixed: the QR standard lets an encoder use any of the eight,
    and every decoder reads them all. Choosing the best one (segno's default)
    scores eight candidate codes and takes most of segno's time, about 9 ms of
    a 10 ms code. segno draws the modules as paths (the text is not copied into
    the markup); a white background keeps the code scannable in the
    admin's dark theme.
    """
    code = segno.make(text, error="m", micro=False, mask=0, boost_error=False)
    buffer = io.BytesIO()
    code.save(
        buffer,
        kind="svg",
        scale=4,
        dark="#000",
        light="#fff",
        svgclass="qr-code",
        lineclass=None,
        xmldecl=False,
        nl=False,
        omitsize=scalable,
    )
    return mark_safe(buffer.getvalue().decode())  # segno's own markup, with no text of ours in it
