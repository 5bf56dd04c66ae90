"""Trigram indexes for the admin's substring searches, on PostgreSQL only.

The admin searches users by ``email``, ``first_name`` and ``last_name`` with
``icontains``, which PostgreSQL runs as ``UPPER(column::text) LIKE '%TERM%'``.
No B-tree index can serve that; a GIN trigram index on the same expression
can, and it gives the planner statistics on the expression, without which it
guessed that "example.com" matched 5 users of 50,000 and joined and sorted
77,000 links to show 25 (see docs/benchmarks.md).

``pg_trgm`` is a trusted extension (PostgreSQL 13 and later): the owner of the
database may install it. Where the database user may not, the migration says
so and goes on without the indexes: searches still work, only slower.
SQLite has no such index and needs none at its scale.
"""

from django.db import DatabaseError, migrations, transaction

COLUMNS = ("email", "first_name", "last_name")


def index_name(column: str) -> str:
    return f"accounts_user_{column}_trgm"


def add_indexes(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as error:
        print(
            "\n  Skipped the trigram search indexes: the database user may not install "
            f"the extension pg_trgm ({str(error).strip()}). Searches work without them, "
            "more slowly on large user tables. To add them, have the database owner run "
            "'CREATE EXTENSION pg_trgm;', then run "
            "'manage.py migrate accounts 0002 && manage.py migrate'."
        )
        return
    for column in COLUMNS:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{index_name(column)}" ON "accounts_user" '
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{index_name(column)}"')


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_admin_filter_indexes"),
    ]

    operations = [
        migrations.RunPython(add_indexes, drop_indexes, elidable=False),
    ]
