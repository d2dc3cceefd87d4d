"""The machinery of bench/load.py: an HTTP client with cookies and CSRF tokens, scenarios run
from several processes (closed loop, open loop at a rate, or all at one instant), where the CPU
went while they ran, lock waits on PostgreSQL, and the gunicorn server under test."""

from __future__ import annotations

import http.client
import math
import multiprocessing
import os
import queue
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
TOKEN_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
USER_AGENT = "quizapp-bench"  # sent on every request; minted sessions are bound to it
SECRET_KEY = os.environ.get("SECRET_KEY", "bench-secret-key-loopback-only")


# --------------------------------------------------------------------------------------------
# A small HTTP client. Each thread keeps its connection open while the server allows it
# (HTTP/1.1 keep-alive); gunicorn's sync workers answer "Connection: close", so against them each
# request connects anew on loopback (~0.1 ms), which the client notices and does.
# --------------------------------------------------------------------------------------------

_connections = threading.local()


def _connection(port: int, timeout: float) -> http.client.HTTPConnection:
    kept = getattr(_connections, "by_port", None)
    if kept is None:
        kept = _connections.by_port = {}
    connection = kept.get(port)
    if connection is None:
        connection = kept[port] = http.client.HTTPConnection(HOST, port, timeout=timeout)
    connection.timeout = timeout
    return connection


def _drop_connection(port: int) -> None:
    connection = getattr(_connections, "by_port", {}).pop(port, None)
    if connection is not None:
        connection.close()


@dataclass
class Session:
    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    token: str = ""

    def request(
        self, method: str, path: str, form: dict[str, Any] | None = None, timeout: float = 30
    ) -> tuple[int, dict[str, str], bytes]:
        headers = {"User-Agent": USER_AGENT}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = _connection(self.port, timeout)
        reused = connection.sock is not None
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as error:
            _drop_connection(self.port)
            if reused and isinstance(error, (http.client.RemoteDisconnected, BrokenPipeError)):
                # The server closed an idle kept-alive connection before reading this request.
                return self.request(method, path, form, timeout)
            raise
        if response.will_close:
            _drop_connection(self.port)
        for value in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(value)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data

    def get_token(self, path: str) -> str:
        status, _, body = self.request("GET", path)
        match = TOKEN_RE.search(body.decode())
        if status != 200 or not match:
            raise RuntimeError(f"no form on {path} ({status})")
        self.token = match.group(1)
        return self.token

    def post(self, path: str, form: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        return self.request("POST", path, {"csrf_token": self.token, **form})


def log_in(port: int, email: str, password: str) -> Session:
    session = Session(port)
    session.get_token("/login")
    status, headers, _ = session.post("/login", {"email": email, "password": password})
    if status != 302 or "/login" in headers.get("location", ""):
        raise RuntimeError(f"login failed for {email}: {status}")
    return session


def log_in_many(port: int, emails: list[str], password: str, threads: int = 8) -> list[Session]:
    sessions: list[Session | None] = [None] * len(emails)
    jobs: queue.Queue[int] = queue.Queue()
    for i in range(len(emails)):
        jobs.put(i)

    def work() -> None:
        while True:
            try:
                i = jobs.get_nowait()
            except queue.Empty:
                return
            sessions[i] = log_in(port, emails[i], password)

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return [s for s in sessions if s is not None]


def mint_sessions(url: str, port: int, emails: list[str]) -> list[Session]:
    """Signed-in sessions for these learners without the sign-in page: the login view's own
    steps (`session.clear()`, `login_user`, commit) run in this process on an app with the
    server's SECRET_KEY, bound to loopback and USER_AGENT as Flask-Login's "strong" protection
    checks. It spares one argon2 check per learner (2,000 of them take 10 minutes on the shared
    2 cores); the scenarios' own requests are unchanged. The app and its connections are
    dropped before any scenario forks."""
    from flask import session
    from flask_login import login_user
    from sqlalchemy import select

    saved = {k: os.environ.get(k) for k in ("DATABASE_URL", "SECRET_KEY")}
    os.environ.update(DATABASE_URL=url, SECRET_KEY=SECRET_KEY)
    try:
        from quizapp import create_app
        from quizapp.extensions import db
        from quizapp.models import User

        app = create_app({"MIGRATIONS": False})
        sessions = []
        with app.app_context():
            users = {
                u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))
            }
            for email in emails:
                with app.test_request_context(
                    "/login",
                    method="POST",
                    environ_base={"REMOTE_ADDR": HOST},
                    headers={"User-Agent": USER_AGENT},
                ):
                    session.clear()
                    login_user(users[email])
                    response = app.response_class()
                    app.session_interface.save_session(app, session, response)
                minted = Session(port)
                for value in response.headers.getlist("Set-Cookie"):
                    cookie = SimpleCookie()
                    cookie.load(value)
                    minted.cookies.update({k: m.value for k, m in cookie.items()})
                sessions.append(minted)
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        return sessions
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


