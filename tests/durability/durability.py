#!/usr/bin/env python3
"""Nothing acknowledged is ever lost.

A durability test of interim-tracker, standard library only (Python 3.11+).

Concurrent writers create organizations (POST /api/v1/organizations) and log
every id the server acknowledged (201 Created with the id). At a random moment
the server is killed with SIGKILL, restarted, and every id ever acknowledged
must be readable again (GET /api/v1/organizations/{id}, same name) and present
in the database itself. On SQLite, a copy of the file as the kill left it (the
main file and its WAL, before the service restarts) must also pass
`PRAGMA integrity_check` and hold every acknowledged id. Several cycles, on SQLite and on PostgreSQL; on
PostgreSQL some cycles stop PostgreSQL itself with `pg_ctl stop -m immediate`
mid-load instead. After the last cycle: SQLite `PRAGMA integrity_check` must
answer `ok` (and `PRAGMA foreign_key_check` nothing); PostgreSQL's heap and
indexes are checked with pg_amcheck on a cluster with data checksums.

Writes that fail (connection refused or reset, 5xx while the database is
down) are not acknowledged and are never counted as such; they are reported
as "unacknowledged", with how many of them were committed anyway.

PostgreSQL runs as a throwaway cluster of its own (initdb into the work
directory, a free port on 127.0.0.1, fsync=on, synchronous_commit=on); the
shared server on 5432 is never touched.

Usage: python3 durability.py --backend both|sqlite|postgres [--workdir DIR]
Exit status: 0 only when every part ran and nothing was lost; 1 otherwise.
"""

from __future__ import annotations

import argparse
import glob
import http.client
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

ADMIN_EMAIL = "durability-admin@interim-tracker.test"
ADMIN_PASSWORD = "durability-admin-password-0123456789"
# The same secret at every start, so the token of the first login is accepted
# by every later incarnation of the server.
JWT_SECRET = "durability-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
READY_TIMEOUT = 60.0
HTTP_TIMEOUT = 15.0


def tail(path: str, lines: int) -> str:
    """The last `lines` lines of a log file, or nothing when it cannot be read."""
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


class Failure(Exception):
    """A part of the test that could not run, or a broken expectation."""


