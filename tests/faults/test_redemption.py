"""The database failing in the middle of a redemption: nothing half-done, no traceback shown."""

from http import HTTPStatus

import pytest
from django.contrib.admin.models import LogEntry
from django.db import DatabaseError
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, InvitedUserFactory, UserFactory
from invites import history
from invites.links import services as link_services
from invites.models import Link
from tests.support import GOOD_PASSWORD, open_new_link

pytestmark = pytest.mark.django_db(transaction=True)


def _opened(user) -> tuple[Client, Link]:
    """A browser that opened a fresh link for ``user``: it holds the link's cookie."""
    client = Client(raise_request_exception=False)
    return client, open_new_link(client, user)


def _submit(client, link: Link, password=GOOD_PASSWORD):
    return client.post(
        reverse("invites:set_password"),
        {"link": link.pk, "new_password1": password, "new_password2": password},
    )


@pytest.fixture(params=["the History entry", "its insert"])
def failing_after_the_password_is_saved(request, monkeypatch):
    """Make the step after ``user.save()`` raise, recording that the save had happened.

    That step writes the user's History entry (``history_write``), through
    the insert every bulk write uses (``rows_insert``): either fails.
    """
    seen = {}

    def record_and_fail(user_id) -> None:
        # Still inside the redemption's transaction: the new hash is written.
        seen["password written"] = User.objects.get(pk=user_id).password
        raise DatabaseError("injected: the connection to the database was lost")

    if request.param == "the History entry":
        monkeypatch.setattr(
            link_services,
            "history_write",
            lambda *, actor_id, flag, entries: record_and_fail(entries[0][0].pk),
        )
    else:
        insert = history.rows_insert

        def failing_insert(model, fields, rows, **kwargs):
            if model is not LogEntry:
                return insert(model, fields, rows, **kwargs)
            return record_and_fail(int(next(iter(rows))[0]))

        monkeypatch.setattr(history, "rows_insert", failing_insert)
    return seen


@pytest.mark.parametrize("factory", [InvitedUserFactory, UserFactory], ids=["invite", "reset"])
def test_a_failure_after_the_password_is_saved_changes_nothing(
    factory, failing_after_the_password_is_saved, monkeypatch
):
    user = factory()
    password_before = user.password
    client, link = _opened(user)

    response = _submit(client, link)

    assert failing_after_the_password_is_saved["password written"] != password_before
    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    body = response.content.decode()
    assert "Something went wrong" in body
    for leak in ("Traceback", "DatabaseError", "injected", 'File "'):
        assert leak not in body
    link.refresh_from_db()
    assert link.used_at is None
    assert link.revoked_at is None
    user.refresh_from_db()
    assert user.password == password_before
    assert not user.check_password(GOOD_PASSWORD)

    # Once the database is back, the same browser can finish with the same link.
    monkeypatch.undo()
    retried = _submit(client, link)
    assert retried.status_code == HTTPStatus.FOUND
    assert retried.headers["Location"] == reverse("account")
    user.refresh_from_db()
    assert user.check_password(GOOD_PASSWORD)


def test_a_failure_before_anything_is_written_leaves_the_old_password(monkeypatch):
    user = UserFactory()
    client, link = _opened(user)

    def fail(*args, **kwargs):
        raise DatabaseError("injected")

    monkeypatch.setattr(User, "save", fail)
    response = _submit(client, link)

    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert "Traceback" not in response.content.decode()
    link.refresh_from_db()
    assert link.used_at is None
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)
