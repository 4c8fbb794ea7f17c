#!/usr/bin/env bash
# Compile the English/Vietnamese translation catalogues (.po → .mo). Needs gettext's msgfmt.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v msgfmt >/dev/null; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null
  else
    echo "Please install gettext (msgfmt) to compile translations." >&2
    exit 1
  fi
fi
root=$(pwd)
for locale_dir in opsdesk/*/locale opsdesk/locale; do
  [ -d "$locale_dir" ] || continue
  (cd "$(dirname "$locale_dir")" && "$root/.venv/bin/django-admin" compilemessages -v 0)
done