# --------------------------------------------------------------------------------------------
# Running a scenario: closed loop (peak) and open loop (a fixed rate), in worker processes
# --------------------------------------------------------------------------------------------

# An operation: (method, path, form or None, session index or None, expected statuses)
Op = tuple[str, str, dict[str, Any] | None, int | None, tuple[int, ...]]


def _run_ops(args) -> list[tuple[float, bool, int, int, str]]:
    """In a child process: run ops with `threads` threads, all created before `start_at`.

    Closed loop (rate None): each thread sends its next op when the last one is answered, and
    latency runs from the send. Open loop: op i is due at start_at + i/rate and latency runs from
    its due time, so queueing counts; rate=inf makes every op due at start_at ("at once").
    Returns (latency, good, SQL statements, worker pid, what went wrong or "") per op."""
    port, sessions, ops, threads, seconds, rate, start_at, timeout = args
    results: list[tuple[float, bool, int, int, str]] = []
    lock = threading.Lock()
    jobs: queue.Queue[tuple[int, float]] = queue.Queue()
    deadline = start_at + seconds
    for i in range(len(ops)):
        jobs.put((i, start_at + i / rate if rate else 0.0))

    def work() -> None:
        now = time.perf_counter()
        if start_at > now:
            time.sleep(start_at - now)
        while True:
            try:
                i, due = jobs.get_nowait()
            except queue.Empty:
                return
            now = time.perf_counter()
            if now >= deadline:
                return
            if due > now:
                time.sleep(due - now)
            method, path, form, who, ok = ops[i]
            session = sessions[who] if who is not None else Session(port)
            began = due if rate else time.perf_counter()  # open loop: count queueing too
            pid = queries = -1
            try:
                if form is not None:
                    form = {"csrf_token": session.token, **form}
                status, headers, _ = session.request(method, path, form, timeout=timeout)
                good = status in ok
                kind = "" if good else f"HTTP {status}"
                queries = int(headers.get("x-query-count", -1))
                pid = int(headers.get("x-bench-pid", -1))
            except (OSError, http.client.HTTPException) as error:
                good, kind = False, type(error).__name__
            with lock:
                results.append((time.perf_counter() - began, good, queries, pid, kind))

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return results


@dataclass
class Figures:
    name: str
    requests: int
    seconds: float
    errors: int
    latencies: list[float]
    queries: float
    half_p95: float | None = None
    note: str = ""
    pids: list[int] = field(default_factory=list)  # the worker that served each request
    error_kinds: dict[str, int] = field(default_factory=dict)  # e.g. {"TimeoutError": 3}
    cpu: dict[str, float] = field(default_factory=dict)  # CpuMeter.since()

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        return percentile(self.latencies, p)

    @property
    def cpu_ms(self) -> float:
        """CPU a request cost the server's workers and the database's backends, in ms."""
        if not self.cpu or not self.requests:
            return float("nan")
        return (self.cpu["server"] + self.cpu["postgres"]) / self.requests * 1000


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile (p in 0-100) of values; nan for none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


