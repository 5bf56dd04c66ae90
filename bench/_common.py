"""What the benchmarks share: environment, throwaway databases, timing, the machine.

Every benchmark compares against a baseline measured in the same run, taking
samples in alternation and reporting medians: this machine is shared and noisy,
so only ratios measured side by side mean anything.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"

# Settings for a production-like process (DEBUG off) on plain HTTP.
BENCH_ENV = {
    "SECRET_KEY": "bench-only-secret-key-never-used-in-production-0123456789abcdef",
    "DEBUG": "off",
    "SECURE_SSL_REDIRECT": "off",
    "SESSION_COOKIE_SECURE": "off",
    "CSRF_COOKIE_SECURE": "off",
    "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    "SITE_URL": "http://testserver",
    "LOG_LEVEL": "WARNING",
}


def default_database_url(name: str) -> str:
    """A throwaway SQLite file under bench/out/ (git-ignored)."""
    OUT.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{OUT / name}.sqlite3"


def sibling_database_url(url: str, suffix: str) -> str:
    """Another database of the same kind next to ``url``: a file or a PostgreSQL name."""
    if is_sqlite(url):
        path = sqlite_path(url)
        return f"sqlite:///{path.with_name(f'{path.stem}_{suffix}{path.suffix}')}"
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}_{suffix}"))


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_path(url: str) -> Path:
    # sqlite:////abs/path -> /abs/path, sqlite:///relative -> relative
    return Path(url.split(":///", 1)[1])


def ensure_postgres_database(url: str) -> None:
    """Create the PostgreSQL database named in ``url`` if it does not exist."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    """Remove a throwaway database: the SQLite file, or the PostgreSQL database."""
    if is_sqlite(url):
        path = sqlite_path(url)
        for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
            candidate.unlink(missing_ok=True)
        return
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(database_url: str, **extra_env: str) -> None:
    """Start Django in this process against ``database_url``, with DEBUG off."""
    for key, value in BENCH_ENV.items():
        os.environ.setdefault(key, value)
    os.environ.update(extra_env)
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "project.settings"
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    if not is_sqlite(database_url):
        ensure_postgres_database(database_url)
    import warnings

    import django

    # WhiteNoise warns that collectstatic has not run; the benchmarks serve no static files.
    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def alternate(rounds: int, cases: dict[str, Callable[[], float]]) -> dict[str, list[float]]:
    """Run every case once per round, rotating the order, and collect the seconds.

    Each case returns the seconds it measured itself, so that set-up done
    between samples (a new client, a new link) stays out of the figure.
    """
    names = list(cases)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(rounds):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(cases[name]())
    return samples


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def ratio(numerator: list[float], denominator: list[float]) -> float:
    return statistics.median(numerator) / statistics.median(denominator)


def verdict(value: float, goal: float, *, strict: bool = False) -> str:
    met = value < goal if strict else value <= goal
    return f"{'met' if met else 'MISSED'} (goal {'<' if strict else '≤'} {goal:g}x)"


def machine() -> str:
    """nproc, CPU model and RAM, as docs/benchmarks.md records them."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor() or model
    ram = "unknown RAM"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB RAM"
                break
    except OSError:
        pass
    return f"nproc {os.cpu_count()}, {model}, {ram}, Python {platform.python_version()}"


def header(title: str, database_url: str | None = None) -> None:
    print(f"== {title}")
    print(f"   machine: {machine()}")
    print(f"   date: {time.strftime('%Y-%m-%d %H:%M %Z')}")
    if database_url:
        print(f"   database: {database_url}")
