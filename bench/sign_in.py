"""Sign-in at the cost of its hash: the servers' CPU time per sign-in, against one verification.

    .venv/bin/python bench/sign_in.py                    # 500 sign-ins, SQLite, about a minute
    .venv/bin/python bench/sign_in.py --quick            # 150 sign-ins
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/people_bench \\
    CACHE_URL=redis://127.0.0.1:6379/11 \\
        .venv/bin/python bench/sign_in.py                # PostgreSQL + Redis
    .venv/bin/python bench/sign_in.py --two-factor staff # staff: the password step only
    .venv/bin/python bench/sign_in.py --tls              # gunicorn serves HTTPS itself
    .venv/bin/python bench/sign_in.py --tls rsa4096      # ... with an RSA 4096 certificate
    .venv/bin/python bench/sign_in.py --profile          # also: where the time goes, in-process

A sign-in is what a person's browser does: GET /accounts/login/ (the form),
then POST the email, the password and the form's CSRF token. It must verify
one Argon2 hash; everything else it does should be small beside it.

The stack: gunicorn -w 2 (with gunicorn.conf.py), DEBUG off, on a throwaway
database (bench/out/sign_in.sqlite3, or with a PostgreSQL DATABASE_URL a
database named after it with _sign_in) and the cache CACHE_URL names (local
memory when unset: then each worker counts its own limits). Plain HTTP on
loopback unless ``--tls``, which has gunicorn serve HTTPS with a throwaway
certificate (RSA 2048 unless told: rsa4096, ecdsa). Its key weighs: each
connection's handshake signs with it, and a sign-in is two connections
(gunicorn's sync workers close each after one request). Production
terminates TLS in a proxy in front of gunicorn: then it is not the workers'.

Users are plain users (``--two-factor off``, the default: ``TWO_FACTOR=off``)
or staff users with a confirmed authenticator (``--two-factor staff``:
``TWO_FACTOR=staff``, and only the password step is measured: the POST leads
to the code page). They are made with the project's hasher, one hash shared
by all (hashing each would only make seeding slow: verifying costs the same).

Each sign-in is a new person: a new client, no cookies, from its own
loopback address (127.0.1.2 up), as the rate limits (which count per address
and per account) expect of real people, so none refuses. ``--clients``
people at a time. Before and after each round of sign-ins, the CPU time
(utime + stime in /proc/<pid>/stat) of the gunicorn master's children, the
workers: the differences added up and divided by the sign-ins are the CPU
per sign-in. After a warm-up (every worker has served sign-ins), outside the
measure.

In this process, in blocks before each of five rounds of sign-ins and after
the last (so that both meet the machine's load as it comes and goes): one
verification of a hash by the project's hasher (accounts.hashers), CPU time,
median of ``--verifications``. The ratio of the two is the figure; goal: at
most 1.5x. Every loop is bounded; every request times out after 30 s.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common

PASSWORD = "Sign-in-bench-password-2048"
GOAL = 1.5
WARM_UP = 20
ROUNDS = 5
PROFILE_ROUNDS = 200
# Address blocks of the in-process clients (10.N.0.1 up), one per client.
_ADDRESS_BLOCKS = itertools.count(2)
REQUEST_TIMEOUT = 30


def seed_users(count: int, *, staff: bool) -> list[str]:
    """``count`` users with the project's hash of PASSWORD (staff with an authenticator)."""
    from django.contrib.auth.hashers import make_password
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import User

    password = make_password(PASSWORD)
    users = User.objects.bulk_create(
        [
            User(email=f"person{index}@example.org", password=password, is_staff=staff)
            for index in range(count)
        ]
    )
    if staff:
        TOTPDevice.objects.bulk_create(
            [TOTPDevice(user=user, name="bench", confirmed=True) for user in users]
        )
    return [user.email for user in users]


def verification_seconds(rounds: int) -> list[float]:
    """CPU seconds of ``rounds`` verifications of PASSWORD by the project's hasher, in-process."""
    from django.contrib.auth.hashers import get_hasher

    hasher = get_hasher()
    encoded = hasher.encode(PASSWORD, hasher.salt())
    samples = []
    for _ in range(rounds):
        start = time.process_time()
        verified = hasher.verify(PASSWORD, encoded)
        samples.append(time.process_time() - start)
        assert verified
    return samples


