#!/usr/bin/env bash
# Every test, on SQLite and on PostgreSQL, plus the static checks. Called by `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv

scripts/ensure-services.sh

echo "== static checks"
"$VENV/bin/ruff" check .
"$VENV/bin/mypy" opsdesk
"$VENV/bin/python" manage.py makemigrations --check --dry-run >/dev/null

status=0
echo "== tests on SQLite"
DATABASE_URL="sqlite:///$(mktemp -d)/opsdesk.sqlite3" "$VENV/bin/python" -m pytest "$@" || status=$?
echo "== tests on PostgreSQL"
DATABASE_URL="${OPSDESK_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/opsdesk}" \
  "$VENV/bin/python" -m pytest "$@" || status=$?
exit $status
