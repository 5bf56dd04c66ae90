"""Error pages in the site's style, safe to render when anything else failed."""

from http import HTTPStatus

from django.http import HttpResponse
from django.shortcuts import render
from django.template import loader
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token


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
    # No request context: the failure may lie in a context processor.
    template = loader.get_template("500.html")
    return HttpResponse(template.render(), status=HTTPStatus.INTERNAL_SERVER_ERROR)


def csrf_failure(request, reason=""):
    """A CSRF refusal, explained in the site's style (the reason goes to the log)."""
    return render(request, "403_csrf.html", status=HTTPStatus.FORBIDDEN)
