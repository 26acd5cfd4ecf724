"""TicketEvent is append-only in the database itself.

UPDATE and DELETE on tickets_ticketevent are refused unless a row exists in
tickets_eventpurgeguard, which only the retention purge (and the test suite's flush, see
core/dbbackends/sqlite3) inserts and removes inside its own transaction. PostgreSQL's TRUNCATE
(its flush) fires no row triggers.
"""

from django.db import migrations

SQLITE = [
    """
    CREATE TRIGGER ticketevent_no_update BEFORE UPDATE ON tickets_ticketevent
    WHEN NOT EXISTS (SELECT 1 FROM tickets_eventpurgeguard)
    BEGIN SELECT RAISE(ABORT, 'ticket events are append-only'); END;
    """,
    """
    CREATE TRIGGER ticketevent_no_delete BEFORE DELETE ON tickets_ticketevent
    WHEN NOT EXISTS (SELECT 1 FROM tickets_eventpurgeguard)
    BEGIN SELECT RAISE(ABORT, 'ticket events are append-only'); END;
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS ticketevent_no_update;",
    "DROP TRIGGER IF EXISTS ticketevent_no_delete;",
]

POSTGRES = [
    """
    CREATE OR REPLACE FUNCTION tickets_ticketevent_append_only() RETURNS trigger AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM tickets_eventpurgeguard) THEN
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'ticket events are append-only' USING ERRCODE = 'insufficient_privilege';
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER ticketevent_append_only BEFORE UPDATE OR DELETE ON tickets_ticketevent
    FOR EACH ROW EXECUTE FUNCTION tickets_ticketevent_append_only();
    """,
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS ticketevent_append_only ON tickets_ticketevent;",
    "DROP FUNCTION IF EXISTS tickets_ticketevent_append_only();",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        ),
    ]
