"""What the benchmarks share: environment, throwaway databases, timing, the machine.

Every benchmark compares against a baseline measured in the same run, taking
samples in alternation and reporting medians: this machine is shared and noisy,
so only ratios measured side by side mean anything.
"""

from __future__ import annotations

import functools
import os
import platform
import re
import ssl
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
# The helpers the tests share (tests/addresses.py), for a script run as bench/x.py.
sys.path.insert(0, str(ROOT))

from tests.addresses import distinct_addresses, free_port  # noqa: E402, F401

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


def bench_database_url(name: str) -> str:
    """The throwaway database a benchmark uses: named after DATABASE_URL, or a SQLite file."""
    base = os.environ.get("DATABASE_URL")
    return sibling_database_url(base, name) if base else default_database_url(name)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_path(url: str) -> Path:
    # sqlite:////abs/path -> /abs/path, sqlite:///relative -> relative
    return Path(url.split(":///", 1)[1])


def _postgres_name_and_admin_url(url: str) -> tuple[str, str]:
    """The database named in ``url``, and a URL of the server's own ``postgres`` database."""
    parts = urlsplit(url)
    return parts.path.lstrip("/"), urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))


def ensure_postgres_database(url: str) -> None:
    """Create the PostgreSQL database named in ``url`` if it does not exist."""
    import psycopg

    name, admin_url = _postgres_name_and_admin_url(url)
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

    name, admin_url = _postgres_name_and_admin_url(url)
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


def issue_invites(count: int) -> list[str]:
    """``count`` new users without a password, each with a link as ``invite`` issues it: the URLs.

    Needs Django set up (``setup_django``) and migrated; the URLs start with SITE_URL.
    """
    from django.contrib.auth.hashers import make_password

    from accounts.models import User
    from invites.keys.kinds import SET_PASSWORD
    from invites.keys.urls import key_url
    from invites.links.services import links_issue
    from invites.models import Link

    users = User.objects.bulk_create(
        [User(email=f"invitee{i}@example.org", password=make_password(None)) for i in range(count)]
    )
    issued = links_issue(users=users, issuer=None, via=Link.Via.COMMAND)
    return [key_url(SET_PASSWORD, item.secret) for item in issued]


@functools.cache
def _tls_context(cafile: Path | None = None) -> ssl.SSLContext:
    # Each httpx client otherwise loads the CA bundle, some 20 ms of CPU, on
    # a machine where the clients share the cores with the server they measure.
    return ssl.create_default_context(cafile=cafile)


def person(address: str, *, cafile: Path | None = None, **options):
    """A new HTTP client (no cookies) that connects from ``address``; ``options`` go to httpx.

    ``cafile``: the certificate to trust, for a server with a throwaway one
    (``self_signed_certificate``); else the system's authorities.
    """
    import httpx

    context = _tls_context(cafile)
    transport = httpx.HTTPTransport(local_address=address, verify=context)
    return httpx.Client(transport=transport, verify=context, **options)


# The keys a throwaway certificate may have: ``openssl req -newkey`` arguments.
CERTIFICATE_KEYS = {
    "rsa2048": ("rsa:2048",),
    "rsa4096": ("rsa:4096",),
    "ecdsa": ("ec", "-pkeyopt", "ec_paramgen_curve:P-256"),
}


def self_signed_certificate(name: str, key_type: str = "rsa2048") -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1 and its key, under bench/out/: their paths.

    ``key_type``: one of CERTIFICATE_KEYS (RSA 2048, the usual certificate's
    key, unless told). Made with the ``openssl`` command.
    """
    OUT.mkdir(parents=True, exist_ok=True)
    certificate, key = OUT / f"{name}-cert.pem", OUT / f"{name}-key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", *CERTIFICATE_KEYS[key_type]),
            *("-nodes", "-days", "2"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(key), "-out", str(certificate)),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return certificate, key


_CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_token(html: str) -> str | None:
    """The CSRF token of the first form on a page, as a browser would post it; None if none."""
    match = _CSRF_TOKEN.search(html)
    return match.group(1) if match else None


def server_env(database_url: str, base_url: str) -> dict[str, str]:
    """The environment of a gunicorn serving ``database_url`` at ``base_url``."""
    return {
        **os.environ,
        **BENCH_ENV,
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": base_url,
        "PYTHONPATH": str(ROOT),
    }


def start_server(
    port: int,
    env: dict[str, str],
    log_path: Path,
    *,
    workers: int | None = 2,
    tls: tuple[Path, Path] | None = None,
) -> subprocess.Popen:
    """gunicorn with ``workers`` workers; None: as many as gunicorn.conf.py starts.

    ``tls``: a certificate and its key, to serve HTTPS.
    """
    # The gunicorn of the virtualenv this script runs in (a worktree has no .venv of its own).
    command = [str(Path(sys.executable).parent / "gunicorn")]
    if (ROOT / "gunicorn.conf.py").exists():
        command += ["-c", "gunicorn.conf.py"]
    command += ["project.wsgi:application", "-b", f"127.0.0.1:{port}"]
    if workers is not None:
        command += ["-w", str(workers)]
    if tls is not None:
        command += ["--certfile", str(tls[0]), "--keyfile", str(tls[1])]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = log_path.open("w")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_until_up(
    base_url: str, process: subprocess.Popen, log_path: Path, *, cafile: Path | None = None
) -> None:
    import httpx

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{log_path.read_text()[-3000:]}")
        try:
            page = httpx.get(f"{base_url}/accounts/login/", timeout=2, verify=_tls_context(cafile))
            if page.status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer within 30 s:\n{log_path.read_text()[-3000:]}")


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def gunicorn(
    port: int,
    env: dict[str, str],
    log_path: Path,
    *,
    workers: int | None = 2,
    tls: tuple[Path, Path] | None = None,
) -> Iterator[subprocess.Popen]:
    """gunicorn (-w 2 unless told) on 127.0.0.1:``port``, answering, stopped on the way out.

    ``tls``: a certificate and its key (``self_signed_certificate``): HTTPS.
    """
    server = start_server(port, env, log_path, workers=workers, tls=tls)
    try:
        scheme = "https" if tls else "http"
        cafile = tls[0] if tls else None
        wait_until_up(f"{scheme}://127.0.0.1:{port}", server, log_path, cafile=cafile)
        yield server
    finally:
        stop_server(server)


def status_kib(pid: int, field: str) -> int:
    """A figure of /proc/``pid``/status in KiB: VmRSS (resident now), VmHWM (its peak)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def workers_of(master_pid: int) -> list[int]:
    """The pids of gunicorn's workers: its master's children."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    return [int(pid) for pid in children]


def cpu_seconds(pid: int) -> float:
    """CPU time process ``pid`` has used so far, user and system (/proc/``pid``/stat).

    In clock ticks (10 ms on most kernels): measure over seconds, not one request.
    """
    # Fields after the command name, which is in parentheses and may hold spaces:
    # the 14th and 15th of the line (utime, stime) are the 12th and 13th after it.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def workers_cpu_seconds(master_pid: int) -> dict[int, float]:
    """Each gunicorn worker's CPU time so far, by pid."""
    return {pid: cpu_seconds(pid) for pid in workers_of(master_pid)}


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
