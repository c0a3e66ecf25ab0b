#!/usr/bin/env python3
"""Nightly candidate sync between two interim-tracker instances.

Exports the candidates changed on a SOURCE instance since the last run and
imports them into a TARGET instance: for example from the practice's instance
into a client's HR-side instance. Python 3.8+, standard library only.

A run:
  1. reads the watermark (when the last successful run started) from the
     state file; there is none on the first run, which copies everything;
  2. logs in to both sides with API keys (client credentials): the source
     key needs `candidates:read`, the target key `candidates:write`;
  3. records this run's start time BEFORE exporting, from the source's own
     clock (the Date header of its token answer), so a change made while the
     export runs is picked up by the next run;
  4. streams GET /api/v1/candidates/export?updated_since=...&sort=updated_at
     line by line, from the watermark minus --overlap-seconds (a margin for
     transactions still committing at the last start and for clock
     differences between the source's instances; re-sent rows come out
     `unchanged`); a stream cut short is resumed where it stopped;
  5. keeps only the fields of the target's CandidateInput schema (read from
     its /openapi.json at every run: the target refuses unknown fields);
  6. --mode import (default): POSTs the rows as NDJSON to
     /api/v1/candidates/import, --chunk-size rows per request. An import is
     an upsert (by external_id, else e-mail), so a retried chunk cannot
     duplicate anything.
     --mode single: POSTs each candidate to /api/v1/candidates with
     `Idempotency-Key: sync-<source id>-v<version>`, so a retry or a re-run
     within the target's 24 hours replays the first answer instead of writing
     again. Candidates the target already has (409) are reported as skipped:
     single mode creates, it never updates;
  7. before importing, deletes on the target the copies of candidates
     deleted or merged away on the source (see "Deletions and merges");
  8. prints a summary and writes the new watermark only when every row
     landed. Rows the target refused are listed (by source id, never by
     name or e-mail) and keep the watermark where it was, so the next run
     sends them again once the cause is fixed (e.g. a skill missing from the
     target's taxonomy).

Requests are retried with exponential back-off on connection errors, 408,
429 and 5xx, honouring Retry-After; an expired token is renewed once. All
the POSTs made are safe to repeat (upserts, or Idempotency-Key).

Deletions and merges: each run also reads the source's change feed
(GET /api/v1/changes?resource=candidate) from where the last run left it,
and deletes on the target the copies of candidates deleted on the source or
merged into another there (before importing; the survivor's own change
comes with the export). The state file keeps the feed's position and, for
each candidate synced, the id of its copy on the target (from the import's
results). When the feed no longer holds the position (the source keeps
changes for CHANGES_KEPT_DAYS), or with --full, the run exports everything
and deletes the copies of every synced candidate the export did not list.
A 404 or 308 from the target's DELETE means the copy is gone already.

Not synced: in single mode, changes to candidates the target already has.

Secrets come from the environment only (command lines are visible to every
user of the machine): SYNC_SOURCE_CLIENT_SECRET, SYNC_TARGET_CLIENT_SECRET.
Every other option can also come from the environment variable named in
--help.

Exit codes:
  0   every row landed (or, with --dry-run, would land); watermark advanced
      (not with --dry-run)
  1   the run could not finish: a side unreachable after the retries,
      credentials refused, an unexpected answer, another run holding the
      lock; the watermark is unchanged
  2   the run finished but the target refused some rows (listed); the
      watermark is unchanged
  64  usage error: a missing option or secret, a state file of another
      source/target pair
  130 interrupted
"""

import argparse
import contextlib
import email.utils
import http.client
import json
import os
import random
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone

EXIT_OK, EXIT_FAILED_RUN, EXIT_ROWS_REFUSED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 64, 130

TOKEN_PATH = "/api/v1/auth/token"
EXPORT_PATH = "/api/v1/candidates/export"
IMPORT_PATH = "/api/v1/candidates/import"
CANDIDATES_PATH = "/api/v1/candidates"
CHANGES_PATH = "/api/v1/changes"
NDJSON = "application/x-ndjson"
RETRY_STATUSES = {408, 429, 500, 502, 503, 504}
# Failed rows listed in the summary; the --report-json file has them all.
FAILURES_SHOWN = 50


class SyncError(Exception):
    """The run cannot finish (exit 1)."""


class UsageError(Exception):
    """The run cannot start as configured (exit 64)."""


