"""Gunicorn settings for production: `gunicorn -c gunicorn.conf.py project.wsgi:application`.

Every value can be overridden on the command line or with GUNICORN_CMD_ARGS.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers each hash one password at a time: memory for Argon2 stays at
# workers x 19 MiB whatever the burst (see docs/benchmarks.md).
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
timeout = 30
# Access log on standard output, through a logger that redacts link secrets,
# however encoded, from every line of the access and error logs.
accesslog = "-"
logger_class = "project.gunicorn_logging.RedactingLogger"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
# Only a proxy on this machine may tell gunicorn the original scheme.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


def on_starting(server):
    """Check the configuration once, in the master, before any worker starts.

    Otherwise each worker fails to load the application, exits, and is started
    again, for ever, while the master looks healthy.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        settings.INSTALLED_APPS  # noqa: B018 (importing the settings checks every variable)
    except ImproperlyConfigured as exc:
        raise SystemExit(f"Configuration error: {exc}") from None


def ssl_context(conf, default_ssl_context_factory):
    """Where gunicorn serves HTTPS itself, each worker keeps one TLS context.

    gunicorn would make one for every connection (project/gunicorn_tls.py).
    """
    from project.gunicorn_tls import reused_ssl_context

    return reused_ssl_context(conf, default_ssl_context_factory)


def post_worker_init(worker):
    """Keep the application's own objects out of the garbage collector's way.

    Each worker has just imported Django and the project, and here its views
    (the URLconf, SCIM's schemas among them): some 120,000 objects that live
    as long as it does, yet each full collection walked them all. Frozen,
    they are never scanned: the collector's work per sign-in falls from 0.64
    to 0.12 ms (docs/benchmarks.md, "Sign-in"). Objects made later are
    collected as before.
    """
    import gc

    from django.urls import get_resolver

    try:
        get_resolver().url_patterns  # noqa: B018 (imports every view now, not at the first request)
    except Exception:
        # A view that fails to import fails its requests with a 500, as it
        # would have without this; it must not stop every worker from starting.
        worker.log.exception("Importing the URLconf failed; its requests will fail.")
    gc.collect()  # what the imports left as garbage is freed, not frozen with the rest
    gc.freeze()
