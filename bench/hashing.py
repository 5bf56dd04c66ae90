"""Password hashing on this machine: the project's Argon2id, Django's defaults, the POSTs.

    .venv/bin/python bench/hashing.py           # about a minute
    .venv/bin/python bench/hashing.py --quick   # fewer samples

1. One hash with accounts.hashers.Argon2PasswordHasher (Argon2id, 19 MiB, t=2,
   p=1) against Django's default Argon2 (100 MiB, t=2, p=8) and Django's
   default PBKDF2 (SHA-256, 1,000,000 iterations): alternating, medians.
2. The memory one hash needs: memory_cost, and the peak RSS growth of a fresh
   process that hashes once.
3. End to end, in-process with the real PASSWORD_HASHERS (test Client, DEBUG
   off, rate limits on, each sample a new address and account): a sign-in POST
   and a set-password POST, against the sign-in page (a GET, no hashing).
4. On gunicorn (-w 2): a burst of 40 simultaneous sign-in POSTs; each worker's
   peak RSS before and after, to show that hashing memory stays at
   workers x memory_cost whatever the burst.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import threading
import time
from itertools import islice
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common

PASSWORD = "Correct-horse-battery-staple-42"
HASHERS = {
    "project Argon2id (19 MiB, t=2, p=1)": "accounts.hashers.Argon2PasswordHasher",
    "Django default Argon2 (100 MiB, t=2, p=8)": "django.contrib.auth.hashers.Argon2PasswordHasher",
    "Django default PBKDF2 (1,000,000 x SHA-256)": (
        "django.contrib.auth.hashers.PBKDF2PasswordHasher"
    ),
}

# Run in a fresh interpreter: resident memory before one hash, and the peak
# during it (the peak is reset first through /proc/self/clear_refs), in KiB.
MEMORY_PROBE = """
import re, sys
from pathlib import Path
sys.path.insert(0, {root!r})
from django.conf import settings
settings.configure()
from django.utils.module_loading import import_string
hasher = import_string({path!r})()
if hasher.library:
    hasher._load_library()
status = Path("/proc/self/status")
def field(name):
    return int(re.search(name + r":\\s+(\\d+)", status.read_text()).group(1))