# --------------------------------------------------------------------------------------------
# Where the CPU went during a scenario: the server's workers, PostgreSQL, the load generator
# --------------------------------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
SERVER: dict[str, Any] = {"pid": 0, "url": ""}  # the gunicorn master under test, its database


def _process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a live process has used; 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def _postgres_pids() -> list[int]:
    """The PostgreSQL backends serving the benchmark's database (not other engineers' test
    databases on the same server); none on SQLite."""
    url = SERVER.get("url", "")
    if not url.startswith("postgres"):
        return []
    from sqlalchemy import text

    with connected(url) as connection:
        sql = "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        sql += " AND pid <> pg_backend_pid()"
        return [int(pid) for pid in connection.execute(text(sql)).scalars()]


def _machine_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of all cores since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])  # guest time is already counted in user
    return total - idle, total


class CpuMeter:
    """CPU seconds spent between start and since(): by the gunicorn workers (their own work
    and, on SQLite, the database's), by the PostgreSQL backends of the benchmark's database
    (not the server's background writers), by the load generator's processes, and how busy
    the whole machine was (all processes, other engineers' included). The first two, divided
    by the requests, are the cost of a request, which other engineers' load hardly changes."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.workers = {pid: _process_cpu(pid) for pid in worker_pids(SERVER["pid"])}
        self.postgres = {pid: _process_cpu(pid) for pid in _postgres_pids()}
        self.children = _children_cpu()
        self.jiffies = _machine_jiffies()

    def since(self) -> dict[str, float]:
        wall = time.perf_counter() - self.wall
        workers = sum(
            _process_cpu(pid) - self.workers.get(pid, 0.0) for pid in worker_pids(SERVER["pid"])
        )
        postgres = sum(
            _process_cpu(pid) - self.postgres.get(pid, 0.0)
            for pid in set(_postgres_pids()) | set(self.postgres)
        )
        busy, total = _machine_jiffies()
        share = (busy - self.jiffies[0]) / max(1, total - self.jiffies[1])
        return {
            "wall": wall,
            "server": workers,
            "postgres": postgres,
            "generator": _children_cpu() - self.children,
            "busy": share,  # 0-1 of all cores
        }


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    mine = resource.getrusage(resource.RUSAGE_SELF)
    # The gunicorn master is a child too, but it is reaped only at the end of a database's run.
    return usage.ru_utime + usage.ru_stime + mine.ru_utime + mine.ru_stime


def cpu_line(cpu: dict[str, float], requests: int = 0) -> str:
    if not cpu:
        return ""
    cores = os.cpu_count() or 1
    per = ""
    if requests:
        per = f"; per request: server {cpu['server'] / requests * 1000:.2f} ms"
        if cpu["postgres"]:
            per += f" + postgres {cpu['postgres'] / requests * 1000:.2f} ms"
    return (
        f"cpu over {cpu['wall']:.1f} s: server workers {cpu['server']:.1f} s, postgres "
        f"{cpu['postgres']:.1f} s, load generator {cpu['generator']:.1f} s; machine "
        f"{cpu['busy'] * 100:.0f}% busy of {cores} cores ({cpu['busy'] * cores * cpu['wall']:.1f}"
        f" core-s){per}"
    )


def run(
    name: str,
    port: int,
    sessions: list[Session],
    ops: list[Op],
    *,
    concurrency: int,
    seconds: float,
    processes: int,
    rate: float | None = None,
    timeout: float = 30,
) -> Figures:
    """Split ops round-robin over `processes` children with concurrency/processes threads each
    (created before the start, so a burst of 2,000 leaves together); rate=math.inf: all at once.
    """
    processes = max(1, min(processes, concurrency))
    threads = max(1, concurrency // processes)
    lead = 0.5 + threads / 1000  # time to fork and start the threads before the first op
    start_at = time.perf_counter() + lead
    parts = []
    for p in range(processes):
        part = ops[p::processes]
        parts.append(
            (
                port,
                sessions,
                part,
                threads,
                seconds,
                (rate / processes) if rate else None,
                start_at,
                timeout,
            )
        )
    meter = CpuMeter()
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        chunks = pool.map(_run_ops, parts)
    elapsed = time.perf_counter() - start_at
    cpu = meter.since()  # from before the fork: includes starting the threads
    results = [r for chunk in chunks for r in chunk]
    queries = [q for _, _, q, _, _ in results if q >= 0]
    kinds: dict[str, int] = {}
    for *_, kind in results:
        if kind:
            kinds[kind] = kinds.get(kind, 0) + 1
    return Figures(
        name,
        len(results),
        max(elapsed, 1e-6),
        sum(1 for _, good, *_ in results if not good),
        [latency for latency, *_ in results],
        statistics.fmean(queries) if queries else float("nan"),
        pids=[pid for _, _, _, pid, _ in results],
        error_kinds=kinds,
        cpu=cpu,
    )


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_server(
    url: str,
    workers: int,
    port: int,
    extra_env: dict[str, str] | None = None,
    worker_class: str = "sync",
):
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "QUIZAPP_BENCH_ROUTES": "1",
        "SECRET_KEY": SECRET_KEY,
        # Many learners sign in from one loopback address: lift the per-IP login throttle only.
        "LOGIN_LIMIT_PER_IP": "100000 per minute",
        **(extra_env or {}),
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        "--bind",
        f"{HOST}:{port}",
        "--backlog",
        "2048",
        "--timeout",
        "60",
        "wsgi:app",
    ]
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    for _ in range(300):
        try:
            status, _, _ = Session(port).request("GET", "/healthz", timeout=2)
            if status == 200:
                return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError("gunicorn did not start: " + server.communicate()[1].decode()[-2000:])


def worker_pids(master: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                pids.append(int(entry.name))
    return sorted(pids)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextmanager
def connected(url: str, *, write: bool = False) -> Iterator[Any]:
    """A connection of its own to the benchmark database (a transaction committed at the end
    when `write`), outside the server under test."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.begin() if write else engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


