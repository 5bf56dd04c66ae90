"""Error pages in the site's style, safe to render when anything else failed."""

import logging
import sys
from http import HTTPStatus

import psycopg
import redis
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.utils.log import log_response
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)

# What Django's RedisCache raises when Redis refuses or drops the connection,
# or does not answer within the socket timeout: the cache is away for a while,
# not broken. Other Redis errors (a bad command, a wrong type) are bugs: 500.
CACHE_UNAVAILABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
UNAVAILABLE_RETRY_AFTER_SECONDS = 30

# PostgreSQL's SQLSTATEs for a server that is away (besides class 08, the
# connection's own errors): shutting down, crashed, starting up, and out of
# connections. Its other operational errors (a deadlock, a statement
# cancelled) come from a server that answers: they stay server errors (500).
_DATABASE_AWAY_SQLSTATES = {"57P01", "57P02", "57P03", "53300"}


def database_unavailable(exception: BaseException | None) -> bool:
    """Whether ``exception`` says the database cannot be reached for a while (PostgreSQL)."""
    cause = getattr(exception, "__cause__", None)
    if not isinstance(exception, (OperationalError, InterfaceError)) or not isinstance(
        cause, psycopg.Error
    ):
        return False
    # No SQLSTATE: psycopg's own error, it could not connect or lost the connection.
    return (
        cause.sqlstate is None
        or cause.sqlstate.startswith("08")
        or cause.sqlstate in _DATABASE_AWAY_SQLSTATES
    )


def unavailable_response(
    request: HttpRequest, exception: BaseException | None
) -> HttpResponse | None:
    """The 503 page, logged in one line, when ``exception`` says a server is away; else None.

    The cache or the database out of reach is no bug of the site: the person
    is asked to try again in a moment, and the log says which server, without
    a traceback. ``log_response`` marks the response logged, so Django does
    not log it again.
    """
    if isinstance(exception, CACHE_UNAVAILABLE):
        server = "the cache"
    elif database_unavailable(exception):
        server = "the database"
    else:
        return None
    response = service_unavailable(request)
    log_response(
        "%s: %s (%s cannot be reached: %s)",
        response.reason_phrase,
        request.path,
        server,
        exception,
        response=response,
        request=request,
        logger=logger,
    )
    return response


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
    # A server away, found outside the views, where ServiceUnavailableMiddleware
    # cannot see it: a session saved by its middleware, a user read by two-factor's.
    response = unavailable_response(request, sys.exception())
    if response is not None:
        return response
    # No request context: the failure may lie in a context processor.
    template = loader.get_template("500.html")
    return HttpResponse(template.render(), status=HTTPStatus.INTERNAL_SERVER_ERROR)


def service_unavailable(request):
    """Ask the person to try again in a moment: the cache or the database cannot be reached.

    An API client under ``/scim/`` gets SCIM's error body instead of the page.
    """
    if request.path_info.startswith("/scim/"):
        # Imported here: this module is loaded before the apps are.
        from scim.http import unavailable

        return unavailable(retry_after=UNAVAILABLE_RETRY_AFTER_SECONDS)
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
