"""SQLite backend that knows about the audit-log guard.

The ticket event table refuses UPDATE and DELETE in the database itself (see
tickets/migrations/0002_event_append_only.py) unless a row sits in the purge-guard table during
the same transaction. Django's flush (used by the test suite between transactional tests) deletes
every table with plain DELETE statements on SQLite, so it opens the guard first.
"""

from typing import Any

from django.db.backends.sqlite3 import base, operations

GUARD_TABLE = "tickets_eventpurgeguard"


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(
        self,
        style: Any,
        tables: Any,
        *,
        reset_sequences: bool = False,
        allow_cascade: bool = False,
    ) -> list[str]:
        statements: list[str] = super().sql_flush(
            style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        if GUARD_TABLE not in tables:
            return statements
        guard_delete = f'DELETE FROM "{GUARD_TABLE}";'  # noqa: S608 - constant name
        others = [s for s in statements if GUARD_TABLE not in s]
        return [
            f'INSERT INTO "{GUARD_TABLE}" ("reason") VALUES (\'flush\');',  # noqa: S608
            *others,
            guard_delete,
        ]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
