"""Time ``manage.py invite --csv`` against the same work written straight against sqlite3.

    .venv/bin/python bench/bulk_invite.py [--rows 20000] [--repeats 5] [--memory-rows 100000]

Both sides run as a fresh Python process (interpreter start included) on a copy
of the same migrated SQLite database (migrating is not timed), alternating
which goes first. The floor is plain Python: read the CSV, check emails with a
simple regex, make secrets and digests, insert users, group memberships and
links with ``executemany`` in one transaction, write the links as CSV. The
script prints each run, the medians and the median of the per-pair ratios
(goal: at most 4x), then the peak memory of one run on ``--memory-rows`` rows
(goal: under 250 MB). ``--profile`` prints where the command spends its time.
"""

import argparse
import csv
import hashlib
import os
import re
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path

FLOOR = sys.argv[1:2] == ["--floor"]
if not FLOOR:
    # Not in the floor's own process: it is timed from interpreter start, so it
    # imports nothing beyond the standard library modules above.
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import _common

SITE_URL = "https://people.example.com"
GROUPS = ("Staff", "Sales", "Support")
RATIO_GOAL = 4.0
MEMORY_GOAL_MB = 250


def csv_write(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["email", "first_name", "last_name", "groups"])
        for n in range(rows):
            groups = ";".join(GROUPS[: n % 3])  # none, one or two groups
            writer.writerow([f"person{n}@example.com", f"First{n}", f"Last{n}", groups])


def environment(database: Path) -> dict[str, str]:
    """The command's environment: the benchmarks' production-like settings, on ``database``."""
    env = {key: value for key, value in os.environ.items() if key != "CACHE_URL"}
    return {
        **env,
        **_common.BENCH_ENV,
        "ALLOWED_HOSTS": "people.example.com",
        "SITE_URL": SITE_URL,
        "DATABASE_URL": f"sqlite:///{database}",
    }


def template_make(directory: Path) -> Path:
    """A migrated database with the groups the CSV names."""
    template = directory / "template.sqlite3"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
        cwd=_common.ROOT,
        env=environment(template),
        check=True,
    )
    with sqlite3.connect(template) as db:
        db.executemany("INSERT INTO auth_group (name) VALUES (?)", [(name,) for name in GROUPS])
    return template


