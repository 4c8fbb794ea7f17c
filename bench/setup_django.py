"""Point Django at the benchmark database (PostgreSQL by default) and migrate it."""

import os


def setup(default_url: str = "postgres://postgres@127.0.0.1:5432/opsdesk_bench") -> str:
    """Configure Django for a benchmark run; returns the database vendor."""
    os.environ.setdefault("DATABASE_URL", os.environ.get("OPSDESK_BENCH_DATABASE_URL",
                                                         default_url))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opsdesk.settings")
    _ensure_database(os.environ["DATABASE_URL"])
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    return connection.vendor


def _ensure_database(url: str) -> None:
    if not url.startswith("postgres"):
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
