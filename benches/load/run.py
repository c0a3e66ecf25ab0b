"""The load benchmark of interim-tracker: a program that prints figures, not a
timed test. Started by run.sh (which installs wrk and oha); see README.md.

For each backend (SQLite, PostgreSQL) it starts the release binary on a fresh
database, measures start to ready on an empty database, loads a deterministic
data set through the HTTP API, measures the server's RSS, restarts it on the
loaded database, and for each endpoint measures the closed-loop peak with wrk
and then p50/p99 in an open loop at LOAD_OPEN_FRACTION (80 %) of that peak,
corrected for coordinated omission (oha for the reads, openloop.py for the
writes). Every figure is also given as a ratio to /health measured in the same
run. Prints one table per backend and saves the output to last-run.txt and
last-run.json next to this file.

Python 3.11 standard library only.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import dataset

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LUA = os.path.join(HERE, "lua")

ADMIN_EMAIL = "loadbench@load.example"
ADMIN_PASSWORD = "load-bench-password-0123456789"
JWT_SECRET = "load-benchmark-secret-0123456789abcdef0123456789"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
PG_ANALYZE_EVERY = 15.0


# --------------------------------------------------------------------------- configuration


def env_int(name, default):
    return int(os.environ.get(name, default))


def parse_duration(text: str) -> float:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*", text)
    if not m:
        raise SystemExit(f"LOAD_DURATION: cannot read {text!r} (say 10s, 3s, 1m)")
    value, unit = float(m.group(1)), m.group(2) or "s"
    return value / 1000 if unit == "ms" else value * 60 if unit == "m" else value


class Config:
    def __init__(self):
        self.candidates = env_int("LOAD_CANDIDATES", 100_000)
        self.needs = env_int("LOAD_NEEDS", 1_000)
        self.duration = parse_duration(os.environ.get("LOAD_DURATION", "10s"))
        self.backends = os.environ.get("LOAD_BACKENDS", "sqlite postgres").split()
        self.seed = env_int("LOAD_SEED", 20261124)
        self.threads = env_int("LOAD_WRK_THREADS", 2)
        self.connections = env_int("LOAD_CONNECTIONS", 16)
        self.open_fraction = float(os.environ.get("LOAD_OPEN_FRACTION", "0.8"))
        # The reads again at a lighter load: what a client sees when the service has headroom (0 leaves it out).
        self.light_fraction = float(os.environ.get("LOAD_LIGHT_FRACTION", "0.5"))
        self.loaders = env_int("LOAD_LOADERS", 8)
        self.fast_load = os.environ.get("LOAD_FAST_LOAD", "1") != "0"
        self.ready_trials = env_int("LOAD_READY_TRIALS", 3)
        self.pg_admin = os.environ.get("LOAD_PG_URL", "postgres://postgres@127.0.0.1:5432")
        self.pg_analyze = os.environ.get("LOAD_PG_ANALYZE", "auto")
        self.log_level = os.environ.get("LOAD_LOG_LEVEL", "info")
        self.keep = os.environ.get("LOAD_KEEP", "0") == "1"
        self.bin = os.path.abspath(os.environ.get("BIN", os.path.join(ROOT, "target/release/interim-tracker")))
        self.wrk = os.environ.get("LOAD_WRK", "wrk")
        self.oha = os.environ.get("LOAD_OHA", "oha")
        self.workdir = os.environ.get("LOAD_WORKDIR") or os.path.join(HERE, ".work")
        for b in self.backends:
            if b not in ("sqlite", "postgres"):
                raise SystemExit(f"LOAD_BACKENDS: unknown backend {b!r} (sqlite, postgres)")
        if self.candidates < 100 or self.needs < 1:
            raise SystemExit("LOAD_CANDIDATES must be at least 100 and LOAD_NEEDS at least 1")


# --------------------------------------------------------------------------- output


class Tee:
    def __init__(self, path):
        self.file = open(path, "w", encoding="utf-8")

    def __call__(self, text=""):
        print(text, flush=True)
        self.file.write(text + "\n")
        self.file.flush()


log = print


def fmt_rate(x):
    return "—" if x is None else f"{x:,.0f}"


def fmt_ms(x):
    if x is None or x != x:
        return "—"
    return f"{x:.2f} ms" if x < 10 else f"{x:.1f} ms" if x < 100 else f"{x:,.0f} ms"


def table(headers, rows):
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    lines = ["| " + " | ".join(str(h).ljust(w) for h, w in zip(headers, widths)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |")
    return "\n".join(lines)


# --------------------------------------------------------------------------- machine


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_busy_sample():
    with open("/proc/stat") as f:
        parts = [int(x) for x in f.readline().split()[1:]]
    idle = parts[3] + (parts[4] if len(parts) > 4 else 0)
    return sum(parts), idle


def busy_between(a, b):
    total, idle = b[0] - a[0], b[1] - a[1]
    return 100.0 * (1 - idle / total) if total > 0 else float("nan")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


# --------------------------------------------------------------------------- server


class Server:
    def __init__(self, cfg: Config, database_url: str, logdir: str, name: str):
        self.cfg, self.database_url, self.logdir, self.name = cfg, database_url, logdir, name
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.log_path = os.path.join(logdir, f"{name}.log")

    def env(self):
        e = dict(os.environ)
        e.update({
            "BIND_ADDR": f"127.0.0.1:{self.port}",
            "DATABASE_URL": self.database_url,
            "JWT_SECRET": JWT_SECRET,
            "BOOTSTRAP_ADMIN_EMAIL": ADMIN_EMAIL,
            "BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "RATE_LIMIT_PER_MINUTE": "2000000000",
            "TOKEN_RATE_LIMIT_PER_MINUTE": "1000",
            "TOKEN_TTL_SECS": "86400",
            "LOG_LEVEL": self.cfg.log_level,
            "LOG_FORMAT": "text",
            "NO_COLOR": "1",
        })
        return e

    def start(self) -> float:
        """Spawns the server; returns seconds from spawn to the first 200 on /ready."""
        logf = open(self.log_path, "ab")
        t0 = time.perf_counter()
        # Its own folder as working directory, so no .env of the checkout is read.
        self.proc = subprocess.Popen([self.cfg.bin, "serve"], cwd=self.logdir, env=self.env(),
                                     stdout=logf, stderr=subprocess.STDOUT, start_new_session=True)
        logf.close()
        deadline = t0 + 120
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode} before it was ready; see {self.log_path}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/ready")
                status = conn.getresponse().status
                conn.close()
                if status == 200:
                    return time.perf_counter() - t0
            except OSError:
                pass
            time.sleep(0.002)
        raise RuntimeError(f"the server was not ready within 120 s; see {self.log_path}")

    def pid(self):
        return self.proc.pid if self.proc else None

    def rss_mb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
        return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024

    def cpu_seconds(self):
        with open(f"/proc/{self.proc.pid}/stat") as f:
            parts = f.read().rsplit(")", 1)[1].split()
        return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def get(self, path, token=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        return resp.status, body

    def log_problems(self):
        """Server log lines at ERROR or answering 5xx."""
        problems, fives = [], 0
        try:
            with open(self.log_path, "r", encoding="utf-8", errors="replace") as f:
                for line in f:
                    clean = ANSI.sub("", line)
                    if re.search(r"status=5\d\d", clean):
                        fives += 1
                    if " ERROR " in clean or " WARN " in clean and "status=5" in clean:
                        if len(problems) < 8:
                            problems.append(clean.strip()[:400])
                        elif len(problems) == 8:
                            problems.append("…")
        except OSError:
            pass
        return fives, problems


# --------------------------------------------------------------------------- PostgreSQL


def psql(cfg, sql, db="postgres", stdin=None, check=True):
    url = f"{cfg.pg_admin.rstrip('/')}/{db}"
    return subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", url, "-c", sql] if sql else
                          ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", url, "-f", "-"],
                          input=stdin, capture_output=True, text=True, check=check)


def pg_create(cfg, name):
    psql(cfg, f'CREATE DATABASE "{name}"')


def pg_drop(cfg, name):
    psql(cfg, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', check=False)


# --------------------------------------------------------------------------- load generators


def run_wrk(cfg, server, token, script, env_extra, path="/"):
    env = dict(os.environ)
    env.update(env_extra)
    env["LOAD_WRK_THREADS"] = str(cfg.threads)
    cmd = [cfg.wrk, f"-t{cfg.threads}", f"-c{cfg.connections}", f"-d{cfg.duration:g}s", "--timeout", "10s",
           "-s", os.path.join(LUA, script), "-H", f"Authorization: Bearer {token}",
           f"http://127.0.0.1:{server.port}{path}"]
    cpu0, busy0 = server.cpu_seconds(), machine_busy_sample()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    cpu1, busy1 = server.cpu_seconds(), machine_busy_sample()
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr.strip()[:800]}")
    line = next((l for l in proc.stdout.splitlines() if l.startswith("LOADJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no LOADJSON line:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    r = json.loads(line[len("LOADJSON "):])
    r["server_cpu_s"] = cpu1 - cpu0
    r["machine_busy_pct"] = busy_between(busy0, busy1)
    return r


def run_oha(cfg, server, token, urls_file, rate):
    cmd = [cfg.oha, "--no-tui", "--output-format", "json", "-z", f"{cfg.duration:g}s", "-q", f"{rate:.1f}",
           "--latency-correction", "--wait-ongoing-requests-after-deadline", "-c", str(cfg.connections), "-H", f"Authorization: Bearer {token}",
           "--urls-from-file", urls_file]
    cpu0, busy0 = server.cpu_seconds(), machine_busy_sample()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    cpu1, busy1 = server.cpu_seconds(), machine_busy_sample()
    if proc.returncode != 0:
        raise RuntimeError(f"oha failed ({proc.returncode}): {proc.stderr.strip()[:800]}")
    out = json.loads(proc.stdout)
    lat = out["metrics"]["latency_ms"]
    return {
        "tool": "oha",
        "rate": rate,
        "rps": out["summary"]["requestsPerSec"],
        "completed": sum(out.get("statusCodeDistribution", {}).values()),
        "statuses": out.get("statusCodeDistribution", {}),
        "errors": out.get("errorDistribution", {}),
        "latency_ms": {"p50": lat["p50"], "p99": lat["p99"], "max": lat["max"],
                       "p999": out.get("latencyPercentiles", {}).get("p99.9", float("nan")) * 1e3},
        "server_cpu_s": cpu1 - cpu0,
        "machine_busy_pct": busy_between(busy0, busy1),
    }


def run_openloop(cfg, server, token, mode, rate, extra_args):
    cmd = [sys.executable, os.path.join(HERE, "openloop.py"), "--port", str(server.port), "--token", token,
           "--mode", mode, "--rate", f"{rate:.1f}", "--duration", f"{cfg.duration:g}",
           "--connections", str(cfg.connections), "--seed", str(cfg.seed)] + extra_args
    cpu0, busy0 = server.cpu_seconds(), machine_busy_sample()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    cpu1, busy1 = server.cpu_seconds(), machine_busy_sample()
    if proc.returncode != 0:
        raise RuntimeError(f"openloop.py failed ({proc.returncode}): {proc.stderr.strip()[-1500:]}")
    line = next(l for l in proc.stdout.splitlines() if l.startswith("LOADJSON "))
    r = json.loads(line[len("LOADJSON "):])
    r["tool"] = "openloop.py"
    r["server_cpu_s"] = cpu1 - cpu0
    r["machine_busy_pct"] = busy_between(busy0, busy1)
    return r


def non_2xx(result):
    """Count of answers outside 2xx plus transport errors, and a description."""
    bad = {k: v for k, v in result.get("statuses", {}).items() if not str(k).startswith("2")}
    errs = {k: v for k, v in (result.get("errors") or {}).items() if v and k != "status"}
    # wrk's own 'status' error count duplicates the non-2xx statuses counted by the Lua hook.
    if "unsent" in result and result["unsent"]:
        errs["unsent at deadline"] = result["unsent"]
    if result.get("lost"):
        errs["patch targets lost"] = result["lost"]
    n = sum(bad.values()) + sum(v for k, v in errs.items() if k not in ("unsent at deadline", "patch targets lost"))
    desc = ", ".join([f"{k}×{v}" for k, v in sorted(bad.items())] + [f"{k}×{v}" for k, v in sorted(errs.items())])
    return n, desc


# --------------------------------------------------------------------------- metrics


def scrape_metrics(server):
    try:
        status, body = server.get("/metrics")
    except OSError:
        return None
    return body.decode("utf-8", "replace") if status == 200 else None


def parse_histograms(text):
    """{(method, route, status): {"count": n, "sum": s, "buckets": {le: n}}} of the request histogram."""
    out = {}
    if not text:
        return out
    for line in text.splitlines():
        if not line.startswith("interim_tracker_http_request_duration_seconds"):
            continue
        m = re.match(r"(\w+)\{(.*)\}\s+(\S+)", line)
        if not m:
            continue
        name, labels, value = m.group(1), dict(re.findall(r'(\w+)="([^"]*)"', m.group(2))), float(m.group(3))
        key = (labels.get("method"), labels.get("route"), labels.get("status"))
        h = out.setdefault(key, {"count": 0, "sum": 0.0, "buckets": {}})
        if name.endswith("_bucket"):
            h["buckets"][labels.get("le")] = value
        elif name.endswith("_count"):
            h["count"] = value
        elif name.endswith("_sum"):
            h["sum"] = value
    return out


def server_side(before, after):
    """The busiest route between two scrapes: its mean and p99 bucket bound."""
    a, b = parse_histograms(before), parse_histograms(after)
    best = None
    for key, h in b.items():
        count = h["count"] - a.get(key, {}).get("count", 0)
        if count > 0 and (best is None or count > best[1]):
            best = (key, count)
    if not best:
        return None
    key, count = best
    h0 = a.get(key, {"sum": 0.0, "buckets": {}})
    total = b[key]["sum"] - h0["sum"]
    p99 = None
    for le, v in sorted(b[key]["buckets"].items(), key=lambda kv: float("inf") if kv[0] == "+Inf" else float(kv[0])):
        if v - h0["buckets"].get(le, 0) >= 0.99 * count:
            p99 = le
            break
    return {"route": f"{key[0]} {key[1]} {key[2]}", "count": count, "mean_ms": 1e3 * total / count,
            "p99_le_ms": None if p99 in (None, "+Inf") else float(p99) * 1e3}


# --------------------------------------------------------------------------- ceilings


def sqlite_fsync_ceiling(directory, seconds=3.0):
    """One small INSERT per commit, WAL, synchronous=FULL, in the server's data folder."""
    path = os.path.join(directory, "fsync-probe.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t (v) VALUES (?)", ("x" * 200,))
        conn.execute("COMMIT")
        n += 1
    rate = n / (time.perf_counter() - t0)
    conn.close()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    return rate


