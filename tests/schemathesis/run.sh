#!/usr/bin/env bash
# Schemathesis against the running service, from the service's own spec, on
# SQLite and on PostgreSQL, once as an admin and once as an organization
# member: every check, every phase (examples, coverage, fuzzing, stateful),
# a seed drawn anew each run (printed, so a failure can be replayed with
# ST_SEED) and a time budget per run. Any failure fails the script.
#
#   bash tests/schemathesis/run.sh            # from the repository root
#
# BIN (default target/release/interim-tracker), ST_SEED (default: random), ST_MAX_TIME (seconds
# per run), ST_BACKENDS ("sqlite postgres"), ST_CHECKS (default all),
# TEST_DATABASE_URL (a PostgreSQL database whose server may get a throwaway
# database created on it), ST_ARGS (more schemathesis options, such as
# --continue-on-failure while mending).
set -euo pipefail
cd "$(dirname "$0")/../.."
here=tests/schemathesis
BIN=${BIN:-target/release/interim-tracker}
SEED=${ST_SEED:-$(python3 -c "import random; print(random.randrange(1, 2**31))")}
MAX_TIME=${ST_MAX_TIME:-120}
BACKENDS=${ST_BACKENDS:-sqlite postgres}
PG_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
CHECKS=${ST_CHECKS:-all}

[ -x "$BIN" ] || { echo "no service binary at $BIN: run cargo build --release first"; exit 1; }
echo "schemathesis seed $SEED (replay a failure with ST_SEED=$SEED)"
if [ ! -x "$here/.venv/bin/schemathesis" ] || ! cmp -s "$here/requirements.txt" "$here/.venv/requirements.txt"; then
  python3 -m venv "$here/.venv"
  "$here/.venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$here/.venv/requirements.txt"
fi
st="$here/.venv/bin/schemathesis"
# hooks.py: how NDJSON bodies are serialized; fresh Idempotency-Keys, the
# current ETag as If-Match and no made-up cursors in valid requests.
export SCHEMATHESIS_HOOKS=hooks PYTHONPATH="$PWD/$here${PYTHONPATH:+:$PYTHONPATH}"

work=$(mktemp -d)
server=
pg_db=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  [ -n "$pg_db" ] && psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

admin_email=schemathesis-admin@example.com
admin_password=schemathesis-admin-password
member_password=schemathesis-member-password

run_backend() {
  local backend=$1 url port base
  case $backend in
    sqlite) url="sqlite://$work/$backend.db" ;;
    postgres)
      pg_db="schemathesis_$$"
      psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null
      psql "$PG_URL" -qc "CREATE DATABASE $pg_db" >/dev/null
      url="${PG_URL%/*}/$pg_db" ;;
    *) echo "unknown backend $backend"; exit 1 ;;
  esac
  port=$(free_port)
  base="http://127.0.0.1:$port"
  export DATABASE_URL=$url BIND_ADDR=127.0.0.1:$port JWT_SECRET=schemathesis-jwt-secret-at-least-32-bytes \
    BOOTSTRAP_ADMIN_EMAIL=$admin_email BOOTSTRAP_ADMIN_PASSWORD=$admin_password \
    RATE_LIMIT_PER_MINUTE=1000000 TOKEN_RATE_LIMIT_PER_MINUTE=1000000 LOG_LEVEL=warn
  "$BIN" demo-data >/dev/null
  "$BIN" serve >"$work/$backend-server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do curl -fs "$base/ready" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -fsS "$base/ready" >/dev/null

  local admin_token org member_email
  admin_token=$(curl -fsS -X POST "$base/api/v1/auth/token" -d grant_type=password \
    --data-urlencode "username=$admin_email" --data-urlencode "password=$admin_password" | json_field "['access_token']")
  org=$(curl -fsS -H "Authorization: Bearer $admin_token" "$base/api/v1/organizations?limit=1" | json_field "['items'][0]['id']")
  # What valid requests refer to (hooks.py): the member's organization, a
  # global skillset, some candidates and the skill keys of the demo data.
  export ST_ORGANIZATION_ID=$org
  export ST_SKILLSET_ID=$(curl -fsS -H "Authorization: Bearer $admin_token" "$base/api/v1/skillsets?limit=100" |
    python3 -c "import json,sys; print(next(s['id'] for s in json.load(sys.stdin)['items'] if s['organization_id'] is None))")
  export ST_CANDIDATE_IDS=$(curl -fsS -H "Authorization: Bearer $admin_token" "$base/api/v1/candidates?limit=50" |
    python3 -c "import json,sys; print(','.join(c['id'] for c in json.load(sys.stdin)['items']))")
  export ST_SKILL_KEYS=$(curl -fsS -H "Authorization: Bearer $admin_token" "$base/api/v1/skills?limit=200" |
    python3 -c "import json,sys; print(','.join(s['key'] for s in json.load(sys.stdin)['items']))")

  # One worker: with several threads, CPython 3.11's ast module can fail with
  # "SystemError: AST constructor recursion depth mismatch" inside schemathesis.
  local who token status=0
  for who in admin member; do
    if [ $who = admin ]; then
      token=$admin_token
    else
      # Made after the admin's run, which may have changed or deleted any user but itself: a change to a
      # user ends their tokens at once.
      member_email="schemathesis-member-$RANDOM$RANDOM@example.com"
      curl -fsS -o /dev/null -X POST "$base/api/v1/users" -H "Authorization: Bearer $admin_token" \
        -H 'Content-Type: application/json' \
        -d "{\"email\":\"$member_email\",\"password\":\"$member_password\",\"role\":\"org_member\",\"organization_id\":\"$org\"}"
      token=$(curl -fsS -X POST "$base/api/v1/auth/token" -d grant_type=password \
        --data-urlencode "username=$member_email" --data-urlencode "password=$member_password" | json_field "['access_token']")
    fi
    # hooks.py reads the current ETag of what a valid change names.
    export ST_BASE_URL=$base ST_AUTHORIZATION="Bearer $token"
    # Who the run is: a change to its own user would end its own token (hooks.py keeps its standing).
    export ST_SELF_USER_ID=$(curl -fsS -H "Authorization: Bearer $token" "$base/api/v1/me" |
      python3 -c "import json,sys; print(json.load(sys.stdin)['subject'].removeprefix('user:'))")
    echo "== schemathesis on $backend as $who (seed $SEED, at most ${MAX_TIME}s)"
    "$st" --config-file "$here/schemathesis.toml" run "$base/openapi.json" \
      --checks "$CHECKS" ${ST_ARGS:-} --seed "$SEED" --max-time "$MAX_TIME" --workers 1 \
      --header "Authorization: Bearer $token" \
      --generation-database none --report junit --report-dir "$here/reports/$backend-$who" \
      --no-color || status=$?
    if [ $status -ne 0 ]; then
      echo "schemathesis failed on $backend as $who (exit $status)"
      failed+=("$backend as $who")
      status=0
    fi
  done
  if grep -qE ' (ERROR|WARN) ' "$work/$backend-server.log"; then
    echo "-- warnings and errors the server logged on $backend:"
    grep -E ' (ERROR|WARN) ' "$work/$backend-server.log" | tail -n 20
  fi
  kill "$server"; wait "$server" || true; server=
}

failed=()
for backend in $BACKENDS; do run_backend "$backend"; done
if [ ${#failed[@]} -gt 0 ]; then
  echo "schemathesis found failures: ${failed[*]} (seed $SEED: replay with ST_SEED=$SEED)"
  exit 1
fi
echo "schemathesis: no failures (backends: $BACKENDS; seed $SEED)"
