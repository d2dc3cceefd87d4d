"""How many plans a second the scoring engine judges on one core.

Run by hand: `.venv/bin/python bench/scoring.py [seconds]`. Not part of the test suite.
The plan is a realistic one (8 items over toxin and filler zones, some heavy, one not indicated)
for a case with history (HA in the cheek 18 months ago, silicone in the folds). Target: at least
10,000 plans a second, with the case's tables built once (`case_tables`). It prints plans per
wall-clock second and per CPU-second (time.process_time); the target is judged on CPU time,
which other processes on a shared machine disturb far less.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from quizapp.domain.plan import Plan, PlanItem  # noqa: E402
from quizapp.domain.scoring import case_tables, score_plan  # noqa: E402
from quizapp.domain.terms import Depth, Disposition, Side  # noqa: E402
from quizapp.formats.cases import load_case_file  # noqa: E402

TARGET = 10_000


def realistic_plan() -> Plan:
    return Plan(
        Disposition.TREAT_IN_PART,
        (
            PlanItem("glabella", "ona", 20, Side.MIDLINE),
            PlanItem("crows_feet", "ona", 8, Side.BOTH),
            PlanItem("forehead", "ona", 10, Side.MIDLINE),
            PlanItem("cheek", "ha_firm", 0.5, Side.LEFT, Depth.SUPRAPERIOSTEAL),
            PlanItem("cheek", "ha_firm", 0.6, Side.RIGHT, Depth.SUPRAPERIOSTEAL),
            PlanItem("cheek", "ha_firm", 0.3, Side.BOTH),
            PlanItem("marionette", "ha_medium", 0.4, Side.BOTH),
            PlanItem("chin", "ha_firm", 0.8, Side.MIDLINE),
        ),
        review_weeks=4,
    )


def measure(func, seconds: float) -> tuple[int, float, float]:
    """Run `func` for about `seconds` of wall-clock time: (count, wall seconds, CPU seconds).

    CPU time (time.process_time) is the steadier figure on a machine other people load."""
    count = 0
    start = time.perf_counter()
    cpu_start = time.process_time()
    deadline = start + seconds
    while True:
        for _ in range(200):
            func()
        count += 200
        now = time.perf_counter()
        if now >= deadline:
            return count, now - start, time.process_time() - cpu_start


def main() -> int:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    case = load_case_file(ROOT / "cases" / "f62-permanent-filler.yaml")
    plan = realistic_plan()
    tables = case_tables(case)
    result = score_plan(case, plan, tables)
    print(
        f"case {case.id}: {len(case.history)} history items; plan: {len(plan.items)} items; "
        f"band {result.band.value}, score {result.score}"
    )
    measure(lambda: score_plan(case, plan, tables), 0.3)  # warm up
    count, elapsed, cpu = measure(lambda: score_plan(case, plan, tables), seconds)
    rate = count / elapsed
    cpu_rate = count / cpu if cpu > 0 else float("inf")
    print(
        f"score_plan: {rate:,.0f} plans/s wall-clock on one core ({count:,} in {elapsed:.2f} s); "
        f"{cpu_rate:,.0f} plans per CPU-second ({cpu:.2f} s CPU)"
    )
    count, elapsed, cpu = measure(lambda: score_plan(case, plan, tables).to_dict(), seconds / 2)
    print(
        f"score_plan + to_dict: {count / elapsed:,.0f} plans/s wall-clock; "
        f"{count / cpu if cpu > 0 else float('inf'):,.0f} plans per CPU-second"
    )
    # CPU time is what the engine costs; wall-clock also counts time other processes took.
    status = "OK" if cpu_rate >= TARGET else "BELOW TARGET"
    print(f"target {TARGET:,} plans per CPU-second: {status}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
