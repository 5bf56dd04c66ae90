"""Site-wide views: the home page, the rate-limit page and the error pages."""

from http import HTTPStatus

from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control, never_cache

RETRY_AFTER_SECONDS = 60


@never_cache
def home(request):
    """Say who is signed in, or offer to sign in."""
    return render(request, "home.html")


@cache_control(max_age=24 * 60 * 60)
def favicon(request):
    """/favicon.ico, which browsers ask for on their own, whatever the page says: the icon.

    A redirect to the static file (whose name changes with its content in
    production), not a page of its own: without it every page logged a 404.
    """
    return redirect(static("favicon.ico"))


def ratelimited(request, *, retry_after: int = RETRY_AFTER_SECONDS):
    """Answer a request over its rate limit with 429, when to try again, and the way back.

    ``retry_after``: the seconds until the limit's window has passed, at most.
    """
    response = render(
        request,
        "429.html",
        {"retry_after_minutes": max(retry_after // 60, 1), "form_url": request.path},
        status=HTTPStatus.TOO_MANY_REQUESTS,
    )
    response["Retry-After"] = str(retry_after)
    # Limits guard the set-password flow too, whose pages are never cached
    # nor indexed; a 429 page has nothing worth keeping either.
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
