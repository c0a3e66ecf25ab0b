#!/usr/bin/env python3
"""Helpers of tests/sync/run.sh (standard library only), one sub-command each.

Every command that talks to a server logs in as the bootstrap admin
(ADMIN_EMAIL, ADMIN_PASSWORD from the environment). A failed check prints
FAIL and exits 1.
"""

import argparse
import http.client
import http.server
import json
import os
import socket
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def ok(message):
    print(f"  ok: {message}")


# --- HTTP as the admin --------------------------------------------------------


def call(method, url, body=None, headers=None, token=None):
    """One request; answers (status, headers, body as bytes)."""
    headers = dict(headers or {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def admin_token(base):
    form = urllib.parse.urlencode({"grant_type": "password", "username": os.environ["ADMIN_EMAIL"],
                                   "password": os.environ["ADMIN_PASSWORD"]}).encode()
    status, _, body = call("POST", f"{base}/api/v1/auth/token", form,
                           {"Content-Type": "application/x-www-form-urlencoded"})
    if status != 200:
        fail(f"admin login at {base}: {status} {body[:200]!r}")
    return json.loads(body)["access_token"]


def admin_json(method, base, path, payload=None, headers=None, expect=(200,)):
    token = admin_token(base)
    body = None
    headers = dict(headers or {})
    if payload is not None:
        body = json.dumps(payload).encode()
        headers.setdefault("Content-Type", "application/json")
    status, response_headers, data = call(method, base + path, body, headers, token)
    if status not in expect:
        fail(f"{method} {base}{path}: {status} {data[:300]!r}")
    return response_headers, (json.loads(data) if data else None)


def export(base):
    """Every candidate of an instance, as the admin sees them."""
    status, _, body = call("GET", f"{base}/api/v1/candidates/export?sort=created_at", token=admin_token(base))
    if status != 200:
        fail(f"export of {base}: {status}")
    return [json.loads(line) for line in body.splitlines() if line.strip()]


def total(base):
    _, page = admin_json("GET", base, "/api/v1/candidates?include_total=true&limit=1")
    return page["total"]


# --- sub-commands -------------------------------------------------------------


def cmd_free_port(_args):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        print(probe.getsockname()[1])


def cmd_wait_ready(args):
    deadline = time.monotonic() + args.seconds
    while time.monotonic() < deadline:
        try:
            if call("GET", f"{args.base}/ready")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    fail(f"{args.base} not ready after {args.seconds} s")


def cmd_api_key(args):
    """Creates an API key; prints its client id and secret on one line."""
    _, key = admin_json("POST", args.base, "/api/v1/api-keys",
                        {"name": args.name, "scopes": args.scopes}, expect=(201,))
    print(key["id"], key["client_secret"])


def cmd_total(args):
    print(total(args.base))


def cmd_same_total(args):
    source, target = total(args.source), total(args.target)
    if source != target:
        fail(f"{args.what}: the source has {source} candidates, the target {target}")
    ok(f"{args.what}: source and target both hold {source} candidates")


def cmd_same_content(args):
    """Every candidate of the source is on the target with equal writable
    fields (CandidateInput's), matched by e-mail; the target has no other."""
    _, _, body = call("GET", f"{args.target}/openapi.json")
    fields = json.loads(body)["components"]["schemas"]["CandidateInput"]["properties"]

    def by_email(rows):
        return {row["email"]: {k: v for k, v in row.items() if k in fields} for row in rows}

    source, target = by_email(export(args.source)), by_email(export(args.target))
    if source.keys() != target.keys():
        fail(f"{args.what}: e-mails differ: only on the source {sorted(source.keys() - target.keys())[:5]}, "
             f"only on the target {sorted(target.keys() - source.keys())[:5]}")
    differing = [email for email in source if source[email] != target[email]]
    if differing:
        email = differing[0]
        diff = {k: (source[email].get(k), target[email].get(k)) for k in fields
                if source[email].get(k) != target[email].get(k)}
        fail(f"{args.what}: {len(differing)} candidates differ, e.g. {email}: {diff}")
    ok(f"{args.what}: all {len(source)} candidates have the same {len(fields)} writable fields on both sides")


def cmd_pick(args):
    """Prints the id and e-mail of the source's n-th candidate (by creation)."""
    row = export(args.base)[args.index]
    print(row["id"], row["email"])


def cmd_patch(args):
    """PATCHes a candidate with a merge patch, against its current ETag."""
    headers, current = admin_json("GET", args.base, f"/api/v1/candidates/{args.id}")
    patch = json.loads(args.patch)
    if args.add_skill:
        patch["skills"] = current["skills"] + [{"skill": args.add_skill, "level": 3, "years": 2}]
    admin_json("PATCH", args.base, f"/api/v1/candidates/{args.id}", patch,
               {"If-Match": headers["ETag"], "Content-Type": "application/merge-patch+json"})


def cmd_delete_one(args):
    """Deletes one of the source's candidates from the n-th on (by creation): the first that holds no
    assignment (those are refused, 409); prints its id and e-mail."""
    token = admin_token(args.base)
    for row in export(args.base)[args.index:]:
        status, _, body = call("DELETE", f"{args.base}/api/v1/candidates/{row['id']}", None, {"If-Match": "*"}, token)
        if status == 204:
            print(row["id"], row["email"])
            return
        if status != 409:
            fail(f"DELETE candidate {row['id']}: {status} {body[:300]!r}")
    fail("no candidate could be deleted")


def cmd_merge_two(args):
    """Merges two of the source's candidates, from the n-th on (by creation): the first neighbours whose
    assignments do not overlap (those are refused, 409); prints the survivor's and the merged one's ids."""
    token = admin_token(args.base)
    rows = export(args.base)[args.index:]
    for survivor, duplicate in zip(rows, rows[1:]):
        payload = json.dumps({"duplicate_id": duplicate["id"]}).encode()
        status, _, body = call("POST", f"{args.base}/api/v1/candidates/{survivor['id']}/merge", payload,
                               {"Content-Type": "application/json"}, token)
        if status == 200:
            print(survivor["id"], duplicate["id"])
            return
        if status != 409:
            fail(f"merging {duplicate['id']} into {survivor['id']}: {status} {body[:300]!r}")
    fail("no two candidates could be merged")


def cmd_add_skill(args):
    admin_json("POST", args.base, "/api/v1/skills",
               {"key": args.key, "name": "Sync test skill", "category": args.category}, expect=(201,))


def cmd_field_of(args):
    """Prints a field of the candidate with this e-mail, as JSON."""
    rows = [r for r in export(args.base) if r["email"] == args.email]
    if len(rows) != 1:
        fail(f"{args.base} holds {len(rows)} candidates with e-mail {args.email}")
    print(json.dumps(rows[0].get(args.field)))


def cmd_expect(args):
    """Checks a --report-json file: key=value pairs (value a JSON literal),
    or key>=value."""
    with open(args.report) as file:
        report = json.load(file)
    for condition in args.conditions:
        if ">=" in condition:
            key, value = condition.split(">=", 1)
            good = report.get(key) is not None and report[key] >= json.loads(value)
        else:
            key, value = condition.split("=", 1)
            good = report.get(key) == json.loads(value)
        if not good:
            fail(f"{args.what}: expected {condition}, the report has {key}={json.dumps(report.get(key))}; "
                 f"report: {json.dumps(report)[:1500]}")
    ok(f"{args.what}: " + ", ".join(args.conditions))


def cmd_flaky_proxy(args):
    """Forwards to 127.0.0.1:--upstream, with the faults asked for:
    --fail-first-import: the first import answered 503 with Retry-After: 1,
    as a busy database would; --max-body: larger bodies answered 413, as a
    reverse proxy's body limit would; --cut-first-export: the first export
    cut off after 40 % of its bytes (at the end of a line), as a dropped
    connection would. Keeps the
    count of each fault in --count-file (JSON)."""
    faults = {"import_503": 0, "too_large": 0, "export_cut": 0}
    lock = threading.Lock()

    def inject(command, path, body):
        """Which fault this request gets, if any (and counts it)."""
        with lock:
            fault = None
            if args.fail_first_import and command == "POST" and path.startswith("/api/v1/candidates/import") \
                    and faults["import_503"] == 0:
                fault = "import_503"
            elif args.max_body and len(body) > args.max_body:
                fault = "too_large"
            elif args.cut_first_export and path.startswith("/api/v1/candidates/export") \
                    and faults["export_cut"] == 0:
                fault = "export_cut"
            if fault:
                faults[fault] += 1
                with open(args.count_file, "w") as file:
                    json.dump(faults, file)
            return fault

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def handle_any(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            fault = inject(self.command, self.path, body)
            if fault == "import_503":
                self.problem(503, "injected by the test proxy", {"Retry-After": "1"})
                return
            if fault == "too_large":
                self.problem(413, f"the test proxy takes at most {args.max_body} bytes", {})
                return
            status, headers, data = self.forward(body)
            if fault == "export_cut":
                # Announce the whole body, send its lines up to 40 % of it,
                # hang up: only the missing bytes tell the cut.
                self.answer(status, headers, data, send=data.rindex(b"\n", 0, int(len(data) * 0.4)) + 1)
                self.close_connection = True
                return
            self.answer(status, headers, data)

        def forward(self, body):
            upstream = http.client.HTTPConnection("127.0.0.1", args.upstream, timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
            upstream.request(self.command, self.path, body or None, headers)
            response = upstream.getresponse()
            data = response.read()
            passed = {k: v for k, v in response.getheaders()
                      if k.lower() not in ("transfer-encoding", "connection", "content-length")}
            upstream.close()
            return response.status, passed, data

        def problem(self, status, detail, headers):
            body = json.dumps({"type": "urn:interim-tracker:problem:test-proxy", "title": "injected",
                               "status": status, "detail": detail}).encode()
            self.answer(status, {"Content-Type": "application/problem+json", **headers}, body)

        def answer(self, status, headers, data, send=None):
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data if send is None else data[:send])

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = handle_any

    with open(args.count_file, "w") as file:
        json.dump(faults, file)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.serve_forever()


def cmd_hold_lock(args):
    """Holds the sync's lock (as a running sync does) until killed."""
    import fcntl
    with open(args.lock_file, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        open(args.ready_file, "w").close()
        time.sleep(120)


def cmd_faults(args):
    """Checks a proxy's --count-file: name=count pairs."""
    with open(args.count_file) as file:
        faults = json.load(file)
    for condition in args.conditions:
        at_least = ">=" in condition
        name, count = condition.split(">=" if at_least else "=", 1)
        injected = faults.get(name, 0)
        if injected < int(count) if at_least else injected != int(count):
            fail(f"{args.what}: the proxy injected {faults}, expected {condition}")
    ok(f"{args.what}: the proxy injected " + ", ".join(args.conditions))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name, function, *arguments):
        """A sub-command; each argument a name, or (flags, add_argument options)."""
        sub = commands.add_parser(name)
        for argument in arguments:
            if isinstance(argument, tuple):
                sub.add_argument(*argument[0], **argument[1])
            else:
                sub.add_argument(argument)
        sub.set_defaults(function=function)

    command("free-port", cmd_free_port)
    command("wait-ready", cmd_wait_ready, "base", (["--seconds"], {"type": float, "default": 30}))
    command("api-key", cmd_api_key, "base", "name", (["scopes"], {"nargs": "+"}))
    command("total", cmd_total, "base")
    command("same-total", cmd_same_total, "what", "source", "target")
    command("same-content", cmd_same_content, "what", "source", "target")
    command("pick", cmd_pick, "base", (["index"], {"type": int}))
    command("patch", cmd_patch, "base", "id", "patch", (["--add-skill"], {}))
    command("delete-one", cmd_delete_one, "base", (["index"], {"type": int}))
    command("merge-two", cmd_merge_two, "base", (["index"], {"type": int}))
    command("add-skill", cmd_add_skill, "base", "key", (["--category"], {"default": "leadership"}))
    command("field-of", cmd_field_of, "base", "email", "field")
    command("expect", cmd_expect, "what", "report", (["conditions"], {"nargs": "+"}))
    command("flaky-proxy", cmd_flaky_proxy, (["--port"], {"type": int, "required": True}),
            (["--upstream"], {"type": int, "required": True}), (["--count-file"], {"required": True}),
            (["--fail-first-import"], {"action": "store_true"}), (["--max-body"], {"type": int}),
            (["--cut-first-export"], {"action": "store_true"}))
    command("hold-lock", cmd_hold_lock, "lock_file", "ready_file")
    command("faults", cmd_faults, "what", "count_file", (["conditions"], {"nargs": "+"}))
    args = parser.parse_args()
    args.function(args)


if __name__ == "__main__":
    main()
