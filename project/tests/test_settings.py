"""Start-up and deployment configuration, checked in fresh processes."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "DEBUG": "off",
    "SECRET_KEY": "a-production-like-secret-key-with-enough-length-and-entropy-0f9a8b7c6d",
    "ALLOWED_HOSTS": "people.example.com",
    "SITE_URL": "https://people.example.com",
    "CACHE_URL": "redis://127.0.0.1:6379/0",
}


def manage(*args, env):
    clean = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "PYTHONPATH")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "DATABASE_URL": "sqlite:///:memory:", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_passes_with_the_production_environment():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_check_deploy_warns_when_rate_limits_are_not_shared():
    env = {**PRODUCTION, "CACHE_URL": "locmemcache://"}
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "project.W001" in result.stderr


def test_missing_secret_key_stops_start_up_naming_the_variable():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [("DATABASE_URL", "nosuchdb://x/y"), ("CACHE_URL", "nosuchcache://x")],
)
def test_malformed_url_variable_gives_a_one_line_message(variable, value):
    result = manage("check", env={**PRODUCTION, variable: value})
    assert result.returncode != 0
    assert variable in result.stderr
    assert "Traceback" not in result.stderr


def test_site_url_without_scheme_is_refused():
    result = manage("check", env={**PRODUCTION, "SITE_URL": "people.example.com"})
    assert result.returncode != 0
    assert "SITE_URL must start with https://" in result.stderr


def print_settings(expression: str, env: dict) -> subprocess.CompletedProcess:
    """Prints ``expression`` (of the settings, as ``s``) from a fresh process."""
    code = f"from django.conf import settings as s;print({expression})"
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": "project.settings",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_debug_mode_has_development_defaults():
    result = print_settings(
        "s.ALLOWED_HOSTS, s.SECURE_SSL_REDIRECT, bool(s.SECRET_KEY)", env={"DEBUG": "on"}
    )
    assert result.stdout.strip() == "['localhost', '127.0.0.1'] False True", result.stderr


def test_production_security_settings():
    result = print_settings(
        "s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SECURE_HSTS_SECONDS > 0, s.X_FRAME_OPTIONS, s.SECURE_REFERRER_POLICY,"
        " s.CSRF_TRUSTED_ORIGINS",
        env=PRODUCTION,
    )
    assert result.stdout.strip() == (
        "True True True True DENY same-origin ['https://people.example.com']"
    ), result.stderr


def test_unreachable_database_gives_a_clear_message():
    env = {**PRODUCTION, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/people"}
    result = manage("migrate", env=env)
    assert result.returncode != 0
    assert "Check DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_with_redis_sessions_live_in_the_database_and_are_cached():
    result = print_settings("s.SESSION_ENGINE", env=PRODUCTION)
    assert result.stdout.strip() == "project.sessions", result.stderr

    kept = print_settings("s.SESSION_ENGINE", env={**PRODUCTION, "SESSION_ENGINE": "x.y"})
    assert kept.stdout.strip() == "x.y", kept.stderr

    local = print_settings("s.SESSION_ENGINE", env={**PRODUCTION, "CACHE_URL": "locmemcache://"})
    assert local.stdout.strip() == "django.contrib.sessions.backends.db", local.stderr


def test_a_redis_cache_url_gets_the_projects_redis_cache():
    result = print_settings("s.CACHES['default']['BACKEND']", env=PRODUCTION)
    assert result.stdout.strip() == "project.cache.RedisCache", result.stderr
    local = print_settings(
        "s.CACHES['default']['BACKEND']", env={**PRODUCTION, "CACHE_URL": "locmemcache://"}
    )
    assert local.stdout.strip() == "django.core.cache.backends.locmem.LocMemCache", local.stderr


def test_redis_that_does_not_answer_within_half_a_second_counts_as_down():
    options = "s.CACHES['default']['OPTIONS']"
    result = print_settings(options, env=PRODUCTION)
    assert result.stdout.strip() == "{'socket_connect_timeout': 0.5, 'socket_timeout': 0.5}", (
        result.stderr
    )

    url = "redis://127.0.0.1:6379/0?socket_timeout=3"
    chosen = print_settings(options, env={**PRODUCTION, "CACHE_URL": url})
    assert chosen.stdout.strip() == "{'socket_timeout': 3, 'socket_connect_timeout': 0.5}", (
        chosen.stderr
    )


def test_two_factor_is_required_of_staff_where_nothing_is_set():
    result = print_settings("s.TWO_FACTOR", env=PRODUCTION)
    assert result.stdout.strip() == "staff", result.stderr
    chosen = print_settings("s.TWO_FACTOR", env={**PRODUCTION, "TWO_FACTOR": " All "})
    assert chosen.stdout.strip() == "all", chosen.stderr


def test_a_two_factor_policy_that_is_not_one_stops_start_up_naming_the_choices():
    result = manage("check", env={**PRODUCTION, "TWO_FACTOR": "yes"})
    assert result.returncode != 0
    assert "TWO_FACTOR must be off, staff or all; it is 'yes'." in result.stderr
    assert "Traceback" not in result.stderr
