#!/usr/bin/env bash
# Bulk import benchmark: 100,000 candidates as one NDJSON request, on SQLite
# and PostgreSQL, against the release binary. Prints rows/s, the time to
# answer, and the server's peak memory (VmHWM) before and after, so the
# figures show that the body is streamed (peak memory grows by far less than
# the file's size). A benchmark that prints figures, not a timed test.
#
#   bash benches/import/run.sh            # from the repository root
#
# ROWS (default 100000), BIN, BACKENDS ("sqlite postgres"), TEST_DATABASE_URL.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-target/release/interim-tracker}
ROWS=${ROWS:-100000}
BACKENDS=${BACKENDS:-sqlite postgres}
PG_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
[ -x "$BIN" ] || { echo "no binary at $BIN: cargo build --release first"; exit 1; }

work=$(mktemp -d)
server=
pg_db=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  [ -n "$pg_db" ] && psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

python3 - "$ROWS" > "$work/rows.ndjson" <<'PY'
import json, sys
skills = ["customer-service-strategy", "culture-management", "customer-data-analysis", "crm-systems"]
for i in range(int(sys.argv[1])):
    print(json.dumps({
        "external_id": f"bench-{i}", "first_name": "Bench", "last_name": f"Candidate {i}",
        "email": f"bench{i}@example.com", "headline": "Interim executive", "years_experience": i % 30,
        "location": {"country": "NL", "city": "Utrecht"}, "day_rate": {"amount": 900 + i % 1200, "currency": "EUR"},
        "skills": [{"skill": skills[i % 4], "level": 1 + i % 5}, {"skill": skills[(i + 1) % 4], "level": 1 + (i + 2) % 5}],
        "languages": [{"language": "nl", "proficiency": "native"}], "industries": ["retail"],
    }))
PY
size=$(stat -c %s "$work/rows.ndjson")
echo "file: $ROWS rows, $((size / 1024 / 1024)) MiB"
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
hwm() { awk '/VmHWM/ {print int($2/1024)}' "/proc/$server/status"; }

for backend in $BACKENDS; do
  case $backend in
    sqlite) url="sqlite://$work/bench.db" ;;
    postgres)
      pg_db="import_bench_$$"
      psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null
      psql "$PG_URL" -qc "CREATE DATABASE $pg_db" >/dev/null
      url="${PG_URL%/*}/$pg_db" ;;
  esac
  p=$(port)
  DATABASE_URL="$url" BIND_ADDR="127.0.0.1:$p" BOOTSTRAP_ADMIN_EMAIL=bench@example.com \
    BOOTSTRAP_ADMIN_PASSWORD="a long bench password" LOG_LEVEL=warn "$BIN" serve >"$work/$backend.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$p/ready" >/dev/null 2>&1 && break; sleep 0.1; done
  token=$(curl -fsS "http://127.0.0.1:$p/api/v1/auth/token" -d grant_type=password \
    -d username=bench@example.com --data-urlencode "password=a long bench password" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  before=$(hwm)
  start=$(date +%s.%N)
  curl -fsS -o "$work/report.json" -H "authorization: Bearer $token" -H "content-type: application/x-ndjson" \
    -T "$work/rows.ndjson" -X POST "http://127.0.0.1:$p/api/v1/candidates/import"
  end=$(date +%s.%N)
  after=$(hwm)
  python3 - "$work/report.json" "$start" "$end" "$before" "$after" "$backend" "$size" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
start, end, before, after, backend, size = float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6], int(sys.argv[7])
secs = end - start
assert report["created"] == report["rows"], {k: v for k, v in report.items() if k != "results"}
print(f"{backend:8} {report['rows']:>7} rows created in {secs:6.1f} s = {report['rows'] / secs:7.0f} rows/s; "
      f"peak RSS {before} MiB before, {after} MiB after (+{after - before} MiB for a {size // 1024 // 1024} MiB body)")
PY
  kill "$server"; wait "$server" 2>/dev/null || true; server=
done