class LockSampler:
    """On PostgreSQL, samples pg_stat_activity every 50 ms while a scenario runs: the benchmark
    database's sessions that are running, and those waiting for a lock (a heavyweight lock:
    a row or a table) or a lightweight one. Nothing on SQLite, whose lock waits happen inside
    the workers (the busy timeout)."""

    SQL = (
        "SELECT COUNT(*) FILTER (WHERE state = 'active'), "
        "COUNT(*) FILTER (WHERE wait_event_type = 'Lock'), "
        "COUNT(*) FILTER (WHERE wait_event_type = 'LWLock') "
        "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )

    def __init__(self, url: str) -> None:
        self.url = url
        self.samples: list[tuple[int, int, int]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> LockSampler:
        if self.url.startswith("postgres"):
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        from sqlalchemy import text

        with connected(self.url) as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            while not self._stop.wait(0.05):
                row = connection.execute(text(self.SQL)).one()
                self.samples.append((int(row[0]), int(row[1]), int(row[2])))

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def summary(self) -> str:
        if not self.samples:
            return ""
        n = len(self.samples)
        active = [a for a, _, _ in self.samples]
        locks = [lk for _, lk, _ in self.samples]
        light = [lw for _, _, lw in self.samples]
        return (
            f"postgres sessions ({n} samples): active mean {statistics.fmean(active):.1f} max "
            f"{max(active)}; waiting on a lock mean {statistics.fmean(locks):.2f} max "
            f"{max(locks)}; on an LWLock mean {statistics.fmean(light):.2f} max {max(light)}"
        )


def stop_server(server) -> tuple[list[float], list[str]]:
    """Stop gunicorn; the peak RSS of each of its workers and its error lines."""
    peaks = [peak_rss_mb(pid) for pid in worker_pids(server.pid)]
    server.terminate()
    _, errors = server.communicate(timeout=30)
    tail = errors.decode(errors="replace")
    problems = [line for line in tail.splitlines() if "Traceback" in line or "ERROR" in line]
    return peaks, problems


def loadavg() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())
