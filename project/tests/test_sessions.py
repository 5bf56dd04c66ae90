"""project.sessions: a new session is written once, under a key the database alone vouches for."""

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from project import sessions
from project.sessions import SessionStore

pytestmark = pytest.mark.django_db

CACHED = sessions.cached_db.KEY_PREFIX


def _saved(data: dict) -> SessionStore:
    store = SessionStore()
    store.update(data)
    store.save()
    return store


@pytest.mark.django_db(transaction=True)
def test_a_new_key_is_written_once_when_the_session_is_saved():
    store = SessionStore()
    store["_auth_user_id"] = "42"

    with CaptureQueriesContext(connection) as cycling:
        store.cycle_key()
    with CaptureQueriesContext(connection) as saving:
        store.save()

    assert cycling.captured_queries == []
    # In autocommit, as a request runs: the INSERT alone, no BEGIN and COMMIT around it.
    assert [query["sql"].split()[0] for query in saving.captured_queries] == ["INSERT"]
    assert SessionStore(store.session_key).load() == {"_auth_user_id": "42"}
    assert caches["default"].get(CACHED + store.session_key) == {"_auth_user_id": "42"}


def test_a_cycled_key_keeps_the_data_and_the_old_key_is_gone_at_once():
    store = _saved({"_auth_user_id": "42"})
    old_key = store.session_key

    store.cycle_key()

    assert store.session_key is None
    assert not Session.objects.filter(session_key=old_key).exists()
    assert caches["default"].get(CACHED + old_key) is None
    store.save()
    assert store.session_key != old_key
    assert SessionStore(store.session_key).load() == {"_auth_user_id": "42"}


def _draws(monkeypatch, *keys: str) -> None:
    """Have the next new session keys be ``keys``, in order."""
    drawn = iter(keys)
    monkeypatch.setattr(sessions, "get_random_string", lambda length, chars: next(drawn))


@pytest.mark.django_db(transaction=True)
def test_a_new_key_the_database_already_has_is_drawn_again(monkeypatch):
    taken = _saved({"_auth_user_id": "1"})
    _draws(monkeypatch, taken.session_key, "n" * 32)

    store = _saved({"_auth_user_id": "2"})

    assert store.session_key == "n" * 32
    assert SessionStore(taken.session_key).load() == {"_auth_user_id": "1"}
    assert SessionStore("n" * 32).load() == {"_auth_user_id": "2"}


def test_a_clashing_key_in_a_transaction_leaves_the_transaction_usable(monkeypatch):
    taken = _saved({"_auth_user_id": "1"})
    _draws(monkeypatch, taken.session_key, "m" * 32)

    with transaction.atomic():
        store = _saved({"_auth_user_id": "3"})
        # A savepoint took the clash: the transaction goes on.
        assert Session.objects.filter(session_key="m" * 32).exists()

    assert store.session_key == "m" * 32
