"""WSGI entry point: ``gunicorn project.wsgi:application``."""

import os

from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

try:
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
except ImproperlyConfigured as exc:
    # A configuration mistake: say what to fix, without a stack of frames.
    raise SystemExit(f"Configuration error: {exc}") from None
