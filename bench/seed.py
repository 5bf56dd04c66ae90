"""Fill a database with an organisation's worth of users and link records, fast.

    .venv/bin/python bench/seed.py                 # 50,000 users, 150,000 links
    .venv/bin/python bench/seed.py --quick         # 5,000 users, 15,000 links
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/people_bench .venv/bin/python bench/seed.py

Without DATABASE_URL the target is a throwaway SQLite file, bench/out/big.sqlite3,
made afresh. A database named by DATABASE_URL is migrated first and must hold no
users, unless --reset empties it (every table) first.

Rows go in as the invite command puts its users (invites.bulk.rows_insert: one
statement per table, with table and column names from the models' _meta): no
model instances, no signals, no save(). The links are fixtures, like the tests'
LinkFactory: no service makes a link used or revoked years ago. Every
user with a password shares ONE precomputed hash (hashing 50,000 passwords with
Argon2 would take most of an hour); it is the hash of SEED_PASSWORD.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common

SEED_PASSWORD = "bench-Seed-passphrase-2026"
GROUP_NAMES = ["engineering", "sales", "support", "finance", "people", "legal", "ops", "board"]
FIRST_NAMES = ["ada", "alan", "barbara", "claude", "edsger", "grace", "hedy", "joan", "ken"]
FIRST_NAMES += ["leslie", "linus", "margaret", "radia", "rosalind", "shafi", "tim", "ursula"]
LAST_NAMES = ["lovelace", "turing", "liskov", "shannon", "knuth", "dijkstra", "hopper", "lamarr"]
LAST_NAMES += ["backus", "thompson", "lamport", "hamilton", "wirth", "perlman", "hoare", "smith"]
DOMAINS = ["example.org", "example.com", "staff.example.org"]


def _status(index: int, superusers: int, staff: int) -> str:
    """Deterministic mix: a quarter invited, most with a password, a tenth deactivated."""
    if index < superusers + staff:
        return "active"
    slot = index % 20
    if slot < 5:
        return "invited"
    if slot < 18:
        return "active"
    return "deactivated"


def seed_database(*, users: int, links: int, rng_seed: int = 42, verbose: bool = True) -> dict:
    """Insert ``users`` users and about ``links`` links into the configured database.

    Django must be set up and the database migrated and empty. Returns counts
    by user status and link state.
    """
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from accounts.models import User, sign_in_key
    from accounts.sql import rows_insert
    from invites.models import Link

    rng = random.Random(rng_seed)
    adapt = connection.ops.adapt_datetimefield_value
    now = timezone.now()
    password_hash = make_password(SEED_PASSWORD)
    superusers = max(1, round(users * 0.00006))
    staff = max(1, round(users * 0.001))

    user_rows = []
    statuses = []
    for index in range(users):
        status = _status(index, superusers, staff)
        has_password = status == "active" or (status == "deactivated" and index % 2 == 0)
        first = rng.choice(FIRST_NAMES)
        last = rng.choice(LAST_NAMES)
        is_admin = index < superusers + staff
        domain = "staff.example.org" if is_admin else rng.choice(DOMAINS[:2])
        email = f"{first}.{last}.{index}@{domain}"
        joined = now - timedelta(days=rng.uniform(30, 1000))
        last_login = joined + timedelta(days=rng.uniform(1, 29)) if has_password else None
        user_rows.append(
            (
                password_hash if has_password else "!" + get_random_string(40),
                adapt(last_login),
                index < superusers,
                email,
                sign_in_key(email),
                first.title(),
                last.title(),
                is_admin,
                status != "deactivated",
                adapt(joined),
            )
        )
        statuses.append((status, has_password, joined))
    user_fields = [
        "password",
        "last_login",
        "is_superuser",
        "email",
        "email_key",
        "first_name",
        "last_name",
        "is_staff",
        "is_active",
        "date_joined",
    ]

    started = time.perf_counter()
    with transaction.atomic():
        rows_insert(User, user_fields, user_rows)
        ids = list(User.objects.order_by("pk").values_list("pk", flat=True))
        admin_ids = ids[: superusers + staff]

        groups = [Group(name=name) for name in GROUP_NAMES]
        Group.objects.bulk_create(groups)
        group_ids = list(Group.objects.order_by("pk").values_list("pk", flat=True))
        memberships = []
        for user_id in ids[superusers:]:
            draw = rng.random()
            if draw < 0.8:
                memberships.append((user_id, rng.choice(group_ids)))
            elif draw < 0.9:
                for group_id in rng.sample(group_ids, 2):
                    memberships.append((user_id, group_id))
        rows_insert(User.groups.through, ["user", "group"], memberships)

        link_rows = _link_rows(
            rng=rng, now=now, ids=ids, statuses=statuses, admin_ids=admin_ids, links=links
        )
        link_fields = [
            "user",
            "purpose",
            "digest",
            "created_at",
            "expires_at",
            "created_by",
            "created_via",
            "used_at",
            "revoked_at",
            "revoked_by",
            "revoke_reason",
        ]
        rows_insert(
            Link,
            link_fields,
            [tuple(adapt(v) if isinstance(v, datetime) else v for v in row) for row in link_rows],
        )
    with connection.cursor() as cursor:
        # Planner statistics, as a database in use for a while would have.
        cursor.execute("ANALYZE")
    elapsed = time.perf_counter() - started

    counts = {
        "users": User.objects.count(),
        "links": Link.objects.count(),
        "groups": len(group_ids),
        "memberships": len(memberships),
        "superusers": superusers,
        "staff": superusers + staff,
        **{f"users {k}": v for k, v in Counter(s for s, _, _ in statuses).items()},
        **{f"links {state}": Link.objects.with_state(state).count() for state in Link.State},
        **{
            f"links {purpose}": Link.objects.filter(purpose=purpose).count()
            for purpose in Link.Purpose
        },
    }
    if verbose:
        print(f"   seeded in {elapsed:.1f} s: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return counts


def _link_rows(*, rng, now, ids, statuses, admin_ids, links) -> list[tuple]:
    """Each user's link history, oldest first: at most one open link per user.

    Older links were superseded (revoked), expired or, for a first invite of a
    user who has a password, used. The newest one matches the user's status:
    pending or expired for the invited, used (now and then pending or expired)
    for those with a password, revoked for the deactivated.
    """
    from invites.keys.secrets import secret_digest, secret_make

    invite_age = timedelta(days=7)
    reset_age = timedelta(days=1)
    per_user, extra = divmod(links, len(ids))
    rows = []
    for position, (user_id, (status, has_password, joined)) in enumerate(
        zip(ids, statuses, strict=True)
    ):
        count = per_user + (1 if position < extra else 0)
        if count == 0:
            continue
        span = (now - joined) - timedelta(days=8)
        gap = span / count
        for step in range(count):
            last = step == count - 1
            created = joined + gap * step + timedelta(minutes=rng.uniform(0, 600))
            purpose = "reset" if has_password and step > 0 else "invite"
            by_admin = rng.random() < 0.7
            created_by = rng.choice(admin_ids) if by_admin else None
            used_at = revoked_at = None
            revoked_by = None
            reason = ""
            if last:
                if status == "deactivated":
                    revoked_at, reason = now - timedelta(days=rng.uniform(1, 7)), "user_deactivated"
                elif status == "invited":
                    if rng.random() < 0.6:
                        created = now - timedelta(days=rng.uniform(0, 6))
                elif step == 0 or rng.random() < 0.8:
                    used_at = created + timedelta(hours=1)
                elif rng.random() < 0.5:
                    created = now - timedelta(hours=rng.uniform(1, 20))
            elif has_password and step == 0:
                used_at = created + timedelta(hours=1)
            elif rng.random() < 0.5:
                revoked_at, reason = created + gap, "superseded"
                revoked_by = created_by
            expires = created + (invite_age if purpose == "invite" else reset_age)
            rows.append(
                (
                    user_id,
                    purpose,
                    secret_digest(secret_make()),
                    created,
                    expires,
                    created_by,
                    "admin" if by_admin else "command",
                    used_at,
                    revoked_at,
                    revoked_by,
                    reason,
                )
            )
    return rows


def prepare_database(url: str, *, fresh: bool, reset: bool = False) -> None:
    """Set Django up against ``url``, migrated; ``fresh`` drops it first."""
    if fresh:
        _common.drop_database(url)
    _common.setup_django(url)
    _common.migrate()
    from django.core.management import call_command

    from accounts.models import User

    if User.objects.exists():
        if not reset:
            raise SystemExit(
                f"{url} already holds users. Seed an empty database, or pass --reset "
                "to empty every table of this one first."
            )
        call_command("flush", verbosity=0, interactive=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--links", type=int, default=150_000)
    parser.add_argument("--quick", action="store_true", help="5,000 users and 15,000 links")
    parser.add_argument(
        "--reset", action="store_true", help="empty a non-empty DATABASE_URL database first"
    )
    args = parser.parse_args()
    if args.quick:
        args.users, args.links = 5_000, 15_000
    named = os.environ.get("DATABASE_URL")
    url = named or _common.default_database_url("big")
    _common.header(f"seed: {args.users} users, {args.links} links", url)
    started = time.perf_counter()
    prepare_database(url, fresh=not named, reset=args.reset)
    seed_database(users=args.users, links=args.links)
    print(f"   total (with migrations) {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
