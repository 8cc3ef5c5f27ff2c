"""The version of a few whole tables, for what a worker process keeps in memory (the compiled product table, the
champion, the weights): read once per use, it changes whenever any row of the tables is inserted, updated or
deleted, whichever way (a service, the admin, a bulk update, a shell), with no column or trigger to keep up."""

from __future__ import annotations

from django.db import connection
from django.db.models import Model


def tables_version(*models: type[Model]) -> tuple:
    """A value that differs whenever a row of any of `models`' tables has been written since it was read. A change
    never goes unseen; a vacuum that rewrites a table may change it with no row changed, which costs a refresh."""
    tables = [connection.ops.quote_name(model._meta.db_table) for model in models]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Every row version carries the id of the transaction that wrote it (xmin) and lies where no other live
            # one does (ctid): an insert, an update or a delete changes the count or a sum, a change made earlier
            # in the reader's own transaction (same xmin) included, whose new row versions lie elsewhere. Locking
            # a row (FOR UPDATE) changes neither. One statement, and no detoasting: the rows' text is not read.
            # The tables' own names, never input (hence nosec B608).
            parts = ", ".join(
                f"(SELECT count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) || ':' "  # nosec B608
                f"|| coalesce(sum(hashtext(ctid::text)), 0) FROM {table})"
                for table in tables
            )
            cursor.execute(f"SELECT {parts}")  # nosec B608
            return tuple(cursor.fetchone())
        # Elsewhere (SQLite, in development and tests) the rows themselves, hashed: slower, but as exact.
        versions = []
        for table in tables:
            cursor.execute(f"SELECT * FROM {table} ORDER BY 1")  # nosec B608
            versions.append(hash(tuple(cursor.fetchall())))
        return tuple(versions)
