#!/usr/bin/env bash
# The committed spec against real tools, as an integrator would use them:
#
#   1. openapi-spec-validator validates openapi/openapi.json (OpenAPI 3.1);
#   2. openapi-python-client generates a Python client from it, failing on
#      any warning, and the client is imported;
#   3. openapi-typescript generates TypeScript types from it, failing on any
#      warning, and tsc checks them.
#
#   bash tests/generators/run.sh            # from the repository root
#
# The tools are pinned (requirements.txt, package-lock.json) and installed
# here, into .venv and node_modules. SPEC overrides the document.
set -euo pipefail
cd "$(dirname "$0")/../.."
here=tests/generators
SPEC=${SPEC:-openapi/openapi.json}
out="$here/out"

if [ ! -x "$here/.venv/bin/openapi-python-client" ] || ! cmp -s "$here/requirements.txt" "$here/.venv/requirements.txt"; then
  python3 -m venv "$here/.venv"
  "$here/.venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$here/.venv/requirements.txt"
fi
# node_modules is current when it was installed from this exact lock file.
stamp="$here/node_modules/.run-sh-lock.sha256"
want="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  (cd "$here" && npm ci --no-audit --no-fund)
  echo "$want" >"$stamp"
fi
# The Python generator formats what it writes with the ruff of its venv.
export PATH="$PWD/$here/.venv/bin:$PATH"
rm -rf "$out"
mkdir -p "$out"

echo "== openapi-spec-validator $SPEC"
openapi-spec-validator "$SPEC"

echo "== openapi-python-client"
status=0
openapi-python-client generate --path "$SPEC" --output-path "$out/python" --meta none \
  --config "$here/openapi-python-client.yaml" --fail-on-warning >"$out/python.log" 2>&1 || status=$?
cat "$out/python.log"
# --fail-on-warning fails on the generator's warnings; anything else it says about the spec fails too.
if [ $status -ne 0 ] || grep -qiE 'warning|error|unable|cannot|skipp' "$out/python.log"; then
  echo "openapi-python-client did not take the spec cleanly (exit $status)"
  exit 1
fi
(cd "$out" && python3 -c 'import python.client, python.api, python.models; print("the Python client imports")')

echo "== openapi-typescript"
"$here/node_modules/.bin/openapi-typescript" "$SPEC" -o "$out/schema.d.ts" >"$out/typescript.log" 2>&1 || status=$?
cat "$out/typescript.log"
# It prints its banner and the file it wrote; any other line is a warning or an error about the spec.
if [ $status -ne 0 ] || grep -vE '^(✨ openapi-typescript|🚀 .* → .*\[[0-9.]+m?s\])' "$out/typescript.log" | grep -q .; then
  echo "openapi-typescript did not take the spec cleanly (exit $status)"
  exit 1
fi
"$here/node_modules/.bin/tsc" --noEmit --strict --skipLibCheck false "$out/schema.d.ts"
echo "generators: the spec is valid, and both clients were generated without a warning"
