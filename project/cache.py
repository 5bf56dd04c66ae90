"""Django's Redis cache, with one redis-py client per connection pool.

Django's client makes a new ``redis.Redis`` for every operation, and redis-py 8
fills about 170 response callbacks into each one: some 0.15 ms a call, which
every rate-limit check paid on every guarded request. A ``redis.Redis`` may be
shared between threads (each command takes a connection from the pool), and
its pool reconnects by itself after a fork, so one per pool is enough.
"""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class RedisCache(redis.RedisCache):
    """``django.core.cache.backends.redis.RedisCache``, reusing its clients."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
