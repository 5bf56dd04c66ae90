"""Django's Redis cache, with one redis-py client per connection pool, left alone while down.

Django's client makes a new ``redis.Redis`` for every operation, and redis-py 8
fills about 170 response callbacks into each one: some 0.15 ms a call, which
every rate-limit check paid on every guarded request. A ``redis.Redis`` may be
shared between threads (each command takes a connection from the pool), and
its pool reconnects by itself after a fork, so one per pool is enough.

A Redis that has stopped answering (frozen, or its host gone) costs each
operation a whole socket time-out. After one operation failed, the others
skip Redis for ``skip_after_failure`` seconds (a cache OPTION, default
SKIP_AFTER_FAILURE_SECONDS) and fail at once, as if it had refused them;
then one tries it again. So a worker waits for a Redis that is down once
every few seconds, not on every request. The price: a Redis that is back is
used again up to that many seconds later; until then limited POSTs still get
the 503 page, and sessions are read from the database.

One operation is the project's own: ``incr_counts`` adds a failure to several
rate-limit counts in one round trip (project/ratelimits.py).
"""

import threading
import time
from collections.abc import Callable
from functools import wraps

import redis as redis_py
from django.core.cache.backends import redis

from project.errors import CACHE_UNAVAILABLE

SKIP_AFTER_FAILURE_SECONDS = 3


class CacheSkipped(redis_py.exceptions.ConnectionError):
    """Raised instead of trying a cache that failed a moment ago: it counts as unreachable."""


class CircuitBreaker:
    """Whether to try a server: not for ``pause`` seconds after it failed, then one caller.

    Thread-safe: the threads of a worker share one, so that while the server
    is down they do not each wait for it. After the pause, the first caller
    tries it again; the others go on skipping it until that try succeeds (or
    another pause has passed).
    """

    def __init__(self, pause: float, clock: Callable[[], float] = time.monotonic):
        self.pause = pause
        self._clock = clock
        self._lock = threading.Lock()
        # None while the server answers; else when the next caller may try it.
        self._next_try: float | None = None

    def allow(self) -> bool:
        """Whether this caller should try the server now."""
        with self._lock:
            if self._next_try is None:
                return True
            now = self._clock()
            if now < self._next_try:
                return False
            self._next_try = now + self.pause
            return True

    def failed(self) -> None:
        with self._lock:
            self._next_try = self._clock() + self.pause

    def succeeded(self) -> None:
        with self._lock:
            self._next_try = None

    def call(self, operation: Callable, *args, **kwargs):
        """``operation(*args, **kwargs)``, or CacheSkipped at once while the server is skipped."""
        if not self.allow():
            raise CacheSkipped(f"skipped: the cache failed less than {self.pause:g} seconds ago")
        try:
            result = operation(*args, **kwargs)
        except CACHE_UNAVAILABLE:
            self.failed()
            raise
        self.succeeded()
        return result


_breakers: dict[tuple[tuple[str, ...], float], CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(servers: list[str], pause: float) -> CircuitBreaker:
    """The process's breaker for ``servers``: Django gives each thread its own cache object."""
    with _breakers_lock:
        return _breakers.setdefault((tuple(servers), pause), CircuitBreaker(pause))


class RedisCacheClient(redis.RedisCacheClient):
    """Django's client: one ``redis.Redis`` per pool, each operation through the breaker."""

    def __init__(self, servers, skip_after_failure=SKIP_AFTER_FAILURE_SECONDS, **options):
        super().__init__(servers, **options)
        self._clients = {}
        self.breaker = breaker_for(servers, float(skip_after_failure))

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client

    def incr_counts(self, timeouts: dict[str, int]) -> list[int]:
        """Add one to each count, starting it at 0 where there is none: the new counts.

        ``timeouts``: each count's key and the seconds a new count lives. One
        round trip (a MULTI/EXEC pipeline of SET NX EX and INCR per key) where
        ``add`` then ``incr`` take two a key; inside the transaction no count
        can expire between the two and come back without its time to live.
        """
        pipeline = self.get_client(write=True).pipeline()
        for key, timeout in timeouts.items():
            pipeline.set(key, 0, ex=timeout, nx=True)
            pipeline.incr(key)
        return pipeline.execute()[1::2]


# Every operation Django's RedisCache asks of its client.
GUARDED_OPERATIONS = (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
)


def _guarded(operation: Callable) -> Callable:
    @wraps(operation)
    def guarded(self, *args, **kwargs):
        return self.breaker.call(operation, self, *args, **kwargs)

    return guarded


for _name in GUARDED_OPERATIONS:
    setattr(RedisCacheClient, _name, _guarded(getattr(redis.RedisCacheClient, _name)))
RedisCacheClient.incr_counts = _guarded(RedisCacheClient.incr_counts)


class RedisCache(redis.RedisCache):
    """Django's ``RedisCache``, reusing its clients and leaving Redis alone while it is down."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    def incr_counts(self, timeouts: dict[str, int], version=None) -> list[int]:
        """Add one to each count in ``timeouts`` (key: seconds a new count lives), at once."""
        return self._cache.incr_counts(
            {
                self.make_and_validate_key(key, version=version): self.get_backend_timeout(timeout)
                for key, timeout in timeouts.items()
            }
        )
