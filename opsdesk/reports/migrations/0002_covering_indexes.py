"""Covering indexes for the reports, so a week of a million-ticket desk is read from the
indexes alone: tickets by creation time (with what reports group by), tickets by
resolution time (with their receipt), and SLA clocks by ticket (with their outcome).

PostgreSQL builds them concurrently (no write lock on a live desk) with INCLUDE columns;
SQLite, which has no INCLUDE, gets the same columns as trailing keys.
"""

from django.db import migrations

INDEXES = (
    ("report_ticket_created_cover", "tickets_ticket", ("created_at",),
     ("id", "cos", "stage", "team_id", "assignee_id", "received_at")),
    ("report_ticket_resolved_cover", "tickets_ticket", ("resolved_at",), ("received_at",)),
    ("report_clock_ticket_cover", "sla_slaclock", ("ticket_id",),
     ("target", "status", "breached_at", "met_at")),
)
REPLACED = "report_ticket_resolved_at"  # a plain index on resolved_at, from 0001


def create(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for name, table, keys, included in INDEXES:
        if postgres:
            schema_editor.execute(
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} "
                f"({', '.join(keys)}) INCLUDE ({', '.join(included)})")
        else:
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({', '.join(keys + included)})")
    schema_editor.execute(f"DROP INDEX {'CONCURRENTLY ' if postgres else ''}IF EXISTS {REPLACED}")


def drop(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {REPLACED} ON tickets_ticket (resolved_at)")
    for name, _, _, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX {'CONCURRENTLY ' if postgres else ''}IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [("reports", "0001_report_indexes"), ("sla", "0002_default_policies")]

    operations = [migrations.RunPython(create, drop)]
