"""Load test: gunicorn with the production settings on loopback, driven from other processes.

Needs a database seeded by bench/seed.py. For each database given, starts
`gunicorn --workers (2 x cores + 1) wsgi:app` on 127.0.0.1 with QUIZAPP_BENCH_ROUTES=1 (which adds
/bench/hello, /bench/page and the X-Query-Count and X-Bench-Pid headers), signs learners in (not
timed), then runs:

  B0  GET /bench/hello: bare Flask
  L0  GET /bench/page: the app's base layout, no SQL (anonymous; checked with X-Query-Count),
      the ceiling for a server-rendered page; then the same page signed in (the user loader)
  B1  a trainee's dashboard and a module page (signed in); target >= 0.5 x L0
  B2  saving a quiz answer and submitting a case plan (auth, CSRF, validation, scoring, commit);
      target >= 0.4 x L0
  B3  gunicorn restarted, then each worker's first academy report and first common-mistakes page
      (cold), then both pages from 2 clients (warm); target p95 < 150 ms, cold = warm
  B4  2,000 learners starting the same exam: arrivals spread over 30 s (open loop), then the same
      learners all due at one instant; every attempt checked in the database
  B5  50 writers submitting case plans at the same instant

and prints, per scenario: requests a second, p50/p95/p99 latency, errors, SQL statements per
request, throughput as a share of B0 and of L0, p95 at half of the peak rate (open loop), and
where the CPU went (gunicorn workers, postgres processes, the load generator, the whole machine);
during B4 on PostgreSQL, how many sessions waited on locks; then the peak RSS (VmHWM) of every
worker of both servers, and a summary.

The load generator runs in --processes processes (2) with threads, created before the start so
a burst leaves together; each thread keeps its connection alive when the server allows it
(gunicorn's sync workers close every connection, so there each request connects anew).

    .venv/bin/python bench/load.py --database-url sqlite:////tmp/bench.sqlite3 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench

Loopback only; every scenario is bounded in requests and in seconds.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.loadkit import (  # noqa: E402
    SERVER,
    Figures,
    LockSampler,
    Op,
    Session,
    connected,
    cpu_line,
    free_port,
    loadavg,
    log_in,
    log_in_many,
    mint_sessions,
    percentile,
    run,
    start_server,
    stop_server,
)
from bench.seed import ADMIN, EXAM_MODULE, LEARNER_PASSWORD  # noqa: E402

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
TARGETS = {"B1": 0.5, "B2": 0.4}  # x L0 (issue 21)


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


def reset_exam_attempts(url: str, emails: list[str]) -> None:
    """Delete these learners' attempts at the B4 exam (and their answers), so that every B4
    round measures new starts, not resumptions. Touches only the benchmark's own exam module.
    Where the summaries written with the attempt exist (issue 21), their rows for these learners
    at the exam go too: the scenarios only start and answer the exam, never submit it, so a
    recompute from the remaining attempts has no such row either."""
    from sqlalchemy import bindparam, inspect, text

    exam = (
        "(SELECT q.id FROM quiz_attempts q JOIN modules m ON m.id = q.module_id "
        "JOIN users u ON u.id = q.user_id WHERE m.slug = :slug AND u.email IN :emails)"
    )
    statements = [
        text("DELETE FROM question_results WHERE attempt_id IN " + exam),  # noqa: S608 (constant)
        text("DELETE FROM quiz_attempts WHERE id IN " + exam),  # noqa: S608 (constant)
    ]
    with connected(url, write=True) as connection:
        if inspect(connection).has_table("learner_module_summaries"):
            statements.append(
                text(
                    "DELETE FROM learner_module_summaries WHERE module_id IN "
                    "(SELECT id FROM modules WHERE slug = :slug) AND user_id IN "
                    "(SELECT id FROM users WHERE email IN :emails)"
                )
            )
        for statement in statements:
            statement = statement.bindparams(bindparam("emails", expanding=True))
            connection.execute(statement, {"slug": EXAM_MODULE, "emails": emails})


def wait_drained(url: str, emails: list[str], limit: float = 300) -> tuple[int, int, int]:
    """exam_attempts once the server has finished what is queued: a client that timed out
    leaves its request in the listen queue, and the next round must not start under it."""
    last = exam_attempts(url, emails)
    deadline = time.perf_counter() + limit
    while time.perf_counter() < deadline:
        time.sleep(2)
        now = exam_attempts(url, emails)
        if now == last:
            return now
        last = now
    return last


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


def cold_probe(port: int, admin: Session, paths: list[str], workers: int, limit: int):
    """Right after a restart: the pages in turn, one request at a time, until every worker has
    answered each page once (or `limit` requests). Returns {path: [first latency per worker]},
    the latencies of the later (warm) requests per path, and each worker's very first request
    (path, latency)."""
    firsts: dict[str, dict[int, float]] = {path: {} for path in paths}
    warm: dict[str, list[float]] = {path: [] for path in paths}
    very_first: dict[int, tuple[str, float]] = {}
    for n in range(limit):
        if all(len(firsts[path]) >= workers for path in paths):
            break
        path = paths[n % len(paths)]
        began = time.perf_counter()
        status, headers, _ = admin.request("GET", path, timeout=120)
        latency = time.perf_counter() - began
        if status != 200:
            raise RuntimeError(f"{path}: {status} after the restart")
        pid = int(headers.get("x-bench-pid", -1))
        very_first.setdefault(pid, (path, latency))
        if pid in firsts[path]:
            warm[path].append(latency)
        else:
            firsts[path][pid] = latency
    return {path: list(firsts[path].values()) for path in paths}, warm, very_first


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
    if learners < args.b4 + 70:
        raise SystemExit(f"{url}: {learners} active learners, B4 needs {args.b4} (+70)")
    print(
        f"\n== {kind}: {learners:,} learners; gunicorn {workers} {args.worker_class} workers on "
        f"port {port}; load generator: {args.processes} processes; load average at start "
        f"{loadavg()}"
    )
    server = start_server(url, workers, port, worker_class=args.worker_class)
    SERVER.update(pid=server.pid, url=url)
    figures: list[Figures] = []
    memory: list[tuple[str, list[float]]] = []
    problems: list[str] = []
    c, s, p = args.concurrency, args.seconds, args.processes
    try:
        # Sign-ins happen before any timed scenario (argon2 is meant to be slow).
        t0 = time.perf_counter()
        readers = log_in_many(port, active[:20], LEARNER_PASSWORD)
        writers_b2 = log_in_many(port, active[-args.b2_learners :], LEARNER_PASSWORD)
        # B4's cohort: through the sign-in page with --sign-in-b4, else sessions minted
        # in-process (mint_sessions: the login view's steps without 2,000 argon2 checks).
        if args.sign_in_b4:
            exam = log_in_many(port, active[-args.b4 :], LEARNER_PASSWORD, threads=16)
        else:
            exam = mint_sessions(url, port, active[-args.b4 :])
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
            _print_one(result, figures)
            return result

        n, nb = args.requests, args.baseline_requests
        scenario("B0 hello", [], [("GET", "/bench/hello", None, None, (200,))] * nb, c, s)
        # L0: the base layout, no query (anonymous). Then the same page signed in, for what the
        # user loader (one statement) costs every signed-in page.
        l0 = scenario("L0 page", [], [("GET", "/bench/page", None, None, (200,))] * nb, c, s)
        if l0.queries != 0:
            print(f"   !! L0 ran {l0.queries:.1f} SQL statements a request: it must run none")
        l0_in = [("GET", "/bench/page", None, i % len(readers), (200,)) for i in range(n)]
        scenario("L0 signed in", readers, l0_in, c, s, half=False)
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

        # B3 cold: restart gunicorn (sessions are signed cookies and survive it), then time each
        # worker's first academy report and first common-mistakes page, one request at a time.
        peaks, lines = stop_server(server)
        memory.append(("B0-B2 server", peaks))
        problems += lines
        server = start_server(url, workers, port, worker_class=args.worker_class)
        SERVER.update(pid=server.pid, url=url)
        b3_paths = ["/academy/reports", "/author/insight/mistakes"]
        cold, warm_after, very_first = cold_probe(port, admin, b3_paths, workers, 12 * workers)
        for path in b3_paths:
            print(
                f"   B3 cold {path:26} first request per worker: "
                + ", ".join(f"{v * 1000:.0f}" for v in cold[path])
                + f" ms (max {max(cold[path]) * 1000:.0f})"
                + (
                    f"; the later ones: median {percentile(warm_after[path], 50) * 1000:.0f} ms"
                    if warm_after[path]
                    else ""
                )
            )
        print(
            "   B3 each worker's very first request after the restart: "
            + ", ".join(
                f"{v * 1000:.0f} ms ({k.rsplit('/', 1)[1]})" for k, v in very_first.values()
            )
        )
        b3 = []
        for i in range(args.b3_requests):
            b3.append(("GET", b3_paths[i % 2], None, 0, (200,)))
        result = scenario("B3 report+mistakes", [admin], b3, 2, max(s, 60), half=False)
        result.note = f"cold max {max(max(v) for v in cold.values()) * 1000:.0f} ms"
        for path in (*b3_paths, "/academy/members", "/academy/reports/learners.csv"):
            one = run(
                f"B3 {path}",
                port,
                [admin],
                [("GET", path, None, 0, (200,))] * 5,
                concurrency=1,
                seconds=60,
                processes=1,
            )
            print(
                f"   {path:36} median {one.pct(50) * 1000:7.0f} ms  "
                f"max {max(one.latencies) * 1000:7.0f} ms  q={one.queries:.0f}"
            )

        # B4: a cohort starts the same exam: arrivals spread evenly over --b4-spread seconds
        # (open loop, latency counted from each arrival), then the same learners again all due
        # at the same instant (latency counted from it). Each round starts from no exam attempt.
        emails = active[-args.b4 :]
        rounds = [(f"B4 {len(exam)} in {args.b4_spread:g} s", len(exam) / args.b4_spread)]
        if args.b4_spread:
            rounds.append((f"B4 {len(exam)} at once", math.inf))
        else:
            rounds = [(f"B4 {len(exam)} at once", math.inf)]
        for label, rate in rounds:
            reset_exam_attempts(url, emails)
            before = exam_attempts(url, emails)
            ops = []
            for who, session in enumerate(exam):
                session.get_token(f"/learn/modules/{EXAM_MODULE}")
                ops.append(("POST", f"/learn/modules/{EXAM_MODULE}/start", {}, who, (302,)))
            with LockSampler(url) as locks:
                result = run(
                    label,
                    port,
                    exam,
                    ops,
                    concurrency=len(ops),
                    seconds=args.b4_timeout + 60,
                    processes=p,
                    rate=rate,
                    timeout=args.b4_timeout,
                )
            after = wait_drained(url, emails)
            good = result.requests - result.errors
            once = before == (0, 0, 0) and after[0] == after[1] == after[2] >= good
            result.note = (
                f"exam attempts of these {len(exam)} learners (rows, learners, open): "
                f"{before} -> {after}: "
                + ("each stored exactly once" if once else "NOT each stored exactly once")
                + (f"\n      {locks.summary()}" if locks.summary() else "")
            )
            figures.append(result)
            _print_one(result, figures)

        # B5: 50 writers submit case plans at the same moment.
        t0 = time.perf_counter()
        ops = []
        for who, session in enumerate(b5):
            plan_url = prepare_case_plans(session, f"{PLAN_CASE}-c8")
            if plan_url:
                ops.append(("POST", plan_url, PLAN, who, (302,)))
        since = time.time()
        before = count_rows(url, _SUBMITTED_SQL)
        result = run(
            "B5 50 writers",
            port,
            b5,
            ops,
            concurrency=len(ops),
            seconds=120,
            processes=p,
            rate=math.inf,
        )
        after = count_rows(url, _SUBMITTED_SQL)
        result.note = (
            f"{len(ops)} plans submitted at once; submitted case attempts "
            f"{before:,} -> {after:,} (+{after - before}); "
            f"set-up {time.perf_counter() - t0 - (time.time() - since):.1f} s"
        )
        figures.append(result)
        _print_one(result, figures)
    finally:
        peaks, lines = stop_server(server)
        memory.append(("B3-B5 server", peaks))
        problems += lines
    for label, peaks in memory:
        print(
            f"   peak RSS per worker (VmHWM), {label}: {', '.join(f'{m:.0f}' for m in peaks)} MB"
            f" (max {max(peaks, default=float('nan')):.0f} MB, target <= 150)"
        )
    print(
        f"   server log: {len(problems)} error lines"
        + (f" (first: {problems[0][:160]})" if problems else "")
    )
    _print_summary(kind, figures, memory)
    return figures


_SUBMITTED_SQL = "SELECT COUNT(*) FROM case_attempts WHERE status = 'submitted'"


def _find(figures: list[Figures], prefix: str) -> Figures | None:
    return next((f for f in figures if f.name.startswith(prefix)), None)


def _ratio(f: Figures | None, base: Figures | None) -> float:
    return f.rps / base.rps if f and base and base.rps else float("nan")


def _print_one(f: Figures, figures: list[Figures]) -> None:
    b0, l0 = _find(figures, "B0"), _find(figures, "L0 page")
    target = TARGETS.get(f.name[:2])
    mark = ""
    if target is not None:
        verdict = "ok" if _ratio(f, l0) >= target else "MISSED"
        mark = f"  (target >= {target:.2f} x L0: {verdict})"
    half = f"  p95@half {f.half_p95 * 1000:6.0f} ms" if f.half_p95 is not None else ""
    print(
        f"   {f.name:22} {f.rps:8.1f} req/s  p50 {f.pct(50) * 1000:6.0f}  "
        f"p95 {f.pct(95) * 1000:6.0f}  p99 {f.pct(99) * 1000:6.0f} ms  "
        f"errors {f.errors}/{f.requests}  queries/req {f.queries:4.1f}  "
        f"x B0 {_ratio(f, b0):5.2f}  x L0 {_ratio(f, l0):5.2f}{half}{mark}"
    )
    if f.error_kinds:
        print(f"      errors: {', '.join(f'{k} {n}' for k, n in sorted(f.error_kinds.items()))}")
    if f.note:
        print(f"      {f.note}")
    if f.cpu:
        print(f"      {cpu_line(f.cpu, f.requests)}; load average {loadavg()}")


def _print_summary(kind: str, figures: list[Figures], memory) -> None:
    """The figures bench/README.md records, in one block."""
    b0, l0 = _find(figures, "B0"), _find(figures, "L0 page")
    b1, b2, b3 = _find(figures, "B1"), _find(figures, "B2"), _find(figures, "B3")
    b4 = [f for f in figures if f.name.startswith("B4")]
    peak = max((m for _, peaks in memory for m in peaks), default=float("nan"))
    print(f"   -- summary, {kind}:")
    if b0 and l0:
        print(f"      B0 {b0.rps:,.0f} req/s; L0 {l0.rps:,.0f} req/s = {_ratio(l0, b0):.2f} x B0")
    if b0 and l0:
        print(
            f"      CPU a request (server workers + database backends): B0 {b0.cpu_ms:.2f} ms, "
            f"L0 {l0.cpu_ms:.2f} ms; L0 = {b0.cpu_ms / l0.cpu_ms:.2f} x B0 by CPU"
        )
    for f, goal in ((b1, "B1"), (b2, "B2")):
        if f:
            print(
                f"      {f.name}: {f.rps:,.0f} req/s = {_ratio(f, l0):.2f} x L0 "
                f"(target {TARGETS[goal]}), {_ratio(f, b0):.2f} x B0; by CPU a request "
                f"({f.cpu_ms:.2f} ms): {l0.cpu_ms / f.cpu_ms if l0 else float('nan'):.2f} x L0"
            )
    if b3:
        print(
            f"      {b3.name}: p50 {b3.pct(50) * 1000:.0f} / p95 {b3.pct(95) * 1000:.0f} ms "
            f"(target < 150); {b3.note}"
        )
    for f in b4:
        print(f"      {f.name}: p99 {f.pct(99) * 1000:,.0f} ms, errors {f.errors} of {f.requests}")
    print(f"      peak RSS per worker: max {peak:.0f} MB (target <= 150)")


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
    parser.add_argument(
        "--worker-class",
        default="sync",
        help="gunicorn worker class (sync, as deployed; gthread keeps connections alive)",
    )
    parser.add_argument("--seconds", type=float, default=15, help="time limit per scenario")
    parser.add_argument("--requests", type=int, default=3000, help="request limit per scenario")
    parser.add_argument(
        "--b2-learners", type=int, default=40, help="each submits up to 9 distinct case plans"
    )
    parser.add_argument("--b2-plans", type=int, default=300, help="case plans submitted in B2")
    parser.add_argument(
        "--baseline-requests",
        type=int,
        default=10_000,
        help="request limit for B0 and L0 (a few seconds each: 3,000 took under 2 s, too noisy)",
    )
    parser.add_argument("--b3-requests", type=int, default=60)
    parser.add_argument("--b4", type=int, default=2000, help="learners starting the exam in B4")
    parser.add_argument(
        "--b4-timeout",
        type=float,
        default=180,
        help="seconds a B4 learner waits for the exam to start (the client's timeout)",
    )
    parser.add_argument(
        "--sign-in-b4",
        action="store_true",
        help="sign B4's learners in through /login (argon2 each) instead of minting sessions",
    )
    parser.add_argument(
        "--b4-spread",
        type=float,
        default=30.0,
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
