#!/usr/bin/env bash
# The README's quick start ("Five minutes to a first match"), run as a reader
# runs it: the sh blocks between the `quick-start` markers, in order, in one
# shell, against a fresh server on a temporary SQLite database; then, in the
# same shell, the examples of docs/integration.md (between the `examples`
# markers). Fails when a block fails or when the end state is not what the
# README promises (a need, its matches, an explanation, the PATCH applied).
#
#   bash tests/readme/run.sh          # from the repository root, after cargo build --release
#
# What the reader types is changed in four ways only: this script starts the
# server of step 1 itself (on a free port, not 8080, so it can run beside
# another server), `cargo run --release --` runs $BIN, the pasted password is
# the one the server printed, and 127.0.0.1:8080 becomes that port.
# BIN (default target/release/interim-tracker); README (default README.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-target/release/interim-tracker}
README=${README:-README.md}
[ -x "$BIN" ] || { echo "no binary at $BIN: run cargo build --release first"; exit 1; }
command -v curl >/dev/null || { echo "curl is not installed"; exit 1; }

work=$(mktemp -d)
server=
cleanup() {
  status=$?
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  if [ $status -eq 0 ]; then rm -rf "$work"; else echo "kept for a look: $work"; fi
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export DATABASE_URL="sqlite://$work/data/interim-tracker.db" BIND_ADDR="127.0.0.1:$port"
unset BOOTSTRAP_ADMIN_EMAIL BOOTSTRAP_ADMIN_PASSWORD API TOKEN AUTH NEED CANDIDATE
"$BIN" serve >"$work/server.out" 2>"$work/server.err" &
server=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.1; done
curl -fs "http://127.0.0.1:$port/ready" >/dev/null || { echo "the server did not start:"; cat "$work/server.err"; exit 1; }
password=$(sed -n 's/^ *password: *//p' "$work/server.err")
[ -n "$password" ] || { echo "the first start printed no password:"; cat "$work/server.err"; exit 1; }

# The quick start's sh blocks, in order, then those of the examples in
# docs/integration.md, with the four changes above.
BIN="$BIN" PASSWORD="$password" PORT="$port" python3 - "$README" docs/integration.md >"$work/quick-start.sh" <<'PY'
import os, re, sys
def blocks(path, marker):
    text = open(path, encoding="utf-8").read()
    part = text[text.index(f"<!-- {marker}:"):text.index(f"<!-- {marker} end -->")]
    found = re.findall(r"^```sh\n(.*?)^```$", part, flags=re.S | re.M)
    if len(found) < 5:
        sys.exit(f"only {len(found)} sh blocks between the {marker} markers of {path}")
    return [(path, n, block) for n, block in enumerate(found, 1)]
def run(path, n, block):
    if block.strip() == "cargo run --release":
        return  # step 1: the server this script started
    block = block.replace("cargo run --release --", '"$BIN"')
    block = re.sub(r"^PASSWORD='[^']*'$", "PASSWORD='%s'" % os.environ["PASSWORD"], block, flags=re.M)
    block = block.replace("127.0.0.1:8080", "127.0.0.1:" + os.environ["PORT"])
    print(f"echo; echo '== {path}, block {n}'")
    print(block, end="")
print("set -euo pipefail")
for found in blocks(sys.argv[1], "quick-start"):
    run(*found)
# What the quick start promises, checked with the reader's own variables.
print(r'''
echo; echo '== checks of the quick start'
[ -n "$TOKEN" ] && [ -n "$NEED" ] && [ -n "$CANDIDATE" ] || { echo "TOKEN, NEED or CANDIDATE is empty"; exit 1; }
expl=$(curl -fsS -H "$AUTH" "$API/api/v1/needs/$NEED/matches/$CANDIDATE")
grep -q '"filters"' <<<"$expl" || { echo "no explanation: $expl"; exit 1; }
need=$(curl -fsS -H "$AUTH" "$API/api/v1/needs/$NEED")
grep -q '"urgency":"high"' <<<"$need" || { echo "the PATCH did not apply: $need"; exit 1; }
echo "quick start: need $NEED, candidate $CANDIDATE explained, the need's urgency now high"
''')
for found in blocks(sys.argv[2], "examples"):
    run(*found)
print(r'''
echo; echo '== checks of the examples'
[ -n "$ORG" ] && [ -n "$NEED" ] && [ -n "$CLIENT_ID" ] || { echo "ORG, NEED or CLIENT_ID is empty"; exit 1; }
candidate=$(curl -fsS -H "$AUTH" "$API/api/v1/candidates/$CANDIDATE")
grep -q '"day_rate":{"amount":1550' <<<"$candidate" || { echo "the PATCH did not apply: $candidate"; exit 1; }
orgs=$(curl -fsS -H "$AUTH" "$API/api/v1/organizations?limit=200" | grep -o '"Contoso Care"' | wc -l)
[ "$orgs" -eq 1 ] || { echo "the idempotent POST created $orgs organizations"; exit 1; }
echo "examples: organization $ORG, need $NEED, candidate $CANDIDATE patched, one Contoso Care, API key $CLIENT_ID"
''')
PY
BIN="$BIN" bash "$work/quick-start.sh"
