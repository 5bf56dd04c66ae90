"""Sessions kept in the database and cached in Redis, still read while Redis is away."""

import contextlib
import logging

from django.contrib.sessions.backends import cached_db, db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError, UpdateError
from django.db import DatabaseError, IntegrityError, connections, router, transaction
from django.utils.crypto import get_random_string

from project.errors import CACHE_UNAVAILABLE

# cached_db's logger.
logger = logging.getLogger("django.contrib.sessions")

# The cache keeps a session's copy an hour at most, the database the session
# itself as long as its cookie lives (SESSION_COOKIE_AGE, 14 days): copies of
# sessions nobody uses leave Redis within the hour, and the next request of
# one still in use reads the database once and copies it again.
CACHE_MAX_AGE = 60 * 60


class SessionStore(cached_db.SessionStore):
    """Django's cached_db sessions, read from the database alone when the cache is unreachable.

    Every write goes to the database first, so the database is never behind
    the cache and reading it alone is correct. A read that finds the cache
    unreachable does not try to copy the session into it: that would wait for
    the cache a second time. Writes still need the cache, as in cached_db:
    signing out raises when the cache cannot drop its copy, so the person is
    asked to try again (503) rather than told they are signed out while that
    copy could sign them in again once Redis is back. The cache's copies live
    CACHE_MAX_AGE at most.

    A new session is written once: signing in gives the session a new key
    (``cycle_key``), and Django's writes a row for it there and then, asking
    the cache and the database first whether the key is free, and updates
    that row when the response saves the session. Here the new key waits
    for that save, which inserts the row, and the database's unique key is
    the only check: one INSERT and one cache write instead of two reads, an
    INSERT, an UPDATE and two cache writes. Outside a transaction the INSERT
    goes alone, without Django's BEGIN and COMMIT around it.
    """

    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except CACHE_UNAVAILABLE:
            return db.SessionStore.load(self)
        except Exception:
            # As cached_db: a key the cache refuses reads as a miss.
            data = None
        if data is not None:
            return data
        session = self._get_session_from_db()
        if session is None:
            return {}
        data = self.decode(session.session_data)
        # The cache may fail between the read and the copy: the database has the session.
        with contextlib.suppress(CACHE_UNAVAILABLE):
            self._cache.set(self.cache_key, data, self._cache_age(expiry=session.expire_date))
        return data

    def save(self, must_create=False):
        if self.session_key is None:
            # create() draws a key and comes back here with must_create: one write.
            return self.create()
        # cached_db's save, but for the database's row and the copy's age.
        self._save_row(must_create)
        try:
            self._cache.set(self.cache_key, self._session, self._cache_age())
        except Exception:
            logger.exception("Error saving to cache (%s)", self._cache)

    def _save_row(self, must_create: bool) -> None:
        """The database's save of db.SessionStore, without a transaction of its own in autocommit.

        Django's puts its one statement in a transaction so that a clashing
        key cannot break a transaction around it. Outside any, there is none
        to break, and BEGIN and COMMIT would be two more round trips.
        """
        data = self._get_session(no_load=must_create)
        row = self.create_model_instance(data)
        using = router.db_for_write(self.model, instance=row)
        enclosed = connections[using].in_atomic_block
        try:
            with transaction.atomic(using=using) if enclosed else contextlib.nullcontext():
                row.save(force_insert=must_create, force_update=not must_create, using=using)
        except IntegrityError:
            if must_create:
                raise CreateError from None
            raise
        except DatabaseError:
            if not must_create:
                raise UpdateError from None
            raise

    def _cache_age(self, **kwargs) -> int:
        """Seconds the cache keeps its copy: the session's own, CACHE_MAX_AGE at most."""
        return min(self.get_expiry_age(**kwargs), CACHE_MAX_AGE)

    def cycle_key(self):
        """Keep the data under a new key, as Django's does, but write it only when saved.

        The old key's row and copy go now; the session has no key until the
        response saves it (SessionMiddleware), which inserts it under a new one.
        """
        data = self._session
        old_key = self.session_key
        self._session_key = None
        self._session_cache = data
        self.modified = True
        if old_key:
            self.delete(old_key)

    def _get_new_session_key(self):
        # Without asking the cache and the database whether the key is taken:
        # create() inserts it (must_create) and draws again if the database's
        # unique key refuses it, which 32 characters of 36 (165 bits) make moot.
        return get_random_string(32, VALID_KEY_CHARS)
