#!/usr/bin/env bash
# Nothing acknowledged is ever lost: the durability test, on SQLite and on a
# throwaway PostgreSQL cluster of its own. One command, from anywhere:
#
#   bash tests/durability/run.sh
#
# Needs the release binary (BIN, default target/release/interim-tracker from
# the repository root), python3 >= 3.11 and the PostgreSQL server binaries
# under /usr/lib/postgresql/*/bin. Exits non-zero on any lost acknowledged
# write, any integrity failure, or any part that cannot run (nothing is
# skipped). Knobs (optional): DURABILITY_SEED, DURABILITY_CYCLES,
# DURABILITY_PG_STOPS, DURABILITY_WRITERS. See tests/durability/README.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

BIN="${BIN:-target/release/interim-tracker}"
case "$BIN" in /*) ;; *) BIN="$root/$BIN" ;; esac
export BIN

if ! command -v python3 >/dev/null 2>&1; then
    echo "FAIL: python3 not found" >&2
    exit 1
fi
if ! python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
    echo "FAIL: python3 >= 3.11 is required (found $(python3 --version 2>&1))" >&2
    exit 1
fi
if [ ! -x "$BIN" ]; then
    echo "FAIL: no executable server binary at $BIN (build the release binary first, or set BIN)" >&2
    exit 1
fi

workdir="$(mktemp -d "${TMPDIR:-/tmp}/interim-durability.XXXXXX")"
status=1

cleanup() {
    # durability.py cleans up after itself; this is the safety net should it
    # have been killed: the services it started (by their recorded pid) and the
    # throwaway PostgreSQL cluster.
    for pidfile in "$workdir"/*/*-service.pid; do
        [ -f "$pidfile" ] || continue
        pid="$(cat "$pidfile")"
        if [ -n "$pid" ] && grep -qa "interim-tracker" "/proc/$pid/cmdline" 2>/dev/null; then
            kill -9 "$pid" 2>/dev/null || true
        fi
    done
    if [ -f "$workdir/pg/data/postmaster.pid" ]; then
        pg_ctl="$(ls -d /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -n 1)"
        if [ -n "$pg_ctl" ]; then
            if [ "$(id -u)" = 0 ]; then
                runuser -u postgres -- "$pg_ctl" -D "$workdir/pg/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
            else
                "$pg_ctl" -D "$workdir/pg/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
            fi
        fi
    fi
    if [ "$status" = 0 ]; then
        rm -rf "$workdir"
    else
        echo "durability: logs and databases kept in $workdir" >&2
    fi
}
trap cleanup EXIT

# In the background so a signal to this script reaches the test at once (it
# then stops what it started and reports).
python3 "$here/durability.py" --backend both --bin "$BIN" --workdir "$workdir" "$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; status=130; exit 130' INT TERM HUP
set +e
wait "$child"
status=$?
set -e
exit "$status"
