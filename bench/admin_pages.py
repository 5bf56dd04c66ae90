"""The admin at scale: 50,000 users and 150,000 links versus an almost empty database.

    .venv/bin/python bench/admin_pages.py            # about 35 s on 2 cores (SQLite)
    .venv/bin/python bench/admin_pages.py --quick    # fewer rounds
    .venv/bin/python bench/admin_pages.py --reuse --per-page 20   # same data, 20 rows a page
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/people_bench \
        .venv/bin/python bench/admin_pages.py                       # on PostgreSQL, about 1 min

Two throwaway databases of the same kind are seeded afresh (bench/seed.py): a
big one (by default bench/out/admin_big.sqlite3; with a PostgreSQL
DATABASE_URL, databases named after it with _admin_big and _admin_empty) and
an almost empty one (6 users, 18 links). Each is served by its own worker
process: Django in-process (the test Client, DEBUG off, signed in as a
superuser). Every page is requested from both workers in alternation, and the
figure is the ratio of the medians, big / empty (goal: at most 2x). Query
counts are taken on a request of their own, outside the timed ones.

Then the action "generate_set_password_links" for 500 selected users is timed
against the user list page on the big database (goal: under 3x), with the
part of it spent in invites.services.links_issue (issuing: locking, revoking,
inserting the links and their LogEntry rows) reported on its own; and one QR
code drawn on request (the "Show QR code" button's POST), against the same page.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common

BIG_USERS, BIG_LINKS = 50_000, 150_000
EMPTY_USERS, EMPTY_LINKS = 6, 18
ACTION_USERS = 500

USERS = "/admin/accounts/user/"
LINKS = "/admin/invites/link/"
PAGES = {
    "user list": USERS,
    "user list, invited": USERS + "?status=invited",
    "user list, active": USERS + "?status=active",
    "user list, deactivated": USERS + "?status=deactivated",
    "user list, staff": USERS + "?is_staff__exact=1",
    "user list, superusers": USERS + "?is_superuser__exact=1",
    "user list, a group": USERS + "?group={group}",
    "user list, search a name": USERS + "?q={last_name}",
    "user list, search an email": USERS + "?q={email}",
    "user change page": USERS + "{person}/change/",
    "links list": LINKS,
    "links list, pending": LINKS + "?state=pending",
    "links list, used": LINKS + "?state=used",
    "links list, expired": LINKS + "?state=expired",
    "links list, revoked": LINKS + "?state=revoked",
    "links list, invites": LINKS + "?purpose__exact=invite",
    "links list, resets": LINKS + "?purpose__exact=reset",
    "links list, via admin": LINKS + "?created_via__exact=admin",
    "links list, via command": LINKS + "?created_via__exact=command",
    "links list, one user's": LINKS + "?user__id__exact={person}",
    "links list, search an email": LINKS + "?q={email}",
    "links list, search a domain": LINKS + "?q=example.com",
}


# --- The worker: one database, Django in this process -----------------------------


def worker(database_url: str, per_page: int | None) -> None:
    protocol = sys.stdout
    sys.stdout = sys.stderr  # anything else printed must not break the protocol
    _common.setup_django(database_url)

    from django.contrib import admin as django_admin
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    from accounts.models import User
    from invites import services
    from invites.models import Link
    from invites.tokens import SECRET_LENGTH, link_url

    # The time the action spends issuing, the service the admin calls.
    issue_seconds: list[float] = []
    links_issue = services.links_issue

    def timed_links_issue(**kwargs):
        start = time.perf_counter()
        try:
            return links_issue(**kwargs)
        finally:
            issue_seconds.append(time.perf_counter() - start)

    services.links_issue = timed_links_issue

    if per_page:
        for model in (User, Link):
            if django_admin.site.is_registered(model):
                django_admin.site.get_model_admin(model).list_per_page = per_page
    admin = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    client = Client()
    client.force_login(admin)
    people = User.objects.filter(is_superuser=False, is_staff=False, is_active=True)
    with_password = people.filter(password__startswith="argon2").order_by("pk")
    person = with_password[with_password.count() // 2]
    context = {
        "group": Group.objects.get(name="engineering").pk,
        "person": person.pk,
        "email": person.email,
        "last_name": person.last_name,
    }
    action_ids = list(people.order_by("pk").values_list("pk", flat=True)[:ACTION_USERS])
    has_links_admin = django_admin.site.is_registered(Link)
    has_action = _has_action(client)
    try:
        qr_url = reverse("admin:accounts_user_link_qr")
    except NoReverseMatch:
        qr_url = None
    # The QR view draws any link of the right shape without looking it up.
    qr_link = link_url("A" * SECRET_LENGTH)

    def send(message: dict) -> None:
        protocol.write(json.dumps(message) + "\n")
        protocol.flush()

    send(
        {
            "ready": True,
            "users": User.objects.count(),
            "links": Link.objects.count(),
            "has_links_admin": has_links_admin,
            "has_action": has_action,
            "has_qr_view": qr_url is not None,
            "action_users": len(action_ids),
            "per_page": {
                model._meta.label: django_admin.site.get_model_admin(model).list_per_page
                for model in (User, Link)
                if django_admin.site.is_registered(model)
            },
        }
    )
    for line in sys.stdin:
        command = json.loads(line)
        url = command["url"].format(**context)
        if command.get("qr"):

            def request(url=qr_url):
                return client.post(url, {"url": qr_link})
        elif command.get("action"):
            # Form-encoded, as the admin's changelist form posts it: the test
            # client's default multipart body would cost Django's parser about
            # 20 ms for 500 ids, a cost no browser adds.
            body = urlencode(
                {"action": command["action"], "_selected_action": action_ids}, doseq=True
            )

            def request(url=url, body=body):
                return client.post(url, body, content_type="application/x-www-form-urlencoded")
        else:

            def request(url=url):
                return client.get(url)

        issue_seconds.clear()
        if command.get("count_queries"):
            with CaptureQueriesContext(connection) as queries:
                response = request()
            count = len(queries)
            seconds = None
        else:
            start = time.perf_counter()
            response = request()
            seconds = time.perf_counter() - start
            count = None
        send(
            {
                "seconds": seconds,
                "queries": count,
                "status": response.status_code,
                "bytes": len(response.content),
                "issue_seconds": issue_seconds[0] if issue_seconds else None,
            }
        )


def _has_action(client) -> bool:
    response = client.get(USERS)
    return b'value="generate_set_password_links"' in response.content


# --- The parent: seeds, starts both workers, alternates, reports -----------------------


class Worker:
    def __init__(self, name: str, database_url: str, per_page: int | None):
        self.name = name
        command = [sys.executable, __file__, "--worker", database_url]
        if per_page:
            command += ["--per-page", str(per_page)]
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=_common.ROOT,
        )
        self.info = self._read()

    def _read(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"the {self.name} worker stopped (see the error above)")
        return json.loads(line)

    def ask(self, **command) -> dict:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        answer = self._read()
        if answer["status"] != 200:
            raise SystemExit(f"{self.name}: {command} answered {answer['status']}")
        return answer

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.terminate()
                self.process.wait(timeout=10)


def seed(url: str, users: int, links: int) -> None:
    _common.drop_database(url)
    subprocess.run(
        [
            sys.executable,
            str(Path(__file__).with_name("seed.py")),
            "--users",
            str(users),
            "--links",
            str(links),
        ],
        env={**os.environ, "DATABASE_URL": url},
        check=True,
        cwd=_common.ROOT,
        stdout=subprocess.DEVNULL,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (same data)")
    parser.add_argument("--rounds", type=int, help="samples per page and database")
    parser.add_argument("--reuse", action="store_true", help="keep databases seeded before")
    parser.add_argument(
        "--per-page",
        type=int,
        help="list_per_page for both lists (otherwise each admin's own, 50)",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.per_page)
        return
    rounds = args.rounds or (5 if args.quick else 11)
    action_rounds = 3 if args.quick else 7

    big_url, empty_url = (_common.bench_database_url(name) for name in ("admin_big", "admin_empty"))
    _common.header("admin pages: 50,000 users / 150,000 links versus an almost empty database")
    print(f"   big: {big_url}\n   empty: {empty_url}")
    started = time.perf_counter()
    if not (args.reuse and _seeded(big_url)):
        seed(big_url, BIG_USERS, BIG_LINKS)
        seed(empty_url, EMPTY_USERS, EMPTY_LINKS)
    print(f"   seeded in {time.perf_counter() - started:.0f} s")

    big = empty = None
    try:
        big = Worker("big", big_url, args.per_page)
        empty = Worker("empty", empty_url, args.per_page)
        print(f"   list_per_page: {big.info['per_page']}")
        print(
            f"   big: {big.info['users']} users, {big.info['links']} links; "
            f"empty: {empty.info['users']} users, {empty.info['links']} links"
        )
        pages = dict(PAGES)
        if not big.info["has_links_admin"]:
            print("   the links admin is not registered: links list pages skipped")
            pages = {k: v for k, v in pages.items() if not v.startswith(LINKS)}
        report_pages(pages, big, empty, rounds)
        if big.info["has_action"]:
            report_action(big, action_rounds)
        else:
            print("   the action generate_set_password_links does not exist yet: not measured")
    finally:
        for worker_ in (big, empty):
            if worker_ is not None:
                worker_.close()
    print(f"   total {time.perf_counter() - started:.0f} s")


COUNT_USERS = "SELECT count(*) FROM accounts_user"


def _seeded(url: str) -> bool:
    """Whether ``url`` holds the big database's users already (for --reuse)."""
    try:
        if _common.is_sqlite(url):
            import sqlite3

            if not _common.sqlite_path(url).exists():
                return False
            with sqlite3.connect(_common.sqlite_path(url)) as conn:
                return conn.execute(COUNT_USERS).fetchone()[0] >= BIG_USERS
        import psycopg

        with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
            return conn.execute(COUNT_USERS).fetchone()[0] >= BIG_USERS
    except Exception:  # a missing database or table: not seeded
        return False


