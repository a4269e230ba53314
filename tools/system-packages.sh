#!/usr/bin/env bash
# Debian packages the test suite needs beside Python: installs the missing ones, quietly.
# Idempotent: exits 0 at once when everything is already installed.
set -euo pipefail

# One package a line; add more here.
PACKAGES=(
    chromium          # headless browser for the browser-demo test
    fonts-noto-cjk    # Chinese glyphs in that browser
    postgresql        # the tests run every store test on PostgreSQL too (tests/pg.py)
)

missing=()
for pkg in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "system-packages: apt-get not found; install these yourself: ${missing[*]}" >&2
    exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "system-packages: need root or sudo to install: ${missing[*]}" >&2
    exit 1
fi

echo "system-packages: installing ${missing[*]}" >&2
# Quiet when it works; the whole apt output when it does not.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { "${as_root[@]}" apt-get update -qq \
       && "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
              --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "system-packages: could not install ${missing[*]}" >&2
    exit 1
fi
