"""Open-loop load at a fixed rate, corrected for coordinated omission: the
equivalent of `oha -q RATE --latency-correction` for the writes, which oha
cannot drive (oha picks each body at random from a file, with replacement, so
POST bodies repeat and answer 409 for the e-mail already taken; and every
PATCH needs the If-Match of the version its candidate has now).

How it works, as oha does: a scheduler releases one request every 1/RATE
seconds, on its own clock, whether or not earlier ones came back; a pool of
keep-alive connections takes the released requests in order; each request's
latency runs from the moment it was released (not from the moment a
connection was free to send it), so a server that stalls is charged for
every request that queued behind the stall. Requests still queued at the
deadline are not sent and are counted as `unsent`; requests in flight at the
deadline are waited for.

Modes: `get` (a rotating list of paths), `post` (unique candidates) and
`patch` (a new day rate, If-Match from the last ETag seen, no candidate in
flight twice). Prints one line `LOADJSON {...}`. Python 3.11 standard library.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import re
import sys
import time

import dataset


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, int(round(p / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


class Workload:
    def __init__(self, args):
        self.args = args
        self.host_header = f"{args.host}:{args.port}"
        self.auth = f"Bearer {args.token}"
        self.n = 0
        if args.mode == "get":
            with open(args.paths) as f:
                self.paths = [line.strip() for line in f if line.strip()]
            self.prebuilt = [self._format("GET", p, None, None) for p in self.paths]
        elif args.mode == "post":
            skills = args.skills.split(",")
            count = int(args.rate * args.duration * 1.2) + 100
            # Built before the clock starts, so the generator does little per request.
            self.prebuilt = []
            for i in range(count):
                body = dataset.candidate(args.seed, 10_000_000 + i, skills, email=f"{args.tag}-{i}@load.example")
                body["external_id"] = f"{args.tag}-{i}"
                data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
                self.prebuilt.append(self._format("POST", "/api/v1/candidates", "application/json", data))
        elif args.mode == "patch":
            self.free = collections.deque()
            with open(args.patch_ids) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) >= 2:
                        self.free.append((parts[0], int(parts[1])))
        self.lost = 0

    def _format(self, method, path, content_type, body, extra=None) -> bytes:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host_header}", f"Authorization: {self.auth}",
                 "Accept: application/json"]
        if content_type:
            lines.append(f"Content-Type: {content_type}")
        if extra:
            lines.extend(extra)
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode()
        return head + (body or b"")

    def next_request(self):
        """(request bytes, token for on_response)."""
        i = self.n
        self.n += 1
        if self.args.mode in ("get", "post"):
            if self.args.mode == "post" and i >= len(self.prebuilt):
                raise RuntimeError("ran out of prebuilt POST bodies")
            return self.prebuilt[i % len(self.prebuilt)], None
        if not self.free:
            raise RuntimeError("every candidate to patch is in flight or lost")
        cid, version = self.free.popleft()
        body = json.dumps({"day_rate": {"amount": 700 + (i * 37) % 1800, "currency": "EUR"}}).encode()
        req = self._format("PATCH", f"/api/v1/candidates/{cid}", "application/merge-patch+json", body,
                           [f'If-Match: "v{version}"'])
        return req, cid

    def on_response(self, token, status, headers, body):
        if self.args.mode != "patch":
            return
        if status == 200:
            etag = headers.get("etag", "")
            try:
                self.free.append((token, int(re.search(r"v(\d+)", etag).group(1))))
                return
            except (AttributeError, ValueError):
                pass
        self.lost += 1


async def read_response(reader: asyncio.StreamReader):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            chunks.append(await reader.readexactly(size + 2))
            if size == 0:
                break
        body = b"".join(c[:-2] for c in chunks)
    else:
        body = b""
    return status, headers, body


async def run(args) -> dict:
    work = Workload(args)
    queue: asyncio.Queue = asyncio.Queue()
    latencies: list[float] = []
    statuses: collections.Counter = collections.Counter()
    errors: collections.Counter = collections.Counter()
    stop = asyncio.Event()

    async def connection():
        reader = writer = None
        while True:
            released = await queue.get()
            if released is None:
                break
            try:
                req, token = work.next_request()
            except RuntimeError as exc:
                errors[str(exc)] += 1
                continue
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(args.host, args.port)
                writer.write(req)
                status, headers, body = await read_response(reader)
                end = time.perf_counter()
                latencies.append(end - released)
                statuses[str(status)] += 1
                work.on_response(token, status, headers, body)
                if headers.get("connection", "").lower() == "close":
                    writer.close()
                    reader = writer = None
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                errors[type(exc).__name__] += 1
                work.on_response(token, 0, {}, b"")
                if writer is not None:
                    writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    workers = [asyncio.create_task(connection()) for _ in range(args.connections)]
    start = time.perf_counter()
    deadline = start + args.duration
    released = 0
    late = 0
    while True:
        ideal = start + released / args.rate
        now = time.perf_counter()
        if ideal > now:
            await asyncio.sleep(ideal - now)
            now = time.perf_counter()
        if now >= deadline:
            break
        if now - ideal > 0.002:
            late += 1
        # As oha does: the request's clock starts when the scheduler releases it.
        queue.put_nowait(now)
        released += 1
    unsent = queue.qsize()
    while not queue.empty():
        queue.get_nowait()
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.wait(workers, timeout=30)
    elapsed = time.perf_counter() - start
    del stop
    latencies.sort()
    done = len(latencies)
    return {
        "mode": args.mode,
        "rate": args.rate,
        "duration_s": elapsed,
        "released": released,
        "unsent": unsent,
        "completed": done,
        "rps": done / args.duration,
        "late_releases": late,
        "statuses": dict(statuses),
        "errors": dict(errors),
        "lost": work.lost,
        "latency_ms": {
            "p50": percentile(latencies, 50) * 1e3,
            "p90": percentile(latencies, 90) * 1e3,
            "p99": percentile(latencies, 99) * 1e3,
            "p999": percentile(latencies, 99.9) * 1e3,
            "max": (latencies[-1] * 1e3) if latencies else float("nan"),
        },
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--mode", choices=["get", "post", "patch"], required=True)
    p.add_argument("--rate", type=float, required=True, help="requests per second")
    p.add_argument("--duration", type=float, default=10.0, help="seconds")
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--paths", help="get: file of paths, one a line")
    p.add_argument("--patch-ids", help="patch: file of 'id version' lines")
    p.add_argument("--skills", default="crisis-management", help="post: comma-separated skill keys")
    p.add_argument("--seed", type=int, default=20261124)
    p.add_argument("--tag", default="openloop", help="post: makes e-mails and external ids unique")
    args = p.parse_args(argv)
    if args.rate <= 0:
        p.error("--rate must be positive")
    result = asyncio.run(run(args))
    print("LOADJSON " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