def report_pages(pages: dict[str, str], big: Worker, empty: Worker, rounds: int) -> None:
    print(f"\n   {'page':30} {'empty ms':>9} {'big ms':>9} {'ratio':>6}  queries e/b  verdict")
    worst = 0.0
    for name, url in pages.items():
        for worker_ in (big, empty):
            worker_.ask(url=url)  # warm-up: templates, caches, the database's pages
        counts = {w.name: w.ask(url=url, count_queries=True)["queries"] for w in (big, empty)}
        samples = _common.alternate(
            rounds,
            {
                "big": lambda url=url: big.ask(url=url)["seconds"],
                "empty": lambda url=url: empty.ask(url=url)["seconds"],
            },
        )
        value = _common.ratio(samples["big"], samples["empty"])
        worst = max(worst, value)
        same = "" if counts["big"] == counts["empty"] else "  QUERIES DIFFER"
        print(
            f"   {name:30} {_common.median_ms(samples['empty']):9.1f} "
            f"{_common.median_ms(samples['big']):9.1f} {value:5.2f}x  "
            f"{counts['empty']:>4}/{counts['big']:<4}  {_common.verdict(value, 2)}{same}",
            flush=True,
        )
    print(f"   worst ratio {worst:.2f}x: {_common.verdict(worst, 2)}")


