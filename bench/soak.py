"""A bounded soak of the production-like stack: find the sustainable rate, then hold 80% of it.

    .venv/bin/python bench/soak.py                   # a one-minute ramp, then 10 minutes
    .venv/bin/python bench/soak.py --minutes 2       # a shorter soak
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/people_bench \\
        .venv/bin/python bench/soak.py               # on PostgreSQL (database people_bench_soak)

The stack: gunicorn with gunicorn.conf.py (as many workers as it starts, or
``--workers``), DEBUG off, two-factor at its default (staff), on a throwaway
database (bench/out/soak.sqlite3, or with a PostgreSQL DATABASE_URL a database
named after it with _soak) and a redis-server of its own on a free port
(CACHE_URL, when set, is used instead), all on loopback.

Traffic is a mix of what people do, each scenario from a loopback source
address of its own (127.0.0.2 to 127.0.0.254, in turn), as the rate limits
expect of real people:

- sign-in form: GET /accounts/login/;
- sign-in: the form, then its POST with the right password (302);
- account: a signed-in person's GET /accounts/;
- admin list: a signed-in administrator (who typed a code) GETs the user list;
- link: a set-password link issued by ``manage.py invite``, opened (302),
  its form (200) and the password set (302 to the sign-in page).

First a ramp of about a minute: 8 people back to back for 6 seconds give a
first estimate; then scenarios are offered open-loop (each starts when due,
whatever the answers) at 70% of it, 1.25 times faster every 6 seconds, until
a rate is not kept up with (scenarios start more than half a second late, 5%
of requests take over half a second, or one fails: 5xx, time-out) or the
ramp's 54 seconds are up; a first rate not kept up with is tried again 1.56
times slower. The last rate kept up with is the sustainable one.
Then the soak, open-loop at 80% of it, for ``--minutes``. It prints the
status counts, latency percentiles per kind of request, throughput and the
workers' resident memory minute by minute, and checks that every link handed
out was used exactly once (set once, refused when used again). Every loop is
bounded in count and in time; each request times out after 10 s.
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import math
import os
import queue
import random
import re
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common

PASSWORD = "soak-Password-for-everyone-71"
NEW_PASSWORD = "correct-Horse-battery-staple-9"
PEOPLE = 40  # signed in once, then reading their account page
ADMINS = 6  # signed in once with a code, then reading the user list
# The ramp: a probe of RAMP_PROBE_PEOPLE back to back, then open-loop steps
# from RAMP_FIRST_SHARE of what it completed, each RAMP_FACTOR faster, until
# one is not kept up with or RAMP_SECONDS have passed.
RAMP_PROBE_PEOPLE = 8
RAMP_STEP_SECONDS = 6
RAMP_FIRST_SHARE = 0.7
RAMP_FACTOR = 1.25
RAMP_STEPS = 12
RAMP_SECONDS = 54
# A rate is kept up with when scenarios start within LAG_SECONDS of when they
# are due, 95% of requests are answered within SLOW_SECONDS, and none fails.
LAG_SECONDS = 0.5
SLOW_SECONDS = 0.5
# At most this many scenarios at once, a few per worker: a server that falls
# behind shows as scenarios starting late, not as ever more in flight.
MAX_IN_FLIGHT = 16
SOAK_SHARE_OF_SUSTAINABLE = 0.8
REQUEST_TIMEOUT = 10
# Links issued before the ramp, and for the soak beyond what its rate needs.
RAMP_LINKS = 1500
SPARE_LINKS = 100

MIX = {
    "sign-in form": 20,
    "sign-in": 15,
    "account": 30,
    "admin list": 10,
    "link": 25,
}

_SHOWN_LINK = re.compile(r'name="link" value="([^"]+)"')


class ScenarioFailed(Exception):
    """A request answered otherwise than a person's browser expects: the scenario stops."""


@dataclass
class Sample:
    phase: str
    kind: str
    status: str
    seconds: float
    finished: float


