"""Response headers shared by every page of the set-password flow."""

from functools import wraps


def noindex(view):
    """Ask search engines and link unfurlers not to index or keep the page."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow, noarchive"
        return response

    return wrapped
