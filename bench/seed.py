"""Fill an empty database with a large, realistic academy for the load and scale benchmarks.

At --scale 1: 1 academy, 50 cohorts, 10,000 learners, 200 academy cases and 150 academy questions
(clones of the bank's 25 cases and 8 modules with varied ids, next to the bank itself) and
1,000,000 question and case attempts over two years: 40,000 quiz attempts answering 20 questions
each (800,000 question results) and 200,000 case attempts (with their per-zone verdicts), plus
certificates. Scores come from the real graders: each module and case gets a pool of answer
sets and plans of every quality (the authors' candidate plans, scaled up and down), graded once,
and learners draw from the pool by their skill, so bands, pass rates and common mistakes look
like a real academy's.

Rows go in with executemany in large transactions on SQLite and COPY on PostgreSQL.

    .venv/bin/python bench/seed.py --fresh                    # instance/quizapp.sqlite3
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench \\
        .venv/bin/python bench/seed.py --fresh --scale 0.01   # a quick run

Accounts (printed at the end): admin@bench.example.com / bench-admin-2026,
educator@bench.example.com / bench-educator-2026, learnerNNNNN@bench.example.com /
bench-learner-2026 (one argon2 hash, computed once, shared by every learner).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import secrets
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import JSON

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ACADEMY = ("Benchmark Academy", "bench")
ADMIN = ("admin@bench.example.com", "Bench Admin", "bench-admin-2026")
EDUCATOR = ("educator@bench.example.com", "Bench Educator", "bench-educator-2026")
LEARNER_PASSWORD = "bench-learner-2026"  # noqa: S105 - a local benchmark account
EXAM_MODULE = "exam-bench"  # academy module no seeded attempt touches: the B4 exam

FULL = {
    "cohorts": 50,
    "learners": 10_000,
    "quiz_attempts": 46_000,  # ~44,100 written (some learners stop) x ~18.6 = ~820,000 results
    "case_attempts": 200_000,
}
CASE_CLONES = 8  # 25 bank cases x 8 = 200 academy cases
ACADEMY_QUESTIONS = 150  # the bank's 8 x 20 questions, trimmed to 150 in the academy's clones
DAYS = 730
CHUNK = 20_000


def learner_email(n: int) -> str:
    return f"learner{n:05d}@bench.example.com"


# --------------------------------------------------------------------------------------------
# Progress and bulk writing
# --------------------------------------------------------------------------------------------


class Progress:
    """A one-line progress bar on stderr (no dependency)."""

    def __init__(self, label: str, total: int):
        self.label, self.total, self.done = label, max(total, 1), 0
        self.start = time.perf_counter()
        self._shown = -1.0

    def add(self, n: int) -> None:
        self.done += n
        now = time.perf_counter()
        if now - self._shown >= 0.25 or self.done >= self.total:
            self._shown = now
            share = min(self.done / self.total, 1.0)
            bar = "#" * int(share * 30)
            rate = self.done / max(now - self.start, 1e-9)
            sys.stderr.write(
                f"\r{self.label:<22} [{bar:<30}] {share:6.1%} {self.done:>10,} rows {rate:>9,.0f}/s"
            )
            sys.stderr.flush()

    def close(self) -> None:
        if self._shown < 0 or self.done < self.total:
            self._shown = -1.0
            self.add(0)
        sys.stderr.write(f"  {time.perf_counter() - self.start:6.1f} s\n")


class Writer:
    """Bulk inserts through the driver: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, engine, metadata):
        self.engine = engine
        self.metadata = metadata
        self.dialect = engine.dialect.name
        self.raw = engine.raw_connection()
        if self.dialect == "sqlite":
            cursor = self.raw.cursor()
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.close()

    def value(self, v: Any) -> Any:
        if isinstance(v, datetime):
            v = v.astimezone(UTC)
            if self.dialect == "sqlite":  # SQLAlchemy's SQLite DateTime storage format
                return v.strftime("%Y-%m-%d %H:%M:%S.%f")
            return v
        if isinstance(v, date) and self.dialect == "sqlite":
            return v.isoformat()
        if isinstance(v, bool) and self.dialect == "sqlite":
            return int(v)
        return v

    def insert(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], bar: Progress
    ) -> int:
        count = 0
        cursor = self.raw.cursor()
        columns_of = self.metadata.tables[table].c
        is_json = [isinstance(columns_of[c].type, JSON) for c in columns]

        def convert(row: Sequence[Any]) -> list[Any]:
            return [
                (None if v is None else json.dumps(v, separators=(",", ":")))
                if j
                else self.value(v)
                for v, j in zip(row, is_json, strict=True)
            ]

        if self.dialect == "postgresql":
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(convert(row))
                    count += 1
                    if count % 5000 == 0:
                        bar.add(5000)
            bar.add(count % 5000)
        else:
            sql = (
                f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - fixed table names
                f"VALUES ({', '.join('?' for _ in columns)})"
            )
            batch: list[list[Any]] = []
            for row in rows:
                batch.append(convert(row))
                if len(batch) >= CHUNK:
                    cursor.executemany(sql, batch)
                    count += len(batch)
                    bar.add(len(batch))
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
                count += len(batch)
                bar.add(len(batch))
        cursor.close()
        self.raw.commit()
        return count

    def finish(self, tables: Sequence[str]) -> None:
        cursor = self.raw.cursor()
        if self.dialect == "postgresql":
            for table in tables:  # explicit ids were written: move the sequences past them
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                )
            self.raw.commit()
            self.raw.driver_connection.autocommit = True
            cursor = self.raw.cursor()
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")
            self.raw.commit()
        cursor.close()
        self.raw.close()


