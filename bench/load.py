"""Load test: gunicorn with the production settings on loopback, driven from other processes.

Needs a database seeded by bench/seed.py. For each database given, starts
`gunicorn --workers (2 x cores + 1) wsgi:app` on 127.0.0.1 with QUIZAPP_BENCH_ROUTES=1 (which adds
/bench/hello and an X-Query-Count header), logs learners in, then runs:

  B0  GET /bench/hello: bare Flask, the baseline every other figure is divided by
  B1  a trainee's dashboard and a module page (signed in)
  B2  saving a quiz answer and submitting a case plan (auth, CSRF, validation, scoring, commit)
  B3  the academy report and the common-mistakes page on the whole data set (admin)
  B4  500 learners starting the same exam within a few seconds (spread over 5 s), then at once
  B5  50 writers submitting case plans at the same moment

and prints, per scenario: requests a second, p50/p95/p99 latency, errors, SQL statements per
request, throughput as a share of B0, and p95 at half of the peak rate (open loop); then the rows
B4 and B5 stored (each exactly once) and the peak RSS (VmHWM) of every worker.

    .venv/bin/python bench/load.py --database-url sqlite:////tmp/bench.sqlite3 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench

Loopback only; every scenario is bounded in requests and in seconds.
"""

from __future__ import annotations

import argparse
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
sys.path.insert(0, str(ROOT))

from bench.seed import ADMIN, EXAM_MODULE, LEARNER_PASSWORD  # noqa: E402

HOST = "127.0.0.1"
TOKEN_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
MODULE = "natural-results-nb"  # B1's module page (the academy's first module)
PLAN_CASE = "f44-frown-lines"  # B2/B5: the plan below is one of its candidate plans
PLAN = {
    "zone-0": "glabella",
    "product-0": "ona",
    "amount-0": "20",
    "side-0": "midline",
    "zone-1": "crows_feet",
    "product-1": "ona",
    "amount-1": "8",
    "side-1": "both",
    "go": "submit",
}
TARGETS = {"B1": 0.25, "B2": 0.15}


# --------------------------------------------------------------------------------------------
# A small HTTP client: one connection per request (gunicorn's sync workers close them anyway)
# --------------------------------------------------------------------------------------------


@dataclass
class Session:
    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    token: str = ""

    def request(
        self, method: str, path: str, form: dict[str, Any] | None = None, timeout: float = 30
    ) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        headers = {"Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            for value in response.headers.get_all("Set-Cookie") or []:
                cookie = SimpleCookie()
                cookie.load(value)
                for key, morsel in cookie.items():
                    self.cookies[key] = morsel.value
            return response.status, {k.lower(): v for k, v in response.getheaders()}, data
        finally:
            connection.close()

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


# --------------------------------------------------------------------------------------------
# Running a scenario: closed loop (peak) and open loop (a fixed rate), in worker processes
# --------------------------------------------------------------------------------------------

# An operation: (method, path, form or None, session index or None, expected statuses)
Op = tuple[str, str, dict[str, Any] | None, int | None, tuple[int, ...]]


def _run_ops(args) -> list[tuple[float, bool, int]]:
    """In a child process: run ops with `threads` threads; closed loop, or open at `rate`/s."""
    port, sessions, ops, threads, seconds, rate, start_at = args
    results: list[tuple[float, bool, int]] = []
    lock = threading.Lock()
    jobs: queue.Queue[tuple[int, float]] = queue.Queue()
    deadline = start_at + seconds
    if rate:
        for i in range(len(ops)):
            jobs.put((i, start_at + i / rate))
    else:
        for i in range(len(ops)):
            jobs.put((i, 0.0))

    def work() -> None:
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
            try:
                if form is not None:
                    status, headers, _ = session.request(
                        method, path, {"csrf_token": session.token, **form}
                    )
                else:
                    status, headers, _ = session.request(method, path)
                good = status in ok
                queries = int(headers.get("x-query-count", -1))
            except OSError:
                good, queries = False, -1
            with lock:
                results.append((time.perf_counter() - began, good, queries))

    while time.perf_counter() < start_at:
        time.sleep(0.001)
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

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


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
) -> Figures:
    """Split ops round-robin over `processes` children with concurrency/processes threads each."""
    processes = max(1, min(processes, concurrency))
    threads = max(1, concurrency // processes)
    start_at = time.perf_counter() + 0.5
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
            )
        )
    began = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        chunks = pool.map(_run_ops, parts)
    elapsed = time.perf_counter() - max(began, start_at - 0.5) - 0.5
    results = [r for chunk in chunks for r in chunk]
    queries = [q for _, _, q in results if q >= 0]
    return Figures(
        name,
        len(results),
        max(elapsed, 1e-6),
        sum(1 for _, good, _ in results if not good),
        [latency for latency, _, _ in results],
        statistics.fmean(queries) if queries else float("nan"),
    )


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_server(url: str, workers: int, port: int, extra_env: dict[str, str] | None = None):
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "QUIZAPP_BENCH_ROUTES": "1",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-secret-key-loopback-only"),
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