@dataclass
class Run:
    """What the traffic shares: the server, the people, the links, and every sample."""

    base_url: str
    people: queue.Queue
    admins: queue.Queue
    emails: list[str]
    links: list[str] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    redeemed: Counter = field(default_factory=Counter)
    handed_out: list[str] = field(default_factory=list)
    no_link_left: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _addresses: Iterator[str] = field(
        default_factory=lambda: itertools.cycle(f"127.0.0.{n}" for n in range(2, 255))
    )

    def address(self) -> str:
        with self._lock:
            return next(self._addresses)

    def take_link(self) -> str | None:
        with self._lock:
            if not self.links:
                self.no_link_left += 1
                return None
            link = self.links.pop()
            self.handed_out.append(link)
            return link

    def record(self, phase: str, kind: str, status: str, seconds: float) -> None:
        with self._lock:
            self.samples.append(Sample(phase, kind, status, seconds, time.monotonic()))

    @contextmanager
    def person(self) -> Iterator:
        """A new browser (no cookies) from the next loopback address."""
        with _common.person(
            self.address(), base_url=self.base_url, timeout=REQUEST_TIMEOUT
        ) as client:
            yield client

    def request(self, phase: str, kind: str, client, method: str, url: str, expect: int, **kw):
        start = time.perf_counter()
        try:
            response = client.request(method, url, **kw)
        except Exception as exc:  # a time-out or a refused connection: counted, not fatal
            self.record(phase, kind, type(exc).__name__, time.perf_counter() - start)
            raise ScenarioFailed(kind) from exc
        self.record(phase, kind, str(response.status_code), time.perf_counter() - start)
        if response.status_code != expect:
            raise ScenarioFailed(f"{kind}: {response.status_code}")
        return response


def _csrf(html: str) -> str:
    token = _common.csrf_token(html)
    if token is None:
        raise ScenarioFailed("no CSRF token on the page")
    return token


# --- Scenarios ---------------------------------------------------------------


def sign_in_form(run: Run, phase: str, rng: random.Random) -> None:
    with run.person() as client:
        run.request(phase, "sign-in form", client, "GET", "/accounts/login/", 200)


def sign_in(run: Run, phase: str, rng: random.Random) -> None:
    with run.person() as client:
        form = run.request(phase, "sign-in form", client, "GET", "/accounts/login/", 200)
        data = {
            "username": rng.choice(run.emails),
            "password": PASSWORD,
            "csrfmiddlewaretoken": _csrf(form.text),
        }
        run.request(phase, "sign-in POST", client, "POST", "/accounts/login/", 302, data=data)


def account(run: Run, phase: str, rng: random.Random) -> None:
    client = run.people.get(timeout=REQUEST_TIMEOUT)
    try:
        run.request(phase, "account", client, "GET", "/accounts/", 200)
    finally:
        run.people.put(client)


def admin_list(run: Run, phase: str, rng: random.Random) -> None:
    client = run.admins.get(timeout=REQUEST_TIMEOUT)
    try:
        run.request(phase, "admin user list", client, "GET", "/admin/accounts/user/", 200)
    finally:
        run.admins.put(client)


def redeem_link(run: Run, phase: str, rng: random.Random) -> None:
    link = run.take_link()
    if link is None:
        return
    with run.person() as client:
        opened = run.request(phase, "link open", client, "GET", link, 302)
        form = run.request(
            phase, "set-password form", client, "GET", opened.headers["location"], 200
        )
        shown = _SHOWN_LINK.search(form.text)
        if not shown:
            raise ScenarioFailed("no set-password form")
        data = {
            "csrfmiddlewaretoken": _csrf(form.text),
            "link": shown.group(1),
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        }
        done = run.request(
            phase, "set-password POST", client, "POST", "/set-password/", 302, data=data
        )
        # A link signs its holder in: on to their account page, or the admin for staff.
        if done.headers.get("location") in ("/accounts/", "/admin/"):
            with run._lock:
                run.redeemed[link] += 1


