"""Deployment checks of our own, run by ``manage.py check --deploy``."""

from django.conf import settings
from django.core import checks

SHARED_CACHE_BACKENDS = {
    "django.core.cache.backends.redis.RedisCache",
    "project.cache.RedisCache",
    "django.core.cache.backends.memcached.PyMemcacheCache",
    "django.core.cache.backends.memcached.PyLibMCCache",
}


@checks.register(checks.Tags.caches, deploy=True)
def check_rate_limit_cache(app_configs, **kwargs):
    """Rate limits only hold across workers when their counts are shared."""
    backend = settings.CACHES["default"]["BACKEND"]
    if backend in SHARED_CACHE_BACKENDS:
        return []
    return [
        checks.Warning(
            f"The cache ({backend}) is not shared between worker processes, so each "
            "worker counts rate limits on its own and an attacker gets N times the "
            "allowed attempts.",
            hint="Set CACHE_URL to a Redis server, e.g. redis://127.0.0.1:6379/0.",
            id="project.W001",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def check_site_url(app_configs, **kwargs):
    """Links made by commands need SITE_URL, and it must be HTTPS in production."""
    if not settings.SITE_URL:
        return [
            checks.Warning(
                "SITE_URL is not set: management commands cannot build links.",
                hint="Set SITE_URL to the site's address, e.g. https://people.example.com.",
                id="project.W002",
            )
        ]
    if not settings.SITE_URL.startswith("https://"):
        return [
            checks.Warning(
                "SITE_URL does not start with https://: links would send secrets over plain HTTP.",
                hint="Use an https:// address for SITE_URL.",
                id="project.W003",
            )
        ]
    return []