# --------------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------------


def prepare_case_plans(session: Session, slug: str) -> str | None:
    """Start a case and walk it to the plan step; the plan URL, or None if it cannot start."""
    session.get_token("/learn/cases/")
    status, headers, _ = session.post(f"/learn/cases/{slug}/start", {})
    location = headers.get("location", "")
    if status != 302 or "/attempts/" not in location:
        return None
    base = urllib.parse.urlparse(location).path.rsplit("/", 1)[0]
    session.post(base + "/patient", {})
    session.post(base + "/assessment", {"moving-glabella": "3", "moving-crows_feet": "2"})
    session.post(base + "/candidacy", {"disposition": "treat"})
    return base + "/plan"


def open_quiz_question(session: Session, slug: str) -> str | None:
    """The URL of question 1 of an open attempt at `slug` (started or resumed)."""
    session.get_token(f"/learn/modules/{slug}")
    status, headers, _ = session.post(f"/learn/modules/{slug}/start", {})
    location = urllib.parse.urlparse(headers.get("location", "")).path
    return location if status == 302 and "/q/" in location else None


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


def reset_exam_attempts(url: str, emails: list[str]) -> None:
    """Delete these learners' attempts at the B4 exam (and their answers), so that every B4
    round measures new starts, not resumptions. Touches only the benchmark's own exam module."""
    from sqlalchemy import bindparam, text

    exam = (
        "(SELECT q.id FROM quiz_attempts q JOIN modules m ON m.id = q.module_id "
        "JOIN users u ON u.id = q.user_id WHERE m.slug = :slug AND u.email IN :emails)"
    )
    statements = [
        text("DELETE FROM question_results WHERE attempt_id IN " + exam),  # noqa: S608 (constant)
        text("DELETE FROM quiz_attempts WHERE id IN " + exam),  # noqa: S608 (constant)
    ]
    with connected(url, write=True) as connection:
        for statement in statements:
            statement = statement.bindparams(bindparam("emails", expanding=True))
            connection.execute(statement, {"slug": EXAM_MODULE, "emails": emails})


def count_rows(url: str, sql: str, **params) -> int:
    from sqlalchemy import text

    with connected(url) as connection:
        return int(connection.execute(text(sql), params).scalar() or 0)


def active_learners(url: str) -> list[str]:
    """Emails of the seeded learners whose membership is active, in order."""
    from sqlalchemy import text

    sql = text(
        "SELECT u.email FROM users u JOIN memberships m ON m.user_id = u.id "
        "WHERE u.email LIKE 'learner%' AND m.active = :yes ORDER BY u.email"
    )
    with connected(url) as connection:
        return list(connection.execute(sql, {"yes": True}).scalars())