SCENARIOS: dict[str, Callable[[Run, str, random.Random], None]] = {
    "sign-in form": sign_in_form,
    "sign-in": sign_in,
    "account": account,
    "admin list": admin_list,
    "link": redeem_link,
}


def run_scenario(run: Run, phase: str, name: str, rng: random.Random) -> bool:
    """Whether the scenario went as a person's browser expects."""
    try:
        SCENARIOS[name](run, phase, rng)
    except (ScenarioFailed, queue.Empty):
        return False
    return True


# --- Setting up --------------------------------------------------------------


@contextmanager
def redis_server() -> Iterator[str]:
    """CACHE_URL when set; else a redis-server of our own on a free port, without persistence."""
    if os.environ.get("CACHE_URL"):
        yield os.environ["CACHE_URL"]
        return
    if shutil.which("redis-server") is None:
        print("   no redis-server on PATH: local-memory cache, so limits are per worker")
        yield "locmemcache://"
        return
    import redis

    port = _common.free_port()
    directory = _common.OUT / "soak-redis"
    directory.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [
            "redis-server",
            *("--port", str(port), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "no", "--dir", str(directory)),
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise SystemExit("redis-server did not answer within 10 s") from None
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def seed_accounts() -> tuple[list[str], list[tuple[str, bytes]]]:
    """People with a password, and administrators with an authenticator: their emails (and keys)."""
    from django.contrib.auth.hashers import make_password
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import User

    # One hash for everyone: hashing each would only make seeding slow.
    password = make_password(PASSWORD)
    people = User.objects.bulk_create(
        [User(email=f"person{i}@example.org", password=password) for i in range(PEOPLE * 5)]
    )
    admins = User.objects.bulk_create(
        [
            User(
                email=f"admin{i}@example.org",
                password=password,
                is_staff=True,
                is_superuser=True,
            )
            for i in range(ADMINS)
        ]
    )
    keys = []
    for admin in admins:
        device = TOTPDevice.objects.create(user=admin, name="soak", confirmed=True)
        keys.append((admin.email, device.bin_key))
    return [person.email for person in people], keys


def invite(env: dict[str, str], first: int, count: int) -> list[str]:
    """``count`` new people invited with ``manage.py invite --csv -``: their links."""
    emails = "\n".join(["email", *(f"invitee{first + i}@example.org" for i in range(count))])
    result = subprocess.run(
        [sys.executable, "manage.py", "invite", "--csv", "-"],
        cwd=_common.ROOT,
        env=env,
        input=emails + "\n",
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py invite failed:\n{result.stderr[-3000:]}")
    return [row["link"] for row in csv.DictReader(io.StringIO(result.stdout))]


def signed_in(run: Run, email: str, totp_key: bytes | None = None):
    """A browser from its own address, signed in as ``email`` (typing a code with a key)."""
    from django_otp.oath import totp

    client = _common.person(run.address(), base_url=run.base_url, timeout=REQUEST_TIMEOUT)
    form = client.get("/accounts/login/")
    data = {"username": email, "password": PASSWORD, "csrfmiddlewaretoken": _csrf(form.text)}
    response = client.post("/accounts/login/", data=data)
    if totp_key is not None and response.headers.get("location") == "/accounts/login/code/":
        page = client.get("/accounts/login/code/")
        code = f"{totp(totp_key):06d}"
        data = {"code": code, "csrfmiddlewaretoken": _csrf(page.text)}
        response = client.post("/accounts/login/code/", data=data)
    if response.status_code != 302 or "/login/" in response.headers.get("location", ""):
        raise SystemExit(f"could not sign {email} in: {response.status_code}")
    return client


# --- Ramp and soak -----------------------------------------------------------


def _choose(rng: random.Random) -> str:
    return rng.choices(list(MIX), weights=list(MIX.values()))[0]


def _server_errors(samples: list[Sample]) -> int:
    """Answers a person would take for the site being broken: 5xx, time-outs, refusals."""
    return sum(1 for s in samples if not s.status.isdigit() or s.status[0] == "5")


def closed_loop(run: Run, phase: str, concurrency: int, seconds: float) -> float:
    """``concurrency`` people each starting a scenario when their last one ends: scenarios/s."""
    deadline = time.monotonic() + seconds
    completed = Counter()

    def person(index: int) -> None:
        rng = random.Random(index)
        # Bounded twice: by the deadline, and by a count no person reaches.
        for _ in range(10_000):
            if time.monotonic() >= deadline:
                return
            ok = run_scenario(run, phase, _choose(rng), rng)
            with run._lock:
                completed[ok] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=person, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 3 * REQUEST_TIMEOUT)
    return completed[True] / (time.monotonic() - started)


@dataclass
class OpenLoop:
    started: int
    unfinished: int
    elapsed: float
    lags: list[float]


def open_loop(
    run: Run,
    phase: str,
    rate: float,
    seconds: float,
    seed: int,
    tick: Callable[[float], None] | None = None,
) -> OpenLoop:
    """Start scenarios at ``rate`` a second for ``seconds``, whatever the answers.

    Each starts when it is due, or as soon as one of MAX_IN_FLIGHT people is
    free: a server that falls behind shows as start lag. ``tick`` is called
    with the seconds since the start while waiting. Waits for the scenarios
    begun, bounded; abandons the rest.
    """
    rng = random.Random(seed)
    plan = [_choose(rng) for _ in range(max(1, int(rate * seconds)))]
    lags: list[float] = []

    def scenario(index: int, due: float) -> None:
        with run._lock:
            lags.append(time.monotonic() - due)
        run_scenario(run, phase, plan[index], random.Random(seed * 100_003 + index))

    executor = ThreadPoolExecutor(max_workers=MAX_IN_FLIGHT)
    futures = []
    start = time.monotonic()
    for index in range(len(plan)):
        due = start + index / rate
        while (now := time.monotonic()) < due:
            if tick is not None:
                tick(now - start)
            time.sleep(min(due - now, 0.2))
        if time.monotonic() > start + seconds + 5:
            break  # hopelessly behind: the rest would only pile up
        futures.append(executor.submit(scenario, index, due))
    not_done = wait(futures, timeout=3 * REQUEST_TIMEOUT + 10).not_done
    executor.shutdown(wait=not not_done, cancel_futures=True)
    return OpenLoop(len(futures), len(not_done), time.monotonic() - start, sorted(lags))


def ramp(run: Run) -> float:
    """Offered rates rising step by step until one is not kept up with: the last one kept."""
    estimate = closed_loop(run, "probe", RAMP_PROBE_PEOPLE, RAMP_STEP_SECONDS)
    print(
        f"\n   ramp: {RAMP_PROBE_PEOPLE} people back to back for {RAMP_STEP_SECONDS} s "
        f"completed {estimate:.1f} scenarios/s; then open-loop steps of {RAMP_STEP_SECONDS} s"
    )
    print("   offered scenarios/s  requests/s  p50 ms  p95 ms  start lag p95 ms  server errors")
    sustainable = 0.0
    rate = max(0.5, RAMP_FIRST_SHARE * estimate)
    started = time.monotonic()
    for step in range(RAMP_STEPS):
        if time.monotonic() - started > RAMP_SECONDS:
            break
        phase = f"ramp-{step}"
        loop = open_loop(run, phase, rate, RAMP_STEP_SECONDS, seed=step + 1)
        samples = [s for s in run.samples if s.phase == phase]
        seconds = sorted(s.seconds for s in samples)
        errors = _server_errors(samples)
        lag = percentile(loop.lags, 95)
        print(
            f"   {rate:19.1f}  {len(samples) / loop.elapsed:10.1f}"
            f"  {percentile(seconds, 50) * 1000:6.0f}  {percentile(seconds, 95) * 1000:6.0f}"
            f"  {lag * 1000:16.0f}  {errors:13d}"
        )
        if not errors and lag <= LAG_SECONDS and percentile(seconds, 95) <= SLOW_SECONDS:
            sustainable = rate
            rate *= RAMP_FACTOR
        elif sustainable:
            break
        else:
            # Not even the first rate: the estimate was high (a busy moment
            # for the machine, or a quiet one for the probe). Come down.
            rate /= RAMP_FACTOR**2
    return sustainable


def soak(run: Run, rate: float, minutes: int, master_pid: int) -> None:
    """Open loop at ``rate`` scenarios a second for ``minutes``; the workers' RSS each minute."""
    rss: dict[int, list[float]] = {}

    def sample_rss(minute: int) -> None:
        pids = _common.workers_of(master_pid)
        rss[minute] = [_common.status_kib(pid, "VmRSS") / 1024 for pid in pids]

    def tick(elapsed: float) -> None:
        minute = int(elapsed // 60)
        if minute not in rss:
            sample_rss(minute)

    start = time.monotonic()
    loop = open_loop(run, "soak", rate, minutes * 60, seed=7, tick=tick)
    sample_rss(max(rss) + 1)
    report_soak(run, rate, start, loop, rss)


# --- Figures -----------------------------------------------------------------


def percentile(values: list[float], percent: float) -> float:
    """Nearest-rank percentile of sorted ``values`` (0 when there are none)."""
    if not values:
        return 0.0
    rank = max(0, min(len(values) - 1, round(percent / 100 * len(values) + 0.5) - 1))
    return values[rank]


def report_soak(run: Run, rate: float, start: float, loop: OpenLoop, rss) -> None:
    samples = [s for s in run.samples if s.phase == "soak"]
    print(
        f"\n   soak (open loop): {rate:.1f} scenarios/s offered, {loop.started} started "
        f"in {loop.elapsed:.0f} s, {loop.unfinished} unfinished after the grace period"
    )
    print(
        f"   start lag (due to begun): p50 {percentile(loop.lags, 50) * 1000:.0f} ms, "
        f"p95 {percentile(loop.lags, 95) * 1000:.0f} ms, "
        f"max {(loop.lags[-1] if loop.lags else 0) * 1000:.0f} ms"
    )
    print("\n   status counts:")
    for status, count in sorted(Counter(s.status for s in samples).items()):
        print(f"   {status:>16}  {count:7d}")
    print("\n   latency per kind (ms):")
    print("   kind                  count     p50     p95     p99     max")
    by_kind: dict[str, list[float]] = defaultdict(list)
    for s in samples:
        by_kind[s.kind].append(s.seconds)
    for kind, seconds in sorted(by_kind.items()):
        seconds.sort()
        print(
            f"   {kind:20}  {len(seconds):6d}  {percentile(seconds, 50) * 1000:6.0f}"
            f"  {percentile(seconds, 95) * 1000:6.0f}  {percentile(seconds, 99) * 1000:6.0f}"
            f"  {seconds[-1] * 1000:6.0f}"
        )
    print("\n   per minute (the last row: what finished after the last full minute):")
    print("   minute  requests/s  p95 ms  not 2xx/3xx  workers' RSS MiB at its end: sum (each)")
    for minute in range(math.ceil(loop.elapsed / 60)):
        window = [s for s in samples if minute * 60 <= s.finished - start < (minute + 1) * 60]
        seconds = sorted(s.seconds for s in window)
        unexpected = sum(1 for s in window if not s.status.isdigit() or s.status[0] not in "23")
        span = max(1.0, min(60.0, loop.elapsed - minute * 60))
        workers = rss.get(minute + 1, [])
        memory = f"{sum(workers):.0f} ({', '.join(f'{m:.0f}' for m in workers)})"
        print(
            f"   {minute + 1:6d}  {len(window) / span:10.1f}  {percentile(seconds, 95) * 1000:6.0f}"
            f"  {unexpected:11d}  {memory if workers else '-'}"
        )
    before = rss.get(0, [])
    print(
        f"   RSS when the soak began: {sum(before):.0f} ({', '.join(f'{m:.0f}' for m in before)})"
    )


def check_links(run: Run) -> bool:
    """Every link handed out set a password once, the database says used, and a second use fails."""
    from invites.keys.secrets import secret_digest
    from invites.models import Link

    handed = run.handed_out
    once = [link for link in handed if run.redeemed[link] == 1]
    twice = [link for link in handed if run.redeemed[link] > 1]
    secrets = {link: link.rstrip("/").rsplit("/", 1)[1] for link in handed}
    used = set(
        Link.objects.filter(
            digest__in=[secret_digest(secret) for secret in secrets.values()], used_at__isnull=False
        ).values_list("digest", flat=True)
    )
    used_in_database = [link for link in handed if secret_digest(secrets[link]) in used]
    # A second use of a few links: opened, then refused (404, the invalid-link page).
    refused = 0
    replays = once[:20]
    for link in replays:
        with run.person() as client:
            opened = client.get(link)
            again = client.get(opened.headers.get("location", "/set-password/"))
            refused += again.status_code == 404
    ok = len(once) == len(handed) == len(used_in_database) and not twice and refused == len(replays)
    print(
        f"\n   links: {len(handed)} handed out, {len(once)} set a password once, "
        f"{len(twice)} more than once, {len(used_in_database)} used in the database; "
        f"{refused} of {len(replays)} used again were refused; "
        f"{run.no_link_left} scenarios found no link left"
    )
    print(f"   check, every link used exactly once: {'yes' if ok else 'NO'}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--minutes", type=int, default=10, help="soak minutes (default 10)")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: gunicorn.conf.py)")
    args = parser.parse_args()
    if not 1 <= args.minutes <= 24 * 60:
        parser.error("--minutes must be between 1 and 1440")

    url = _common.bench_database_url("soak")
    port = _common.free_port()
    base_url = f"http://127.0.0.1:{port}"
    _common.header("soak: a ramp to the sustainable rate, then 80% of it", url)
    _common.drop_database(url)
    with redis_server() as cache_url:
        env = _common.server_env(url, base_url)
        env["CACHE_URL"] = cache_url
        if args.workers is None:
            env.pop("WEB_CONCURRENCY", None)
        _common.setup_django(url, **{k: v for k, v in env.items() if k != "PYTHONPATH"})
        from django.conf import settings
        from django.db import connections

        print(f"   cache: {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[1]} ({cache_url})")
        print(f"   two-factor: {settings.TWO_FACTOR}")
        _common.migrate()
        emails, admin_keys = seed_accounts()
        connections.close_all()
        links = invite(env, 0, RAMP_LINKS)

        log_path = _common.OUT / "soak_gunicorn.log"
        with _common.gunicorn(port, env, log_path, workers=args.workers) as server:
            workers = len(_common.workers_of(server.pid))
            print(f"   gunicorn workers: {workers}; loopback sources 127.0.0.2-254")
            run = Run(
                base_url=base_url,
                people=queue.Queue(),
                admins=queue.Queue(),
                emails=emails,
                links=links,
            )
            for email in emails[:PEOPLE]:
                run.people.put(signed_in(run, email))
            for email, key in admin_keys:
                run.admins.put(signed_in(run, email, key))

            sustainable = ramp(run)
            if sustainable <= 0:
                raise SystemExit("the ramp found no rate the stack kept up with")
            rate = SOAK_SHARE_OF_SUSTAINABLE * sustainable
            print(f"\n   sustainable: {sustainable:.1f} scenarios/s; soak at {rate:.1f}")
            needed = int(rate * args.minutes * 60 * MIX["link"] / sum(MIX.values()) * 1.3)
            run.links.extend(invite(env, RAMP_LINKS, needed + SPARE_LINKS))
            soak(run, rate, args.minutes, server.pid)
            ok = check_links(run)
            for client in [*run.people.queue, *run.admins.queue]:
                client.close()
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
