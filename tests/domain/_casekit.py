"""Small builders for domain tests: cases and plans in a line, and the example case files."""

from __future__ import annotations

from pathlib import Path

from quizapp.domain.case import (
    Case,
    DoseSpec,
    FlagPresence,
    HistoryItem,
    Patient,
    Preserve,
    Reference,
    ZoneAssessment,
    ZoneReference,
)
from quizapp.domain.face import PRODUCTS, ZONES, Family
from quizapp.domain.plan import Plan, PlanItem
from quizapp.domain.terms import Disposition, Side
from quizapp.formats.cases import load_case_file

ROOT = Path(__file__).resolve().parents[2]
CASES_DIR = ROOT / "cases"
EXAMPLE_IDS = ("f44-frown-lines", "f57-midface-volume", "f62-permanent-filler")


def example(case_id: str) -> Case:
    return load_case_file(CASES_DIR / f"{case_id}.yaml")


def zref(zone: str, products: str, lo=None, hi=None, ceiling=None, refs=("B1",)) -> ZoneReference:
    prods = tuple(products.split())
    family = PRODUCTS[prods[0]].family
    return ZoneReference(zone, family, prods, DoseSpec(lo, hi, ceiling), references=refs)


def make_case(
    *zones: ZoneReference,
    disposition: Disposition = Disposition.TREAT,
    age: int = 44,
    sex: str = "F",
    history: tuple[HistoryItem, ...] = (),
    flags: tuple[FlagPresence, ...] = (),
    grades: dict[str, tuple[int | None, int | None]] | None = None,
    preserve: tuple[str, ...] = (),
    max_units: int = 2,
    weight: float | None = None,
    case_id: str = "test-case",
) -> Case:
    grades = grades or {}
    return Case(
        case_id,
        "Test case",
        "A case built in a test.",
        Patient(age, sex, 3, 2, weight_kg=weight),
        Reference(disposition, flags, zones, max_units),
        history=history,
        assessment=tuple(ZoneAssessment(z, r, m) for z, (r, m) in grades.items()),
        preserve=tuple(Preserve(z, "") for z in preserve),
        learning_points=("x",),
        references=("B1",),
    )


def item(zone: str, product: str, amount: float, side: str | None = None) -> PlanItem:
    if side is None:
        side = "both" if ZONES[zone].per_side else "midline"
    return PlanItem(zone, product, amount, Side(side))


def plan(*items: PlanItem, disposition: Disposition = Disposition.TREAT) -> Plan:
    return Plan(disposition, tuple(items))


def glabella_case(**kwargs) -> Case:
    """Glabella 20-20 ona-eq, ceiling 30; crow's feet 6-9 per side, ceiling 12."""
    return make_case(
        zref("glabella", "ona abo inco daxi", 20, 20, 30),
        zref("crows_feet", "ona abo inco daxi", 6, 9, 12),
        **kwargs,
    )


def cheek_case(**kwargs) -> Case:
    """Cheek 0.6-1.0 mL per side, ceiling 2 (the catalogue cap is also 2)."""
    return make_case(zref("cheek", "ha_firm ha_medium", 0.6, 1.0, 2.0), **kwargs)


def family_of(product: str) -> Family:
    return PRODUCTS[product].family


def finding_rows(result, code: str) -> list[tuple]:
    """Every finding with this code, as (severity, zone, references, points to 4 places, text)."""
    return [
        (f.severity.value, f.zone, f.references, round(f.penalty, 4), f.text)
        for f in result.findings
        if f.code == code
    ]
