"""Many rows in a few statements, whatever their number.

The ORM compiles a query per batch of rows and prepares every value of every
row through its field, which at tens of thousands of rows costs more than
everything else together. Here a list of rows travels to the database as a
single parameter (a JSON array on SQLite, arrays on PostgreSQL, the two
databases the project runs on), with table and column names from the models'
``_meta``: a statement compiled once, for up to ``ROWS_PER_STATEMENT`` rows.
"""

import json
from collections.abc import Callable, Iterable, Sequence
from itertools import islice

from django.db import NotSupportedError, connection, models
from django.db.models.expressions import RawSQL

# Rows in one INSERT. One statement for 100,000 rows would be as fast, but the
# database would hold the whole list, parsed, at once: about 60 MB more.
ROWS_PER_STATEMENT = 5000


def in_values(values: Sequence, *, lower: bool = False) -> RawSQL | list:
    """The right-hand side of ``__in`` for a long list, as one query parameter.

    A long ``IN (%s, %s, …)`` list would hit the databases' limits on
    parameters (SQLite's can be 32,766) and cost a compilation per value.
    Integers stay integers; ``lower`` compares strings in lower case.
    """
    if not values:
        # No element to tell an array's type by; Django answers ``__in=[]``
        # with no rows and sends no query at all.
        return []
    column = "lower(value)" if lower else "value"
    # The SQL holds no input: the values travel as one parameter.
    if connection.vendor == "sqlite":
        return RawSQL(f"SELECT {column} FROM json_each(%s)", [json.dumps(list(values))])  # noqa: S608, S611
    if connection.vendor == "postgresql":
        array = "bigint[]" if values and isinstance(values[0], int) else "text[]"
        return RawSQL(f"SELECT {column} FROM unnest(%s::{array}) AS value", [list(values)])  # noqa: S608, S611
    raise NotSupportedError(_unsupported())


def rows_insert(
    model,
    fields: Sequence[str],
    rows: Iterable[Sequence],
    *,
    returning: Sequence[str] = (),
    **constants,
) -> list[tuple]:
    """INSERT a row of ``model`` for each sequence of values of ``fields``.

    Values of ``rows`` are as the database takes them: numbers, strings,
    ``None``, and times through ``connection.ops.adapt_datetimefield_value``.
    Every other field but the primary key takes its value from ``constants``
    or its default, prepared once rather than once per row. ``rows`` is read
    as the statements go. Returns the ``returning`` columns of the new rows,
    in no particular order.
    """
    meta = model._meta
    quote = connection.ops.quote_name
    fixed = _constants_prepared(meta, fields, constants)
    per_row = [meta.get_field(name) for name in fields]
    columns = ", ".join(quote(column) for column in [f.column for f in per_row] + list(fixed))
    picked, source, parameters = _rows_source(per_row)
    # Names from _meta, values as parameters: the SQL holds no input.
    sql = "INSERT INTO {} ({}) SELECT {} FROM {}".format(  # noqa: S608
        quote(meta.db_table),
        columns,
        ", ".join(picked + ["%s"] * len(fixed)),
        source,
    )
    if returning:
        sql += " RETURNING " + ", ".join(quote(meta.get_field(name).column) for name in returning)
    returned = []
    rows = iter(rows)
    with connection.cursor() as cursor:
        while chunk := list(islice(rows, ROWS_PER_STATEMENT)):
            # In the SQL's order: the constants in the SELECT, then the rows.
            cursor.execute(sql, [*fixed.values(), *parameters(chunk)])
            if returning:
                returned += cursor.fetchall()
    return returned


def _constants_prepared(meta, fields: Sequence[str], constants: dict) -> dict:
    """The columns not in ``fields`` but the key, prepared once: ``constants``, or defaults."""
    constants = dict(constants)
    fixed = {}
    for model_field in meta.concrete_fields:
        if model_field.primary_key or model_field.name in fields:
            continue
        value = (
            constants.pop(model_field.name)
            if model_field.name in constants
            else model_field.get_default()
        )
        if isinstance(value, models.Model):  # a related row, given as itself
            value = value.pk
        fixed[model_field.column] = model_field.get_db_prep_save(value, connection)
    if constants:
        raise TypeError(f"{meta.label} has no fields {', '.join(constants)}")
    return fixed


def _rows_source(per_row: list) -> tuple[list[str], str, Callable[[list], list]]:
    """The rows as one parameter: the columns picked from it, its SQL, and how to send a chunk."""
    if connection.vendor == "sqlite":
        picked = [f"json_extract(value, '$[{index}]')" for index in range(len(per_row))]
        return picked, "json_each(%s)", lambda chunk: [json.dumps(chunk)]
    if connection.vendor == "postgresql":
        picked = [f"row_{index}" for index in range(len(per_row))]
        arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in per_row)
        source = f"unnest({arrays}) AS new_rows ({', '.join(picked)})"
        return (
            picked,
            source,
            lambda chunk: [list(column) for column in zip(*chunk, strict=True)],
        )
    raise NotSupportedError(_unsupported())


def _unsupported() -> str:
    return (
        f"Bulk writes speak SQLite's and PostgreSQL's SQL, not {connection.vendor}'s: "
        "set DATABASE_URL to one of those."
    )