# --------------------------------------------------------------------------------------------
# Content: clones of the bank, and pools of graded answers and plans
# --------------------------------------------------------------------------------------------


@dataclass
class QuizVariant:
    answers: dict[str, Any]
    percent: float
    passed: bool
    result: dict[str, Any]
    rows: list[tuple[str, str, float, bool, Any]]  # question_id, topic, score, correct, response


@dataclass
class CaseVariant:
    grades: dict[str, dict[str, int | None]]
    red_flags: list[str]
    disposition: str
    plan_items: list[dict[str, str]]
    band: str
    score: float
    result: dict[str, Any]
    zones: list[tuple[str, str, float, float | None, float | None, float]]


@dataclass
class ModuleInfo:
    id: int
    version_id: int
    slug: str
    max_attempts: int | None
    weight: float
    pool: list[QuizVariant]


@dataclass
class CaseInfo:
    id: int
    version_id: int
    slug: str
    weight: float
    pool: list[CaseVariant]


def quiz_pool(module, rng: random.Random, size: int = 24) -> list[QuizVariant]:
    from quizapp.domain import quiz
    from quizapp.domain.sample_answers import quiz_response

    pool = []
    for i in range(size):
        p = 0.35 + 0.63 * i / (size - 1)
        answers = {q.id: quiz_response(q, p, rng) for q in module.questions}
        answers = {k: v for k, v in answers.items() if v is not None}
        grade = quiz.grade_attempt(module.questions, answers, module.pass_mark)
        rows = [(r.question_id, r.topic, r.score, r.correct, r.response) for r in grade.results]
        pool.append(QuizVariant(answers, grade.percent, grade.passed, grade.to_dict(), rows))
    pool.sort(key=lambda v: v.percent)
    return pool


def case_pool(case, rng: random.Random) -> list[CaseVariant]:
    """Plans of every quality for one case, scored by the real engine, worst first."""
    from quizapp.domain.sample_answers import plan_rows, plan_variants
    from quizapp.domain.scoring import score_case_attempt
    from quizapp.domain.tendency import deviation

    true_grades = {z.zone: {"rest": z.rest, "moving": z.moving} for z in case.assessment if z.zone}
    flags = sorted(f.id for f in case.reference.red_flags)
    variants = plan_variants(case)
    pool = []
    for plan in variants:
        for sloppy in (False, True):
            grades = {z: dict(g) for z, g in true_grades.items()}
            ticked = list(flags)
            if sloppy:
                for g in grades.values():
                    if g["moving"] is not None and rng.random() < 0.4:
                        g["moving"] = min(4, max(0, g["moving"] + rng.choice((-1, 1))))
                if ticked and rng.random() < 0.5:
                    ticked = ticked[:-1]
            score = score_case_attempt(case, grades, ticked, plan.disposition, plan)
            zones = []
            for verdict in score.plan.zones:
                planned = max((amount for _, amount in verdict.amounts), default=0.0)
                low = verdict.range.min if verdict.range else None
                high = verdict.range.max if verdict.range else None
                zones.append(
                    (
                        verdict.zone,
                        verdict.verdict.value,
                        planned,
                        low,
                        high,
                        deviation(planned, low, high),
                    )
                )
            items = plan_rows(plan)
            pool.append(
                CaseVariant(
                    grades,
                    ticked,
                    plan.disposition.value,
                    items,
                    score.plan.band.value,
                    float(score.total),
                    score.to_dict(),
                    zones,
                )
            )
    pool.sort(key=lambda v: v.score)
    return pool


