"""The audit trail at a million events: audit_export and audit_verify, their time and memory.

    .venv/bin/python bench/audit_export.py                      # 100,000 then 1,000,000 events
    .venv/bin/python bench/audit_export.py --first 10000 --events 100000   # quicker
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/people_wt_audit \\
        .venv/bin/python bench/audit_export.py                  # on PostgreSQL

A throwaway database (bench/out/audit.sqlite3, or with a PostgreSQL
DATABASE_URL a database named after it with _audit) is migrated and seeded
with ``--first`` events, spread over the last year: actions, actors, targets,
addresses and details as the paths write them, each event's hash chained in
Python with ``accounts.audit.canonical`` and ``chained``, 5,000 to a statement
(``accounts.sql.rows_insert``). The trigger that moves the head along each
insert is set aside while seeding, and the head set to the last event after;
PostgreSQL then analyses the table, as its autovacuum would after such a load.

Then ``manage.py audit_export --output FILE`` and ``manage.py audit_verify``
each run as a fresh process, timed from interpreter start, with their peak
resident memory (``os.wait4``'s ``ru_maxrss``), beside a process that starts
Django and exports nothing (``--since 1m``): the floor of both. The trail
then grows to ``--events`` and both are measured again. Memory that does not
grow with the events is what streaming promises; seconds should grow with
them, no faster. Finally the trail's admin list is timed at that size, in
this process (the test Client, a superuser), for its filters and searches.

Everything runs on this machine: the database on 127.0.0.1 or a file, no
server. ``--events`` is capped at 5,000,000; the database is dropped at the
end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common

MAX_EVENTS = 5_000_000
PEOPLE = 50_000
ADMINS = [f"admin{n}@example.org" for n in range(8)]
BROWSERS = ["Firefox on Linux", "Chrome on Windows", "Safari on macOS", "Edge on Windows"]

# What happens, how often: sign-ins dominate a real trail.
ACTIONS = [
    ("sign_in.succeeded", 50),
    ("sign_in.failed", 15),
    ("link.issued", 8),
    ("link.redeemed", 6),
    ("user.created", 6),
    ("user.changed", 5),
    ("link.revoked", 2),
    ("user.deactivated", 2),
    ("authenticator.enrolled", 2),
    ("access_request.filed", 1),
    ("group.changed", 1),
    ("team_link.created", 1),
    ("link.presented_again", 1),
]


def event_values(rng: random.Random, n: int, at: datetime) -> dict:
    """One event's keys but its number and hash, as a path would write them."""
    action = rng.choices([name for name, _ in ACTIONS], [weight for _, weight in ACTIONS])[0]
    person = f"person{rng.randrange(PEOPLE)}@example.org"
    address = f"198.51.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    if action.startswith("sign_in."):
        actor, via, detail = person, "public", {"browser": rng.choice(BROWSERS)}
    elif action in ("link.redeemed", "access_request.filed"):
        actor, via, detail = person, "public", {"purpose": "invite", "link": n}
    elif action == "link.presented_again":
        actor, via, detail = "system", "public", {"purged": False, "times": rng.randrange(1, 4)}
    elif rng.random() < 0.3:
        actor, via, address = "command:operator", "command", None
        detail = {"purpose": "invite", "link": n}
    else:
        actor, via = rng.choice(ADMINS), "admin"
        detail = {"changes": [{"changed": {"fields": ["first_name", "groups"]}}]}
    target = None if action in ("group.changed", "team_link.created") else person
    return {
        "at": at,
        "actor": actor,
        "via": via,
        "action": action,
        "target": target,
        "address": address,
        "detail": detail,
    }


def _trigger_statements(kind: str) -> list[str]:
    from django.db import connection

    migration = importlib.import_module("accounts.migrations.0007_audit_trail")
    return getattr(migration, kind)[connection.vendor]


def seed(*, start: int, stop: int, first_at: datetime, step: timedelta, rng) -> float:
    """Events ``start`` + 1 to ``stop``, ``step`` apart from ``first_at``, chained from the head.

    Returns the seconds it took.
    """
    from django.db import connection, transaction

    from accounts.audit import AuditEvent, AuditHead, canonical, chained
    from accounts.sql import rows_insert

    began = time.perf_counter()
    head = AuditHead.objects.get(pk=1)
    assert head.seq == start, (head.seq, start)
    adapt = connection.ops.adapt_datetimefield_value
    detail_field = AuditEvent._meta.get_field("detail")
    columns = ("seq", "at", "actor", "via", "action", "target", "address", "detail", "hash")

    last = [head.hash]

    def rows():
        for seq in range(start + 1, stop + 1):
            values = event_values(rng, seq, first_at + step * seq)
            last[0] = chained(last[0], canonical(seq=seq, **values))
            yield (
                seq,
                adapt(values["at"]),
                values["actor"],
                values["via"],
                values["action"],
                values["target"] or "",
                values["address"],
                detail_field.get_db_prep_save(values["detail"], connection),
                last[0],
            )

    with transaction.atomic(), connection.cursor() as cursor:
        # One UPDATE of the head per row would be most of the seeding's time
        # (on PostgreSQL, a million versions of one row in one transaction).
        for statement in _trigger_statements("DROP"):
            cursor.execute(statement)
        rows_insert(AuditEvent, columns, rows(), imported=False)
        AuditHead.objects.filter(pk=1).update(seq=stop, hash=last[0])
        for statement in _trigger_statements("TRIGGER"):
            cursor.execute(statement)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE accounts_auditevent")
    return time.perf_counter() - began


