#!/usr/bin/env bash
# Make sure what the tests talk to is installed and running: PostgreSQL (127.0.0.1:5432),
# and Dovecot's IMAP server (the IMAP tests start their own instance on a free port).
set -euo pipefail

apt_install() {
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    [ -n "${APT_UPDATED:-}" ] || { apt-get update -qq; APT_UPDATED=1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    echo "Please install: $*" >&2
    return 1
  fi
}

ensure_dovecot() {
  # Only the binary is needed: the tests run their own dovecot with a temporary config.
  [ -x /usr/sbin/dovecot ] || apt_install dovecot-imapd
}

ensure_dovecot || echo "dovecot-imapd missing: the IMAP tests will be skipped" >&2

if ! command -v pg_isready >/dev/null; then
  apt_install postgresql
  # A machine of our own for tests: let local TCP connections in without a password.
  for hba in /etc/postgresql/*/main/pg_hba.conf; do
    sed -i -E 's/^(host\s+all\s+all\s+127\.0\.0\.1\/32\s+)\S+/\1trust/' "$hba"
  done
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "starting PostgreSQL"
  for version in $(ls /etc/postgresql); do
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  done
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432

# Browser tests drive Debian's Chromium; translations are compiled with gettext.
[ -x /usr/bin/chromium ] || apt_install chromium
command -v msgfmt >/dev/null || apt_install gettext

# The alerts tests start their own Alertmanager (Debian's) on a free port.
[ -x /usr/bin/prometheus-alertmanager ] || apt_install prometheus-alertmanager \
  || echo "prometheus-alertmanager missing: the real-Alertmanager test will be skipped" >&2
