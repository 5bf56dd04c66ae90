"""Site-wide views: the home page, the rate-limit page and the error pages."""

from http import HTTPStatus

from django.shortcuts import render
from django.views.decorators.cache import never_cache

RETRY_AFTER_SECONDS = 60


@never_cache
def home(request):
    """Say who is signed in, or offer to sign in."""
    return render(request, "home.html")


def ratelimited(request):
    """Answer a request over its rate limit with 429, when to try again, and the way back."""
    response = render(
        request,
        "429.html",
        {"retry_after_minutes": RETRY_AFTER_SECONDS // 60, "form_url": request.path},
        status=HTTPStatus.TOO_MANY_REQUESTS,
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    # Limits guard the set-password flow too, whose pages are never cached
    # nor indexed; a 429 page has nothing worth keeping either.
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