def log(msg: str) -> None:
    print(msg, flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------
# The service
# --------------------------------------------------------------------------


class Service:
    """One interim-tracker process at a time, restarted on a fresh port."""

    def __init__(self, binary: str, database_url: str, workdir: str, name: str):
        self.binary = binary
        self.database_url = database_url
        self.workdir = workdir
        self.name = name
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.starts = 0
        self.log_path = os.path.join(workdir, f"{name}-service.log")
        self.pid_path = os.path.join(workdir, f"{name}-service.pid")

    def start(self) -> float:
        """Starts the service and waits for GET /ready; returns the seconds it took."""
        if self.proc is not None and self.proc.poll() is None:
            raise Failure("service already running")
        self.port = free_port()
        self.starts += 1
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.workdir,
            "DATABASE_URL": self.database_url,
            "BIND_ADDR": f"127.0.0.1:{self.port}",
            "JWT_SECRET": JWT_SECRET,
            "BOOTSTRAP_ADMIN_EMAIL": ADMIN_EMAIL,
            "BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
            # The test makes thousands of requests a minute with one token.
            "RATE_LIMIT_PER_MINUTE": "100000000",
            "TOKEN_RATE_LIMIT_PER_MINUTE": "1000",
            "SHUTDOWN_TIMEOUT_SECS": "5",
            "LOG_LEVEL": "warn",
        }
        logf = open(self.log_path, "a")
        logf.write(f"\n===== start {self.starts} on port {self.port} at {time.strftime('%H:%M:%S')} =====\n")
        logf.flush()
        t0 = time.monotonic()
        # cwd: the work directory, so no .env of the checkout is read.
        self.proc = subprocess.Popen(
            [self.binary, "serve"], env=env, cwd=self.workdir, stdout=logf, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        logf.close()
        with open(self.pid_path, "w") as f:
            f.write(f"{self.proc.pid}\n")
        self.wait_ready(READY_TIMEOUT)
        return time.monotonic() - t0

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def ready_once(self) -> bool:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            conn.request("GET", "/ready")
            resp = conn.getresponse()
            resp.read()
            conn.close()
            return resp.status == 200
        except (OSError, http.client.HTTPException):
            return False

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise Failure(f"{self.name}: the service exited with {self.proc.returncode} before it was ready; "
                              f"log: {self.log_path}\n{self.log_tail()}")
            if self.ready_once():
                return
            time.sleep(0.05)
        raise Failure(f"{self.name}: GET /ready did not answer 200 within {timeout:.0f} s; "
                      f"log: {self.log_path}\n{self.log_tail()}")

    def sigkill(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def terminate(self, timeout: float = 15.0) -> int | None:
        """SIGTERM and wait; SIGKILL if it does not exit. Returns the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.sigkill()
                raise Failure(f"{self.name}: the service did not stop within {timeout:.0f} s of SIGTERM")
        return self.proc.returncode

    def log_tail(self, lines: int = 25) -> str:
        return tail(self.log_path, lines)


def http_json(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, dict(resp.getheaders()), data
    finally:
        conn.close()


def login(port: int) -> str:
    form = urllib.parse.urlencode(
        {"grant_type": "password", "username": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    ).encode()
    status, _, data = http_json(
        port, "POST", "/api/v1/auth/token", form, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    if status != 200:
        raise Failure(f"login answered {status}: {data[:300]!r}")
    return json.loads(data)["access_token"]


# --------------------------------------------------------------------------
# Load: concurrent writers
# --------------------------------------------------------------------------


@dataclass
class Ledger:
    """Every attempt and every acknowledgement, shared by the writers."""

    ack_log_path: str
    lock: threading.Lock = field(default_factory=threading.Lock)
    acked: dict = field(default_factory=dict)  # id -> name
    unacked_names: set = field(default_factory=set)
    failures: dict = field(default_factory=dict)  # kind -> count
    samples: list = field(default_factory=list)  # answers other than 201, for the report
    unexpected: list = field(default_factory=list)  # 4xx, or 5xx while the database was up
    attempts: int = 0

    def ack(self, org_id: str, name: str, cycle: int) -> None:
        with self.lock:
            if org_id in self.acked:
                self.samples.append(f"id {org_id} acknowledged twice")
            self.acked[org_id] = name
            with open(self.ack_log_path, "a") as f:
                f.write(f"{cycle}\t{org_id}\t{name}\n")

    def fail(self, name: str, kind: str, detail: str = "", unexpected: bool = False) -> None:
        with self.lock:
            self.unacked_names.add(name)
            self.failures[kind] = self.failures.get(kind, 0) + 1
            if detail and len(self.samples) < 20:
                self.samples.append(detail)
            if unexpected:
                self.unexpected.append(detail)


class Writers:
    """N threads creating organizations until stopped."""

    def __init__(self, n: int, service: Service, token: str, ledger: Ledger, cycle: int, tag: str,
                 db_outage: bool):
        self.n = n
        # Whether the database goes away in this cycle: only then is a 5xx expected.
        self.db_outage = db_outage
        self.service = service
        self.token = token
        self.ledger = ledger
        self.cycle = cycle
        self.tag = tag
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True) for i in range(n)]
        self.acked = 0
        self.failed = 0
        self.counts_lock = threading.Lock()

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(HTTP_TIMEOUT + 5)
        if any(t.is_alive() for t in self.threads):
            raise Failure("a writer thread did not stop")

    def run(self, i: int) -> None:
        conn = None
        seq = 0
        while not self.stop.is_set():
            seq += 1
            name = f"dur-{self.tag}-c{self.cycle}-w{i}-{seq}"
            body = json.dumps({"name": name, "industry": "retail", "size": "medium", "country": "NL"}).encode()
            port = self.service.port
            with self.ledger.lock:
                self.ledger.attempts += 1
            try:
                if conn is None or conn.port != port:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT)
                conn.request("POST", "/api/v1/organizations", body=body, headers={
                    "Authorization": f"Bearer {self.token}", "Content-Type": "application/json",
                })
                resp = conn.getresponse()
                data = resp.read()
            except (OSError, http.client.HTTPException):
                # Refused, reset, closed mid-answer: not acknowledged.
                self.ledger.fail(name, "connection error")
                self._count(False)
                try:
                    conn.close()
                except Exception:
                    pass
                conn = None
                self.stop.wait(0.02)
                continue
            if resp.status == 201:
                try:
                    doc = json.loads(data)
                    org_id = doc["id"]
                    assert doc["name"] == name, "the 201 names another organization"
                    location = resp.getheader("Location") or ""
                    assert location.endswith(org_id), f"Location {location!r} does not name {org_id}"
                except Exception as e:  # a 201 we cannot read is not an acknowledgement we can check
                    self.ledger.fail(name, "201 unreadable", f"201 unreadable: {e}: {data[:200]!r}", unexpected=True)
                    self._count(False)
                    continue
                self.ledger.ack(org_id, name, self.cycle)
                self._count(True)
            else:
                kind = f"HTTP {resp.status}"
                expected = resp.status in (502, 503, 504) and self.db_outage
                self.ledger.fail(name, kind, f"cycle {self.cycle}: {kind}: {data[:200]!r}", unexpected=not expected)
                self._count(False)
                if resp.status >= 500:
                    self.stop.wait(0.02)
                if resp.will_close:
                    conn.close()
                    conn = None
        if conn is not None:
            conn.close()

    def _count(self, ok: bool) -> None:
        with self.counts_lock:
            if ok:
                self.acked += 1
            else:
                self.failed += 1


# --------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------


def verify_over_http(port: int, token: str, expected: dict, threads: int = 8) -> list[str]:
    """GETs every acknowledged id; returns what is missing or wrong."""
    ids = list(expected)
    problems: list[str] = []
    lock = threading.Lock()

    def worker(chunk):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT)
        for org_id in chunk:
            for attempt in range(3):
                try:
                    conn.request("GET", f"/api/v1/organizations/{org_id}",
                                 headers={"Authorization": f"Bearer {token}"})
                    resp = conn.getresponse()
                    data = resp.read()
                    break
                except (OSError, http.client.HTTPException) as e:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT)
                    if attempt == 2:
                        with lock:
                            problems.append(f"{org_id}: GET failed: {e}")
                        data = None
            if data is None:
                continue
            if resp.status != 200:
                with lock:
                    problems.append(f"{org_id}: GET answered {resp.status}: {data[:200]!r}")
                continue
            name = json.loads(data).get("name")
            if name != expected[org_id]:
                with lock:
                    problems.append(f"{org_id}: name {name!r}, acknowledged as {expected[org_id]!r}")
        conn.close()

    chunks = [ids[i::threads] for i in range(threads)]
    ts = [threading.Thread(target=worker, args=(c,)) for c in chunks]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return problems


def compare_with_database(rows: dict, ledger: Ledger) -> tuple[list[str], int]:
    """rows: id -> name as stored. Returns (problems, unacknowledged writes present anyway)."""
    problems = []
    for org_id, name in ledger.acked.items():
        if org_id not in rows:
            problems.append(f"{org_id} ({name}): acknowledged, not in the database")
        elif rows[org_id] != name:
            problems.append(f"{org_id}: stored name {rows[org_id]!r}, acknowledged as {name!r}")
    stored_names = list(rows.values())
    if len(stored_names) != len(set(stored_names)):
        problems.append("a test organization is stored twice")
    acked_names = set(ledger.acked.values())
    unexplained = [n for n in stored_names if n not in acked_names and n not in ledger.unacked_names]
    if unexplained:
        problems.append(f"{len(unexplained)} stored organizations were never attempted: {unexplained[:3]}")
    committed_anyway = sum(1 for n in stored_names if n in ledger.unacked_names)
    return problems, committed_anyway


def sqlite_crash_image(db_path: str, dest_dir: str, tag: str) -> tuple[list[str], dict]:
    """Copies the database as the SIGKILL left it (main file + WAL, not the
    shared-memory index) and checks the copy, so the service's own recovery at
    the next start is left undisturbed. Returns (integrity_check, rows)."""
    os.makedirs(dest_dir, exist_ok=True)
    copy = os.path.join(dest_dir, "crash-image.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(copy + suffix):
            os.remove(copy + suffix)
    shutil.copyfile(db_path, copy)
    if os.path.exists(db_path + "-wal"):
        shutil.copyfile(db_path + "-wal", copy + "-wal")
    conn = sqlite3.connect(copy, timeout=30)
    try:
        integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        rows = dict(conn.execute("SELECT id, name FROM organizations WHERE name LIKE ?", (f"dur-{tag}-%",)))
    finally:
        conn.close()
    return integrity, rows


def lost_ids(problems: list[str]) -> set[str]:
    """The acknowledged ids the problems say are gone (404, or absent from the database)."""
    return {p.removeprefix("crash image: ").split(" ", 1)[0].rstrip(":") for p in problems
            if "GET answered 404" in p or "not in the database" in p}


def sqlite_rows(path: str, tag: str) -> dict:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return dict(conn.execute("SELECT id, name FROM organizations WHERE name LIKE ?", (f"dur-{tag}-%",)))
    finally:
        conn.close()


# --------------------------------------------------------------------------
# PostgreSQL: a throwaway cluster of our own
# --------------------------------------------------------------------------


class PgCluster:
    def __init__(self, workdir: str):
        bindirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                         key=lambda p: int(p.split("/")[-2]) if p.split("/")[-2].isdigit() else 0)
        bindirs = [b for b in bindirs if os.path.exists(os.path.join(b, "initdb"))]
        if not bindirs:
            raise Failure("no PostgreSQL binaries under /usr/lib/postgresql/*/bin (initdb, pg_ctl): cannot run")
        self.bindir = bindirs[-1]
        self.dir = os.path.join(workdir, "pg")
        self.data = os.path.join(self.dir, "data")
        self.logfile = os.path.join(self.dir, "postgres.log")
        self.port = 0
        self.as_root = os.geteuid() == 0
        self.initialized = False

    def _cmd(self, *args: str) -> list[str]:
        cmd = [os.path.join(self.bindir, args[0]), *args[1:]]
        return ["runuser", "-u", "postgres", "--", *cmd] if self.as_root else cmd

    def _run(self, *args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
        p = subprocess.run(self._cmd(*args), capture_output=True, text=True, timeout=timeout, cwd=self.dir)
        if check and p.returncode != 0:
            raise Failure(f"{' '.join(args[:2])} failed ({p.returncode}):\n{p.stdout[-1500:]}\n{p.stderr[-1500:]}")
        return p

    def init(self) -> None:
        os.makedirs(self.dir, exist_ok=True)
        if self.as_root:
            # The work directory must be traversable by postgres.
            os.chmod(os.path.dirname(self.dir), 0o711)
            shutil.chown(self.dir, "postgres", "postgres")
        self._run("initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "--data-checksums",
                  "-E", "UTF8", "--locale=C")
        self.initialized = True
        self.port = free_port()

    def start(self) -> None:
        opts = (f"-c port={self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir} "
                f"-c fsync=on -c synchronous_commit=on -c full_page_writes=on -c max_connections=50")
        self._run("pg_ctl", "-D", self.data, "-l", self.logfile, "-o", opts, "-w", "-t", "60", "start")

    def stop(self, mode: str) -> None:
        self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop")

    def running(self) -> bool:
        return self._run("pg_ctl", "-D", self.data, "status", check=False).returncode == 0

    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def psql(self, sql: str) -> str:
        p = subprocess.run(
            [os.path.join(self.bindir, "psql"), "-X", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
             "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-At", "-F", "\t", "-c", sql],
            capture_output=True, text=True, timeout=120,
        )
        if p.returncode != 0:
            raise Failure(f"psql failed: {p.stderr[-1000:]}")
        return p.stdout

    def rows(self, tag: str) -> dict:
        out = self.psql(f"SELECT id::text, name FROM organizations WHERE name LIKE 'dur-{tag}-%'")
        return dict(line.split("\t", 1) for line in out.splitlines() if line)

    def amcheck(self) -> str:
        p = subprocess.run(
            [os.path.join(self.bindir, "pg_amcheck"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
             "--install-missing", "--heapallindexed", "--parent-check", "-d", "postgres"],
            capture_output=True, text=True, timeout=300,
        )
        if p.returncode != 0:
            raise Failure(f"pg_amcheck reported corruption or could not run ({p.returncode}):\n"
                          f"{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
        return "ok"

    def log_tail(self, lines: int = 20) -> str:
        return tail(self.logfile, lines)

    def destroy(self) -> None:
        if self.initialized and os.path.exists(os.path.join(self.data, "postmaster.pid")):
            self._run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "-t", "30", "stop", check=False)


# --------------------------------------------------------------------------
# One backend
# --------------------------------------------------------------------------


@dataclass
class Report:
    backend: str
    cycles: int = 0
    service_kills: int = 0
    db_stops: int = 0
    acked: int = 0
    lost: int = 0
    unacked: int = 0
    committed_anyway: int = 0
    failures: dict = field(default_factory=dict)
    integrity: str = "not run"
    duration: float = 0.0
    problems: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    ran: bool = False


def run_backend(backend: str, args, rng: random.Random, workdir: str) -> Report:
    report = Report(backend)
    t_start = time.monotonic()
    bdir = os.path.join(workdir, backend)
    os.makedirs(bdir, exist_ok=True)
    ledger = Ledger(os.path.join(bdir, "acknowledged.tsv"))
    tag = backend
    pg = None
    service = None
    try:
        if backend == "sqlite":
            db_path = os.path.join(bdir, "durability.db")
            url = f"sqlite://{db_path}"
            kinds = ["service-sigkill"] * args.cycles
        else:
            pg = PgCluster(workdir)
            pg.init()
            pg.start()
            log(f"[postgres] throwaway cluster: {pg.bindir}, data {pg.data}, 127.0.0.1:{pg.port}, "
                f"fsync=on synchronous_commit=on data checksums")
            url = pg.url()
            kinds = ["service-sigkill"] * args.cycles
            # PostgreSQL itself stopped with -m immediate mid-load, spread among the service kills.
            for k in range(args.pg_stops):
                kinds.insert(min(len(kinds), 2 + k * 3), "postgres-immediate-stop")

        service = Service(args.bin, url, bdir, backend)
        took = service.start()
        token = login(service.port)
        log(f"[{backend}] service up in {took:.2f} s on port {service.port}; logged in")

        for cycle, kind in enumerate(kinds, start=1):
            if not service.alive():
                service.start()
            load_for = rng.uniform(0.3, 2.0)
            c0 = time.monotonic()
            with Writers(args.writers, service, token, ledger, cycle, tag,
                         db_outage=(kind == "postgres-immediate-stop")) as writers:
                time.sleep(load_for)
                if kind == "service-sigkill":
                    service.sigkill()
                    report.service_kills += 1
                    restart_detail = ""
                else:
                    pg.stop("immediate")
                    report.db_stops += 1
                    down_for = rng.uniform(0.5, 1.5)
                    time.sleep(down_for)  # writers keep trying against a service without its database
                    pg.start()
                    # The service may recover by itself; if it exited or does not become
                    # ready, it is restarted.
                    recovered = False
                    deadline = time.monotonic() + 20
                    while time.monotonic() < deadline:
                        if not service.alive():
                            break
                        if service.ready_once():
                            recovered = True
                            break
                        time.sleep(0.1)
                    if recovered:
                        restart_detail = f"postgres down {down_for:.2f} s; the service recovered by itself"
                        time.sleep(rng.uniform(0.3, 1.0))  # more acknowledged writes after the recovery
                    elif not service.alive():
                        restart_detail = (f"postgres down {down_for:.2f} s; the service exited "
                                          f"({service.proc.returncode}) and was restarted")
                        report.notes.append(f"cycle {cycle}: {restart_detail}")
                    else:
                        service.sigkill()
                        restart_detail = (f"postgres down {down_for:.2f} s; the service stayed unready 20 s "
                                          f"after PostgreSQL came back; killed and restarted")
                        report.notes.append(f"cycle {cycle}: {restart_detail}")
            load_secs = time.monotonic() - c0
            problems = []
            crash_note = ""
            if backend == "sqlite" and kind == "service-sigkill":
                # The file as the kill left it must already hold every acknowledged write.
                integrity, image_rows = sqlite_crash_image(db_path, os.path.join(bdir, "crash-image"), tag)
                image_problems, _ = compare_with_database(image_rows, ledger)
                if integrity != ["ok"]:
                    image_problems.append(f"crash image: PRAGMA integrity_check: {integrity[:10]}")
                problems += [f"crash image: {p}" for p in image_problems]
                crash_note = f"crash image: integrity_check {'ok' if integrity == ['ok'] else 'FAILED'}, " \
                             f"{len(image_rows)} rows; "
            restarted_in = None
            if not service.alive():
                restarted_in = service.start()
            # Every id ever acknowledged, through the API ...
            problems += verify_over_http(service.port, token, dict(ledger.acked))
            # ... and in the database itself.
            rows = sqlite_rows(db_path, tag) if backend == "sqlite" else pg.rows(tag)
            db_problems, committed_anyway = compare_with_database(rows, ledger)
            problems += db_problems
            report.cycles += 1
            log(f"[{backend}] cycle {cycle}/{len(kinds)} {kind}: load {load_for:.2f} s "
                f"({load_secs:.2f} s with recovery), acknowledged {writers.acked}, unacknowledged {writers.failed}"
                + (f", restarted in {restarted_in:.2f} s" if restarted_in is not None else "")
                + (f"; {restart_detail}" if restart_detail else "")
                + f"; {crash_note}verified {len(ledger.acked)} acknowledged ids: {len(problems)} missing or wrong")
            if problems:
                report.problems += [f"cycle {cycle}: {p}" for p in problems]
                report.lost = len(lost_ids(problems))
                log(f"[{backend}] LOST OR WRONG after cycle {cycle}:\n  " + "\n  ".join(problems[:20]))
                break
            report.committed_anyway = committed_anyway

        # The end: stop the service, check the store itself.
        rc = service.terminate()
        if rc not in (0, None):
            report.notes.append(f"the final SIGTERM stop exited with status {rc}")
        if backend == "sqlite":
            conn = sqlite3.connect(db_path, timeout=30)
            try:
                journal_mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
                if journal_mode != "wal":
                    report.notes.append(f"the database file is in journal mode {journal_mode}, not wal")
                integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
                fk = list(conn.execute("PRAGMA foreign_key_check"))
            finally:
                conn.close()
            report.integrity = "ok" if integrity == ["ok"] else "; ".join(integrity[:10])
            if integrity != ["ok"]:
                report.problems.append(f"PRAGMA integrity_check: {integrity[:10]}")
            if fk:
                report.problems.append(f"PRAGMA foreign_key_check: {fk[:10]}")
                report.integrity += f"; foreign_key_check: {len(fk)} violations"
            else:
                report.integrity = f"integrity_check {report.integrity}, foreign_key_check clean"
            rows = sqlite_rows(db_path, tag)
        else:
            report.integrity = "pg_amcheck (heap + all indexes, parent check) " + pg.amcheck()
            rows = pg.rows(tag)
        final_problems, committed_anyway = compare_with_database(rows, ledger)
        if final_problems:
            report.problems += [f"final: {p}" for p in final_problems]
            report.lost = max(report.lost, len(lost_ids(final_problems)))
        report.committed_anyway = committed_anyway
        report.ran = True
    except Failure as e:
        report.problems.append(f"could not complete: {e}")
    except Exception as e:  # any unforeseen error fails the run, never skips it
        report.problems.append(f"could not complete: {type(e).__name__}: {e}")
    finally:
        if service is not None and service.alive():
            service.sigkill()
        if pg is not None:
            try:
                pg.destroy()
            except Exception as e:
                report.problems.append(f"stopping the throwaway cluster: {e}")
        report.acked = len(ledger.acked)
        report.unacked = sum(ledger.failures.values())
        report.failures = dict(ledger.failures)
        report.duration = time.monotonic() - t_start
        expected = [s for s in ledger.samples if s not in ledger.unexpected]
        if expected:
            report.notes.append(f"answers while PostgreSQL was down (first of {len(expected)}): {expected[0]}")
        if ledger.unexpected:
            # A 4xx to a valid write, or a 5xx while the database was up, is a bug.
            report.problems.append(f"{len(ledger.unexpected)} unexpected answers to valid writes "
                                   f"(4xx, or 5xx with the database up), first ones: "
                                   + " | ".join(ledger.unexpected[:5]))
    return report


def print_report(reports: list[Report], seed: int, total_secs: float, complete: bool) -> bool:
    ok = complete
    log("")
    log("=" * 78)
    log(f"Nothing acknowledged is ever lost -- report (seed {seed})")
    log("=" * 78)
    for r in reports:
        passed = r.ran and r.lost == 0 and not r.problems
        ok &= passed
        log(f"{r.backend}: {'PASS' if passed else 'FAIL'}")
        log(f"  cycles:                    {r.cycles} ({r.service_kills} service SIGKILL"
            + (f", {r.db_stops} PostgreSQL immediate stop" if r.backend == "postgres" else "") + ")")
        log(f"  acknowledged writes:       {r.acked}")
        log(f"  lost:                      {r.lost}")
        log(f"  unacknowledged attempts:   {r.unacked} {r.failures if r.failures else ''}"
            f" ({r.committed_anyway} of them committed anyway)")
        log(f"  store check:               {r.integrity}")
        log(f"  duration:                  {r.duration:.1f} s")
        for n in r.notes:
            log(f"  note: {n}")
        for p in r.problems[:30]:
            log(f"  PROBLEM: {p}")
    log("-" * 78)
    log(f"total: cycles {sum(r.cycles for r in reports)}, acknowledged {sum(r.acked for r in reports)}, "
        f"lost {sum(r.lost for r in reports)}, unacknowledged {sum(r.unacked for r in reports)}, "
        f"duration {total_secs:.1f} s -> {'PASS' if ok else 'FAIL'}"
        + ("" if complete else " (not every backend ran)"))
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", choices=["both", "sqlite", "postgres"], default="both")
    ap.add_argument("--bin", default=os.environ.get("BIN", "target/release/interim-tracker"))
    ap.add_argument("--cycles", type=int, default=int(os.environ.get("DURABILITY_CYCLES", "5")),
                    help="service SIGKILL cycles per backend")
    ap.add_argument("--pg-stops", type=int, default=int(os.environ.get("DURABILITY_PG_STOPS", "2")),
                    help="extra PostgreSQL cycles stopping PostgreSQL itself (pg_ctl stop -m immediate)")
    ap.add_argument("--writers", type=int, default=int(os.environ.get("DURABILITY_WRITERS", "8")))
    ap.add_argument("--seed", type=int, default=int(os.environ.get("DURABILITY_SEED", "20261124")))
    ap.add_argument("--workdir", default=None, help="scratch directory (default: a new temporary one, removed)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = ap.parse_args()

    if sys.version_info < (3, 11):
        log("FAIL: Python 3.11 or newer is required")
        return 1
    if args.cycles < 1 or args.writers < 1 or args.pg_stops < 1:
        log("FAIL: at least one cycle, one writer and one PostgreSQL stop")
        return 1
    args.bin = os.path.abspath(args.bin)
    log(f"durability: seed {args.seed} (set DURABILITY_SEED to replay), {args.writers} writers, "
        f"{args.cycles} SIGKILL cycles per backend + {args.pg_stops} PostgreSQL immediate stops, binary {args.bin}")
    if not (os.path.isfile(args.bin) and os.access(args.bin, os.X_OK)):
        log(f"FAIL: no executable server binary at {args.bin} (build it with the release profile, or set BIN)")
        return 1

    # SIGTERM/SIGHUP become an exception, so the finally blocks clean up.
    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    own_workdir = args.workdir is None
    workdir = args.workdir or tempfile.mkdtemp(prefix="interim-durability-")
    os.makedirs(workdir, exist_ok=True)
    log(f"work directory: {workdir}")
    rng = random.Random(args.seed)
    t0 = time.monotonic()
    reports = []
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    ok = False
    try:
        for b in backends:
            log(f"--- {b} ---")
            reports.append(run_backend(b, args, rng, workdir))
    except KeyboardInterrupt as e:
        log(f"interrupted ({e})")
        return 1
    finally:
        ok = print_report(reports, args.seed, time.monotonic() - t0, complete=len(reports) == len(backends))
        if own_workdir and not args.keep and ok:
            shutil.rmtree(workdir, ignore_errors=True)
        elif own_workdir or not ok:
            log(f"logs and databases kept in {workdir}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