def measured(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run a manage.py command: wall seconds, peak resident MB, standard output."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "manage.py", *command],
            cwd=_common.ROOT,
            env=env,
            stdout=out,
            stderr=errors,
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status):
            errors.seek(0)
            sys.stderr.write(errors.read().decode(errors="replace"))
            raise SystemExit(f"manage.py {command[0]} failed")
        out.seek(0)
        return elapsed, usage.ru_maxrss / 1024, out.read().decode()  # Linux: kilobytes


def export_and_verify(env: dict[str, str], events: int, head_hash: str) -> dict[str, tuple]:
    """Time the floor, the export and the verify once each; check what they said."""
    figures = {}
    with tempfile.TemporaryDirectory(prefix="audit-export-", dir=_common.OUT) as directory:
        nothing = Path(directory) / "nothing.jsonl"
        seconds, mb, _ = measured(["audit_export", "--since", "1m", "--output", str(nothing)], env)
        figures["floor"] = (seconds, mb, None)
        output = Path(directory) / "trail.jsonl"
        seconds, mb, _ = measured(["audit_export", "--output", str(output)], env)
        size = output.stat().st_size
        with output.open("rb") as lines:
            count = sum(1 for _ in lines)
            lines.seek(max(size - 2000, 0))
            last = json.loads(lines.read().splitlines()[-1])
        if count != events or last["hash"] != head_hash:
            raise SystemExit(f"the export has {count} lines and ends at {last['hash']}")
        figures["audit_export"] = (seconds, mb, size)
    seconds, mb, said = measured(["audit_verify"], env)
    if f"{events} events" not in said:
        raise SystemExit(f"audit_verify said: {said}")
    figures["audit_verify"] = (seconds, mb, None)
    return figures


def report(events: int, figures: dict[str, tuple]) -> None:
    floor_seconds, floor_mb, _ = figures["floor"]
    print(f"\n{events:,} events")
    print(f"   {'':<14}{'seconds':>9}{'events/s':>11}{'peak RSS':>11}{'over floor':>12}")
    print(f"   {'floor':<14}{floor_seconds:>9.2f}{'':>11}{floor_mb:>8.0f} MB")
    for name in ("audit_export", "audit_verify"):
        seconds, mb, size = figures[name]
        rate = events / seconds
        line = f"   {name:<14}{seconds:>9.2f}{rate:>11,.0f}{mb:>8.0f} MB{mb - floor_mb:>9.0f} MB"
        if size:
            line += f"   ({size / 1e6:,.0f} MB written)"
        print(line)


LIST = "/admin/accounts/auditevent/"
LIST_PAGES = {
    "the list": "",
    "a kind (sign_in)": "?action=sign_in",
    "a rare action": "?action=team_link.created",
    "via command": "?via__exact=command",
    "the last hour": "?within=1h",
    "a person (their user page's link)": "?target=person17%40example.org",
    "search a whole email (target or actor)": "?q=person17%40example.org",
    "search an administrator's email": "?q=admin3%40example.org",
    "search part of an email": "?q=person1234",
    "search part of an email, rare": "?q=nobody",
}


def time_admin_list(rounds: int) -> None:
    """Each list page's median time and its queries, at the trail's full size."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    admin = User.objects.filter(email="bench-admin@example.org").first()
    if admin is None:
        admin = User.objects.create_superuser("bench-admin@example.org", None)
    client = Client()
    client.force_login(admin)
    print(f"\nthe trail's admin list, median of {rounds}")
    for name, query in LIST_PAGES.items():
        client.get(LIST + query)  # warm
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LIST + query)
        # Read now: the next request empties the log they are read from.
        count = len(queries)
        assert response.status_code == 200, (query, response.status_code)
        times = [_common.timed(lambda query=query: client.get(LIST + query)) for _ in range(rounds)]
        shown = response.content.count(b'class="field-seq"')
        print(
            f"   {name:<40}{statistics.median(times) * 1000:>8.0f} ms"
            f"{count:>4} queries{shown:>5} rows"
        )

    def front_page():
        cache.clear()  # its counts, not the cache's copy of them
        return client.get("/admin/")

    front_page()
    with CaptureQueriesContext(connection) as queries:
        front_page()
    count = len(queries)
    times = [_common.timed(front_page) for _ in range(rounds)]
    print(
        f"   {'the front page, counts not cached':<40}{statistics.median(times) * 1000:>8.0f} ms"
        f"{count:>4} queries"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--first", type=int, default=100_000, help="events measured first")
    parser.add_argument("--events", type=int, default=1_000_000, help="events measured last")
    parser.add_argument("--rounds", type=int, default=3, help="timings of each admin page")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if not 0 < args.first <= args.events <= MAX_EVENTS:
        parser.error(f"need 0 < --first <= --events <= {MAX_EVENTS:,}")

    url = _common.bench_database_url("audit")
    _common.drop_database(url)
    _common.header("audit_export and audit_verify", url)
    # The admin list is timed signed in with a password alone.
    _common.setup_django(url, TWO_FACTOR="off")
    _common.migrate()
    from accounts.audit import AuditHead

    env = {**os.environ, **_common.BENCH_ENV, "DATABASE_URL": url, "PYTHONPATH": str(_common.ROOT)}
    rng = random.Random(20)
    # --events spread over the year up to yesterday; --first are the oldest.
    first_at = datetime.now(UTC) - timedelta(days=366)
    step = timedelta(days=365) / args.events
    try:
        done = 0
        for size in dict.fromkeys([args.first, args.events]):
            seconds = seed(start=done, stop=size, first_at=first_at, step=step, rng=rng)
            print(f"\nseeded events {done + 1:,} to {size:,} in {seconds:.1f} s")
            done = size
            head = AuditHead.objects.get(pk=1)
            report(size, export_and_verify(env, size, head.hash))
        time_admin_list(args.rounds)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            _common.drop_database(url)


if __name__ == "__main__":
    main()
