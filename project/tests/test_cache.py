"""The Redis cache: Django's, with one client per connection pool."""

import redis

from project.cache import RedisCache


def test_the_redis_cache_reuses_one_client_per_pool_without_connecting():
    cache = RedisCache("redis://127.0.0.1:6379/0", {"OPTIONS": {"socket_timeout": 1}})
    client = cache._cache.get_client()
    assert isinstance(client, redis.Redis)
    assert cache._cache.get_client(write=True) is client
    assert cache._cache.get_client("another key") is client
    assert client.connection_pool.connection_kwargs["socket_timeout"] == 1


def test_each_replica_gets_its_own_client():
    cache = RedisCache("redis://127.0.0.1:6379/0,redis://127.0.0.1:6379/1", {})
    primary = cache._cache.get_client(write=True)
    replica = cache._cache.get_client(write=False)
    assert primary.connection_pool.connection_kwargs["db"] == 0
    assert replica.connection_pool.connection_kwargs["db"] == 1
    assert cache._cache.get_client(write=False) is replica