def pg_commit_ceiling(cfg, db, seconds=3.0):
    """One client, one INSERT per commit (autocommit) through psql: PostgreSQL's
    single-session commit rate. Concurrent sessions share WAL flushes (group
    commit), so the server can exceed it."""
    psql(cfg, "CREATE TABLE loadbench_commit_probe (id bigserial PRIMARY KEY, v text NOT NULL)", db)

    def timed(n):
        script = "INSERT INTO loadbench_commit_probe (v) VALUES (repeat('x', 200));\n" * n
        t0 = time.perf_counter()
        psql(cfg, None, db, stdin=script)
        return n / (time.perf_counter() - t0)

    rate = timed(200)
    rate = timed(int(min(50_000, max(200, rate * seconds))))
    psql(cfg, "DROP TABLE loadbench_commit_probe", db)
    return rate


# --------------------------------------------------------------------------- one backend


TARGETS = {
    "health": "baseline (no target)",
    "by_id": "≥ 0.40 × /health; p99 ≤ 5 ms",
    "list": "≥ 0.20 × /health; p99 ≤ 5 ms",
    "matches": "p99 ≤ 10 ms",
    "post": "≥ 2,000/s",
    "patch": "—",
}
LABELS = {
    "health": "GET /health",
    "by_id": "GET /api/v1/candidates/{id}",
    "list": "GET /api/v1/candidates?<filter> (page of 20)",
    "matches": "GET /api/v1/needs/{id}/matches?limit=20",
    "post": "POST /api/v1/candidates (durable)",
    "patch": "PATCH /api/v1/candidates/{id} (If-Match)",
}