class Driver:
    """People signing in, each from an address of their own; the outcomes counted."""

    def __init__(self, base_url: str, expected: str, cafile: Path | None):
        self.base_url = base_url
        self.expected = expected
        self.cafile = cafile
        self.outcomes: Counter[str] = Counter()
        self._lock = threading.Lock()

    def sign_in(self, email: str, address: str) -> None:
        try:
            outcome = self._sign_in(email, address)
        except Exception as exc:  # a time-out or a refused connection: counted, not fatal
            outcome = type(exc).__name__
        with self._lock:
            self.outcomes[outcome] += 1

    def _sign_in(self, email: str, address: str) -> str:
        with _common.person(
            address, cafile=self.cafile, base_url=self.base_url, timeout=REQUEST_TIMEOUT
        ) as client:
            form = client.get("/accounts/login/")
            token = _common.csrf_token(form.text) if form.status_code == 200 else None
            if token is None:
                return f"form {form.status_code}"
            response = client.post(
                "/accounts/login/",
                data={"username": email, "password": PASSWORD, "csrfmiddlewaretoken": token},
                # As a browser sends it: over HTTPS, Django's CSRF check wants the origin.
                headers={"Origin": self.base_url},
            )
        if response.status_code != 302 or response.headers.get("location") != self.expected:
            return f"POST {response.status_code} {response.headers.get('location', '')}".strip()
        return "ok"

    def run(self, people: list[tuple[str, str]], clients: int) -> float:
        """Sign everyone in, ``clients`` at a time: the seconds it took."""
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=clients) as executor:
            for email, address in people:
                executor.submit(self.sign_in, email, address)
        return time.perf_counter() - start


def profile_in_process(emails: list[str], expected: str) -> None:
    """Where a sign-in's time goes: its queries and cache calls, its parts, and a profile.

    The test Client on the same settings, a new person (cookies cleared, a new
    REMOTE_ADDR) for each sign-in, GET then POST as on gunicorn. CPU time, not
    wall time: waiting for PostgreSQL or Redis costs a worker nothing.
    """
    import cProfile
    import pstats

    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    people = iter(emails)
    sign_in = _signing_in(people, expected)
    for _ in range(3):
        sign_in()
    operations = _count_cache_operations(cache)
    with CaptureQueriesContext(connection) as queries:
        sign_in()
    print(f"\n   in-process, one sign-in (GET + POST): {len(queries)} queries")
    for query in queries.captured_queries:
        print(f"      {query['sql'][:150]}")
    print(f"   cache operations: {dict(operations)}")
    operations.clear()

    print_parts(people, expected, PROFILE_ROUNDS)

    profiler = cProfile.Profile(time.process_time)
    rounds = 20
    profiler.enable()
    for _ in range(rounds):
        sign_in()
    profiler.disable()
    print(f"\n   profile of {rounds} sign-ins in-process (internal time, then cumulative):")
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(15)
    stats.sort_stats("cumulative").print_stats(40)


def _signing_in(people, expected: str):
    """A function that signs the next person in with a new test Client's cookies cleared.

    It adds the CPU time of the form's GET and of the POST to ``spent`` if given.
    """
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    addresses = _common.distinct_addresses(f"10.{next(_ADDRESS_BLOCKS)}.0.1")

    def sign_in(spent: Counter | None = None) -> None:
        client.cookies.clear()
        address = next(addresses)
        start = time.process_time()
        form = client.get("/accounts/login/", REMOTE_ADDR=address)
        middle = time.process_time()
        assert form.status_code == 200, form.status_code
        data = {
            "username": next(people),
            "password": PASSWORD,
            "csrfmiddlewaretoken": _common.csrf_token(form.content.decode()),
        }
        posted = time.process_time()
        response = client.post("/accounts/login/", data, REMOTE_ADDR=address)
        end = time.process_time()
        assert response.status_code == 302, response.status_code
        assert response["Location"] == expected, response["Location"]
        if spent is not None:
            spent["the form's page (GET)"] += middle - start
            spent["the POST"] += end - posted

    return sign_in


