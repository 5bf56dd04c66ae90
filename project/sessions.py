"""Sessions kept in the database and cached in Redis, still read while Redis is away."""

import contextlib

from django.contrib.sessions.backends import cached_db, db

from project.errors import CACHE_UNAVAILABLE


class SessionStore(cached_db.SessionStore):
    """Django's cached_db sessions, read from the database alone when the cache is unreachable.

    Every write goes to the database first, so the database is never behind
    the cache and reading it alone is correct. A read that finds the cache
    unreachable does not try to copy the session into it: that would wait for
    the cache a second time. Writes still need the cache, as in cached_db:
    signing out raises when the cache cannot drop its copy, so the person is
    asked to try again (503) rather than told they are signed out while that
    copy could sign them in again once Redis is back.
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
            self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=session.expire_date))
        return data
