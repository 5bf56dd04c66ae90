"""Servers out of reach: a page that asks to try again in a moment, never a 500."""

from project.errors import unavailable_response
from project.net import client_ip


class ServiceUnavailableMiddleware:
    """Answer 503 when a view, its rate limits or its template cannot reach the cache or database.

    A rate limit that cannot count raises, so the request it guards is refused
    here, never let through uncounted. Each refusal is logged once, at ERROR,
    in one line (``project.errors.unavailable_response``). Requests succeed
    again once the server is back: Django connects to the database afresh on
    the next request, and the worker tries Redis again a few seconds after
    it failed (project/cache.py).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return unavailable_response(request, exception)


class ClientAddressMiddleware:
    """Put the client's address, as ``project.net.client_ip`` reads it, in REMOTE_ADDR.

    Behind the trusted proxy that ``PROXY_CLIENT_IP_HEADER`` names, REMOTE_ADDR
    is the proxy's; from a dual-stack socket an IPv4 client reads
    ``::ffff:a.b.c.d``. The apps record where a request came from (invites'
    tripwire) without knowing either: they read REMOTE_ADDR, as Django's own
    code does, and find the client there.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META["REMOTE_ADDR"] = client_ip(request)
        return self.get_response(request)
