"""Indexes the weekly report needs: tickets resolved and closed in a week.

They are on the tickets table, created here because only reports read by these columns.
Plain SQL that PostgreSQL and SQLite both accept.
"""

from django.db import migrations

INDEXES = (("report_ticket_resolved_at", "resolved_at"), ("report_ticket_closed_at", "closed_at"))


class Migration(migrations.Migration):
    dependencies = [("tickets", "0005_verification_checks")]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {name} ON tickets_ticket ({column})",
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, column in INDEXES
    ]
