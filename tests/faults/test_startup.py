"""Start-up with a broken DATABASE_URL or CACHE_URL: one clear message, no stack of frames."""

import os
import subprocess
import sys
import time

import pytest

from tests.support import ROOT, free_port, gunicorn_command

PYTHON = sys.executable


def _environment(**overrides: str) -> dict[str, str]:
    """A production-like environment with one variable broken."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CACHE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "project.settings",
            "SECRET_KEY": "fault-test-key-0123456789-0123456789-0123456789",
            "DEBUG": "off",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": "https://people.example.com",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    env.update(overrides)
    return env


BROKEN = [
    ("DATABASE_URL", "nosuchdb://x"),
    ("DATABASE_URL", "garbage"),
    ("DATABASE_URL", ""),
    ("DATABASE_URL", "postgres://x:notaport/people"),
    ("CACHE_URL", "nosuchcache://x"),
    ("CACHE_URL", "garbage"),
    ("CACHE_URL", ""),
    ("CACHE_URL", "redis://x:notaport/0"),
]


@pytest.mark.parametrize(("variable", "value"), BROKEN)
def test_manage_py_names_the_broken_variable_in_one_message(variable, value):
    result = subprocess.run(
        [PYTHON, "manage.py", "check"],
        cwd=ROOT,
        env=_environment(**{variable: value}),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    assert variable in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_migrate_against_an_unreachable_database_says_so_in_one_message():
    url = f"postgres://people@127.0.0.1:{free_port()}/people"
    result = subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=_environment(DATABASE_URL=url),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert "DATABASE_URL" in result.stderr, result.stderr[-2000:]


@pytest.mark.slow
@pytest.mark.parametrize(("variable", "value"), [BROKEN[0], BROKEN[4]])
def test_gunicorn_stops_with_the_message_instead_of_restarting_workers(variable, value):
    process = subprocess.Popen(
        gunicorn_command(free_port(), workers=2),
        cwd=ROOT,
        env=_environment(**{variable: value}),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    started = time.monotonic()
    try:
        output, _ = process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.terminate()
        output, _ = process.communicate(timeout=15)
        pytest.fail(
            "gunicorn kept restarting workers that cannot start for 15 s:\n" + output[-3000:]
        )

    assert process.returncode != 0
    assert time.monotonic() - started < 15
    assert "Traceback" not in output, output[-3000:]
    assert f"Configuration error: {variable}" in output