def clone_content(academy_id: int, actor_id: int, rng: random.Random, scale: float):
    """Academy-owned copies of the bank: 8 clones of each case, the modules trimmed to 150
    questions, and the exam module for B4. Returns (modules, cases) with their pools."""
    import yaml

    from quizapp.extensions import db
    from quizapp.formats.cases import load_case_text
    from quizapp.formats.modules import load_module_text
    from quizapp.models import CaseRecord, CaseVersion, ModuleRecord, ModuleVersion
    from quizapp.models.base import now_utc
    from quizapp.models.content import Status
    from quizapp.services.authoring.content import (
        case_summary,
        content_hash,
        import_bank,
        module_summary,
        read_bank,
    )
    from quizapp.services.authoring.modules import module_text

    import_bank(ROOT / "cases")
    bank = read_bank(ROOT / "cases")
    when = now_utc() - timedelta(days=DAYS + 30)

    def add(record_model, version_model, fk, slug, title, text, summary, position=None):
        record = record_model(slug=slug, academy_id=academy_id, title=title, created_at=when)
        if position is not None:
            record.position = position
        db.session.add(record)
        db.session.flush()
        version = version_model(
            number=1,
            source_text=text,
            content_hash=content_hash(text),
            summary={"title": title, **summary},
            status=Status.DRAFT,
            created_by_id=actor_id,
            created_at=when,
        )
        setattr(version, fk, record.id)
        version.publish(when)
        db.session.add(version)
        db.session.flush()
        return record, version

    case_pools: dict[str, list[CaseVariant]] = {}
    cases: list[CaseInfo] = []
    bank_cases = [p for p in bank if p.kind == "case"]
    for item in bank_cases:
        case = load_case_text(item.text, item.slug)
        case_pools[item.slug] = case_pool(case, rng)
    # The bank's own cases, as imported.
    for record in db.session.scalars(
        db.select(CaseRecord).where(CaseRecord.academy_id.is_(None))
    ).all():
        version = record.latest_published()
        cases.append(CaseInfo(record.id, version.id, record.slug, 0.3, case_pools[record.slug]))
    for k in range(1, CASE_CLONES + 1):
        for item in bank_cases:
            slug = f"{item.slug}-c{k}"
            text = _replace_id(item.text, slug)
            case = load_case_text(text, slug)
            title = f"{item.title} ({k})"
            record, version = add(
                CaseRecord, CaseVersion, "case_id", slug, title, text, case_summary(case)
            )
            cases.append(CaseInfo(record.id, version.id, slug, 1.0, case_pools[item.slug]))

    modules: list[ModuleInfo] = []
    bank_modules = sorted((p for p in bank if p.kind == "module"), key=lambda p: p.position)
    total = sum(p.summary["question_count"] for p in bank_modules)
    to_drop = max(total - ACADEMY_QUESTIONS, 0)
    for record in db.session.scalars(
        db.select(ModuleRecord).where(ModuleRecord.academy_id.is_(None))
    ).all():
        version = record.latest_published()
        module = load_module_text(version.source_text, record.slug)
        modules.append(
            ModuleInfo(
                record.id,
                version.id,
                record.slug,
                module.max_attempts,
                0.25,
                quiz_pool(module, rng),
            )
        )
    renamed = {p.slug: f"{p.slug}-nb" for p in bank_modules}
    for index, item in enumerate(bank_modules):
        data = yaml.safe_load(item.text)
        drop = math.ceil(to_drop / (len(bank_modules) - index)) if to_drop else 0
        if drop:
            data["questions"] = data["questions"][:-drop]
            to_drop -= drop
        data["id"] = renamed[item.slug]
        data["title"] = data["title"] + " (academy edition)"
        data["prerequisites"] = [renamed.get(p, p) for p in data.get("prerequisites") or []]
        data["cases"] = [f"{c}-c1" for c in data.get("cases") or []]
        text = module_text(data)
        module = load_module_text(text, data["id"])
        record, version = add(
            ModuleRecord,
            ModuleVersion,
            "module_id",
            module.id,
            module.title,
            text,
            module_summary(module),
            position=100 + item.position,
        )
        modules.append(
            ModuleInfo(
                record.id,
                version.id,
                module.id,
                module.max_attempts,
                1.0 / (1 + 0.25 * index),
                quiz_pool(module, rng),
            )
        )
    # The exam for B4: the first module again, no prerequisites, unlimited attempts.
    data = yaml.safe_load(bank_modules[0].text)
    data.update(
        id=EXAM_MODULE,
        title="Benchmark exam",
        prerequisites=[],
        max_attempts=None,
        time_limit_minutes=None,
        cases=[],
    )
    text = module_text(data)
    module = load_module_text(text, EXAM_MODULE)
    add(
        ModuleRecord,
        ModuleVersion,
        "module_id",
        module.id,
        module.title,
        text,
        module_summary(module),
        position=999,
    )
    db.session.commit()
    return modules, cases


