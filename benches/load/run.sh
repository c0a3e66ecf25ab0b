#!/usr/bin/env bash
# The load benchmark of interim-tracker (prints figures; not a timed test).
# One command, from anywhere:
#
#   bash benches/load/run.sh
#
# Knobs (environment, all optional):
#   LOAD_CANDIDATES=100000  LOAD_NEEDS=1000  LOAD_DURATION=10s
#   LOAD_BACKENDS="sqlite postgres"  LOAD_SEED=20261124
#   LOAD_WRK_THREADS=2  LOAD_CONNECTIONS=16  LOAD_OPEN_FRACTION=0.8  LOAD_LIGHT_FRACTION=0.5
#   LOAD_LOADERS=8 (concurrent loading clients)  LOAD_FAST_LOAD=1
#   LOAD_PG_URL=postgres://postgres@127.0.0.1:5432  LOAD_PG_ANALYZE=auto|1|0  LOAD_LOG_LEVEL=info
#   LOAD_KEEP=1 (keep logs and databases)  BIN=target/release/interim-tracker
# Quick run: LOAD_CANDIDATES=2000 LOAD_NEEDS=100 LOAD_DURATION=3s bash benches/load/run.sh
#
# Installs wrk (Debian package) and oha (cargo install, into
# benches/load/.tools) when missing, and fails rather than skips when either
# cannot be had. Output: the terminal, benches/load/last-run.txt and
# benches/load/last-run.json. See benches/load/README.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

fail() { echo "FAIL: $*" >&2; exit 1; }

BIN="${BIN:-target/release/interim-tracker}"
case "$BIN" in /*) ;; *) BIN="$root/$BIN" ;; esac
export BIN

command -v python3 >/dev/null 2>&1 || fail "python3 not found"
python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
    || fail "python3 >= 3.11 is required (found $(python3 --version 2>&1))"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# wrk, from Debian's packages.
if ! command -v wrk >/dev/null 2>&1; then
    echo "load: installing wrk (apt-get)" >&2
    as_root apt-get install -y wrk >/dev/null || { as_root apt-get update >/dev/null && as_root apt-get install -y wrk >/dev/null; } \
        || fail "could not install wrk with apt-get"
fi
LOAD_WRK="$(command -v wrk)" || fail "wrk not found after installing it"
export LOAD_WRK

# oha, built with cargo into a folder of its own.
tools="$here/.tools"
if command -v oha >/dev/null 2>&1; then
    LOAD_OHA="$(command -v oha)"
elif [ -x "$tools/bin/oha" ]; then
    LOAD_OHA="$tools/bin/oha"
else
    command -v cargo >/dev/null 2>&1 || fail "oha is missing and cargo is not there to build it"
    echo "load: building oha (cargo install oha --locked --root $tools); this takes a few minutes" >&2
    # A target folder of its own, so the checkout's target/ is not touched.
    CARGO_TARGET_DIR="$tools/build" cargo install oha --locked --root "$tools" >&2 \
        || fail "could not build oha (cargo install oha --locked); the open-loop figures need it"
    rm -rf "$tools/build"
    LOAD_OHA="$tools/bin/oha"
fi
"$LOAD_OHA" --version >/dev/null 2>&1 || fail "$LOAD_OHA does not run"
export LOAD_OHA

if [ ! -x "$BIN" ]; then
    if [ "$BIN" = "$root/target/release/interim-tracker" ]; then
        echo "load: no release binary; cargo build --release" >&2
        cargo build --release >&2 || fail "cargo build --release failed"
    else
        fail "no executable server binary at $BIN"
    fi
fi

case " ${LOAD_BACKENDS:-sqlite postgres} " in
    *" postgres "*)
        command -v psql >/dev/null 2>&1 || fail "psql not found (needed for the PostgreSQL part; or set LOAD_BACKENDS=sqlite)"
        psql -X -At "${LOAD_PG_URL:-postgres://postgres@127.0.0.1:5432}/postgres" -c 'SELECT 1' >/dev/null \
            || fail "PostgreSQL does not answer at ${LOAD_PG_URL:-postgres://postgres@127.0.0.1:5432} (or set LOAD_BACKENDS=sqlite)"
        ;;
esac

# In the background so a signal to this script reaches the benchmark at once
# (it then stops its servers and drops its databases).
python3 "$here/run.py" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 130' INT TERM HUP
set +e
wait "$child"
status=$?
set -e
exit "$status"
