"""The Redis cache: Django's, with one client per connection pool, skipped while down."""

import threading

import pytest
import redis
from django.core.cache import caches
from django.core.cache.backends import redis as django_redis

from project.cache import GUARDED_OPERATIONS, CacheSkipped, CircuitBreaker, RedisCache


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


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def _refused():
    raise redis.exceptions.ConnectionError("Connection refused")


def _timed_out():
    raise redis.exceptions.TimeoutError("Timeout reading from socket")


def test_after_a_failure_the_cache_is_skipped_at_once_for_the_pause():
    clock = FakeClock()
    breaker = CircuitBreaker(pause=3, clock=clock)
    tried = []

    with pytest.raises(redis.exceptions.ConnectionError, match="refused"):
        breaker.call(_refused)
    clock.now += 2.9
    with pytest.raises(CacheSkipped):
        breaker.call(lambda: tried.append("tried"))

    assert tried == []


def test_after_the_pause_one_caller_tries_the_cache_while_the_others_still_skip_it():
    clock = FakeClock()
    breaker = CircuitBreaker(pause=3, clock=clock)
    with pytest.raises(redis.exceptions.ConnectionError):
        breaker.call(_refused)
    clock.now += 3

    assert breaker.allow()
    # Until that try answers: the others do not wait for it too.
    assert not breaker.allow()
    breaker.succeeded()
    assert breaker.allow()
    assert breaker.call(lambda: "answered") == "answered"


def test_a_try_after_the_pause_that_fails_skips_the_cache_for_another_pause():
    clock = FakeClock()
    breaker = CircuitBreaker(pause=3, clock=clock)
    with pytest.raises(redis.exceptions.ConnectionError):
        breaker.call(_refused)
    clock.now += 3
    with pytest.raises(redis.exceptions.TimeoutError):
        breaker.call(_timed_out)

    clock.now += 2.9
    assert not breaker.allow()
    clock.now += 0.1
    assert breaker.allow()


def test_errors_other_than_an_unreachable_cache_do_not_make_it_skipped():
    breaker = CircuitBreaker(pause=3, clock=FakeClock())

    def wrong_type():
        raise redis.exceptions.ResponseError("WRONGTYPE")

    with pytest.raises(redis.exceptions.ResponseError):
        breaker.call(wrong_type)
    assert breaker.allow()


def test_the_threads_of_a_process_share_one_breaker_per_server():
    settings = {"OPTIONS": {"socket_timeout": 0.5}}
    one = RedisCache("redis://127.0.0.1:6379/3", settings)
    # Django gives each thread a cache object of its own.
    other = RedisCache("redis://127.0.0.1:6379/3", settings)
    elsewhere = RedisCache("redis://127.0.0.1:6379/4", settings)

    assert one._cache.breaker is other._cache.breaker
    assert elsewhere._cache.breaker is not one._cache.breaker


def test_the_pause_is_a_cache_option_not_passed_to_redis():
    cache = RedisCache("redis://127.0.0.1:6379/5", {"OPTIONS": {"skip_after_failure": 10}})

    assert cache._cache.breaker.pause == 10
    assert "skip_after_failure" not in cache._cache.get_client().connection_pool.connection_kwargs


def test_every_operation_of_djangos_redis_client_goes_through_the_breaker():
    operations = {
        name
        for name, value in vars(django_redis.RedisCacheClient).items()
        if callable(value) and not name.startswith("_") and name != "get_client"
    }

    assert operations == set(GUARDED_OPERATIONS)


def test_a_skipped_cache_is_not_connected_to(monkeypatch):
    cache = RedisCache("redis://127.0.0.1:6379/6", {})
    client = cache._cache
    monkeypatch.setattr(client, "breaker", CircuitBreaker(pause=3, clock=FakeClock()))
    client.breaker.failed()
    monkeypatch.setattr(client, "get_client", lambda *a, **k: pytest.fail("connected"))

    with pytest.raises(CacheSkipped):
        cache.get("key")
    with pytest.raises(CacheSkipped):
        cache.set("key", 1)
    with pytest.raises(CacheSkipped):
        cache.incr_counts({"key": 60})


@pytest.mark.django_db
def test_counts_start_at_one_go_up_together_and_expire():
    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        pytest.skip("needs CACHE_URL=redis://... (the rate limits' counts in Redis)")
    client = cache._cache.get_client(write=True)

    assert cache.incr_counts({"first": 60, "second": 5}) == [1, 1]
    assert cache.incr_counts({"first": 60, "second": 5}) == [2, 2]
    assert cache.incr_counts({"first": 60}) == [3]

    assert cache.get_many(["first", "second"]) == {"first": 3, "second": 2}
    assert 55 < client.ttl(cache.make_and_validate_key("first")) <= 60
    assert 0 < client.ttl(cache.make_and_validate_key("second")) <= 5


def test_of_threads_asking_at_once_after_the_pause_only_one_tries_the_cache():
    clock = FakeClock()
    breaker = CircuitBreaker(pause=3, clock=clock)
    breaker.failed()
    clock.now += 3
    start = threading.Barrier(16)
    answers = []

    def ask():
        start.wait()
        answers.append(breaker.allow())

    threads = [threading.Thread(target=ask) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert sorted(answers) == [False] * 15 + [True]