def exam_attempts(url: str, emails: list[str]) -> tuple[int, int, int]:
    """Rows, distinct learners and open attempts at the exam module for these learners."""
    from sqlalchemy import bindparam, text

    sql = text(
        "SELECT COUNT(*), COUNT(DISTINCT q.user_id), "
        "SUM(CASE WHEN q.status = 'in_progress' THEN 1 ELSE 0 END) "
        "FROM quiz_attempts q JOIN modules m ON m.id = q.module_id "
        "JOIN users u ON u.id = q.user_id WHERE m.slug = :slug AND u.email IN :emails"
    ).bindparams(bindparam("emails", expanding=True))
    with connected(url) as connection:
        row = connection.execute(sql, {"slug": EXAM_MODULE, "emails": emails}).one()
    return int(row[0]), int(row[1]), int(row[2] or 0)


def bench_database(url: str, args) -> list[Figures]:
    cores = os.cpu_count() or 1
    workers = args.workers or 2 * cores + 1
    port = free_port()
    kind = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    total = count_rows(url, "SELECT COUNT(*) FROM users")
    if total < 100:
        raise SystemExit(f"{url}: seed it first (bench/seed.py)")
    active = active_learners(url)  # a few memberships are deactivated: those learners get 403
    learners = len(active)
    print(f"\n== {kind}: {learners:,} learners; gunicorn {workers} sync workers on port {port}")
    server = start_server(url, workers, port)
    figures: list[Figures] = []
    c, s, p = args.concurrency, args.seconds, args.processes
    try:
        # Sign-ins happen before any timed scenario (argon2 is meant to be slow).
        t0 = time.perf_counter()
        readers = log_in_many(port, active[:20], LEARNER_PASSWORD)
        writers_b2 = log_in_many(port, active[-args.b2_learners :], LEARNER_PASSWORD)
        exam = log_in_many(
            port,
            active[-args.b4 :],
            LEARNER_PASSWORD,
            threads=16,
        )
        b5 = log_in_many(port, active[20:70], LEARNER_PASSWORD)
        admin = log_in(port, ADMIN[0], ADMIN[2])
        print(
            f"   {3 + len(readers) + len(writers_b2) + len(exam) + len(b5)} sign-ins in "
            f"{time.perf_counter() - t0:.1f} s (not timed)"
        )

        def scenario(
            name: str, sessions, ops, conc: int, secs: float, half: bool = True, warm=None
        ):
            run(
                name,
                port,
                sessions,
                warm if warm is not None else ops[: max(conc * 2, 10)],
                concurrency=conc,
                seconds=2,
                processes=p,
            )  # warm every worker's caches
            result = run(name, port, sessions, ops, concurrency=conc, seconds=secs, processes=p)
            if half and result.rps:
                slow = run(
                    name,
                    port,
                    sessions,
                    ops,
                    concurrency=conc,
                    seconds=secs,
                    processes=p,
                    rate=result.rps / 2,
                )
                result.half_p95 = slow.pct(95)
            figures.append(result)
            _print_one(result, figures[0] if figures else None)
            return result

        n = args.requests
        scenario("B0 hello", [], [("GET", "/bench/hello", None, None, (200,))] * n, c, s)
        b1 = []
        for i in range(n):
            who = i % len(readers)
            path = "/learn/" if i % 2 == 0 else f"/learn/modules/{MODULE}"
            b1.append(("GET", path, None, who, (200,)))
        scenario("B1 dashboard+module", readers, b1, c, s)

        # B2: each learner has an open exam-attempt question to save answers to, and case
        # attempts walked to the plan step (set-up not timed). A plan is scored once, so the run
        # at half load gets case attempts of its own.
        def b2_ops() -> tuple[list[Op], list[Op]]:
            t0 = time.perf_counter()
            saves: list[Op] = []
            plans: list[Op] = []
            for who, session in enumerate(writers_b2):
                question = open_quiz_question(session, EXAM_MODULE)
                if question:
                    saves.append(("POST", question, {"answer": "0", "go": "next"}, who, (302,)))
                # One plan per case and learner: a second start of the same case would resume
                # the same attempt, and its plan would be a replay (the stored result).
                per_learner = min(9, -(-args.b2_plans // len(writers_b2)))
                for k in range(per_learner):
                    slug = f"{PLAN_CASE}-c{k}" if k else PLAN_CASE
                    plan_url = prepare_case_plans(session, slug)
                    if plan_url:
                        plans.append(("POST", plan_url, PLAN, who, (302,)))
            answers = [saves[i % len(saves)] for i in range(len(plans))] if saves else []
            print(
                f"   B2 set-up: {len(plans)} case attempts walked to the plan step "
                f"in {time.perf_counter() - t0:.1f} s (not timed)"
            )
            return [op for pair in zip(answers, plans, strict=True) for op in pair], answers

        ops, answers = b2_ops()
        warm = answers[: max(c * 2, 10)]  # warm with answers only: plans submit once
        b2 = scenario("B2 answer+plan", writers_b2, ops, c, s, half=False, warm=warm)
        if b2.rps:
            ops, _ = b2_ops()
            slow = run(
                "B2", port, writers_b2, ops, concurrency=c, seconds=s, processes=p, rate=b2.rps / 2
            )
            b2.half_p95 = slow.pct(95)
            print(f"   B2 at half load ({b2.rps / 2:.0f} req/s): p95 {b2.half_p95 * 1000:.0f} ms")

        b3 = []
        for i in range(args.b3_requests):
            b3.append(
                (
                    "GET",
                    "/academy/reports" if i % 2 == 0 else "/author/insight/mistakes",
                    None,
                    0,
                    (200,),
                )
            )
        scenario("B3 report+mistakes", [admin], b3, 2, max(s, 60), half=False)
        for path in (
            "/academy/reports",
            "/author/insight/mistakes",
            "/academy/members",
            "/academy/reports/learners.csv",
        ):
            one = run(
                f"B3 {path}",
                port,
                [admin],
                [("GET", path, None, 0, (200,))] * 3,
                concurrency=1,
                seconds=60,
                processes=1,
            )
            print(
                f"   {path:36} median {one.pct(50) * 1000:7.0f} ms  "
                f"max {max(one.latencies) * 1000:7.0f} ms  q={one.queries:.0f}"
            )

        # B4: 500 learners start the same exam within a few seconds: arrivals spread evenly over
        # --b4-spread seconds (open loop, latency counted from each arrival), then the same
        # learners again all in the same instant. Each round starts from no exam attempt.
        emails = active[-args.b4 :]
        rounds = [(f"B4 {len(exam)} in {args.b4_spread:g} s", args.b4_spread)]
        if args.b4_spread:
            rounds.append((f"B4 {len(exam)} at once", 0.0))
        for label, spread in rounds:
            reset_exam_attempts(url, emails)
            before = exam_attempts(url, emails)
            ops = []
            for who, session in enumerate(exam):
                session.get_token(f"/learn/modules/{EXAM_MODULE}")
                ops.append(("POST", f"/learn/modules/{EXAM_MODULE}/start", {}, who, (302,)))
            result = run(
                label,
                port,
                exam,
                ops,
                concurrency=len(ops),
                seconds=120,
                processes=p,
                rate=len(ops) / spread if spread else None,
            )
            after = exam_attempts(url, emails)
            result.note = (
                f"exam attempts of these {len(exam)} learners (rows, learners, open): "
                f"{before} -> {after}"
            )
            figures.append(result)
            _print_one(result, figures[0])

        # B5: 50 writers submit case plans at the same moment.
        t0 = time.perf_counter()
        ops = []
        for who, session in enumerate(b5):
            plan_url = prepare_case_plans(session, f"{PLAN_CASE}-c8")
            if plan_url:
                ops.append(("POST", plan_url, PLAN, who, (302,)))
        since = time.time()
        before = count_rows(url, _SUBMITTED_SQL)
        result = run("B5 50 writers", port, b5, ops, concurrency=len(ops), seconds=120, processes=p)
        after = count_rows(url, _SUBMITTED_SQL)
        result.note = (
            f"{len(ops)} plans submitted at once; submitted case attempts "
            f"{before:,} -> {after:,} (+{after - before}); "
            f"set-up {time.perf_counter() - t0 - (time.time() - since):.1f} s"
        )
        figures.append(result)
        _print_one(result, figures[0])
    finally:
        pids = worker_pids(server.pid)
        peaks = [peak_rss_mb(pid) for pid in pids]
        server.terminate()
        _, errors = server.communicate(timeout=30)
    print(
        f"   peak RSS per worker (VmHWM): {', '.join(f'{m:.0f}' for m in peaks)} MB"
        f" (max {max(peaks, default=float('nan')):.0f} MB, target < 150)"
    )
    tail = errors.decode(errors="replace")
    problems = [line for line in tail.splitlines() if "Traceback" in line or "ERROR" in line]
    print(
        f"   server log: {len(problems)} error lines"
        + (f" (first: {problems[0][:160]})" if problems else "")
    )
    return figures


_SUBMITTED_SQL = "SELECT COUNT(*) FROM case_attempts WHERE status = 'submitted'"


def _print_one(f: Figures, baseline: Figures | None) -> None:
    ratio = f.rps / baseline.rps if baseline and baseline.rps else float("nan")
    target = TARGETS.get(f.name[:2])
    mark = ""
    if target is not None:
        verdict = "ok" if ratio >= target else "MISSED"
        mark = f"  (target >= {target:.2f}: {verdict})"
    half = f"  p95@half {f.half_p95 * 1000:6.0f} ms" if f.half_p95 is not None else ""
    print(
        f"   {f.name:22} {f.rps:8.1f} req/s  p50 {f.pct(50) * 1000:6.0f}  "
        f"p95 {f.pct(95) * 1000:6.0f}  p99 {f.pct(99) * 1000:6.0f} ms  "
        f"errors {f.errors}/{f.requests}  queries/req {f.queries:4.1f}  "
        f"x B0 {ratio:5.2f}{half}{mark}"
    )
    if f.note:
        print(f"      {f.note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        action="append",
        help="a seeded database (repeat for SQLite and PostgreSQL); default: DATABASE_URL",
    )
    parser.add_argument("--workers", type=int, default=0, help="default: 2 x cores + 1")
    parser.add_argument("--concurrency", type=int, default=16, help="clients in closed loop")
    parser.add_argument("--processes", type=int, default=2, help="load-generator processes")
    parser.add_argument("--seconds", type=float, default=15, help="time limit per scenario")
    parser.add_argument("--requests", type=int, default=3000, help="request limit per scenario")
    parser.add_argument(
        "--b2-learners", type=int, default=40, help="each submits up to 9 distinct case plans"
    )
    parser.add_argument("--b2-plans", type=int, default=300, help="case plans submitted in B2")
    parser.add_argument("--b3-requests", type=int, default=20)
    parser.add_argument("--b4", type=int, default=500, help="learners starting the exam in B4")
    parser.add_argument(
        "--b4-spread",
        type=float,
        default=5.0,
        help="B4 arrivals spread over this many seconds (then a second round all at once); 0: "
        "only all at once",
    )
    args = parser.parse_args(argv)
    urls = args.database_url or (
        [os.environ["DATABASE_URL"]] if "DATABASE_URL" in os.environ else []
    )
    if not urls:
        parser.error("give --database-url (or set DATABASE_URL) for a database seeded by seed.py")
    print(f"machine: {os.cpu_count()} cores; {_cpu_model()}; {_ram_gb():.0f} GB RAM")
    for url in urls:
        bench_database(url, args)
    return 0


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def _ram_gb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return float("nan")


if __name__ == "__main__":
    raise SystemExit(main())
