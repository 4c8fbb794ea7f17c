"""The PostgreSQL connection: statements the desk repeats are prepared once."""

import pytest
from django.db import connection

from opsdesk.accounts.models import User


@pytest.mark.postgres
def test_a_statement_a_connection_repeats_is_prepared(agent):
    for _ in range(6):  # psycopg prepares a statement from its fifth use
        assert User.objects.filter(pk=agent.pk).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('FROM "accounts_user"' in statement for statement in prepared)