def evaluate(key, r, health_peak):
    """(met: 'yes'/'no'/'—', why) for an endpoint's targets."""
    fails = []
    p99 = r["open"]["latency_ms"]["p99"] if r.get("open") else None
    if key == "health":
        return "—"
    if key in ("by_id", "list") and (p99 is None or p99 > 5.0):
        fails.append("p99")
    if key == "by_id" and r["peak"] / health_peak < 0.40:
        fails.append("ratio")
    if key == "list" and r["peak"] / health_peak < 0.20:
        fails.append("ratio")
    if key == "matches" and (p99 is None or p99 > 10.0):
        fails.append("p99")
    if key == "post" and r["peak"] < 2000:
        fails.append("rate")
    if key == "patch":
        return "—"
    return "yes" if not fails else "no (" + ", ".join(fails) + ")"


def run_backend(cfg: Config, backend: str, workdir: str, cleanups: list, concurrent: bool = False):
    """A generator in three steps, so that the loads of several backends can run at
    once: the first next() measures start to ready, the second loads the data set
    (may run on another thread), the third measures and returns the results
    (as StopIteration.value)."""
    res = {"backend": backend, "endpoints": {}, "notes": []}
    bdir = os.path.join(workdir, backend)
    os.makedirs(bdir, exist_ok=True)
    pg_names = []

    def new_db(tag):
        if backend == "sqlite":
            return f"sqlite://{os.path.join(bdir, tag + '.db')}"
        name = f"load_{os.getpid()}" + ("" if tag == "main" else f"_{tag}")
        pg_create(cfg, name)
        pg_names.append(name)
        cleanups.append(lambda n=name: pg_drop(cfg, n))
        return f"{cfg.pg_admin.rstrip('/')}/{name}"

    if backend == "postgres":
        settings = psql(cfg, "SELECT current_setting('server_version') || ' fsync=' || current_setting('fsync') || "
                        "' synchronous_commit=' || current_setting('synchronous_commit') || ' wal_sync_method=' || "
                        "current_setting('wal_sync_method')").stdout.strip()
        autovacuum = psql(cfg, "SHOW autovacuum").stdout.strip()
        settings += f" autovacuum={autovacuum}"
        res["pg_settings"] = settings
        res["pg_analyze"] = cfg.pg_analyze == "1" or (cfg.pg_analyze == "auto" and autovacuum != "on")
        log(f"  PostgreSQL {settings}")
        if res["pg_analyze"]:
            log("  autovacuum is off on this cluster, so nothing would ever ANALYZE the new tables: the benchmark "
                f"runs ANALYZE on its own database every {PG_ANALYZE_EVERY:g} s while loading and once before measuring, "
                "as autovacuum would (LOAD_PG_ANALYZE=0 to leave it out)")

    # 1. Start to ready on an empty database.
    ready = []
    for i in range(max(1, cfg.ready_trials)):
        url = new_db(f"ready{i}")
        srv = Server(cfg, url, bdir, f"ready{i}")
        try:
            ready.append(srv.start())
            res.setdefault("rss_empty_mb", srv.rss_mb()[0])
        finally:
            srv.stop()
        if backend == "postgres":
            pg_drop(cfg, pg_names.pop())
    res["ready_empty_s"] = ready
    log(f"  start to ready, empty database: {', '.join(f'{x * 1e3:.0f} ms' for x in ready)} "
        f"(median {statistics.median(ready) * 1e3:.0f} ms); RSS when ready {res['rss_empty_mb']:.0f} MB")
    yield "ready"

    def blog(text):
        log(f"  [{backend}] {text.strip()}")

    # 2. Load the data set through the API.
    shm_dir = None
    if backend == "sqlite":
        final_db = os.path.join(bdir, "main.db")
        load_db = final_db
        if cfg.fast_load and os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
            shm_dir = tempfile.mkdtemp(prefix="interim-load-", dir="/dev/shm")
            cleanups.append(lambda d=shm_dir: shutil.rmtree(d, ignore_errors=True))
            load_db = os.path.join(shm_dir, "main.db")
        load_url = f"sqlite://{load_db}"
    else:
        load_url = new_db("main")
        main_name = pg_names[-1]
        if cfg.fast_load:
            psql(cfg, f'ALTER DATABASE "{main_name}" SET synchronous_commit = off')
    srv = Server(cfg, load_url, bdir, "load")
    cleanups.append(srv.stop)
    srv.start()
    token = dataset.get_token("127.0.0.1", srv.port, ADMIN_EMAIL, ADMIN_PASSWORD)
    res["metrics_endpoint"] = scrape_metrics(srv) is not None
    how = ("on tmpfs, then copied to disk" if shm_dir else
           "synchronous_commit=off for this database during the load only" if backend == "postgres" and cfg.fast_load
           else "durable") + (", concurrent with the other backend's load" if concurrent else "")
    blog(f"loading {cfg.candidates:,} candidates and {cfg.needs:,} open needs through the API "
        f"({cfg.loaders} keep-alive clients; {how}) …")
    t0 = time.monotonic()
    cpu0 = srv.cpu_seconds()
    analyzing = threading.Event()
    analyzer = None
    if backend == "postgres" and res.get("pg_analyze"):
        def analyze_now_and_then():
            while not analyzing.wait(PG_ANALYZE_EVERY):
                psql(cfg, "ANALYZE", main_name, check=False)
        analyzer = threading.Thread(target=analyze_now_and_then, daemon=True)
        analyzer.start()
    try:
        loaded = dataset.load("127.0.0.1", srv.port, token, cfg.seed, cfg.candidates, cfg.needs, cfg.loaders, blog)
    finally:
        analyzing.set()
        if analyzer:
            analyzer.join()
    res["load_s"] = time.monotonic() - t0
    res["load_server_cpu_s"] = srv.cpu_seconds() - cpu0
    res["load_timings"] = loaded.timings
    res["load_how"] = how
    blog(f"loaded in {res['load_s']:.1f} s: candidates {loaded.timings['candidates']:.1f} s "
        f"({cfg.candidates / loaded.timings['candidates']:,.0f}/s), needs {loaded.timings['needs']:.1f} s, "
        f"organizations+skillsets {loaded.timings['organizations_skillsets']:.1f} s; "
        f"server CPU {res['load_server_cpu_s']:.1f} s ({1e3 * res['load_server_cpu_s'] / (cfg.candidates + cfg.needs):.2f} ms a write)")
    # A ranking brings the index up to date with the change log, so it is counted.
    srv.get(f"/api/v1/needs/{loaded.need_ids[0]}/matches?limit=20", token)
    res["rss_after_load_mb"], res["hwm_after_load_mb"] = srv.rss_mb()
    blog(f"RSS after loading: {res['rss_after_load_mb']:.0f} MB (peak {res['hwm_after_load_mb']:.0f} MB)")
    srv.stop()
    yield "loaded"

    # 3. Restart on the loaded database (on disk).
    if backend == "sqlite":
        if shm_dir:
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(load_db + suffix):
                    shutil.copyfile(load_db + suffix, final_db + suffix)
            for suffix in ("", "-wal"):
                if os.path.exists(final_db + suffix):
                    fd = os.open(final_db + suffix, os.O_RDONLY)
                    os.fsync(fd)
                    os.close(fd)
            shutil.rmtree(shm_dir, ignore_errors=True)
        run_url = f"sqlite://{final_db}"
        size = sum(os.path.getsize(final_db + s) for s in ("", "-wal") if os.path.exists(final_db + s))
        res["db_size_mb"] = size / 2**20
    else:
        if cfg.fast_load:
            psql(cfg, f'ALTER DATABASE "{main_name}" RESET synchronous_commit')
        if res.get("pg_analyze"):
            psql(cfg, "ANALYZE", main_name)
        run_url = load_url
        res["db_size_mb"] = int(psql(cfg, f"SELECT pg_database_size('{main_name}')").stdout.strip()) / 2**20
    srv = Server(cfg, run_url, bdir, "serve")
    cleanups.append(srv.stop)
    res["ready_loaded_s"] = srv.start()
    res["rss_restart_mb"] = srv.rss_mb()[0]
    status, _ = srv.get(f"/api/v1/needs/{loaded.need_ids[0]}/matches?limit=20", token)
    res["rss_restart_ranked_mb"] = srv.rss_mb()[0]
    log(f"  restarted on the loaded database ({res['db_size_mb']:.0f} MB): ready in {res['ready_loaded_s'] * 1e3:.0f} ms, "
        f"RSS {res['rss_restart_mb']:.0f} MB, {res['rss_restart_ranked_mb']:.0f} MB after a first ranking")

    # 4. Files of paths and targets.
    rng = random.Random(cfg.seed)
    ids = list(loaded.candidate_ids)
    rng.shuffle(ids)
    base = f"http://127.0.0.1:{srv.port}"

    def write_lines(name, lines):
        path = os.path.join(bdir, name)
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path

    files = {}
    sample = ids[: min(len(ids), 20_000)]
    path_sets = {
        "health": ["/health"],
        "by_id": [f"/api/v1/candidates/{i}" for i in sample],
        "list": [f"/api/v1/candidates?{q}" for q in dataset.LIST_QUERIES],
        "matches": [f"/api/v1/needs/{n}/matches?limit=20" for n in rng.sample(loaded.need_ids, len(loaded.need_ids))],
    }
    for key, paths in path_sets.items():
        files[key] = (write_lines(f"{key}.paths", paths), write_lines(f"{key}.urls", [base + p for p in paths]))
    half = len(ids) // 2
    patch_wrk = write_lines("patch-wrk.ids", [f"{i} 1" for i in ids[:half]])
    patch_open = write_lines("patch-open.ids", [f"{i} 1" for i in ids[half:]])
    skills = ",".join(loaded.skills)

    # 5. Warm-up (not counted): a few seconds over the reads.
    for key in ("by_id", "list", "matches"):
        warm = Config.__new__(Config)
        warm.__dict__.update(cfg.__dict__)
        warm.duration = min(2.0, cfg.duration)
        run_wrk(warm, srv, token, "get.lua", {"LOAD_PATHS": files[key][0]})

    # Each list query alone, one client, for the diagnostics: which filter costs what.
    res["list_queries"] = []
    for q in path_sets["list"]:
        times = []
        for _ in range(15):
            t0 = time.perf_counter()
            status, body = srv.get(q, token)
            times.append((time.perf_counter() - t0) * 1e3)
            if status != 200:
                raise RuntimeError(f"GET {q} answered {status}: {body[:300]!r}")
        res["list_queries"].append((q, statistics.median(times), max(times), len(json.loads(body).get("items", []))))

    # 6. The commit ceiling on this disk, in the same run.
    if backend == "sqlite":
        res["fsync_ceiling"] = sqlite_fsync_ceiling(bdir)
        log(f"  SQLite fsync-per-commit ceiling in {bdir}: {res['fsync_ceiling']:,.0f} commits/s "
            "(WAL, synchronous=FULL, one INSERT a commit, 3 s)")
    else:
        res["fsync_ceiling"] = pg_commit_ceiling(cfg, main_name)
        log(f"  PostgreSQL single-session commit rate: {res['fsync_ceiling']:,.0f} commits/s "
            "(psql, one INSERT a commit, 3 s; concurrent sessions share WAL flushes)")

    # 7. The endpoints: closed-loop peak (wrk), then open loop at a fraction of it.
    has_metrics = scrape_metrics(srv) is not None
    tag = f"run{os.getpid()}-{backend}"
    plan = [
        ("health", "get.lua", {"LOAD_PATHS": files["health"][0]}),
        ("by_id", "get.lua", {"LOAD_PATHS": files["by_id"][0]}),
        ("list", "get.lua", {"LOAD_PATHS": files["list"][0]}),
        ("matches", "get.lua", {"LOAD_PATHS": files["matches"][0]}),
        ("post", "post_candidate.lua", {"LOAD_RUN_TAG": tag + "-wrk", "LOAD_SKILLS": skills}),
        ("patch", "patch_candidate.lua", {"LOAD_PATCH_IDS": patch_wrk}),
    ]
    for key, script, env_extra in plan:
        before = scrape_metrics(srv) if has_metrics else None
        closed = run_wrk(cfg, srv, token, script, env_extra)
        mid = scrape_metrics(srv) if has_metrics else None
        peak = closed["rps"]
        rate = max(1.0, cfg.open_fraction * peak)
        if key in ("post", "patch"):
            extra = (["--skills", skills, "--tag", tag + "-open"] if key == "post" else ["--patch-ids", patch_open])
            opened = run_openloop(cfg, srv, token, key, rate, extra)
        else:
            opened = run_oha(cfg, srv, token, files[key][1], rate)
        after = scrape_metrics(srv) if has_metrics else None
        light = (run_oha(cfg, srv, token, files[key][1], max(1.0, cfg.light_fraction * peak))
                 if key not in ("post", "patch") and cfg.light_fraction > 0 else None)
        r = {"peak": peak, "closed": closed, "open": opened, "light": light,
             "server_closed": server_side(before, mid) if has_metrics else None,
             "server_open": server_side(mid, after) if has_metrics else None}
        res["endpoints"][key] = r
        n_bad, desc = non_2xx(closed)
        n_bad2, desc2 = non_2xx(opened)
        log(f"  {LABELS[key]:<46} peak {peak:>9,.0f}/s (wrk p99 {closed['latency_us']['p99'] / 1e3:.1f} ms, "
            f"server CPU {100 * closed['server_cpu_s'] / closed['duration_us'] * 1e6:.0f} %, machine {closed['machine_busy_pct']:.0f} % busy)"
            f" | open loop {rate:,.0f}/s via {opened['tool']}: p50 {fmt_ms(opened['latency_ms']['p50'])}, "
            f"p99 {fmt_ms(opened['latency_ms']['p99'])}, got {opened['rps']:,.0f}/s"
            + (f" | at {cfg.light_fraction:.0%}: p50 {fmt_ms(light['latency_ms']['p50'])}, "
               f"p99 {fmt_ms(light['latency_ms']['p99'])}" if light else "")
            + (f" | non-2xx closed: {desc}" if desc else "") + (f" | open: {desc2}" if desc2 else ""))

    # The generator check: /health open loop by oha and by openloop.py at the POST's open rate.
    check_rate = res["endpoints"]["post"]["open"]["rate"]
    res["generator_check"] = {
        "rate": check_rate,
        "oha": run_oha(cfg, srv, token, files["health"][1], check_rate),
        "openloop": run_openloop(cfg, srv, token, "get", check_rate, ["--paths", files["health"][0]]),
    }
    gc = res["generator_check"]
    log(f"  generator check, GET /health at {check_rate:,.0f}/s: oha p50 {fmt_ms(gc['oha']['latency_ms']['p50'])} "
        f"p99 {fmt_ms(gc['oha']['latency_ms']['p99'])}; openloop.py p50 {fmt_ms(gc['openloop']['latency_ms']['p50'])} "
        f"p99 {fmt_ms(gc['openloop']['latency_ms']['p99'])}")

    # /health again: the ratios use the mean of the two.
    health_end = run_wrk(cfg, srv, token, "get.lua", {"LOAD_PATHS": files["health"][0]})
    res["health_end"] = health_end
    res["health_peak"] = (res["endpoints"]["health"]["peak"] + health_end["rps"]) / 2
    log(f"  GET /health again: peak {health_end['rps']:,.0f}/s (ratios use the mean, {res['health_peak']:,.0f}/s)")
    res["rss_end_mb"] = srv.rss_mb()[0]
    res["candidates_end"] = None
    status, body = srv.get("/api/v1/candidates?limit=1&include_total=true", token)
    if status == 200:
        res["candidates_end"] = json.loads(body).get("total")
    srv.stop()
    res["log_5xx"], res["log_problems"] = srv.log_problems()
    fives0, probs0 = Server(cfg, "", bdir, "load").log_problems()
    res["load_log_5xx"], res["load_log_problems"] = fives0, probs0
    if backend == "postgres":
        for name in list(pg_names):
            pg_drop(cfg, name)
            pg_names.remove(name)
    return res