before = field("VmRSS")
Path("/proc/self/clear_refs").write_text("5")
hasher.encode({password!r}, hasher.salt())
print(before, field("VmHWM"))
"""


def hash_timings(rounds: int) -> dict[str, list[float]]:
    from django.utils.module_loading import import_string

    hashers = {name: import_string(path)() for name, path in HASHERS.items()}
    for hasher in hashers.values():
        hasher.encode(PASSWORD, hasher.salt())  # loads the library
    return _common.alternate(
        rounds,
        {
            name: lambda hasher=hasher: _common.timed(
                lambda: hasher.encode(PASSWORD, hasher.salt())
            )
            for name, hasher in hashers.items()
        },
    )


def peak_rss_growth_kib(path: str) -> int:
    code = MEMORY_PROBE.format(root=str(_common.ROOT), path=path, password=PASSWORD)
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    before, after = (int(value) for value in output)
    return after - before


def end_to_end(rounds: int) -> dict[str, list[float]]:
    """Sign-in POST, set-password POST and the sign-in page, in-process."""
    from django.contrib.auth.hashers import make_password
    from django.test import Client

    from accounts.models import User

    count = rounds + 3
    password_hash = make_password(PASSWORD)
    members = User.objects.bulk_create(
        [User(email=f"member{i}@example.org", password=password_hash) for i in range(count)]
    )
    paths = [urlsplit(url).path for url in _common.issue_invites(count)]
    members_left, paths_left = iter(members), iter(paths)
    addresses = _common.distinct_addresses("10.0.0.1")
    client = Client()

    def sign_in() -> float:
        client.cookies.clear()
        data = {"username": next(members_left).email, "password": PASSWORD}
        start = time.perf_counter()
        response = client.post("/accounts/login/", data, REMOTE_ADDR=next(addresses))
        seconds = time.perf_counter() - start
        assert response.status_code == 302, f"sign-in answered {response.status_code}"
        return seconds

    def set_password() -> float:
        client.cookies.clear()
        address = next(addresses)
        opened = client.get(next(paths_left), REMOTE_ADDR=address)
        assert opened.status_code == 302, f"opening a link answered {opened.status_code}"
        form = client.get(opened["Location"], REMOTE_ADDR=address)
        assert form.status_code == 200
        # The form names the link it was shown for; a POST without it changes nothing.
        data = {
            "link": re.search(rb'name="link" value="([^"]+)"', form.content)[1].decode(),
            "new_password1": PASSWORD,
            "new_password2": PASSWORD,
        }
        start = time.perf_counter()
        response = client.post(opened["Location"], data, REMOTE_ADDR=address)
        seconds = time.perf_counter() - start
        assert response.status_code == 302, f"set-password answered {response.status_code}"
        return seconds

    def sign_in_page() -> float:
        client.cookies.clear()
        start = time.perf_counter()
        response = client.get("/accounts/login/", REMOTE_ADDR=next(addresses))
        seconds = time.perf_counter() - start
        assert response.status_code == 200
        return seconds

    for _ in range(3):
        sign_in(), set_password(), sign_in_page()
    return _common.alternate(
        rounds,
        {"sign-in POST": sign_in, "set-password POST": set_password, "sign-in page": sign_in_page},
    )


def burst_on_gunicorn(database_url: str, burst: int) -> None:
    """Peak RSS of each worker around a burst of simultaneous sign-in POSTs."""
    import httpx

    port = _common.free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = _common.server_env(database_url, base_url)
    log_path = _common.OUT / "hashing_gunicorn.log"
    # One address per POST (the burst's, then the warm-up's): the limits count per address.
    addresses = list(islice(_common.distinct_addresses("127.0.1.2"), burst + 8))
    with _common.gunicorn(port, env, log_path) as server:
        statuses: list[int] = []

        def post(index: int) -> None:
            with _common.person(addresses[index], base_url=base_url, timeout=60) as client:
                page = client.get("/accounts/login/")
                token = page.cookies.get("csrftoken")
                response = client.post(
                    "/accounts/login/",
                    data={
                        "username": f"nobody{index}@example.org",
                        "password": PASSWORD,
                        "csrfmiddlewaretoken": token,
                    },
                )
            # 200: the form again, "wrong email or password", after hashing.
            statuses.append(response.status_code)

        for _ in range(6):
            httpx.get(base_url + "/accounts/login/")
        workers = _common.workers_of(server.pid)
        unhashed = {pid: _common.status_kib(pid, "VmRSS") for pid in workers}
        for index in range(burst, burst + 8):
            post(index)  # warm-up: every worker has served sign-ins, hashing included
        time.sleep(0.5)
        resident = {pid: _common.status_kib(pid, "VmRSS") for pid in workers}
        for pid in workers:
            # Reset the peak ("high water mark") so that it measures the burst only.
            Path(f"/proc/{pid}/clear_refs").write_text("5")
        threads = [threading.Thread(target=post, args=(i,)) for i in range(burst)]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - start
        peaks = {pid: _common.status_kib(pid, "VmHWM") for pid in workers}
        if set(statuses) != {200}:
            raise SystemExit(f"sign-in POSTs answered {sorted(set(statuses))}, not only 200")
    print(
        f"\n   gunicorn -w {len(workers)}: {burst} simultaneous sign-in POSTs "
        f"(unknown accounts: Django hashes anyway) in {elapsed:.2f} s"
    )
    total = 0
    for pid in workers:
        growth = peaks[pid] - resident[pid]
        total += growth
        print(
            f"   worker {pid}: {unhashed[pid] / 1024:.1f} MiB before any sign-in, "
            f"{resident[pid] / 1024:.1f} MiB after a few (one hash at a time; the allocator "
            f"keeps the buffer), peak during the burst {peaks[pid] / 1024:.1f} MiB "
            f"(+{growth / 1024:.1f} MiB)"
        )
    first = sum(resident[pid] - unhashed[pid] for pid in workers)
    print(
        f"   all workers: +{first / 1024:.1f} MiB for the first sign-ins, then "
        f"+{total / 1024:.1f} MiB with {burst} POSTs in flight; "
        f"bound {len(workers)} x 19 MiB = {len(workers) * 19} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples")
    args = parser.parse_args()
    rounds = 5 if args.quick else 15

    url = _common.bench_database_url("hashing")
    _common.header("password hashing", url)
    _common.drop_database(url)
    _common.setup_django(url)
    _common.migrate()

    from django.conf import settings
    from django.contrib.auth.hashers import get_hasher

    print(f"   PASSWORD_HASHERS[0]: {settings.PASSWORD_HASHERS[0]}")
    project = get_hasher()
    print(
        f"   project hasher: memory_cost {project.memory_cost} KiB "
        f"({project.memory_cost / 1024:g} MiB), time_cost {project.time_cost}, "
        f"parallelism {project.parallelism}"
    )

    timings = hash_timings(rounds)
    base = timings[next(iter(HASHERS))]
    print(f"\n   one hash, {rounds} samples each (median; ratio to the project's hasher):")
    for name, values in timings.items():
        growth = peak_rss_growth_kib(HASHERS[name])
        print(
            f"   {name:45} {_common.median_ms(values):8.1f} ms  "
            f"{_common.ratio(values, base):5.2f}x  peak RSS +{growth / 1024:.1f} MiB"
        )

    results = end_to_end(rounds)
    page = results["sign-in page"]
    print(f"\n   end to end, in-process, {rounds} samples each (median; ratio to the page):")
    for name, values in results.items():
        print(
            f"   {name:45} {_common.median_ms(values):8.1f} ms  {_common.ratio(values, page):5.1f}x"
        )

    hash_ms = _common.median_ms(base)
    print(
        "\n   arithmetic (measured hash time): a sign-in or set-password POST hashes once."
        f"\n   one address: sign-in 10/min x {hash_ms:.0f} ms = {10 * hash_ms / 1000:.2f} s CPU"
        f" a minute ({10 * hash_ms / 600:.2f}% of one core);"
        f"\n   set-password 10/min per address (5/min per link) x {hash_ms:.0f} ms ="
        f" {10 * hash_ms / 1000:.2f} s CPU a minute at most."
    )
    burst_on_gunicorn(url, 40)


if __name__ == "__main__":
    main()
