"""Sessions kept in the database and cached in Redis, still read while Redis is away."""

from django.contrib.sessions.backends import cached_db, db

from project.errors import CACHE_UNAVAILABLE


class SessionStore(cached_db.SessionStore):
    """Django's cached_db sessions, read from the database alone when the cache is unreachable.

    Every write goes to the database first, so the database is never behind
    the cache and reading it alone is correct. Writes still need the cache, as
    in cached_db: signing out raises when the cache cannot drop its copy, so
    the person is asked to try again (503) rather than told they are signed
    out while that copy could sign them in again once Redis is back.
    """

    def load(self):
        try:
            return super().load()
        except CACHE_UNAVAILABLE:
            # cached_db read the database when the cache failed, then failed
            # to copy the session into it: read it again, without the copy.
            return db.SessionStore.load(self)