def measured_run(command: list[str], *, env=None) -> tuple[float, float]:
    """Run ``command``; return its wall time in seconds and its peak memory in MB."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=_common.ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode:
            errors.seek(0)
            sys.stderr.write(errors.read().decode(errors="replace"))
            raise SystemExit(f"{command[:4]} failed with status {process.returncode}")
    return elapsed, usage.ru_maxrss / 1024  # Linux reports kilobytes


def django_command(csv_path: Path, output: Path) -> list[str]:
    return [sys.executable, "manage.py", "invite", "--csv", str(csv_path), "--output", str(output)]


def floor_command(csv_path: Path, database: Path, output: Path) -> list[str]:
    return [sys.executable, __file__, "--floor", str(csv_path), str(database), str(output)]


def run_one(kind: str, directory: Path, template: Path, csv_path: Path):
    """One run of ``kind`` on a fresh copy of the template: (seconds, MB), output lines, links."""
    database = directory / f"{kind}.sqlite3"
    output = directory / f"{kind}.csv"
    shutil.copyfile(template, database)
    if kind == "django":
        result = measured_run(django_command(csv_path, output), env=environment(database))
    else:
        result = measured_run(floor_command(csv_path, database, output))
    lines = output.read_text().count("\n")
    with sqlite3.connect(database) as db:
        links = db.execute("SELECT count(*) FROM invites_link").fetchone()[0]
    output.unlink()
    database.unlink()
    return result, lines, links


def bench(args) -> None:
    with tempfile.TemporaryDirectory(prefix="bulk-invite-") as name:
        directory = Path(name)
        template = template_make(directory)
        csv_path = directory / "people.csv"
        csv_write(csv_path, args.rows)
        if args.profile:
            profile(directory, template, csv_path)
            return
        print(f"invite --csv, {args.rows:,} rows, {args.repeats} runs each, alternating")

        def seconds_of(kind: str) -> float:
            (seconds, _memory), lines, links = run_one(kind, directory, template, csv_path)
            if lines != args.rows + 1 or links != args.rows:
                raise SystemExit(f"{kind}: {lines} output lines and {links} links")
            return seconds

        times = _common.alternate(
            args.repeats, {kind: lambda kind=kind: seconds_of(kind) for kind in ("django", "floor")}
        )
        pairs = list(zip(times["django"], times["floor"], strict=True))
        for n, (django_seconds, floor_seconds) in enumerate(pairs, start=1):
            print(f"  run {n}: django {django_seconds:.3f} s, floor {floor_seconds:.3f} s")
        ratio = statistics.median([d / f for d, f in pairs])
        print(
            f"median: django {statistics.median(times['django']):.3f} s, "
            f"floor {statistics.median(times['floor']):.3f} s"
        )
        verdict = "ok" if ratio <= RATIO_GOAL else "over the goal"
        print(f"median ratio: {ratio:.2f}x (goal <= {RATIO_GOAL:g}x: {verdict})")

        if args.memory_rows:
            big = directory / "many.csv"
            csv_write(big, args.memory_rows)
            (seconds, memory), *_ = run_one("django", directory, template, big)
            (floor_seconds, floor_memory), *_ = run_one("floor", directory, template, big)
            verdict = "ok" if memory < MEMORY_GOAL_MB else "over the goal"
            print(
                f"peak memory, {args.memory_rows:,} rows: django {memory:.0f} MB "
                f"in {seconds:.2f} s (goal < {MEMORY_GOAL_MB} MB: {verdict}); "
                f"floor {floor_memory:.0f} MB in {floor_seconds:.2f} s"
            )


def profile(directory: Path, template: Path, csv_path: Path) -> None:
    database = directory / "profile.sqlite3"
    shutil.copyfile(template, database)
    stats = directory / "invite.prof"
    command = django_command(csv_path, directory / "profile.csv")
    command[1:1] = ["-m", "cProfile", "-o", str(stats)]
    subprocess.run(command, cwd=_common.ROOT, env=environment(database), check=True)
    import pstats

    pstats.Stats(str(stats)).sort_stats("cumulative").print_stats(40)
    pstats.Stats(str(stats)).sort_stats("tottime").print_stats(25)


# --- the floor: the same work, in plain Python against sqlite3 -----------------

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def floor(csv_path: str, database: str, output: str) -> None:
    with open(csv_path, newline="", encoding="utf-8-sig") as file:
        rows = list(csv.DictReader(file))
    seen, bad = set(), []
    for line, row in enumerate(rows, start=2):
        email = row["email"].strip()
        if not EMAIL.fullmatch(email) or email.lower() in seen:
            bad.append(line)
        seen.add(email.lower())
    if bad:
        raise SystemExit(f"bad rows: {bad}")
    db = sqlite3.connect(database, isolation_level=None)
    groups = dict(db.execute("SELECT name, id FROM auth_group"))
    now = datetime.now(UTC)
    expires_at = now + timedelta(days=7)
    db.execute("BEGIN IMMEDIATE")
    db.executemany(
        "INSERT INTO accounts_user (password, last_login, is_superuser, email, email_key, "
        "first_name, last_name, is_staff, is_active, date_joined, sessions_generation) "
        "VALUES (?, NULL, 0, ?, ?, ?, ?, 0, 1, ?, 0)",
        [
            (
                "!" + secrets.token_urlsafe(30),
                row["email"],
                unicodedata.normalize("NFKC", row["email"].strip().lower()),
                row["first_name"],
                row["last_name"],
                now,
            )
            for row in rows
        ],
    )
    ids = dict(db.execute("SELECT email, id FROM accounts_user"))
    db.executemany(
        "INSERT INTO accounts_user_groups (user_id, group_id) VALUES (?, ?)",
        [
            (ids[row["email"]], groups[name])
            for row in rows
            for name in row["groups"].split(";")
            if name
        ],
    )
    issued = []
    for row in rows:
        secret = secrets.token_urlsafe(24)
        issued.append((row["email"], secret, hashlib.sha256(secret.encode()).hexdigest()))
    db.executemany(
        "INSERT INTO invites_link (user_id, purpose, digest, created_at, expires_at, "
        "created_via, revoke_reason, presented_again_count, presented_again_addresses) "
        "VALUES (?, 'invite', ?, ?, ?, 'command', '', 0, '[]')",
        [(ids[email], digest, now, expires_at) for email, _secret, digest in issued],
    )
    db.execute("COMMIT")
    with open(output, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(["email", "link", "expires_at"])
        expires = expires_at.isoformat(timespec="seconds")
        writer.writerows(
            (email, f"{SITE_URL}/set-password/{secret}/", expires) for email, secret, _ in issued
        )


def main() -> None:
    if FLOOR:
        floor(*sys.argv[2:5])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=20_000, help="rows timed (default 20,000)")
    parser.add_argument("--repeats", type=int, default=5, help="runs of each (default 5)")
    parser.add_argument(
        "--memory-rows",
        type=int,
        default=100_000,
        help="rows of the peak-memory run (default 100,000; 0 skips it)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="profile one run of the command instead"
    )
    bench(parser.parse_args())


if __name__ == "__main__":
    main()
