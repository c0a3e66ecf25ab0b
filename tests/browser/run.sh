#!/usr/bin/env bash
# Swagger UI in a real browser: the one command.
#
#   bash tests/browser/run.sh          (from the repository root, once
#                                       `cargo build --release` has built the binary)
#
# 1. installs Debian's chromium with apt-get if /usr/bin/chromium is missing
#    (never a test tool's own browser download);
# 2. runs `npm ci` here if node_modules is missing or older than package-lock.json;
# 3. runs swagger-ui.mjs (BIN overrides the binary, default target/release/interim-tracker).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

if [ ! -x /usr/bin/chromium ]; then
  echo "run.sh: /usr/bin/chromium is missing; installing Debian's chromium with apt-get" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
fi

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "run.sh: node (v20 or later) and npm are needed" >&2
  exit 1
fi

# node_modules is current when it was installed from this exact lock file.
stamp="$here/node_modules/.run-sh-lock.sha256"
want="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || [ ! -d "$here/node_modules/playwright-core" ]; then
  echo "run.sh: npm ci in tests/browser" >&2
  (cd "$here" && npm ci --no-audit --no-fund)
  echo "$want" > "$stamp"
fi

cd "$root"
exec node "$here/swagger-ui.mjs"
