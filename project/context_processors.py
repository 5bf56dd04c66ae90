from django.conf import settings


def site(request):
    """Expose the site's name to every template, and whether strangers may ask for an account."""
    return {"site_name": settings.SITE_NAME, "access_requests_open": settings.ACCESS_REQUESTS}