def _replace_id(text: str, new_id: str) -> str:
    import re

    return re.sub(r"^id\s*:.*$", f"id: {new_id}", text, count=1, flags=re.MULTILINE)


# --------------------------------------------------------------------------------------------
# People and attempts
# --------------------------------------------------------------------------------------------


@dataclass
class Learner:
    id: int
    joined: datetime
    until: datetime
    skill: float
    activity: float


def _weighted(items: Sequence[Any], weights: Sequence[float], rng: random.Random, k: int):
    return rng.choices(items, weights=weights, k=k)


def quiz_attempt_rows(
    learners: list[Learner],
    modules: list[ModuleInfo],
    count: int,
    academy_id: int,
    rng: random.Random,
    first_id: int,
    question_rows: list,
) -> Iterator[list[Any]]:
    """Quiz attempts, numbered per learner and module in time order; question results are
    appended to `question_rows` for the caller to write after the attempts."""
    weights = [lr.activity for lr in learners]
    picks = _weighted(learners, weights, rng, count)
    mods = _weighted(modules, [m.weight for m in modules], rng, count)
    plan: dict[tuple[int, int], list[datetime]] = {}
    for learner, module in zip(picks, mods, strict=True):
        key = (learner.id, module.id)
        times = plan.setdefault(key, [])
        if module.max_attempts is not None and len(times) >= module.max_attempts:
            continue
        span = (learner.until - learner.joined).total_seconds()
        times.append(learner.joined + timedelta(seconds=rng.random() * span))
    by_id = {lr.id: lr for lr in learners}
    mod_by_id = {m.id: m for m in modules}
    attempt_id = first_id
    for (user_id, module_id), times in plan.items():
        learner, module = by_id[user_id], mod_by_id[module_id]
        times.sort()
        for number, started in enumerate(times, start=1):
            last = number == len(times)
            open_ = last and rng.random() < 0.03
            level = learner.skill + 0.08 * (number - 1) + rng.gauss(0, 0.12)
            variant = module.pool[min(max(int(level * len(module.pool)), 0), len(module.pool) - 1)]
            submitted = started + timedelta(minutes=rng.randint(4, 45))
            yield [
                attempt_id,
                user_id,
                academy_id,
                module_id,
                module.version_id,
                number,
                rng.randrange(2**31 - 1),
                "in_progress" if open_ else "submitted",
                started,
                None,
                None if open_ else submitted,
                variant.answers,
                None if open_ else variant.percent,
                None if open_ else variant.passed,
                None if open_ else variant.result,
            ]
            if not open_:
                for question_id, topic, score, correct, response in variant.rows:
                    question_rows.append(
                        (
                            attempt_id,
                            module.version_id,
                            question_id,
                            topic,
                            score,
                            correct,
                            response,
                        )
                    )
            attempt_id += 1


QUIZ_COLUMNS = (
    "id",
    "user_id",
    "academy_id",
    "module_id",
    "module_version_id",
    "number",
    "seed",
    "status",
    "started_at",
    "deadline_at",
    "submitted_at",
    "answers",
    "score_percent",
    "passed",
    "result",
)
QUESTION_COLUMNS = (
    "attempt_id",
    "module_version_id",
    "question_id",
    "topic",
    "score",
    "correct",
    "response",
)
CASE_COLUMNS = (
    "id",
    "user_id",
    "academy_id",
    "case_id",
    "case_version_id",
    "module_id",
    "step",
    "status",
    "started_at",
    "updated_at",
    "submitted_at",
    "grades",
    "red_flags",
    "disposition",
    "plan_items",
    "band",
    "score",
    "result",
)
ZONE_COLUMNS = (
    "attempt_id",
    "user_id",
    "case_version_id",
    "zone",
    "verdict",
    "planned",
    "reference_min",
    "reference_max",
    "deviation",
)


