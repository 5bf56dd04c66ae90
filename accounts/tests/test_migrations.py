"""The migration that gives existing users their email key (0006), on the database at hand."""

import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import User

BEFORE = ("accounts", "0005_sign_ins_and_sessions_generation")
AFTER = ("accounts", "0006_user_email_key")

pytestmark = pytest.mark.django_db(transaction=True)


def migrate(target):
    """Migrate to ``target``; returns the app registry of that state."""
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    executor.loader.build_graph()
    return executor.loader.project_state([target]).apps


def migrate_to_the_latest() -> None:
    """Every app's newest migration: going back to 0006 also took back the others' that need it."""
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.fixture
def users_before_the_key():
    """The User model as it was before 0006; the schema is migrated forward again after."""
    apps = migrate(BEFORE)
    yield apps.get_model("accounts", "User")
    migrate_to_the_latest()


def test_existing_users_get_their_keys_and_are_found_by_any_spelling(users_before_the_key):
    users_before_the_key.objects.create(email="Ada@Exa\uff4dple.com", password="!")
    users_before_the_key.objects.create(email="grace@example.com", password="!")

    migrate(AFTER)

    assert dict(User.objects.values_list("email", "email_key")) == {
        "Ada@Exa\uff4dple.com": "ada@example.com",
        "grace@example.com": "grace@example.com",
    }
    # Only the columns of 0006: later migrations add others (external_id).
    found = User.objects.by_email("ADA@example.com").values_list("email", flat=True)
    assert found.get() == "Ada@Exa\uff4dple.com"


def test_the_migration_stops_naming_accounts_whose_emails_normalise_alike(users_before_the_key):
    users_before_the_key.objects.create(email="alice@example.com", password="!")
    users_before_the_key.objects.create(email="alice@exa\uff4dple.com", password="!")

    clash = re.escape("alice@example.com = alice@exa\uff4dple.com")
    with pytest.raises(RuntimeError, match=clash):
        migrate(AFTER)

    users_before_the_key.objects.filter(email="alice@exa\uff4dple.com").delete()
