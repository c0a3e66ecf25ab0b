#!/usr/bin/env bash
# The nightly sync example (examples/nightly_sync.py) against real servers:
# a source with the demo data, an import-mode target behind a faulty proxy
# (503 on the first import, 413 on large bodies), and a single-mode target
# reading the source through a proxy that cuts the first export. One command:
#
#   bash tests/sync/run.sh
#
# Needs the release binary (BIN, default target/release/interim-tracker from
# the repository root) and python3 (the script under test runs with
# SYNC_PYTHON, default python3; it needs 3.8+). Exits non-zero on any mismatch.
# See tests/sync/README.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

BIN="${BIN:-target/release/interim-tracker}"
case "$BIN" in /*) ;; *) BIN="$root/$BIN" ;; esac
if [ ! -x "$BIN" ]; then
    echo "FAIL: no executable server binary at $BIN (build it with cargo build --release, or set BIN)" >&2
    exit 1
fi
sync_python="${SYNC_PYTHON:-python3}"
if ! "$sync_python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 8) else 1)' 2>/dev/null; then
    echo "FAIL: $sync_python is not Python >= 3.8 (set SYNC_PYTHON)" >&2
    exit 1
fi

sync_py="$root/examples/nightly_sync.py"
harness() { python3 "$here/harness.py" "$@"; }

workdir="$(mktemp -d "${TMPDIR:-/tmp}/interim-sync.XXXXXX")"
pids=()
status=1
cleanup() {
    # Only what this script started: the servers and proxies by their pid,
    # and a helper that was running in the foreground when a signal came.
    for pid in "${pids[@]}" $(ps -o pid= --ppid $$ 2>/dev/null); do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if [ "$status" = 0 ]; then
        rm -rf "$workdir"
    else
        echo "sync test: logs, databases and reports kept in $workdir" >&2
    fi
}
trap cleanup EXIT
trap 'echo "sync test: interrupted" >&2; exit 130' INT TERM HUP

# The servers and the proxy are on loopback: no proxy of the environment.
export NO_PROXY="127.0.0.1,localhost" no_proxy="127.0.0.1,localhost"
export ADMIN_EMAIL="admin@example.com" ADMIN_PASSWORD="a long admin password"

# server NAME: its environment (a database of its own, a free port) in
# $workdir/NAME.env; prints its base URL.
server_env() {
    local name="$1" port
    port="$(harness free-port)"
    mkdir -p "$workdir/$name"
    cat >"$workdir/$name.env" <<EOF
export DATABASE_URL=sqlite://$workdir/$name/db.sqlite
export BIND_ADDR=127.0.0.1:$port
export BOOTSTRAP_ADMIN_EMAIL='$ADMIN_EMAIL' BOOTSTRAP_ADMIN_PASSWORD='$ADMIN_PASSWORD'
export JWT_SECRET='sync-test-$name-0123456789abcdef0123456789'
export RATE_LIMIT_PER_MINUTE=100000 TOKEN_RATE_LIMIT_PER_MINUTE=1000 LOG_LEVEL=warn
EOF
    echo "http://127.0.0.1:$port"
}

start_server() {
    local name="$1" base="$2"
    (. "$workdir/$name.env" && exec "$BIN" serve >"$workdir/$name/server.log" 2>&1) &
    pids+=("$!")
    harness wait-ready "$base"
}

# run_sync REPORT EXPECTED_EXIT ARGS...: runs the script, its output kept in
# $workdir/REPORT.out; fails unless it exits EXPECTED_EXIT.
run_sync() {
    local report="$1" expected="$2" code=0
    shift 2
    "$sync_python" "$sync_py" --report-json "$workdir/$report.json" "$@" >"$workdir/$report.out" 2>&1 || code=$?
    sed 's/^/    | /' "$workdir/$report.out"
    if [ "$code" != "$expected" ]; then
        echo "FAIL: $report: exit code $code, expected $expected" >&2
        exit 1
    fi
    echo "  ok: $report: exit code $code"
}

started=$SECONDS
echo "== servers"
source_url="$(server_env source)"
target_url="$(server_env target)"
single_url="$(server_env single)"
(. "$workdir/source.env" && "$BIN" demo-data >"$workdir/source/demo-data.log" 2>&1)
# The watermark has whole seconds: from the next second on, nothing of the
# demo data is "changed since" the first run's start (checked by run 2).
sleep 1
start_server source "$source_url"
start_server target "$target_url"
start_server single "$single_url"

# start_proxy VAR UPSTREAM_URL COUNT_FILE FAULTS...: a faulty proxy
# (harness.py flaky-proxy); its URL in VAR. Not in a $(...) subshell, so
# that its pid reaches the cleanup.
start_proxy() {
    local var="$1" upstream="$2" count_file="$3" port
    shift 3
    port="$(harness free-port)"
    python3 "$here/harness.py" flaky-proxy --port "$port" --upstream "${upstream##*:}" \
        --count-file "$count_file" "$@" >"$count_file.log" 2>&1 &
    pids+=("$!")
    harness wait-ready "http://127.0.0.1:$port"
    printf -v "$var" '%s' "http://127.0.0.1:$port"
}
# Before the import-mode target: the first import gets 503 + Retry-After,
# and bodies above 64 KiB get 413 (like a reverse proxy's body limit).
start_proxy target_proxy "$target_url" "$workdir/target-proxy.json" --fail-first-import --max-body 65536
# Before the source, for single mode: the first export is cut off midway.
start_proxy source_proxy "$source_url" "$workdir/source-proxy.json" --cut-first-export
source_total="$(harness total "$source_url")"
echo "  source $source_url ($source_total demo candidates) and $source_proxy (cuts the first export)"
echo "  target $target_url and $target_proxy (503 on the first import, 413 above 64 KiB)"
echo "  single-mode target $single_url"
[ "$source_total" -ge 100 ] || { echo "FAIL: the demo data loaded $source_total candidates" >&2; exit 1; }

echo "== API keys (least privilege: read on the source, write on the targets)"
read -r source_id source_secret < <(harness api-key "$source_url" "nightly sync, read" candidates:read)
read -r target_id target_secret < <(harness api-key "$target_url" "nightly sync, write" candidates:write)
read -r single_id single_secret < <(harness api-key "$single_url" "nightly sync, write" candidates:write)
export SYNC_SOURCE_URL="$source_url" SYNC_SOURCE_CLIENT_ID="$source_id" SYNC_SOURCE_CLIENT_SECRET="$source_secret"
export SYNC_TARGET_URL="$target_proxy" SYNC_TARGET_CLIENT_ID="$target_id" SYNC_TARGET_CLIENT_SECRET="$target_secret"
export SYNC_STATE_FILE="$workdir/import.state.json"
echo "  ok: three keys created; the script runs with $("$sync_python" --version 2>&1)"
state() { cat "$SYNC_STATE_FILE"; }

echo "== 1. first run, import mode: copies everything, through a 503 and 413s"
run_sync run1 0
harness expect run1 "$workdir/run1.json" "exported=$source_total" "created=$source_total" updated=0 failed=0 \
    retries=1 "import_requests>=2" since=null watermark_advanced=true
harness faults run1 "$workdir/target-proxy.json" import_503=1 "too_large>=1"
grep -q "too large for one request" "$workdir/run1.out" || { echo "FAIL: no chunk was split" >&2; exit 1; }
echo "  ok: run1: the 503 was retried after its Retry-After, the chunks too large were split"
harness same-total run1 "$source_url" "$target_url"
harness same-content run1 "$source_url" "$target_url"

echo "== 2. second run, nothing changed (no overlap: the watermark alone decides)"
run_sync run2 0 --overlap-seconds 0
harness expect run2 "$workdir/run2.json" exported=0 created=0 updated=0 failed=0 watermark_advanced=true
harness same-total run2 "$source_url" "$target_url"

echo "== 3. one candidate changed on the source (PATCH with If-Match)"
read -r changed_id changed_email < <(harness pick "$source_url" 7)
harness patch "$source_url" "$changed_id" '{"headline": "Changed tonight"}'
run_sync run3 0 --overlap-seconds 0
harness expect run3 "$workdir/run3.json" exported=1 created=0 updated=1 failed=0
headline="$(harness field-of "$target_url" "$changed_email" headline)"
[ "$headline" = '"Changed tonight"' ] || { echo "FAIL: the target's headline is $headline" >&2; exit 1; }
echo "  ok: the target's copy of $changed_email has the new headline"
harness same-content run3 "$source_url" "$target_url"

echo "== 4. a row the target refuses (a skill only the source has): exit 2, the watermark stays"
read -r skilled_id _ < <(harness pick "$source_url" 11)
harness add-skill "$source_url" sync-test-skill
harness patch "$source_url" "$skilled_id" '{}' --add-skill sync-test-skill
before="$(state)"
# The default overlap (300 s) sends every row again: they come out unchanged.
run_sync run4 2
harness expect run4 "$workdir/run4.json" "exported=$source_total" created=0 updated=0 failed=1 \
    watermark_advanced=false
grep -q "failed: source candidate $skilled_id: skills\[.*unknown_skill" "$workdir/run4.out" \
    || { echo "FAIL: the summary does not name the refused row and its cause" >&2; exit 1; }
[ "$(state)" = "$before" ] || { echo "FAIL: the state file changed" >&2; exit 1; }
echo "  ok: the refused row is listed by its source id with its cause; the state file is unchanged"
harness add-skill "$target_url" sync-test-skill
run_sync dry-run 0 --dry-run
harness expect dry-run "$workdir/dry-run.json" dry_run=true updated=1 failed=0 watermark_advanced=false
[ "$(state)" = "$before" ] || { echo "FAIL: the dry run changed the state file" >&2; exit 1; }
# Run 5's watermark (the source's Date: whole seconds, up to half a second late) must be past the patch
# above, or run 8 (no overlap) sends that candidate again.
sleep 2
run_sync run5 0
harness expect run5 "$workdir/run5.json" created=0 updated=1 failed=0 watermark_advanced=true
harness same-content run5 "$source_url" "$target_url"
echo "  ok: once the skill exists on the target, the dry run and then the run update that candidate"

echo "== 5. a state file belongs to its source and target; one run at a time"
run_sync run6 64 --target-url "$target_url"
echo "  ok: the same state file with another target URL is refused"
python3 "$here/harness.py" hold-lock "$SYNC_STATE_FILE.lock" "$workdir/lock-held" &
holder=$!
pids+=("$holder")
for _ in $(seq 100); do [ -e "$workdir/lock-held" ] && break; sleep 0.1; done
run_sync run7 1
kill "$holder"
grep -q "another run holds" "$workdir/run7.out" || { echo "FAIL: no word of the lock" >&2; exit 1; }
echo "  ok: while another run holds the lock, a run stops at once (exit 1)"

echo "== 6. a deletion and a merge on the source reach the target (through the source's change feed)"
read -r deleted_id deleted_email < <(harness delete-one "$source_url" 5)
read -r survivor_id merged_id < <(harness merge-two "$source_url" 20)
echo "  deleted $deleted_id ($deleted_email); merged $merged_id into $survivor_id, on the source"
# The watermark is the source's Date header: whole seconds, and the server refreshes it every half
# second, so it may lag that much. Run 8 starts two seconds after the merge, so its watermark is past the
# merge and run 9 exports nothing (after one second, a merge early in its second was exported again).
sleep 2
run_sync run8 0 --overlap-seconds 0
harness expect run8 "$workdir/run8.json" deleted=2 deletions_unknown=0 exported=1 failed=0 watermark_advanced=true
harness same-total run8 "$source_url" "$target_url"
harness same-content run8 "$source_url" "$target_url"
run_sync run9 0 --overlap-seconds 0
harness expect run9 "$workdir/run9.json" deleted=0 exported=0
echo "  ok: the target lost exactly the two copies; a run after finds nothing more to delete"
# A feed position the source no longer holds (410): everything is exported, and the copies of
# synced candidates the export did not list are deleted.
read -r lost_id _ < <(harness delete-one "$source_url" 30)
python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); s["feed_since"] = "999999999"
json.dump(s, open(sys.argv[1], "w"))' "$SYNC_STATE_FILE"
source_total="$(harness total "$source_url")"
run_sync run10 0 --overlap-seconds 0
harness expect run10 "$workdir/run10.json" deleted=1 "exported=$source_total" failed=0 watermark_advanced=true
grep -q "no longer holds position" "$workdir/run10.out" || { echo "FAIL: run10 did not say the feed expired" >&2; exit 1; }
harness same-total run10 "$source_url" "$target_url"
harness same-content run10 "$source_url" "$target_url"
echo "  ok: with the feed's position gone, a full export found $lost_id missing and its copy was deleted"

echo "== 7. single mode (POST with Idempotency-Key) into a fresh target, the export cut off once"
harness add-skill "$single_url" sync-test-skill
export SYNC_SOURCE_URL="$source_proxy"
export SYNC_TARGET_URL="$single_url" SYNC_TARGET_CLIENT_ID="$single_id" SYNC_TARGET_CLIENT_SECRET="$single_secret"
export SYNC_STATE_FILE="$workdir/single.state.json"
run_sync single1 0 --mode single
harness expect single1 "$workdir/single1.json" "exported=$source_total" "created=$source_total" replayed=0 \
    skipped=0 failed=0 export_resumed=1
harness faults single1 "$workdir/source-proxy.json" export_cut=1
harness same-content single1 "$source_url" "$single_url"
# The default overlap (300 s) exports every row again: each replays its key.
run_sync single2 0 --mode single
harness expect single2 "$workdir/single2.json" created=0 "replayed=$source_total" skipped=0 failed=0
harness same-total single2 "$source_url" "$single_url"
read -r moved_id _ < <(harness pick "$source_url" 3)
harness patch "$source_url" "$moved_id" '{"headline": "Changed again"}'
run_sync single3 0 --mode single
harness expect single3 "$workdir/single3.json" created=0 skipped=1 failed=0
harness same-total single3 "$source_url" "$single_url"
echo "  ok: a re-run replays its keys; a new version of a known candidate is skipped; no duplicates"

status=0
echo "PASS: nightly sync test in $((SECONDS - started)) s"