class StreamCut(Exception):
    """The export stream ended before its last line."""


class FeedExpired(Exception):
    """The source's change feed no longer holds the position kept (410)."""


def log(message):
    print(f"nightly_sync: {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# HTTP


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)

    def problem(self):
        """The problem+json (or OAuth error) body, or {} when there is none."""
        try:
            body = json.loads(self.body)
        except ValueError:
            return {}
        return body if isinstance(body, dict) else {}

    def describe(self):
        problem = self.problem()
        detail = problem.get("detail") or problem.get("error_description") or problem.get("error")
        return f"HTTP {self.status}: {detail or self.body[:200].decode('utf-8', 'replace')}"


class Client:
    """One side of the sync: its base URL, API key and retry policy."""

    def __init__(self, name, base_url, client_id, client_secret, args, run_id):
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.client_id, self.client_secret = client_id, client_secret
        self.timeout = args.timeout
        self.max_attempts = args.max_attempts
        self.max_wait = args.max_wait
        self.run_id = run_id
        self.token = None
        self.requests = 0
        self.retries = 0

    def login(self):
        """Exchanges the API key for a token; answers the source's clock
        (its Date header) at that moment, or ours if it sends none."""
        form = urllib.parse.urlencode({
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        response = self._send("POST", TOKEN_PATH, form, headers, authenticated=False)
        if response.status != 200:
            raise SyncError(f"{self.name}: the API key was refused ({response.describe()})")
        self.token = response.json()["access_token"]
        return server_time(response.headers)

    def request(self, method, path, body=None, headers=None):
        """Sends a request with retries and answers the whole Response, of
        any status the retries could not turn into another one."""
        response = self._send(method, path, body, headers or {})
        if response.status == 401:
            # A token expires after an hour by default: a long run renews it once.
            self.login()
            response = self._send(method, path, body, headers or {})
        return response

    def stream_ndjson(self, path):
        """Yields the JSON objects of an NDJSON answer as they arrive;
        raises StreamCut when the stream breaks off."""
        response = self._send("GET", path, None, {"Accept": NDJSON}, stream=True)
        if response.status == 401:
            self.login()
            response = self._send("GET", path, None, {"Accept": NDJSON}, stream=True)
        if isinstance(response, Response):  # Not a 200: read whole, an error.
            raise SyncError(f"{self.name}: GET {path}: {response.describe()}")
        with response:
            try:
                for line in response:
                    # The server ends every line with a newline: one without
                    # was cut off (a connection that dropped mid-line).
                    if not line.endswith(b"\n"):
                        raise StreamCut("the last line is incomplete")
                    if line.strip():
                        yield json.loads(line)
                # A proxy may answer with a Content-Length instead of chunks:
                # then a cut between two lines is only seen as bytes missing.
                if response.length:
                    raise StreamCut(f"{response.length} bytes of the answer never came")
            except (OSError, http.client.HTTPException, ValueError) as error:
                raise StreamCut(f"{type(error).__name__}: {error}") from error

    def _send(self, method, path, body, headers, authenticated=True, stream=False):
        """One request, retried on connection errors and RETRY_STATUSES.
        With stream=True a 200 answer is returned unread (the caller reads
        it as it arrives); every other answer is read whole."""
        attempt = 0
        while True:
            attempt += 1
            self.requests += 1
            request = self._build(method, path, body, headers, authenticated)
            retry_after = None
            try:
                response = self._open(request)
                if stream and response.status == 200:
                    return response
                with response:
                    result = Response(response.status, response.headers, response.read())
                if result.status not in RETRY_STATUSES:
                    return result
                failure = result.describe()
                retry_after = parse_retry_after(result.headers.get("Retry-After"))
            except (OSError, http.client.HTTPException) as error:
                # URLError, refused or reset connections, timeouts, cut answers.
                failure = f"{type(error).__name__}: {error}"
                result = None
            request_id = request.get_header("X-request-id")
            if attempt >= self.max_attempts:
                if result is not None:
                    return result  # The caller reports the status it got.
                raise SyncError(f"{self.name}: {method} {path} failed {attempt} times, "
                                f"last: {failure} (request id {request_id})")
            delay = self.backoff_delay(attempt, retry_after)
            self.retries += 1
            log(f"{self.name}: {method} {path}: {failure} (request id {request_id}); "
                f"retry {attempt}/{self.max_attempts - 1} in {delay:.1f} s")
            time.sleep(delay)

    def _build(self, method, path, body, headers, authenticated):
        all_headers = {
            "User-Agent": "interim-tracker-nightly-sync/1",
            # Ours, so the server's log lines of this run can be found by it.
            "X-Request-Id": f"sync-{self.run_id}-{self.requests}",
            **headers,
        }
        if authenticated and self.token:
            all_headers["Authorization"] = f"Bearer {self.token}"
        return urllib.request.Request(self.base_url + path, data=body, method=method, headers=all_headers)

    def _open(self, request):
        try:
            return urllib.request.urlopen(request, timeout=self.timeout)
        except urllib.error.HTTPError as error:
            return error  # A 4xx or 5xx answer is an answer: its status decides.

    def backoff_delay(self, attempt, retry_after=None):
        """The server's Retry-After when it gives one, else exponential
        back-off (1, 2, 4 ... s) with jitter, so that several clients that
        failed together do not come back together."""
        if retry_after is not None:
            return min(retry_after, self.max_wait)
        ceiling = min(self.max_wait, 2.0 ** (attempt - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)


def parse_retry_after(value):
    """Retry-After in seconds: a number of seconds or an HTTP date."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = as_utc(email.utils.parsedate_to_datetime(value))
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def server_time(headers):
    """The server's clock from its Date header (whole seconds, rounded
    down, which only makes the next export start earlier)."""
    try:
        return as_utc(email.utils.parsedate_to_datetime(headers.get("Date")))
    except (TypeError, ValueError):
        return datetime.now(timezone.utc)


def as_utc(moment):
    """HTTP dates are UTC; one without a zone (`-0000`) is taken as UTC too."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def rfc3339(moment):
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------------------
# Export and field selection


def writable_fields(target):
    """CandidateInput's properties in the target's own spec: what it accepts
    today, so the script follows the spec without a change here."""
    response = target.request("GET", "/openapi.json")
    if response.status != 200:
        raise SyncError(f"target: GET /openapi.json: {response.describe()}")
    try:
        return frozenset(response.json()["components"]["schemas"]["CandidateInput"]["properties"])
    except (ValueError, KeyError, TypeError) as error:
        raise SyncError(f"target: /openapi.json has no CandidateInput properties ({error})") from error


def changed_candidates(source, since, stats):
    """Yields the source's candidates changed at or after `since` (all when
    None), oldest change first. A stream that breaks off is requested again
    from the updated_at of the last row received; the rows received at that
    exact instant are skipped, so each row is yielded once. It gives up
    after --max-attempts cuts in a row without a single row between them."""
    resume_from, last_at, ids_at_last = since, None, set()
    cuts = 0
    while True:
        query = {"sort": "updated_at"}
        if resume_from:
            query["updated_since"] = resume_from
        try:
            for row in source.stream_ndjson(f"{EXPORT_PATH}?{urllib.parse.urlencode(query)}"):
                if row["updated_at"] == last_at and row["id"] in ids_at_last:
                    continue
                if row["updated_at"] != last_at:
                    last_at, ids_at_last = row["updated_at"], set()
                ids_at_last.add(row["id"])
                stats["exported"] += 1
                cuts = 0
                yield row
            return
        except StreamCut as cut:
            cuts += 1
            if cuts >= source.max_attempts:
                raise SyncError(f"source: the export broke off {cuts} times, last: {cut}") from cut
            resume_from = last_at or since
            stats["export_resumed"] += 1
            log(f"source: the export broke off ({cut}); resuming from {resume_from or 'the start'}")
            time.sleep(source.backoff_delay(cuts))


def as_input(row, fields, dropped):
    """The row reduced to the target's writable fields; the names of the
    others (id, version, timestamps ...) are collected for the summary."""
    dropped.update(name for name in row if name not in fields)
    return {name: value for name, value in row.items() if name in fields}


# ---------------------------------------------------------------------------
# Import mode


def import_all(target, rows, fields, args, stats):
    """Sends the rows through the import endpoint in chunks of --chunk-size
    rows, or fewer once the target has refused a chunk as too large."""
    limit = {"rows": args.chunk_size}
    chunk = []
    for row in rows:
        line = json.dumps(as_input(row, fields, stats["dropped"]), ensure_ascii=False, separators=(",", ":"))
        chunk.append((row["id"], line))
        if len(chunk) >= limit["rows"]:
            import_chunk(target, chunk, args.dry_run, stats, limit)
            chunk = []
    if chunk:
        import_chunk(target, chunk, args.dry_run, stats, limit)


def import_chunk(target, chunk, dry_run, stats, limit):
    """Imports (source id, NDJSON line) pairs and counts each row's result.
    A body too large for the target or a proxy in front of it (413: nginx
    takes 1 MiB by default) is split in two, and later chunks are kept to
    that size."""
    body = ("\n".join(line for _, line in chunk) + "\n").encode("utf-8")
    path = IMPORT_PATH + ("?dry_run=true" if dry_run else "")
    response = target.request("POST", path, body, {"Content-Type": NDJSON})
    if response.status == 413 and len(chunk) > 1:
        half = len(chunk) // 2
        log(f"target: {len(chunk)} rows ({len(body)} bytes) are too large for one request; "
            f"sending {half} and {len(chunk) - half}")
        if half < limit["rows"]:
            limit["rows"] = half
            log(f"target: at most {half} rows a request from now on")
        import_chunk(target, chunk[:half], dry_run, stats, limit)
        import_chunk(target, chunk[half:], dry_run, stats, limit)
        return
    if response.status == 413:
        record(stats, "failed", chunk[0][0], [{"field": "", "code": "too_large", "message": response.describe()}])
        return
    if response.status != 200:
        raise SyncError(f"target: POST {path}: {response.describe()}")
    stats["import_requests"] += 1
    results = response.json().get("results", [])
    if len(results) != len(chunk):
        raise SyncError(f"target: the import answered {len(results)} results for {len(chunk)} rows")
    for result in results:
        source_id = chunk[result["row"] - 1][0]
        record(stats, result["status"], source_id, result.get("errors", []))
        if not dry_run and result.get("id") and result["status"] in ("created", "updated", "unchanged"):
            stats["targets"][source_id] = result["id"]


# ---------------------------------------------------------------------------
# Single mode


def post_all_singly(target, rows, fields, stats):
    for row in rows:
        # The same bytes at every run (sorted keys), so that a replay of the
        # key meets the body it was first sent with.
        body = json.dumps(as_input(row, fields, stats["dropped"]), sort_keys=True,
                          ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        key = f"sync-{row['id']}-v{row['version']}"
        status, errors, target_id = post_one(target, body, key)
        record(stats, status, row["id"], errors)
        if target_id:
            stats["targets"][row["id"]] = target_id


def post_one(target, body, key):
    """POSTs one candidate with its Idempotency-Key; answers the row's
    status (created, replayed, skipped or failed), its errors and the id of
    the target's copy (when created or replayed)."""
    headers = {"Content-Type": "application/json", "Idempotency-Key": key}
    for attempt in range(1, target.max_attempts + 1):
        response = target.request("POST", CANDIDATES_PATH, body, headers)
        replayed = response.headers.get("Idempotent-Replayed", "").lower() == "true"
        if response.status == 201:
            return ("replayed" if replayed else "created"), [], response.json().get("id")
        problem = response.problem()
        if response.status == 409 and not replayed and "Idempotency-Key" in problem.get("detail", ""):
            # An earlier attempt with this key is still running on the
            # target (our client gave up on it): wait for its answer.
            time.sleep(target.backoff_delay(attempt))
            continue
        if response.status == 409:
            # The e-mail or external id is taken: the target has this person
            # already (a replayed 409 is the answer of an earlier run).
            return "skipped", [], None
        if response.status in (400, 413, 422):
            refused = [{"field": "", "code": "refused", "message": response.describe()}]
            return "failed", problem.get("errors") or refused, None
        raise SyncError(f"target: POST {CANDIDATES_PATH}: {response.describe()}")
    raise SyncError(f"target: the request with Idempotency-Key {key} stayed in progress")


# ---------------------------------------------------------------------------
# Deletions and merges


def feed_position(source):
    """Where the source's change feed stands now."""
    response = source.request("GET", f"{CHANGES_PATH}?since=now&resource=candidate")
    if response.status != 200:
        raise SyncError(f"source: GET {CHANGES_PATH}: {response.describe()}")
    return response.json()["next_since"]


def gone_since(source, since):
    """The source ids of the candidates deleted or merged away after the feed
    position `since`, and the position after them; raises FeedExpired (410)."""
    gone = set()
    while True:
        query = urllib.parse.urlencode({"since": since, "resource": "candidate", "limit": 200})
        response = source.request("GET", f"{CHANGES_PATH}?{query}")
        if response.status == 410:
            raise FeedExpired(response.describe())
        if response.status != 200:
            raise SyncError(f"source: GET {CHANGES_PATH}: {response.describe()}")
        page = response.json()
        for change in page["items"]:
            if change["action"] in ("deleted", "merged"):
                gone.add(change["resource_id"])
            elif change["action"] == "created":
                gone.discard(change["resource_id"])
        since = page["next_since"]
        if not page["has_more"]:
            return gone, since


def delete_copies(target, gone, dry_run, stats):
    """Deletes the target's copies of the source candidates in `gone`, as far
    as this sync made them; a copy already gone (404, or merged there: 308)
    counts as deleted."""
    targets = stats["targets"]
    for source_id in sorted(gone):
        target_id = targets.get(source_id)
        if target_id is None:
            stats["deletions_unknown"] += 1
            continue
        if not dry_run:
            path = f"{CANDIDATES_PATH}/{urllib.parse.quote(target_id)}"
            response = target.request("DELETE", path, None, {"If-Match": "*"})
            if response.status not in (204, 404, 308):
                raise SyncError(f"target: DELETE {path}: {response.describe()}")
            del targets[source_id]
        stats["deleted"] += 1


def listing(rows, seen):
    """The rows, noting each source id in `seen`."""
    for row in rows:
        seen.add(row["id"])
        yield row


# ---------------------------------------------------------------------------
# State, summary, main


def new_stats():
    return {"exported": 0, "export_resumed": 0, "import_requests": 0, "created": 0, "updated": 0,
            "unchanged": 0, "replayed": 0, "skipped": 0, "failed": 0, "failures": [], "dropped": set(),
            "deleted": 0, "deletions_unknown": 0, "targets": {}}


def record(stats, status, source_id, errors):
    if status not in ("created", "updated", "unchanged", "replayed", "skipped", "failed"):
        raise SyncError(f"target: unknown row status {status!r}")
    stats[status] += 1
    if status == "failed":
        stats["failures"].append({"source_id": source_id, "errors": errors})


def load_state(path, source_url, target_url):
    """The state of the last successful run for this source and target (its
    watermark, the change feed's position and the ids of the target's
    copies), or {}. A state file of another pair is refused: its watermark
    would skip every candidate changed before it."""
    try:
        with open(path, encoding="utf-8") as file:
            state = json.load(file)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise UsageError(f"cannot read the state file {path}: {error}") from error
    if (state.get("source"), state.get("target")) != (source_url, target_url):
        raise UsageError(f"the state file {path} belongs to {state.get('source')} -> {state.get('target')}; "
                         "use one state file per source and target")
    return state


def write_json(path, state):
    """Writes a JSON file atomically: a crash leaves the old file or the
    new one, never half of one."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "w", encoding="utf-8") as file:
        json.dump(state, file, indent=2)
        file.write("\n")
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)


def hold_lock(state_file):
    """An exclusive lock next to the state file, held while the returned
    file is open, so that two runs (a slow night and the next one) never
    overlap."""
    try:
        import fcntl
    except ImportError:  # Not on POSIX: no lock.
        return contextlib.nullcontext()
    os.makedirs(os.path.dirname(os.path.abspath(state_file)), exist_ok=True)
    lock = open(f"{state_file}.lock", "a")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        lock.close()
        raise SyncError(f"another run holds {state_file}.lock") from error
    return lock


def print_summary(args, since, stats, retries):
    mode = args.mode + (" (dry run: nothing written)" if args.dry_run else "")
    print(f"source {args.source_url} -> target {args.target_url}, mode {mode}")
    print(f"changes since {since or 'the beginning (first run, or --full)'}: {stats['exported']} exported")
    if args.mode == "import":
        print(f"created {stats['created']}, updated {stats['updated']}, unchanged {stats['unchanged']}, "
              f"failed {stats['failed']} ({stats['import_requests']} import requests)")
    else:
        print(f"created {stats['created']}, replayed {stats['replayed']}, skipped (already on the target) "
              f"{stats['skipped']}, failed {stats['failed']}")
    for failure in stats["failures"][:FAILURES_SHOWN]:
        reasons = "; ".join(f"{e.get('field') or '(row)'}: {e.get('message')} ({e.get('code')})"
                            for e in failure["errors"]) or "no reason given"
        print(f"  failed: source candidate {failure['source_id']}: {reasons}")
    if stats["failed"] > FAILURES_SHOWN:
        print(f"  ... and {stats['failed'] - FAILURES_SHOWN} more failed rows")
    if stats["deleted"] or stats["deletions_unknown"]:
        print(f"deleted on the target (gone on the source): {stats['deleted']}; "
              f"gone but never synced here: {stats['deletions_unknown']}")
    if retries or stats["export_resumed"]:
        print(f"retries: {retries}; export resumptions: {stats['export_resumed']}")
    if stats["dropped"]:
        print(f"not sent (not writable on the target): {', '.join(sorted(stats['dropped']))}")


def write_report(path, report):
    if path:
        write_json(path, report)


def sync(args, source, target, stats):
    """One run; answers (since, this run's start time, the feed's position)."""
    state = load_state(args.state_file, args.source_url, args.target_url)
    watermark, feed = state.get("watermark"), state.get("feed_since")
    stats["targets"] = dict(state.get("targets") or {})
    since = None
    if watermark and not args.full:
        since = rfc3339(datetime.fromisoformat(watermark.replace("Z", "+00:00"))
                        - timedelta(seconds=args.overlap_seconds))
    started = source.login()  # Before the export: see step 3 above.
    target.login()
    # Before the export too: what is deleted while it runs is read next time.
    reconcile, gone = bool(args.full and stats["targets"]), set()
    if feed and not args.full:
        try:
            gone, next_feed = gone_since(source, feed)
        except FeedExpired as expired:
            log(f"source: the change feed no longer holds position {feed} ({expired}); exporting everything")
            since, reconcile, next_feed = None, True, feed_position(source)
    else:
        next_feed = feed_position(source)
    # Deletions first: a new candidate may reuse a deleted one's e-mail.
    delete_copies(target, gone, args.dry_run, stats)
    fields = writable_fields(target)
    seen = set()
    rows = listing(changed_candidates(source, since, stats), seen)
    if args.mode == "import":
        import_all(target, rows, fields, args, stats)
    else:
        post_all_singly(target, rows, fields, stats)
    if reconcile:
        delete_copies(target, set(stats["targets"]) - seen, args.dry_run, stats)
    return since, rfc3339(started), next_feed


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    env = os.environ.get

    def option(flag, variable, help_text, default=None, **kwargs):
        # The environment variable, when set, replaces the default.
        parser.add_argument(flag, default=env(variable, default), help=f"{help_text} [env {variable}]", **kwargs)

    option("--source-url", "SYNC_SOURCE_URL", "base URL of the instance to export from")
    option("--source-client-id", "SYNC_SOURCE_CLIENT_ID", "API key id (candidates:read) on the source; "
           "its secret from SYNC_SOURCE_CLIENT_SECRET")
    option("--target-url", "SYNC_TARGET_URL", "base URL of the instance to import into")
    option("--target-client-id", "SYNC_TARGET_CLIENT_ID", "API key id (candidates:write) on the target; "
           "its secret from SYNC_TARGET_CLIENT_SECRET")
    option("--state-file", "SYNC_STATE_FILE", "JSON file holding the watermark, one per source and target; "
           "FILE.lock beside it keeps runs apart",
           default="nightly_sync.state.json")
    option("--mode", "SYNC_MODE", "import: upsert in chunks (default); single: create one by one with "
           "Idempotency-Key, skip existing", default="import", choices=("import", "single"))
    option("--chunk-size", "SYNC_CHUNK_SIZE", "rows per import request (default 1000)", default="1000", type=int)
    option("--overlap-seconds", "SYNC_OVERLAP_SECONDS", "export from this long before the watermark "
           "(default 300)", default="300", type=int)
    option("--max-attempts", "SYNC_MAX_ATTEMPTS", "tries per request (default 6)", default="6", type=int)
    option("--max-wait", "SYNC_MAX_WAIT", "longest wait between tries, seconds (default 120)",
           default="120", type=float)
    option("--timeout", "SYNC_TIMEOUT", "longest wait for the server on one socket operation, seconds "
           "(default 120)",
           default="120", type=float)
    option("--report-json", "SYNC_REPORT_JSON", "also write the summary as JSON to this file (for monitoring)")
    parser.add_argument("--full", action="store_true", help="ignore the watermark and send every candidate")
    parser.add_argument("--dry-run", action="store_true", help="import mode only: have the target check "
                        "every row, write nothing, keep the watermark")
    # argparse exits 2 on a usage error, which here means "rows refused".
    parser.error = lambda message: (parser.print_usage(sys.stderr), log(message), sys.exit(EXIT_USAGE))
    args = parser.parse_args(argv)
    args.source_client_secret = env("SYNC_SOURCE_CLIENT_SECRET")
    args.target_client_secret = env("SYNC_TARGET_CLIENT_SECRET")
    check_args(parser, args)
    return args


def check_args(parser, args):
    required = {
        "source_url": "--source-url", "source_client_id": "--source-client-id",
        "source_client_secret": "SYNC_SOURCE_CLIENT_SECRET", "target_url": "--target-url",
        "target_client_id": "--target-client-id", "target_client_secret": "SYNC_TARGET_CLIENT_SECRET",
    }
    missing = [option for name, option in required.items() if not getattr(args, name)]
    if missing:
        parser.error("missing: " + ", ".join(missing))
    for url in (args.source_url, args.target_url):
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            parser.error(f"not an http(s) URL: {url}")
    if args.mode not in ("import", "single"):  # argparse does not check a default (SYNC_MODE).
        parser.error(f"--mode must be import or single, not {args.mode!r}")
    if args.dry_run and args.mode != "import":
        parser.error("--dry-run works in import mode only")
    if args.chunk_size < 1 or args.max_attempts < 1 or args.overlap_seconds < 0:
        parser.error("--chunk-size and --max-attempts must be at least 1, --overlap-seconds at least 0")
    args.source_url, args.target_url = args.source_url.rstrip("/"), args.target_url.rstrip("/")


def main(argv=None):
    args = parse_args(argv)
    try:
        with hold_lock(args.state_file):
            return run(args)
    except SyncError as error:  # Only the lock's: run() handles the others.
        log(str(error))
        return EXIT_FAILED_RUN


def run(args):
    """One run under the lock; answers the exit code."""
    run_id = uuid.uuid4().hex[:12]
    source = Client("source", args.source_url, args.source_client_id, args.source_client_secret, args, run_id)
    target = Client("target", args.target_url, args.target_client_id, args.target_client_secret, args, run_id)
    stats = new_stats()
    report = {"run_id": run_id, "mode": args.mode, "dry_run": args.dry_run, "watermark_advanced": False}
    try:
        since, started, feed = sync(args, source, target, stats)
    except UsageError as error:
        log(str(error))
        return EXIT_USAGE
    except SyncError as error:
        log(f"{error}; the watermark is unchanged (run {run_id})")
        write_report(args.report_json, {**report, **counts(stats, source, target), "error": str(error),
                                        "exit_code": EXIT_FAILED_RUN})
        return EXIT_FAILED_RUN
    print_summary(args, since, stats, source.retries + target.retries)
    code = EXIT_ROWS_REFUSED if stats["failed"] else EXIT_OK
    if code == EXIT_OK and not args.dry_run:
        write_json(args.state_file, {"source": args.source_url, "target": args.target_url, "watermark": started,
                                     "feed_since": feed, "finished_at": rfc3339(datetime.now(timezone.utc)),
                                     "run_id": run_id, "targets": stats["targets"]})
        report["watermark_advanced"] = True
        print(f"watermark advanced to {started}")
    elif code != EXIT_OK:
        print(f"{stats['failed']} rows refused: the watermark stays, so they are sent again next run")
    write_report(args.report_json, {**report, **counts(stats, source, target), "since": since,
                                    "watermark": started, "exit_code": code})
    return code


def counts(stats, source, target):
    """The stats as JSON, with the requests and retries of both sides."""
    kept = {k: v for k, v in stats.items() if k not in ("dropped", "targets")}
    return {**kept, "dropped": sorted(stats["dropped"]),
            "requests": source.requests + target.requests, "retries": source.retries + target.retries}


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("interrupted; the watermark is unchanged")
        sys.exit(EXIT_INTERRUPTED)