def report_backend(cfg, res) -> str:
    hp = res["health_peak"]
    rows = []
    for key in ("health", "by_id", "list", "matches", "post", "patch"):
        r = res["endpoints"][key]
        o = r["open"]
        n1, _ = non_2xx(r["closed"])
        n2, _ = non_2xx(o)
        light = r.get("light")
        n3 = non_2xx(light)[0] if light else 0
        rows.append([LABELS[key], fmt_rate(r["peak"]), f"{r['peak'] / hp:.2f}", fmt_ms(o["latency_ms"]["p50"]),
                     fmt_ms(o["latency_ms"]["p99"]), f"{o['rps']:,.0f}",
                     fmt_ms(light["latency_ms"]["p99"]) if light else "—", f"{n1 + n2 + n3}", TARGETS[key],
                     evaluate(key, r, hp)])
    main = table(["endpoint", "peak req/s", "÷ /health", f"p50 @{cfg.open_fraction:.0%}", f"p99 @{cfg.open_fraction:.0%}",
                  "open req/s", f"p99 @{cfg.light_fraction:.0%}", "non-2xx", "target", "met?"], rows)
    ready_med = statistics.median(res["ready_empty_s"])
    ceiling_name = ("SQLite fsync-per-commit ceiling (same disk)" if res["backend"] == "sqlite"
                    else "PostgreSQL single-session commit rate")
    post_peak = res["endpoints"]["post"]["peak"]
    extra_rows = [
        [ceiling_name, f"{res['fsync_ceiling']:,.0f} commits/s",
         f"POST peak = {post_peak / res['fsync_ceiling']:.2f} × this", "—", "—"],
        ["start to ready, empty database", f"median {ready_med * 1e3:,.0f} ms",
         "trials: " + ", ".join(f"{x * 1e3:.0f}" for x in res["ready_empty_s"]) + " ms", "≤ 1 s",
         "yes" if ready_med <= 1.0 else "no"],
        [f"RSS after loading {cfg.candidates:,} candidates", f"{res['rss_after_load_mb']:.0f} MB",
         f"restarted: {res['rss_restart_ranked_mb']:.0f} MB; end of run: {res['rss_end_mb']:.0f} MB", "≤ 300 MB",
         "yes" if res["rss_after_load_mb"] <= 300 else "no"],
        ["start to ready, loaded database", f"{res['ready_loaded_s'] * 1e3:,.0f} ms",
         f"{res['db_size_mb']:.0f} MB database", "—", "—"],
        ["data load through the API", f"{res['load_s']:.1f} s",
         f"{cfg.candidates / res['load_timings']['candidates']:,.0f} candidates/s ({res['load_how']})", "—", "—"],
    ]
    other = table(["figure", "value", "detail", "target", "met?"], extra_rows)
    lines = [main, "", other]
    # Diagnostics: server CPU per request, wrk latency, server-side latency.
    drows = []
    for key in ("health", "by_id", "list", "matches", "post", "patch"):
        r = res["endpoints"][key]
        c = r["closed"]
        per_req = 1e6 * c["server_cpu_s"] / max(1, c["requests"])
        sc = r.get("server_open") or {}
        drows.append([LABELS[key], f"{per_req:,.0f} µs", f"{100 * c['server_cpu_s'] / (c['duration_us'] / 1e6):.0f} %",
                      f"{c['machine_busy_pct']:.0f} %", f"{c['latency_us']['p50'] / 1e3:.2f} / {c['latency_us']['p99'] / 1e3:.1f} ms",
                      (f"{sc['mean_ms']:.2f} ms / ≤{sc['p99_le_ms']:g} ms" if sc and sc.get("p99_le_ms") else
                       f"{sc['mean_ms']:.2f} ms / —" if sc else "—"),
                      fmt_ms(r["open"]["latency_ms"].get("max"))])
    lines += ["", "Diagnostics (closed loop unless said):",
              table(["endpoint", "server CPU a request", "server CPU", "machine busy", "wrk p50 / p99",
                     "server-side mean / p99 bucket (open loop, /metrics)", "open-loop max"], drows)]
    lines.append("List queries alone (one client, 15 each; median / max; rows on the page):")
    for q, med, mx, n in res.get("list_queries", []):
        lines.append(f"  {q}: {fmt_ms(med)} / {fmt_ms(mx)}; {n} rows")
    gc = res["generator_check"]
    lines.append(f"Generator check, GET /health open loop at {gc['rate']:,.0f}/s: oha p50/p99 "
                 f"{fmt_ms(gc['oha']['latency_ms']['p50'])} / {fmt_ms(gc['oha']['latency_ms']['p99'])}, "
                 f"openloop.py {fmt_ms(gc['openloop']['latency_ms']['p50'])} / {fmt_ms(gc['openloop']['latency_ms']['p99'])} "
                 "(what the generator adds to the write figures).")
    lines.append(f"/health peak at the start {res['endpoints']['health']['peak']:,.0f}/s and at the end "
                 f"{res['health_end']['rps']:,.0f}/s; ratios use the mean {hp:,.0f}/s.")
    if res.get("pg_settings"):
        lines.append(f"PostgreSQL: {res['pg_settings']}.")
    if not res.get("metrics_endpoint"):
        lines.append("The binary serves no /metrics: no server-side figures.")
    # Non-2xx and log problems.
    bad = []
    for key in ("health", "by_id", "list", "matches", "post", "patch"):
        r = res["endpoints"][key]
        for phase in ("closed", "open", "light"):
            if r.get(phase) is None:
                continue
            n, desc = non_2xx(r[phase])
            if desc:
                bad.append(f"  {LABELS[key]} ({phase} loop): {desc}")
    for name in ("oha", "openloop"):
        n, desc = non_2xx(gc[name])
        if desc:
            bad.append(f"  generator check ({name}): {desc}")
    n, desc = non_2xx(res["health_end"])
    if desc:
        bad.append(f"  GET /health again: {desc}")
    lines.append("Non-2xx answers and errors in the measured runs: " + ("none." if not bad else "\n" + "\n".join(bad)))
    lines.append(f"Server log: {res['log_5xx']} answers 5xx while measuring, {res['load_log_5xx']} while loading.")
    for p in res["log_problems"] + res["load_log_problems"]:
        lines.append(f"  {p}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def main():
    global log
    cfg = Config()
    log = Tee(os.path.join(HERE, "last-run.txt"))
    os.makedirs(cfg.workdir, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix=f"run-{os.getpid()}-", dir=cfg.workdir)
    cleanups: list = []
    status = 1

    def on_signal(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    started = time.monotonic()
    results = {"machine": {}, "config": {}, "backends": []}
    try:
        wrk_version = subprocess.run([cfg.wrk, "-v"], capture_output=True, text=True).stdout.splitlines()[0:1]
        oha_version = subprocess.run([cfg.oha, "--version"], capture_output=True, text=True).stdout.strip()
        machine = {
            "nproc": os.cpu_count(),
            "cpu": cpu_model(),
            "kernel": platform.release(),
            "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "loadavg_start": read_loadavg(),
            "wrk": (wrk_version[0] if wrk_version else "?").strip(),
            "oha": oha_version,
            "binary": f"{cfg.bin} ({dt.datetime.fromtimestamp(os.path.getmtime(cfg.bin)).strftime('%Y-%m-%d %H:%M')})",
        }
        results["machine"] = machine
        results["config"] = {k: v for k, v in cfg.__dict__.items()}
        log("interim-tracker load benchmark (benches/load; prints figures, not a timed test)")
        log(f"  machine: {machine['nproc']} cores, {machine['cpu']}, kernel {machine['kernel']}, {machine['date']}, "
            f"load average at start {machine['loadavg_start']}")
        log(f"  binary: {machine['binary']}")
        log(f"  tools: {machine['wrk']}; {machine['oha']}; python {platform.python_version()}")
        log(f"  data: {cfg.candidates:,} candidates, {cfg.needs:,} open needs, seed {cfg.seed}; "
            f"wrk -t{cfg.threads} -c{cfg.connections} -d{cfg.duration:g}s; open loop at {cfg.open_fraction:.0%} of each "
            f"peak for {cfg.duration:g} s on {cfg.connections} connections; workdir {workdir}")
        concurrent = len(cfg.backends) > 1
        runs = {b: run_backend(cfg, b, workdir, cleanups, concurrent) for b in cfg.backends}
        for backend, gen in runs.items():
            log("")
            log(f"== {backend}: start to ready ==")
            next(gen)
        log("")
        log(f"== loading the data set ({' and '.join(cfg.backends)}{', at the same time' if concurrent else ''}) ==")
        failures = []

        def load_one(gen):
            try:
                next(gen)
            except BaseException as exc:  # noqa: BLE001 - re-raised below
                failures.append(exc)

        loaders = [threading.Thread(target=load_one, args=(gen,), daemon=True) for gen in runs.values()]
        for t in loaders:
            t.start()
        for t in loaders:
            while t.is_alive():
                t.join(0.5)
        if failures:
            raise failures[0]
        for backend, gen in runs.items():
            log("")
            log(f"== {backend}: measuring ==")
            try:
                next(gen)
                raise RuntimeError("run_backend did not finish")
            except StopIteration as stop:
                res = stop.value
            results["backends"].append(res)
            log("")
            log(f"-- {backend}: results --")
            log(report_backend(cfg, res))
        log("")
        log(f"== summary ({', '.join(cfg.backends)}; {cfg.candidates:,} candidates; "
            f"{time.monotonic() - started:.0f} s in all; load average at the end {read_loadavg()}) ==")
        if cfg.candidates < 100_000:
            log("Quick mode: the targets are stated for 100,000 candidates.")
        for res in results["backends"]:
            log("")
            log(f"{res['backend']}:")
            log(report_backend(cfg, res))
        status = 0
    except KeyboardInterrupt as exc:
        log(f"interrupted ({exc})")
        status = 130
    except Exception as exc:  # noqa: BLE001 - the whole run fails, said plainly
        log(f"FAIL: {type(exc).__name__}: {exc}")
        status = 1
    finally:
        while cleanups:
            try:
                cleanups.pop()()
            except Exception as exc:  # noqa: BLE001
                log(f"cleanup: {exc}")
        with open(os.path.join(HERE, "last-run.json"), "w") as f:
            json.dump(results, f, indent=1, default=str)
        if status == 0 and not cfg.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            log(f"logs and databases kept in {workdir}")
    return status


if __name__ == "__main__":
    sys.exit(main())
