"""The admin at scale: 50,000 users and 150,000 links versus one full page of rows.

    .venv/bin/python bench/admin_pages.py            # about a minute on 2 cores (SQLite)
    .venv/bin/python bench/admin_pages.py --quick    # fewer rounds
    .venv/bin/python bench/admin_pages.py --reuse    # keep the big database seeded before
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/people_bench_admin \
        .venv/bin/python bench/admin_pages.py                       # on PostgreSQL

Two throwaway databases of the same kind are seeded (bench/seed.py): a big one
(by default bench/out/admin_big.sqlite3; with a PostgreSQL DATABASE_URL,
databases named after it with _admin_big and _admin_page) and a small one.
Each is served by its own worker process: Django in-process (the test Client,
DEBUG off, signed in as the same superuser).

For each page, the small database is made to hold exactly one full page of
rows: the rows the big database's page draws (20 users, or 20 links with their
users), copied with their keys, and nothing else but the administrator and
the groups. Both then draw the same rows, and only the data size differs. The
page is requested from both workers in alternation, and the figure is the
ratio of the medians, big / page (goal: at most 2x). Query counts are taken on
a request of their own, outside the timed ones; they, and the rows drawn, must
be equal.

Then the action "generate_set_password_links" for 500 selected users on the big
database is timed against the floor of its own writes: the same statements
(revoking the users' open links, inserting 500 links and 500 LogEntry rows, on
PostgreSQL locking the users' rows first) in raw SQL on the database driver's
connection, in one transaction, with every value prepared beforehand. The two
alternate on the same users, so each revokes the links the other made (goal:
the whole request at most 3x the floor). The part of the request spent in
invites.links.services.links_issue is printed too, and one QR code drawn on request
(the "Show QR code" button's POST), for scale.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common

BIG_USERS, BIG_LINKS = 50_000, 150_000
# The small database before it holds each page's rows in turn: one full page.
PAGE_USERS, PAGE_LINKS = 20, 20
ACTION_USERS = 500

USERS = "/admin/accounts/user/"
LINKS = "/admin/invites/link/"
PAGES = {
    "user list": USERS,
    "user list, invited": USERS + "?status=invited",
    "user list, active": USERS + "?status=active",
    "user list, deactivated": USERS + "?status=deactivated",
    "user list, reset pending": USERS + "?status=reset_pending",
    "user list, needs a link": USERS + "?link=needed",
    "user list, needs a link, invited": USERS + "?link=needed&status=invited",
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


def worker(database_url: str) -> None:
    protocol = sys.stdout
    sys.stdout = sys.stderr  # anything else printed must not break the protocol
    _common.setup_django(database_url)

    from django.contrib import admin as django_admin
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts.models import User
    from invites.keys.kinds import SET_PASSWORD
    from invites.keys.secrets import SECRET_LENGTH
    from invites.keys.urls import key_url
    from invites.links import services
    from invites.models import Link

    # The time the action spends issuing, in the service the admin calls.
    issue_seconds: list[float] = []
    links_issue = services.links_issue

    def timed_links_issue(**kwargs):
        start = time.perf_counter()
        try:
            return links_issue(**kwargs)
        finally:
            issue_seconds.append(time.perf_counter() - start)

    services.links_issue = timed_links_issue

    admin = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    client = Client()
    client.force_login(admin)
    # Two-factor (TWO_FACTOR, staff by default): the session holds a verified
    # device, as after typing a code, so that the pages are measured as an
    # administrator gets them, the device's query included.
    from django_otp import DEVICE_ID_SESSION_KEY

    from accounts import two_factor

    device = two_factor.device_enrol(
        user=admin, enrolment=two_factor.Enrolment(key=two_factor.key_make(), step=0)
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    people = User.objects.filter(is_superuser=False, is_staff=False, is_active=True)
    with_password = people.filter(password__startswith="argon2").order_by("pk")
    person = with_password[with_password.count() // 2]
    context = {
        "group": Group.objects.get(name="engineering").pk,
        "person": person.pk,
        "email": person.email,
        "last_name": person.last_name,
    }
    action_users = list(people.order_by("pk")[:ACTION_USERS])
    action_ids = [user.pk for user in action_users]
    qr_url = reverse("admin:accounts_user_link_qr")
    # The QR view draws any link of the right shape without looking it up.
    qr_link = key_url(SET_PASSWORD, "A" * SECRET_LENGTH)

    def send(message: dict) -> None:
        protocol.write(json.dumps(message) + "\n")
        protocol.flush()

    send(
        {
            "ready": True,
            "context": context,
            "users": User.objects.count(),
            "links": Link.objects.count(),
            "action_users": len(action_ids),
            "per_page": {
                model._meta.label: django_admin.site.get_model_admin(model).list_per_page
                for model in (User, Link)
            },
        }
    )
    for line in sys.stdin:
        command = json.loads(line)
        issue_seconds.clear()
        if command.get("floor"):
            send({"seconds": write_floor(action_users, admin), "status": 200})
            continue
        if "hold" in command:
            send({"status": 200, **hold_only(command["hold"], admin)})
            continue
        url = command["url"]
        if command.get("qr"):

            def request(url=qr_url):
                return client.post(url, {"url": qr_link})
        elif command.get("action"):
            # Form-encoded, as the admin's changelist form posts it: the test
            # client's default multipart body would cost Django's parser about
            # 20 ms for 500 ids, a cost no browser adds.
            body = urlencode(
                # post=yes: past the action's confirmation page, to the issuing.
                {"action": command["action"], "_selected_action": action_ids, "post": "yes"},
                doseq=True,
            )

            def request(url=url, body=body):
                return client.post(url, body, content_type="application/x-www-form-urlencoded")
        else:

            def request(url=url):
                return client.get(url)

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
        answer = {
            "seconds": seconds,
            "queries": count,
            "status": response.status_code,
            "rows": len(SELECTED.findall(response.content)),
            "issue_seconds": issue_seconds[0] if issue_seconds else None,
        }
        if command.get("objects"):
            answer["objects"] = page_objects(url, response.content)
        send(answer)


SELECTED = re.compile(rb'name="_selected_action" value="([0-9]+)"')


def page_objects(url: str, content: bytes) -> str:
    """What ``url`` drew (its ``content``), as JSON for ``hold_only``: its rows and their users.

    A list's rows; for the user list, its users' links too (their link column
    reads them); for a user's change page, the user and the links its
    history shows. Links come with their users, creators and revokers.
    """
    from django.core import serializers

    from accounts.models import User
    from invites.admin.issuing import HISTORY_LENGTH
    from invites.links.selectors import links_of_user
    from invites.models import Link

    keys = [int(key) for key in SELECTED.findall(content)]
    if url.startswith(LINKS):
        user_ids, links = set(), list(Link.objects.filter(pk__in=keys))
    elif url.endswith("/change/"):
        person = User.objects.get(pk=int(url.removeprefix(USERS).split("/")[0]))
        user_ids, links = {person.pk}, links_of_user(user=person, limit=HISTORY_LENGTH)
    else:
        user_ids, links = set(keys), list(Link.objects.filter(user_id__in=keys))
    for link in links:
        user_ids |= {link.user_id, link.created_by_id, link.revoked_by_id}
    users = list(User.objects.filter(pk__in=user_ids - {None}))
    return serializers.serialize("json", [*users, *links])


def hold_only(objects: str, admin) -> dict:
    """Empty the database but for ``admin`` and the groups, then put ``objects`` in it.

    The objects keep their keys, so this database draws the very rows the big
    one drew: the page it holds is a subset of the big database, and a page
    shows the first rows of a subset in the order they have in the whole.
    """
    from django.core import serializers
    from django.db import connection, transaction

    from accounts.models import User
    from invites.models import Link

    with transaction.atomic():
        Link.objects.all().delete()
        User.objects.exclude(pk=admin.pk).delete()
        for deserialized in serializers.deserialize("json", objects):
            # The administrator is the same row in both (seeded alike); saving it
            # again would end the worker's session.
            if not (isinstance(deserialized.object, User) and deserialized.object.pk == admin.pk):
                deserialized.save()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"users": User.objects.count(), "links": Link.objects.count()}


def write_floor(users, issuer) -> float:
    """The action's writes for ``users`` in raw SQL, timed: the seconds of the transaction.

    The statements the action sends to write, on the driver's own connection
    (no ORM, no Django cursor), with every value prepared before the clock
    starts: on PostgreSQL the users' rows locked as the service locks them,
    their open links revoked, a link and a LogEntry row inserted for each.
    Each insert takes the quickest raw form on its database: on SQLite,
    in-process, one statement run for every row (``executemany``); on
    PostgreSQL, where each statement is a round trip, one statement with
    every row in its VALUES, as Django's ``bulk_create`` sends it.
    """
    from django.contrib.admin.models import CHANGE, LogEntry
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.utils import timezone

    from invites.keys.secrets import secret_digest, secret_make
    from invites.links.services import default_max_age, purpose_for
    from invites.models import Link

    sqlite = connection.vendor == "sqlite"
    mark = "?" if sqlite else "%s"
    quote = connection.ops.quote_name
    now = timezone.now()
    user_ids = [user.pk for user in users]
    user_type = ContentType.objects.get_for_model(users[0], for_concrete_model=False).pk

    def insert(model, objects) -> tuple[str, list]:
        """The INSERT of ``objects`` and its parameters: rows for executemany, or one list."""
        fields = [field for field in model._meta.concrete_fields if not field.primary_key]
        rows = [
            tuple(
                field.get_db_prep_save(getattr(obj, field.attname), connection) for field in fields
            )
            for obj in objects
        ]
        row = "({})".format(", ".join([mark] * len(fields)))
        sql = "INSERT INTO {} ({}) VALUES {}".format(  # noqa: S608 (names from _meta)
            quote(model._meta.db_table),
            ", ".join(quote(field.column) for field in fields),
            row if sqlite else ", ".join([row] * len(rows)),
        )
        return sql, rows if sqlite else [value for values in rows for value in values]

    links = []
    for user in users:
        purpose = purpose_for(user)
        links.append(
            Link(
                user_id=user.pk,
                purpose=purpose,
                digest=secret_digest(secret_make()),
                created_at=now,
                expires_at=now + default_max_age(purpose),
                created_by_id=issuer.pk,
                created_via=Link.Via.ADMIN,
            )
        )
    entries = [
        LogEntry(
            action_time=now,
            user_id=issuer.pk,
            content_type_id=user_type,
            object_id=str(user.pk),
            object_repr=str(user)[:200],
            action_flag=CHANGE,
            change_message='[{"added": {"name": "set-password link", "object": "invite #1"}}]',
        )
        for user in users
    ]
    links_sql, link_rows = insert(Link, links)
    entries_sql, entry_rows = insert(LogEntry, entries)
    in_users = ", ".join([mark] * len(user_ids))
    lock_sql = (
        f"SELECT id FROM {quote(users[0]._meta.db_table)} "  # noqa: S608 (names from _meta)
        f"WHERE id IN ({in_users}) ORDER BY id FOR UPDATE"
    )
    revoke_sql = (
        f"UPDATE {quote(Link._meta.db_table)} "  # noqa: S608 (names from _meta)
        f"SET revoked_at = {mark}, revoked_by_id = {mark}, revoke_reason = {mark} "
        f"WHERE user_id IN ({in_users}) AND used_at IS NULL AND revoked_at IS NULL"
    )
    revoke_params = [
        connection.ops.adapt_datetimefield_value(now) if sqlite else now,
        issuer.pk,
        Link.RevokeReason.SUPERSEDED,
        *user_ids,
    ]
    connection.ensure_connection()
    raw = connection.connection  # sqlite3 or psycopg, in autocommit mode as Django keeps it
    cursor = raw.cursor()
    start = time.perf_counter()
    cursor.execute("BEGIN")
    if not sqlite:
        cursor.execute(lock_sql, user_ids)
        cursor.fetchall()
    cursor.execute(revoke_sql, revoke_params)
    write = cursor.executemany if sqlite else cursor.execute
    write(links_sql, link_rows)
    write(entries_sql, entry_rows)
    cursor.execute("COMMIT")
    seconds = time.perf_counter() - start
    cursor.close()
    return seconds


# --- The parent: seeds, starts both workers, alternates, reports -----------------------


class Worker:
    def __init__(self, name: str, database_url: str):
        self.name = name
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--worker", database_url],
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
    parser.add_argument("--reuse", action="store_true", help="keep the big database seeded before")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker)
        return
    rounds = args.rounds or (5 if args.quick else 11)
    action_rounds = 5 if args.quick else 11

    big_url, page_url = (_common.bench_database_url(name) for name in ("admin_big", "admin_page"))
    _common.header("admin pages: 50,000 users / 150,000 links versus the same page's rows alone")
    print(f"   big: {big_url}\n   page: {page_url}")
    started = time.perf_counter()
    if not (args.reuse and _seeded(big_url)):
        seed(big_url, BIG_USERS, BIG_LINKS)
    seed(page_url, PAGE_USERS, PAGE_LINKS)
    print(f"   seeded in {time.perf_counter() - started:.0f} s")

    big = page = None
    try:
        big = Worker("big", big_url)
        page = Worker("page", page_url)
        print(f"   list_per_page: {big.info['per_page']}")
        print(
            f"   big: {big.info['users']} users, {big.info['links']} links; "
            f"page: {page.info['users']} users, {page.info['links']} links"
        )
        report_pages(PAGES, big, page, rounds)
        report_action(big, action_rounds)
    finally:
        for worker_ in (big, page):
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


def report_pages(pages: dict[str, str], big: Worker, page: Worker, rounds: int) -> None:
    print(
        f"\n   {'page':30} {'page ms':>8} {'big ms':>8} {'ratio':>6}  rows p/b  "
        "queries p/b  verdict"
    )
    worst = 0.0
    for name, template in pages.items():
        url = template.format(**big.info["context"])
        held = page.ask(hold=big.ask(url=url, objects=True)["objects"])
        for worker_ in (big, page):
            worker_.ask(url=url)  # warm-up: templates, caches, the database's pages
        counted = {w.name: w.ask(url=url, count_queries=True) for w in (big, page)}
        samples = _common.alternate(
            rounds,
            {
                "big": lambda url=url: big.ask(url=url)["seconds"],
                "page": lambda url=url: page.ask(url=url)["seconds"],
            },
        )
        value = _common.ratio(samples["big"], samples["page"])
        worst = max(worst, value)
        queries = {name_: answer["queries"] for name_, answer in counted.items()}
        rows = {name_: answer["rows"] for name_, answer in counted.items()}
        differ = [
            what
            for what, both in (("QUERIES", queries), ("ROWS", rows))
            if both["big"] != both["page"]
        ]
        print(
            f"   {name:30} {_common.median_ms(samples['page']):8.1f} "
            f"{_common.median_ms(samples['big']):8.1f} {value:5.2f}x  "
            f"{rows['page']:>4}/{rows['big']:<4} {queries['page']:>5}/{queries['big']:<5}  "
            f"{_common.verdict(value, 2)}"
            + "".join(f"  {what} DIFFER" for what in differ)
            + f"  (page db: {held['users']} users, {held['links']} links)",
            flush=True,
        )
    print(f"   worst ratio {worst:.2f}x: {_common.verdict(worst, 2)}")


def report_action(big: Worker, rounds: int) -> None:
    users = big.info["action_users"]
    action = {"url": USERS, "action": "generate_set_password_links"}
    big.ask(**action)  # warm-up
    big.ask(floor=True)
    queries = big.ask(**action, count_queries=True)["queries"]
    issuing: list[float] = []

    def run_action() -> float:
        answer = big.ask(**action)
        issuing.append(answer["issue_seconds"])
        return answer["seconds"]

    big.ask(url=USERS, qr=True)  # warm-up
    samples = _common.alternate(
        rounds,
        {
            "action": run_action,
            "floor": lambda: big.ask(floor=True)["seconds"],
            "qr": lambda: big.ask(url=USERS, qr=True)["seconds"],
        },
    )
    value = _common.ratio(samples["action"], samples["floor"])
    floor_ms = _common.median_ms(samples["floor"])
    issue_ms = _common.median_ms(issuing)
    print(
        f"\n   action generate_set_password_links for {users} users (big database):\n"
        f"   the whole request {_common.median_ms(samples['action']):.0f} ms ({queries} queries), "
        f"its writes in raw SQL {floor_ms:.0f} ms: "
        f"{value:.2f}x {_common.verdict(value, 3)}\n"
        f"   of which issuing (invites.links.services.links_issue) {issue_ms:.0f} ms, "
        f"{issue_ms / floor_ms:.2f}x the raw writes\n"
        f"   one QR code on request (POST link-qr/): {_common.median_ms(samples['qr']):.1f} ms"
    )


if __name__ == "__main__":
    main()
