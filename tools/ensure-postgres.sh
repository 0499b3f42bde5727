#!/bin/sh
# The tests of the assessments database also run on PostgreSQL: tests/postgres.py starts a throwaway cluster on
# loopback, which needs the server programs (initdb, pg_ctl) and, when the tests run as root, the 'postgres' user.
# `make test` runs this first: it installs Debian's postgresql package when they are missing.
set -e
found() {
  command -v initdb >/dev/null 2>&1 && return 0
  for f in /usr/lib/postgresql/*/bin/initdb; do [ -x "$f" ] && return 0; done
  return 1
}
if found && { [ "$(id -u)" != 0 ] || id postgres >/dev/null 2>&1; }; then exit 0; fi
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
echo "Installing Debian's postgresql for the database tests…"
$SUDO apt-get install -y -q postgresql >/dev/null 2>&1 || { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q postgresql >/dev/null; }
found || { echo "postgresql could not be installed (apt-get install postgresql)" >&2; exit 1; }
