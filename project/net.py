"""Where a request comes from, as the rate limits count it."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """Return the client's address: REMOTE_ADDR, or the trusted proxy's header.

    With ``PROXY_CLIENT_IP_HEADER`` set, the last address in that header is the
    one the trusted proxy saw; earlier entries come from the client and can be
    forged, so they are ignored. Without it, forwarding headers are ignored.
    """
    header = settings.PROXY_CLIENT_IP_HEADER
    if header:
        value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        last = value.rsplit(",", 1)[-1].strip()
        try:
            return str(ipaddress.ip_address(last))
        except ValueError:
            pass  # no usable header: count the proxy's own address
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 (an address, not a bind)