def print_parts(people, expected: str, rounds: int) -> None:
    """What the parts of a sign-in cost, from timers around a few functions, per sign-in."""
    from importlib import import_module

    import argon2
    from django.conf import settings
    from django.contrib.auth.backends import ModelBackend
    from django.contrib.auth.signals import user_logged_in
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.middleware.csrf import CsrfViewMiddleware
    from django.template.response import SimpleTemplateResponse

    from project.ratelimits import Attempt

    timed = [
        (argon2.PasswordHasher, "verify", "the hash"),
        (SimpleTemplateResponse, "render", "GET: the page's template"),
        (CsrfViewMiddleware, "process_view", "POST: the CSRF check"),
        (Attempt, "__init__", "POST: the rate limits"),
        (Attempt, "is_over", "POST: the rate limits"),
        (Attempt, "finish", "POST: the rate limits"),
        (ModelBackend, "authenticate", "POST: authenticate(), the hash apart"),
        (import_module(settings.SESSION_ENGINE).SessionStore, "cycle_key", "POST: a new key"),
        (user_logged_in, "send", "POST: user_logged_in (record, last_login)"),
        (SessionMiddleware, "process_response", "POST: the session saved"),
    ]
    spent: Counter[str] = Counter()
    originals = [(owner, name, owner.__dict__.get(name)) for owner, name, _label in timed]
    for owner, name, label in timed:
        setattr(owner, name, _timer(getattr(owner, name), label, spent))
    try:
        # A new Client: its handler binds the middleware's methods, timers included.
        sign_in = _signing_in(people, expected)
        sign_in()
        spent.clear()
        for _ in range(rounds):
            sign_in(spent)
    finally:
        for owner, name, original in originals:
            if original is None:
                delattr(owner, name)
            else:
                setattr(owner, name, original)
    hashing = spent.pop("the hash")
    spent["the POST"] -= hashing
    spent["POST: authenticate(), the hash apart"] -= hashing
    print(
        f"\n   CPU per sign-in in-process (over {rounds} sign-ins), "
        f"the hash ({hashing / rounds * 1000:.1f} ms) apart:"
    )
    for label in ("the form's page (GET)", "the POST"):
        print(f"   {spent.pop(label) / rounds * 1000:6.2f} ms  {label}")
    for label, seconds in spent.most_common():
        print(f"   {seconds / rounds * 1000:6.2f} ms    {label}")


def _timer(function, label: str, spent: Counter):
    def timed(*args, **kwargs):
        start = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent[label] += time.process_time() - start

    return timed


