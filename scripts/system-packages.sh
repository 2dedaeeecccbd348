#!/usr/bin/env bash
# Install the Debian packages LPT's tests need, where they are missing.
#   postgresql: the store tests run against a real, throw-away PostgreSQL server.
#   chromium: report PDFs (headless print-to-PDF) and the browser tests (reports, Voila apps).
#   openssl: the SMTP transport test makes a throw-away certificate for STARTTLS.
# Runs apt-get only as root on a Debian-like system; elsewhere it says what is missing.
set -euo pipefail

missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || missing+=(postgresql)
command -v chromium >/dev/null || missing+=(chromium)
command -v openssl >/dev/null || missing+=(openssl)

[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian packages: ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Note: missing system packages (${missing[*]}); the tests that need them will be skipped." >&2
fi
