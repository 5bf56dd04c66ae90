"""The network an address belongs to, as the access requests' limits count a crowd."""

import ipaddress

# An IPv4 /24 is one office, one hosting customer, one household's provider
# block; an IPv6 /64 is one network of hosts, a /48 one site.
IPV4_PREFIX = 24
IPV6_PREFIX = 64
IPV6_SITE_PREFIX = 48


def network_of(address: str | None, *, ipv6_prefix: int = IPV6_PREFIX) -> str | None:
    """``address``'s network: its IPv4 /24 or IPv6 /64 (or ``ipv6_prefix``); None for none."""
    if not address:
        return None
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return None
    prefix = IPV4_PREFIX if parsed.version == 4 else ipv6_prefix
    return str(ipaddress.ip_network(f"{parsed}/{prefix}", strict=False))


def site_of(address: str | None) -> str | None:
    """An IPv6 address's /48; None for IPv4, whose /24 ``network_of`` already gives."""
    if not address or ":" not in address:
        return None
    return network_of(address, ipv6_prefix=IPV6_SITE_PREFIX)