def _count_cache_operations(cache) -> Counter:
    """Count the calls of the cache's public methods from now on (this thread's cache object)."""
    counts: Counter[str] = Counter()
    for name in ("get", "add", "set", "incr", "incr_counts", "get_many", "delete", "has_key"):
        method = getattr(cache, name, None)
        if method is None:  # incr_counts: project.cache.RedisCache's own
            continue

        def counted(*args, _name=name, _method=method, **kwargs):
            counts[_name] += 1
            return _method(*args, **kwargs)

        setattr(cache, name, counted)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sign-ins", type=int, help="sign-ins measured (default 500)")
    parser.add_argument("--quick", action="store_true", help="150 sign-ins")
    parser.add_argument("--clients", type=int, default=4, help="people at a time (default 4)")
    parser.add_argument(
        "--verifications", type=int, default=60, help="verifications timed (default 60)"
    )
    parser.add_argument(
        "--two-factor",
        choices=("off", "staff"),
        default="off",
        help="off: plain users (default); staff: staff users, the password step only",
    )
    parser.add_argument(
        "--tls",
        nargs="?",
        const="rsa2048",
        choices=_common.CERTIFICATE_KEYS,
        help="gunicorn serves HTTPS itself, with a certificate of this key (default rsa2048)",
    )
    parser.add_argument("--profile", action="store_true", help="also profile in-process")
    args = parser.parse_args()
    count = args.sign_ins or (150 if args.quick else 500)
    if not 1 <= count <= 20_000 or not 1 <= args.clients <= 64:
        parser.error("--sign-ins must be 1 to 20000, --clients 1 to 64")
    if not ROUNDS + 1 <= args.verifications <= 10_000:
        parser.error(f"--verifications must be {ROUNDS + 1} to 10000")

    url = _common.bench_database_url("sign_in")
    port = _common.free_port()
    scheme = "https" if args.tls else "http"
    base_url = f"{scheme}://127.0.0.1:{port}"
    env = _common.server_env(url, base_url)
    env["TWO_FACTOR"] = args.two_factor
    if args.tls:
        # Production's cookies: marked Secure, as HTTPS allows.
        env.update(SESSION_COOKIE_SECURE="on", CSRF_COOKIE_SECURE="on")
    _common.header("sign-in: the workers' CPU time per sign-in, against one verification", url)
    _common.drop_database(url)
    _common.setup_django(url, **{k: v for k, v in env.items() if k != "PYTHONPATH"})
    from django.conf import settings
    from django.contrib.auth.hashers import get_hasher
    from django.core.cache import cache
    from django.db import connections

    hasher = get_hasher()
    print(
        f"   hasher: {settings.PASSWORD_HASHERS[0]} (memory_cost {hasher.memory_cost} KiB, "
        f"time_cost {hasher.time_cost}, parallelism {hasher.parallelism})"
    )
    print(
        f"   cache: {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[1]}; "
        f"sessions: {settings.SESSION_ENGINE}; TWO_FACTOR={settings.TWO_FACTOR}; "
        f"{f'HTTPS (gunicorn, {args.tls} certificate)' if args.tls else 'plain HTTP'}"
    )
    _common.migrate()
    # Counts and sessions left by an earlier run are not this run's.
    cache.clear()
    staff = args.two_factor == "staff"
    profiled = 30 + PROFILE_ROUNDS if args.profile else 0
    emails = seed_users(WARM_UP + count + profiled, staff=staff)
    expected = "/accounts/login/code/" if staff else "/accounts/"
    connections.close_all()

    tls = _common.self_signed_certificate("sign_in", args.tls) if args.tls else None
    addresses = list(islice(_common.distinct_addresses("127.0.1.2"), WARM_UP + count))
    people = list(zip(emails, addresses, strict=False))
    # Rounds of sign-ins, each after a block of verifications (and one block
    # after the last): both see the machine's load as it comes and goes.
    rounds = [people[WARM_UP:][index::ROUNDS] for index in range(ROUNDS)]
    blocks = [args.verifications // (ROUNDS + 1)] * ROUNDS
    blocks.append(args.verifications - sum(blocks))
    verifications: list[float] = []
    cpu_by_worker: Counter[int] = Counter()
    elapsed = 0.0
    log_path = _common.OUT / "sign_in_gunicorn.log"
    with _common.gunicorn(port, env, log_path, tls=tls) as server:
        driver = Driver(base_url, expected, tls[0] if tls else None)
        driver.run(people[:WARM_UP], args.clients)
        warm_up = dict(driver.outcomes)
        driver.outcomes.clear()
        for block, signing_in in zip(blocks, rounds, strict=False):
            verifications += verification_seconds(block)
            before = _common.workers_cpu_seconds(server.pid)
            elapsed += driver.run(signing_in, args.clients)
            after = _common.workers_cpu_seconds(server.pid)
            if set(before) != set(after):
                raise SystemExit(f"workers changed: {sorted(before)} -> {sorted(after)}")
            cpu_by_worker.update({pid: after[pid] - before[pid] for pid in after})
    verifications += verification_seconds(blocks[-1])

    measured = dict(driver.outcomes)
    errors = sum(n for outcome, n in measured.items() if outcome != "ok")
    errors += sum(n for outcome, n in warm_up.items() if outcome != "ok")
    cpu = sum(cpu_by_worker.values())
    per_sign_in = cpu / count
    verification = statistics.median(verifications)
    ratio = per_sign_in / verification
    per_worker = ", ".join(f"{cpu_by_worker[pid]:.2f}" for pid in sorted(cpu_by_worker))
    print(
        f"\n   {count} sign-ins (GET form + POST) in {ROUNDS} rounds, {args.clients} at a time, "
        f"gunicorn -w {len(cpu_by_worker)}, after {WARM_UP} to warm up:\n"
        f"   outcomes: {measured} (warm-up: {warm_up}); errors: {errors}\n"
        f"   workers' CPU: {cpu:.2f} s ({per_worker}); "
        f"per sign-in {per_sign_in * 1000:.1f} ms\n"
        f"   one verification, in-process CPU, median of {len(verifications)}: "
        f"{verification * 1000:.1f} ms\n"
        f"   throughput: {count / elapsed:.1f} sign-ins/s ({elapsed:.1f} s)\n"
        f"   ratio {ratio:.2f}x: {_common.verdict(ratio, GOAL)}"
    )
    if args.profile:
        profile_in_process(emails[WARM_UP + count :], expected)
    if errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