def case_attempt_rows(
    learners: list[Learner],
    cases: list[CaseInfo],
    count: int,
    academy_id: int,
    rng: random.Random,
    first_id: int,
    zone_rows: list,
    flag_rows: list,
) -> Iterator[list[Any]]:
    weights = [lr.activity for lr in learners]
    picks = _weighted(learners, weights, rng, count)
    chosen = _weighted(cases, [c.weight for c in cases], rng, count)
    open_pairs: set[tuple[int, int]] = set()
    attempt_id = first_id
    for learner, case in zip(picks, chosen, strict=True):
        span = (learner.until - learner.joined).total_seconds()
        started = learner.joined + timedelta(seconds=rng.random() * span)
        done = started + timedelta(minutes=rng.randint(6, 40))
        open_ = (learner.id, case.id) not in open_pairs and rng.random() < 0.02
        level = learner.skill + rng.gauss(0, 0.2)
        variant = case.pool[min(max(int(level * len(case.pool)), 0), len(case.pool) - 1)]
        if open_:
            open_pairs.add((learner.id, case.id))
        yield [
            attempt_id,
            learner.id,
            academy_id,
            case.id,
            case.version_id,
            None,
            "plan" if open_ else "result",
            "in_progress" if open_ else "submitted",
            started,
            started if open_ else done,
            None if open_ else done,
            variant.grades,
            variant.red_flags,
            variant.disposition,
            variant.plan_items,
            None if open_ else variant.band,
            None if open_ else variant.score,
            None if open_ else variant.result,
        ]
        if not open_:
            red_flags = variant.result.get("red_flags") or {}
            missed = set(red_flags.get("missed") or [])
            for flag in sorted(set(red_flags.get("found") or []) | missed):
                flag_rows.append((attempt_id, flag, flag in missed))
            for zone, verdict, planned, low, high, dev in variant.zones:
                zone_rows.append(
                    (
                        attempt_id,
                        learner.id,
                        case.version_id,
                        zone,
                        verdict,
                        planned,
                        low,
                        high,
                        dev,
                    )
                )
        attempt_id += 1


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def reset_database(url: str) -> None:
    from sqlalchemy import create_engine

    if url.startswith("sqlite"):
        path = Path(url.split("sqlite:///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Seed a large, realistic academy for benchmarks (see bench/README.md).",
    )
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 10,000 learners (default)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help="default: DATABASE_URL, else instance/quizapp.sqlite3",
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="delete the SQLite file / drop the PostgreSQL schema first (destroys its data!)",
    )
    parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    args = parser.parse_args(argv)

    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    from flask_migrate import upgrade

    from quizapp import MIGRATIONS_DIR, create_app
    from quizapp.config import database_url

    url = database_url(str(ROOT / "instance"))
    if args.fresh:
        reset_database(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    rng = random.Random(args.seed)
    started = time.perf_counter()
    with app.app_context():
        from sqlalchemy import func, select

        from quizapp.extensions import db
        from quizapp.models import (
            Academy,
            Cohort,
            Programme,
            Role,
            User,
            cohort_programmes,
        )
        from quizapp.models.base import now_utc
        from quizapp.services.people import accounts

        upgrade(directory=MIGRATIONS_DIR)
        if db.session.scalar(select(func.count()).select_from(User)):
            print("The database already has users: run with --fresh (or an empty database).")
            return 2
        dialect = db.engine.dialect.name
        print(f"Seeding {dialect} at scale {args.scale:g} ...", file=sys.stderr)
        counts = {k: max(1, round(v * args.scale)) for k, v in FULL.items()}
        counts["cohorts"] = max(2, counts["cohorts"])
        now = now_utc()

        academy = accounts.create_academy(*ACADEMY)
        admin = accounts.create_user(*ADMIN)
        accounts.add_membership(admin, academy, Role.ADMIN)
        educator = accounts.create_user(*EDUCATOR)
        accounts.add_membership(educator, academy, Role.EDUCATOR)
        db.session.commit()
        academy_id = academy.id
        modules, cases = clone_content(academy_id, educator.id, rng, args.scale)
        cohorts = []
        for n in range(counts["cohorts"]):
            start = (
                now - timedelta(days=DAYS) + timedelta(days=n * DAYS / counts["cohorts"])
            ).date()
            cohorts.append(
                Cohort(
                    academy_id=academy_id,
                    name=f"Cohort {n + 1:02d} ({start:%b %Y})",
                    start_date=start,
                )
            )
        db.session.add_all(cohorts)
        academy_modules = [m.slug for m in modules if m.slug.endswith("-nb")]
        programmes = [
            Programme(
                academy_id=academy_id,
                name="Foundation certificate",
                required_modules=academy_modules[:3],
                min_good_cases=5,
                no_unsafe_in_last=10,
                validity_months=24,
            ),
            Programme(
                academy_id=academy_id,
                name="Advanced filler certificate",
                required_modules=academy_modules[:6],
                min_good_cases=15,
                no_unsafe_in_last=10,
                validity_months=12,
            ),
        ]
        db.session.add_all(programmes)
        db.session.flush()
        for index, cohort in enumerate(cohorts):
            db.session.execute(
                cohort_programmes.insert().values(
                    cohort_id=cohort.id, programme_id=programmes[0].id
                )
            )
            if index % 2:
                db.session.execute(
                    cohort_programmes.insert().values(
                        cohort_id=cohort.id, programme_id=programmes[1].id
                    )
                )
        db.session.commit()
        cohort_ids = [(c.id, c.start_date) for c in cohorts]
        programme_names = [(p.id, p.name, p.validity_months) for p in programmes]
        academy_name = academy.name
        first_user = db.session.scalar(select(func.max(User.id))) + 1
        db.session.remove()

        writer = Writer(db.engine, db.metadata)
        password_hash = accounts.hash_password(LEARNER_PASSWORD)  # once, shared by all learners

        learners: list[Learner] = []
        for n in range(counts["learners"]):
            cohort_index = min(int(n * counts["cohorts"] / counts["learners"]), len(cohort_ids) - 1)
            joined = datetime.combine(cohort_ids[cohort_index][1], datetime.min.time(), UTC)
            joined += timedelta(hours=rng.randint(0, 72))
            quits = rng.random() < 0.2  # a fifth stop coming: the inactive learners
            until = joined + (now - joined) * (rng.uniform(0.2, 0.9) if quits else 1.0)
            learners.append(
                Learner(
                    first_user + n,
                    joined,
                    min(until, now),
                    min(max(rng.betavariate(4, 3), 0.0), 1.0),
                    rng.lognormvariate(0, 0.8),
                )
            )
        # Learners who joined recently have had less time: activity per day, not per learner.
        for lr in learners:
            lr.activity *= max((lr.until - lr.joined).days, 1) / DAYS

        bar = Progress("users", len(learners))
        writer.insert(
            "users",
            (
                "id",
                "email",
                "display_name",
                "password_hash",
                "active",
                "is_site_admin",
                "session_version",
                "created_at",
                "last_login_at",
            ),
            (
                [
                    lr.id,
                    learner_email(lr.id - first_user + 1),
                    f"Learner {lr.id - first_user + 1:05d}",
                    password_hash,
                    True,
                    False,
                    1,
                    lr.joined,
                    lr.until,
                ]
                for lr in learners
            ),
            bar,
        )
        bar.close()
        bar = Progress("memberships", len(learners))
        first_membership = _next_id(writer, "memberships")
        writer.insert(
            "memberships",
            ("id", "user_id", "academy_id", "role", "active", "created_at"),
            (
                [first_membership + i, lr.id, academy_id, "trainee", rng.random() > 0.03, lr.joined]
                for i, lr in enumerate(learners)
            ),
            bar,
        )
        bar.close()
        bar = Progress("cohort members", len(learners))
        writer.insert(
            "cohort_members",
            ("id", "cohort_id", "user_id", "role"),
            (
                [
                    i + 1,
                    cohort_ids[
                        min(int(i * counts["cohorts"] / counts["learners"]), len(cohort_ids) - 1)
                    ][0],
                    lr.id,
                    "trainee",
                ]
                for i, lr in enumerate(learners)
            ),
            bar,
        )
        bar.close()

        question_rows: list = []
        bar = Progress("quiz attempts", counts["quiz_attempts"])
        n_quiz = writer.insert(
            "quiz_attempts",
            QUIZ_COLUMNS,
            quiz_attempt_rows(
                learners, modules, counts["quiz_attempts"], academy_id, rng, 1, question_rows
            ),
            bar,
        )
        bar.close()
        bar = Progress("question results", len(question_rows))
        writer.insert(
            "question_results",
            ("id", *QUESTION_COLUMNS),
            ([i + 1, *row] for i, row in enumerate(question_rows)),
            bar,
        )
        bar.close()
        n_questions = len(question_rows)
        del question_rows

        zone_rows: list = []
        flag_rows: list = []
        bar = Progress("case attempts", counts["case_attempts"])
        writer.insert(
            "case_attempts",
            CASE_COLUMNS,
            case_attempt_rows(
                learners, cases, counts["case_attempts"], academy_id, rng, 1, zone_rows, flag_rows
            ),
            bar,
        )
        bar.close()
        bar = Progress("case flag results", len(flag_rows))
        writer.insert(
            "case_flag_results",
            ("id", "attempt_id", "flag", "missed"),
            ([i + 1, *row] for i, row in enumerate(flag_rows)),
            bar,
        )
        bar.close()
        del flag_rows
        bar = Progress("case zone results", len(zone_rows))
        writer.insert(
            "case_zone_results",
            ("id", *ZONE_COLUMNS),
            ([i + 1, *row] for i, row in enumerate(zone_rows)),
            bar,
        )
        bar.close()
        n_zones = len(zone_rows)
        del zone_rows

        # Certificates: about a fifth of the learners, some expired, a few revoked.
        holders = rng.sample(learners, k=max(1, len(learners) // 5))
        bar = Progress("certificates", len(holders))
        rows = []
        for i, lr in enumerate(holders):
            programme_id, programme_name, months = programme_names[i % len(programme_names)]
            issued = lr.joined + (now - lr.joined) * rng.uniform(0.3, 1.0)
            revoked = issued + timedelta(days=30) if rng.random() < 0.02 else None
            rows.append(
                [
                    i + 1,
                    secrets.token_urlsafe(16),
                    lr.id,
                    programme_id,
                    academy_id,
                    1,
                    f"Learner {lr.id - first_user + 1:05d}",
                    programme_name,
                    academy_name,
                    issued,
                    issued + timedelta(days=round(months * 30.44)),
                    revoked,
                    "Issued in error" if revoked else None,
                ]
            )
        writer.insert(
            "certificates",
            (
                "id",
                "code",
                "user_id",
                "programme_id",
                "academy_id",
                "cycle",
                "holder_name",
                "programme_name",
                "academy_name",
                "issued_at",
                "expires_at",
                "revoked_at",
                "revoke_reason",
            ),
            rows,
            bar,
        )
        bar.close()
        print("Analysing ...", file=sys.stderr)
        writer.finish(
            (
                "users",
                "memberships",
                "cohort_members",
                "quiz_attempts",
                "question_results",
                "case_attempts",
                "case_zone_results",
                "case_flag_results",
                "certificates",
            )
        )
        from quizapp.services.learning import summaries

        print("Summaries ...", file=sys.stderr)
        summaries.rebuild()  # the seeder writes past the services: recompute what they would add
        db.session.commit()
        academies = db.session.scalar(select(func.count()).select_from(Academy))
        db.engine.dispose()

    elapsed = time.perf_counter() - started
    print(
        f"Seeded in {elapsed:.0f} s: {academies} academy, {counts['cohorts']} cohorts, "
        f"{len(learners):,} learners, {len(cases)} cases ({len(cases) - 25} academy-owned), "
        f"{len(modules) + 1} modules, {n_quiz:,} quiz attempts with "
        f"{n_questions:,} question results, {counts['case_attempts']:,} case attempts with "
        f"{n_zones:,} zone results, {len(holders):,} certificates."
    )
    print(f"Log in as {ADMIN[0]} / {ADMIN[2]}, {EDUCATOR[0]} / {EDUCATOR[2]},")
    print(f"or {learner_email(1)} ... {learner_email(len(learners))} / {LEARNER_PASSWORD}.")
    return 0


def _next_id(writer: Writer, table: str) -> int:
    cursor = writer.raw.cursor()
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608 - a fixed name
    value = cursor.fetchone()[0]
    cursor.close()
    return int(value)


if __name__ == "__main__":
    raise SystemExit(main())
