#!/bin/sh
# The browser tests drive Debian's Chromium (/usr/bin/chromium), never a browser downloaded by a test tool.
# `make test` runs this first: it installs the Debian package when it is missing.
set -e
command -v chromium >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
echo "Installing Debian's chromium for the browser tests…"
$SUDO apt-get install -y -q chromium >/dev/null 2>&1 || { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q chromium >/dev/null; }
command -v chromium >/dev/null 2>&1 || { echo "chromium could not be installed (apt-get install chromium)" >&2; exit 1; }
