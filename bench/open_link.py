"""Opening a set-password link on gunicorn, against Django's sign-in page fetched twice.

    .venv/bin/python bench/open_link.py             # 150 samples of each, about 30 s
    .venv/bin/python bench/open_link.py --quick     # 40 samples of each
    .venv/bin/python bench/open_link.py --profile   # also: where the time goes, in-process
    CACHE_URL=redis://127.0.0.1:6379/5 .venv/bin/python bench/open_link.py   # limits in Redis

The server gets this process's environment, so the project's own settings
variables compare configurations: CONN_MAX_AGE=0 (a connection per request),
SESSION_ENGINE=django.contrib.sessions.backends.db (sessions in the database
even with Redis as the cache; opening a link should not touch them, as the
link travels in a signed cookie).

"Opening a link" is what an invitee's browser does: GET /set-password/<secret>/
(302, the secret leaves the URL: its digest goes into a signed cookie) and
GET /set-password/ (the form).
The baseline is Django's own sign-in page, GET /accounts/login/, twice: two
requests of a page that needs no database. Both run on the same gunicorn
(``-w 2``, with gunicorn.conf.py when the project has one), DEBUG off, over
loopback, alternating, medians; goal: at most 1.3x.

Each sample is a new person: a new client (no cookies) bound to its own
loopback source address (127.0.x.N), as the rate limits (which count per
address) expect of real people. Links are issued beforehand, by
invites.links.services.links_issue like the ``invite`` command, into a throwaway
database (bench/out/open_link.sqlite3, or with a PostgreSQL DATABASE_URL a
database named after it with _open_link).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common

FORM_MARK = b'name="new_password1"'


def open_link(url: str, address: str) -> float:
    """Seconds for the link's two requests, as a new person at ``address``."""
    with _common.person(address) as client:
        start = time.perf_counter()
        first = client.get(url)
        second = client.get(first.url.join(first.headers.get("location", "/missing")))
        seconds = time.perf_counter() - start
    if first.status_code != 302 or second.status_code != 200 or FORM_MARK not in second.content:
        raise SystemExit(
            f"opening a link answered {first.status_code} then {second.status_code} "
            f"from {address}; expected 302 then the form (200)"
        )
    return seconds


def sign_in_page_twice(base_url: str, address: str) -> float:
    with _common.person(address) as client:
        start = time.perf_counter()
        first = client.get(base_url + "/accounts/login/")
        second = client.get(base_url + "/accounts/login/")
        seconds = time.perf_counter() - start
    if first.status_code != 200 or second.status_code != 200:
        raise SystemExit(f"the sign-in page answered {first.status_code}, {second.status_code}")
    return seconds


def profile_in_process(urls: list[str]) -> None:
    """Where the time of each request goes: queries and the top of a profile.

    One test Client (so the middleware loads once), its cookies cleared and a
    new REMOTE_ADDR for every person.
    """
    import cProfile
    import pstats

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    paths = iter(urlsplit(url).path for url in urls)
    people = _common.distinct_addresses("10.1.0.1")

    def open_link_in_process():
        client.cookies.clear()
        address = next(people)
        response = client.get(next(paths), REMOTE_ADDR=address)
        assert response.status_code == 302, response.status_code
        assert client.get(response["Location"], REMOTE_ADDR=address).status_code == 200

    def sign_in_page_twice_in_process():
        client.cookies.clear()
        address = next(people)
        assert client.get("/accounts/login/", REMOTE_ADDR=address).status_code == 200
        assert client.get("/accounts/login/", REMOTE_ADDR=address).status_code == 200

    for _ in range(3):
        open_link_in_process()
        sign_in_page_twice_in_process()
    results = _common.alternate(
        15,
        {
            "link": lambda: _common.timed(open_link_in_process),
            "sign-in": lambda: _common.timed(sign_in_page_twice_in_process),
        },
    )
    for key, label, call in (
        ("link", "opening a link", open_link_in_process),
        ("sign-in", "sign-in page twice", sign_in_page_twice_in_process),
    ):
        with CaptureQueriesContext(connection) as queries:
            call()
        print(
            f"\n   in-process, {label}: median {_common.median_ms(results[key]):.2f} ms, "
            f"{len(queries)} queries"
        )
        for query in queries.captured_queries:
            print(f"      {query['sql'][:140]}")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(20):
        open_link_in_process()
    profiler.disable()
    print("\n   profile of 20 link openings in-process (cumulative seconds):")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(
        r"invites/|sessions/backends|db/backends/base/base.py.*commit|shortcuts|ratelimit/decorators",
        16,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="40 samples of each")
    parser.add_argument("--samples", type=int, help="samples of each (default 150)")
    parser.add_argument("--profile", action="store_true", help="also profile in-process")
    args = parser.parse_args()
    samples = args.samples or (40 if args.quick else 150)
    warm_up = 10

    url = _common.bench_database_url("open_link")
    port = _common.free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = _common.server_env(url, base_url)
    env.pop("WEB_CONCURRENCY", None)
    _common.header("opening a link versus the sign-in page fetched twice, on gunicorn", url)

    _common.drop_database(url)
    # This process issues the links: the same settings as the server's.
    _common.setup_django(url, **{k: v for k, v in env.items() if k != "PYTHONPATH"})
    from django.conf import settings

    print(f"   cache: {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[1]}")
    print(f"   sessions: {settings.SESSION_ENGINE.rsplit('.', 1)[1]}")
    print(f"   CONN_MAX_AGE: {settings.DATABASES['default']['CONN_MAX_AGE']}")
    _common.migrate()
    urls = _common.issue_invites(samples + warm_up + 60)
    from django.db import connections

    connections.close_all()

    log_path = _common.OUT / "open_link_gunicorn.log"
    with _common.gunicorn(port, env, log_path):
        addresses = _common.distinct_addresses("127.0.0.2")
        for index in range(warm_up):
            open_link(urls[index], next(addresses))
            sign_in_page_twice(base_url, next(addresses))
        links = iter(urls[warm_up : warm_up + samples])
        results = _common.alternate(
            samples,
            {
                "link": lambda: open_link(next(links), next(addresses)),
                "sign-in": lambda: sign_in_page_twice(base_url, next(addresses)),
            },
        )
    value = _common.ratio(results["link"], results["sign-in"])
    print(
        f"\n   {samples} samples each, gunicorn -w 2:\n"
        f"   opening a link (302 + form)      {_common.median_ms(results['link']):7.2f} ms\n"
        f"   sign-in page fetched twice       {_common.median_ms(results['sign-in']):7.2f} ms\n"
        f"   ratio {value:.2f}x: {_common.verdict(value, 1.3)}"
    )
    if args.profile:
        profile_in_process(urls[warm_up + samples :])


if __name__ == "__main__":
    main()
