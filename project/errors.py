"""Error pages in the site's style, safe to render when anything else failed."""

import sys
from http import HTTPStatus

import redis
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token

# What Django's RedisCache raises when Redis refuses or drops the connection,
# or does not answer within the socket timeout: the cache is away for a while,
# not broken. Other Redis errors (a bad command, a wrong type) are bugs: 500.
CACHE_UNAVAILABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
UNAVAILABLE_RETRY_AFTER_SECONDS = 30


@requires_csrf_token
def bad_request(request, exception=None):
    return defaults.bad_request(request, exception, template_name="400.html")


@requires_csrf_token
def permission_denied(request, exception=None):
    return defaults.permission_denied(request, exception, template_name="403.html")


@requires_csrf_token
def page_not_found(request, exception=None):
    return defaults.page_not_found(request, exception, template_name="404.html")


@requires_csrf_token
def server_error(request):
    if isinstance(sys.exception(), CACHE_UNAVAILABLE):
        # Raised outside the views, where CacheUnavailableMiddleware cannot
        # see it (a session saved by its middleware, say).
        return service_unavailable(request)
    # No request context: the failure may lie in a context processor.
    template = loader.get_template("500.html")
    return HttpResponse(template.render(), status=HTTPStatus.INTERNAL_SERVER_ERROR)


def service_unavailable(request):
    """Ask the person to try again in a moment: the cache cannot be reached."""
    # No request context: the signed-in user and the messages come from the
    # session, which is read through the cache.
    template = loader.get_template("503.html")
    response = HttpResponse(
        template.render({"site_name": settings.SITE_NAME}),
        status=HTTPStatus.SERVICE_UNAVAILABLE,
    )
    response["Retry-After"] = str(UNAVAILABLE_RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


def csrf_failure(request, reason=""):
    """A CSRF refusal, explained in the site's style (the reason goes to the log)."""
    return render(request, "403_csrf.html", status=HTTPStatus.FORBIDDEN)
