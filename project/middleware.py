"""Redis out of reach: a page that asks to try again in a moment, never a 500."""

import logging

from django.utils.log import log_response

from project.errors import CACHE_UNAVAILABLE, service_unavailable
from project.net import client_ip

logger = logging.getLogger(__name__)


class CacheUnavailableMiddleware:
    """Answer 503 when a view, its rate limits or its template cannot reach the cache.

    A rate limit that cannot count raises, so the request it guards is refused
    here, never let through uncounted. Each refusal is logged once, at ERROR,
    in one line; Django then leaves the response alone (``log_response``
    marks it logged). redis-py opens a new connection for the next command,
    so requests succeed again as soon as Redis is back.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, CACHE_UNAVAILABLE):
            return None
        response = service_unavailable(request)
        log_response(
            "%s: %s (the cache cannot be reached: %s)",
            response.reason_phrase,
            request.path,
            exception,
            response=response,
            request=request,
            logger=logger,
        )
        return response


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
