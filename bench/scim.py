"""SCIM at scale: 50,000 users listed a page at a time, and users created one request at a time.

    .venv/bin/python bench/scim.py              # a few minutes on 2 cores (SQLite)
    .venv/bin/python bench/scim.py --quick      # 5,000 users listed, 200 created each way
    .venv/bin/python bench/scim.py --reuse      # keep the database seeded before
    .venv/bin/python bench/scim.py --profile    # also: where one creation's time goes, each way
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/people_bench_scim \
    CACHE_URL=redis://127.0.0.1:6379/5 .venv/bin/python bench/scim.py   # on PostgreSQL

A throwaway database (bench/out/scim.sqlite3, or one named after a PostgreSQL
DATABASE_URL with _scim) is seeded with 50,000 users in 8 groups (bench/seed.py,
no links). Django runs in this process, DEBUG off, with the test Client.

Listing: every page of ``GET /scim/v2/Users`` at count=100 and count=1000, as
an identity provider reads the whole directory, with the API token of a staff
member who has the provisioning permissions (README). Queries are counted on
the first, a middle and the last page, each on a request of its own (goal:
equal). The first and the last page are then timed in alternation: the ratio of
their medians says what the offset costs at the end. A filtered list
(``userName eq``) and a Groups page have their queries counted too.

Creating: 1,000 users one ``POST /scim/v2/Users`` at a time, each answered
with its set-password link, against 1,000 users added with the admin's add
form (``/admin/accounts/user/add/`` as a superuser with a verified device,
which issues the new user's link on the page after saving), in alternating
blocks. The figure is the ratio of the medians per user (goal: at most 3x the
add form's); each path's queries are counted on a request of its own.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common
import seed as seeding

# This file has the app's name: to Django, ``scim`` must be the app, not this file.
BENCH = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != BENCH]

USERS = "/scim/v2/Users"
GROUPS = "/scim/v2/Groups"
ADD = "/admin/accounts/user/add/"
BLOCK = 50


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def prepare(url: str, users: int, reuse: bool) -> None:
    """Django against ``url``, holding ``users`` seeded users (seeded now unless ``reuse``)."""
    started = time.perf_counter()
    if reuse and _seeded(url, users):
        _common.setup_django(url)
        _common.migrate()
        print(f"   reused the seeded database ({load()})")
        return
    seeding.prepare_database(url, fresh=True)
    # One less: with the provisioning token's owner, the list holds ``users`` exactly.
    seeding.seed_database(users=users - 1, links=0, verbose=False)
    print(f"   seeded {users} users in {time.perf_counter() - started:.0f} s ({load()})")


def _seeded(url: str, users: int) -> bool:
    if _common.is_sqlite(url) and not _common.sqlite_path(url).exists():
        return False
    try:
        _common.setup_django(url)
        from accounts.models import User

        return User.objects.count() >= users
    except Exception:  # a missing database or table: not seeded
        return False


class Callers:
    """The two clients: a provisioning token's, and a superuser's admin session."""

    def __init__(self):
        from django.test import Client
        from django_otp import DEVICE_ID_SESSION_KEY

        from accounts import two_factor
        from accounts.models import User
        from invites.keys.models import Via
        from invites.tokens.services import token_issue
        from scim.permissions import provisioning_permissions

        owner, _ = User.objects.get_or_create(
            email="provisioner@staff.example.org", defaults={"is_staff": True}
        )
        owner.user_permissions.add(*provisioning_permissions())
        issued = token_issue(owner=owner, description="bench", issuer=None, via=Via.COMMAND)
        self.scim = Client(headers={"Authorization": f"Bearer {issued.secret}"})
        admin = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        self.admin = Client()
        self.admin.force_login(admin)
        # As after typing a code (TWO_FACTOR=staff): the session holds a verified device.
        device = two_factor.device_enrol(
            user=admin, enrolment=two_factor.Enrolment(key=two_factor.key_make(), step=0)
        )
        session = self.admin.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        self.created = 0
        # Addresses no earlier run (--reuse) has taken.
        self.run = time.strftime("%H%M%S")

    def list_page(self, start: int, count: int, **params):
        return self.scim.get(USERS, {"startIndex": start, "count": count, **params})

    def scim_create(self):
        self.created += 1
        n = self.created
        body = {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": f"scim.{self.run}.{n}@new.example.net",
            "name": {"givenName": "Ada", "familyName": f"Scim {n}"},
            "externalId": f"idp-{n}",
        }
        response = self.scim.post(USERS, json.dumps(body), content_type="application/scim+json")
        _expect(response, 201, b"setPasswordLink")
        return response

    def admin_create(self):
        self.created += 1
        n = self.created
        form = {
            "email": f"admin.{self.run}.{n}@new.example.net",
            "first_name": "Ada",
            "last_name": f"Admin {n}",
            "link_lifetime": "default",
            "_save": "Save",
        }
        response = self.admin.post(ADD, form)
        _expect(response, 200, b"/set-password/")
        return response


def _expect(response, status: int, needle: bytes) -> None:
    if response.status_code != status or needle not in response.content:
        raise SystemExit(f"answered {response.status_code}: {response.content[:600]!r}")


def queries_of(call) -> tuple[int, object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = call()
    return len(queries), response


def report_listing(callers: Callers, total: int, count: int, rounds: int) -> None:
    """Every page at ``count``: queries on three pages, first / last page timed, all pages."""
    pages = math.ceil(total / count)
    starts = {"first": 1, "middle": 1 + (pages // 2) * count, "last": 1 + (pages - 1) * count}
    callers.list_page(1, count)  # warm-up; and the token's last use, written once a minute
    counted, rows = {}, {}
    for name, start in starts.items():
        counted[name], response = queries_of(lambda s=start: callers.list_page(s, count))
        rows[name] = json.loads(response.content)["itemsPerPage"]
    equal = len(set(counted.values())) == 1
    # The last full page: as many rows as the first.
    last_full = max(1, total - count + 1)
    samples = _common.alternate(
        rounds,
        {
            "first": lambda: _common.timed(lambda: callers.list_page(1, count)),
            "last": lambda: _common.timed(lambda: callers.list_page(last_full, count)),
        },
    )
    ratio = _common.ratio(samples["last"], samples["first"])
    each, seen = [], 0
    for page in range(pages):
        start = time.perf_counter()
        response = callers.list_page(1 + page * count, count)
        each.append(time.perf_counter() - start)
        seen += json.loads(response.content)["itemsPerPage"]
    print(
        f"\n   GET {USERS}?count={count}: {pages} pages of {total} users\n"
        f"   queries first/middle/last: {'/'.join(str(counted[n]) for n in starts)} "
        f"({'equal: met' if equal else 'NOT EQUAL: MISSED'}; rows "
        f"{'/'.join(str(rows[n]) for n in starts)})\n"
        f"   first page {_common.median_ms(samples['first']):.1f} ms, last full page "
        f"(startIndex={last_full}) {_common.median_ms(samples['last']):.1f} ms: "
        f"last / first {ratio:.2f}x ({load()})\n"
        f"   every page in turn: {seen} users in {sum(each):.1f} s, median "
        f"{_common.median_ms(each):.1f} ms a page, first {each[0] * 1000:.1f}, "
        f"last {each[-1] * 1000:.1f} ({load()})",
        flush=True,
    )


def report_other_lists(callers: Callers, rounds: int) -> None:
    from django.contrib.auth.models import Group

    from accounts.models import User

    person = User.objects.filter(is_staff=False).order_by("pk")[User.objects.count() // 2]
    cases = {
        f'filter=userName eq "{person.email.upper()}"': lambda: callers.scim.get(
            USERS, {"filter": f'userName eq "{person.email.upper()}"'}
        ),
        'filter=name.familyName eq "hopper" (first page of 100)': lambda: callers.scim.get(
            USERS, {"filter": 'name.familyName eq "hopper"'}
        ),
        f"Groups ({Group.objects.count()} groups, members shown)": lambda: callers.scim.get(GROUPS),
        "Groups, excludedAttributes=members": lambda: callers.scim.get(
            GROUPS, {"excludedAttributes": "members"}
        ),
    }
    print()
    for name, call in cases.items():
        queries, response = queries_of(call)
        shown = json.loads(response.content)
        times = [_common.timed(call) for _ in range(min(rounds, 5))]
        print(
            f"   {name}: {queries} queries, {shown['totalResults']} results, "
            f"{len(response.content) // 1024} KiB, {_common.median_ms(times):.1f} ms ({load()})",
            flush=True,
        )


def report_creation(callers: Callers, per_path: int) -> None:
    """``per_path`` users each way, in alternating blocks; medians per user and their ratio."""
    callers.scim_create()  # warm-up: imports, templates, the token's last use
    callers.admin_create()
    scim_queries, _ = queries_of(callers.scim_create)
    admin_queries, _ = queries_of(callers.admin_create)
    samples: dict[str, list[float]] = {"scim": [], "admin": []}
    calls = {"scim": callers.scim_create, "admin": callers.admin_create}
    blocks = math.ceil(per_path / BLOCK)
    started = time.perf_counter()
    for block in range(blocks):
        order = ("scim", "admin") if block % 2 == 0 else ("admin", "scim")
        for name in order:
            size = min(BLOCK, per_path - block * BLOCK)
            samples[name] += [_common.timed(calls[name]) for _ in range(size)]
    ratio = _common.ratio(samples["scim"], samples["admin"])
    print(
        f"\n   creating {per_path} users each way, blocks of {BLOCK} alternating "
        f"({time.perf_counter() - started:.0f} s, {load()}):\n"
        f"   POST {USERS}: {_common.median_ms(samples['scim']):.1f} ms a user, "
        f"{scim_queries} queries\n"
        f"   POST {ADD}: {_common.median_ms(samples['admin']):.1f} ms a user, "
        f"{admin_queries} queries\n"
        f"   SCIM / add form: {ratio:.2f}x {_common.verdict(ratio, 3)}",
        flush=True,
    )


def report_profile(callers: Callers, requests: int = 100) -> None:
    """Where the time goes: ``requests`` creations each way, and 3 pages of 1,000 users.

    The top of cProfile's listing by cumulative time, for each.
    """
    cases = (
        (f"{requests} creations over SCIM", requests, callers.scim_create),
        (f"{requests} creations with the add form", requests, callers.admin_create),
        ("3 pages of 1,000 users", 3, lambda: callers.list_page(1001, 1000)),
    )
    for name, times, call in cases:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(times):
            call()
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
        print(f"\n   profile of {name} ({load()}):")
        print(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="5,000 users, 200 created each way")
    parser.add_argument("--reuse", action="store_true", help="keep the database seeded before")
    parser.add_argument("--profile", action="store_true", help="profile creations each way")
    args = parser.parse_args()
    users = 5_000 if args.quick else 50_000
    per_path = 200 if args.quick else 1_000
    rounds = 5 if args.quick else 11
    url = _common.bench_database_url("scim")
    _common.header(f"SCIM: listing {users} users, creating {per_path} each way", url)
    print(f"   cache: {os.environ.get('CACHE_URL', 'local memory')}; {load()}")
    started = time.perf_counter()
    prepare(url, users, args.reuse)
    from accounts.models import User

    callers = Callers()
    total = User.objects.count()
    report_listing(callers, total, 100, rounds)
    report_listing(callers, total, 1000, rounds)
    report_other_lists(callers, rounds)
    report_creation(callers, per_path)
    if args.profile:
        report_profile(callers)
    print(f"\n   total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
