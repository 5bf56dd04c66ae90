"""Where a request comes from, as the rate limits count it."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _address(value: str) -> str | None:
    """``value`` as an address, an IPv4-mapped IPv6 one unwrapped; None when not one.

    A dual-stack socket or proxy reports an IPv4 client as ``::ffff:a.b.c.d``.
    Left so, django-ratelimit would count it as IPv6, by /64, in which every
    IPv4 client falls together (``::``).
    """
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped or address)


def client_ip(request: HttpRequest) -> str:
    """Return the client's address: REMOTE_ADDR, or the trusted proxy's header.

    With ``PROXY_CLIENT_IP_HEADER`` set, the last address in that header is the
    one the trusted proxy saw; earlier entries come from the client and can be
    forged, so they are ignored. Without it, forwarding headers are ignored.
    """
    header = settings.PROXY_CLIENT_IP_HEADER
    if header:
        value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        address = _address(value.rsplit(",", 1)[-1].strip())
        if address:
            return address
        # No usable header: count the proxy's own address.
    remote = request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 (an address, not a bind)
    return _address(remote) or remote
