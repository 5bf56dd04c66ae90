"""Ports and client addresses on this machine, for the tests and the benchmarks alike.

Nothing here loads Django: the benchmarks import it before they set Django up.
"""

import ipaddress
import socket
from collections.abc import Iterator


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def distinct_addresses(first: str) -> Iterator[str]:
    """IPv4 addresses from ``first`` up, none ending in .0 or .255: a new person each.

    The rate limits count per address, as they would count real people. From
    127.0.0.2 up, a client can bind to them: all of 127.0.0.0/8 reaches a
    server on 127.0.0.1. Elsewhere they serve as REMOTE_ADDR of Django's
    test Client.
    """
    address = ipaddress.IPv4Address(first)
    while True:
        if address.packed[-1] not in (0, 255):
            yield str(address)
        address += 1


def loopback_addresses(first: str = "127.0.0.2") -> Iterator[str]:
    """Distinct source addresses a client can bind to: all of 127.0.0.0/8 reaches 127.0.0.1."""
    loopback = ipaddress.IPv4Network("127.0.0.0/8")
    for address in distinct_addresses(first):
        if ipaddress.IPv4Address(address) not in loopback:
            raise RuntimeError("ran out of loopback addresses")
        yield address