def report_action(big: Worker, rounds: int) -> None:
    users = big.info["action_users"]
    action = {"url": USERS, "action": "generate_set_password_links"}
    big.ask(**action)  # warm-up
    big.ask(url=USERS)
    queries = big.ask(**action, count_queries=True)["queries"]
    list_queries = big.ask(url=USERS, count_queries=True)["queries"]
    issuing: list[float] = []

    def run_action() -> float:
        answer = big.ask(**action)
        issuing.append(answer["issue_seconds"])
        return answer["seconds"]

    cases = {"action": run_action, "list": lambda: big.ask(url=USERS)["seconds"]}
    if big.info["has_qr_view"]:
        big.ask(url=USERS, qr=True)  # warm-up
        cases["qr"] = lambda: big.ask(url=USERS, qr=True)["seconds"]
    samples = _common.alternate(rounds, cases)
    value = _common.ratio(samples["action"], samples["list"])
    issue_ms = _common.median_ms(issuing)
    list_ms = _common.median_ms(samples["list"])
    print(
        f"\n   action generate_set_password_links for {users} users (big database):\n"
        f"   action {_common.median_ms(samples['action']):.0f} ms ({queries} queries), "
        f"user list {list_ms:.0f} ms ({list_queries} queries): "
        f"{value:.2f}x {_common.verdict(value, 3, strict=True)}\n"
        f"   of which issuing (invites.services.links_issue) {issue_ms:.0f} ms, "
        f"{issue_ms / list_ms:.2f}x the user list on its own"
    )
    if "qr" in samples:
        qr_ms = _common.median_ms(samples["qr"])
        print(
            f"   one QR code on request (POST link-qr/): {qr_ms:.1f} ms, "
            f"{_common.ratio(samples['qr'], samples['list']):.2f}x the user list"
        )


if __name__ == "__main__":
    main()
