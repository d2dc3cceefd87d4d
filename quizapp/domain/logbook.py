"""The supervised-treatment logbook, pure: validate an entry and score real practice.

A logbook entry records one observed or supervised treatment with de-identified patient facts
only (age band, sex, Fitzpatrick type). `validate_entry` turns raw values (a form or a dict)
into a `LogbookFacts` or a mapping of field errors, and refuses any key it does not know, so
nothing identifying (a name, a date of birth, a photo) can slip in through the service.

Real practice is scored on the same axis as the case studies: `practice_case` builds a domain
`Case` from the entry's facts and the grades the trainee recorded per treated zone at
consultation, with catalogue ranges (`face.default_range`, scaled by grade) as the reference;
`practice_plan` turns the treated zones into a `Plan`; `score_entry` runs `score_plan`.
docs/portfolio.md explains the choices.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from quizapp.domain.case import Case, Patient, Reference, ZoneAssessment, ZoneReference
from quizapp.domain.face import FROM_ROMAN, GRADES, PRODUCTS, ROMAN, ZONES, Family, default_range
from quizapp.domain.plan import MAX_ITEM_AMOUNT, MAX_ITEMS, MAX_TECHNIQUE_CHARS, Plan, PlanItem
from quizapp.domain.scoring import PlanScore, score_plan
from quizapp.domain.terms import Disposition, Side

MODALITIES: Final[dict[str, str]] = {"toxin": "Toxin", "filler": "Filler"}
ROLES: Final[dict[str, str]] = {
    "observed": "Observed",
    "performed": "Performed under supervision",
}
#: Age bands, each with the age the scoring engine is given: the band's lowest age, so that
#: the engine's age-based flags (under 18, 65 and over) hold for everyone in the band.
AGE_BANDS: Final[dict[str, int]] = {
    "under-18": 17,
    "18-24": 18,
    "25-34": 25,
    "35-44": 35,
    "45-54": 45,
    "55-64": 55,
    "65+": 65,
}
SEXES: Final[dict[str, str]] = {"F": "Female", "M": "Male"}
FITZPATRICK_TYPES: Final[tuple[str, ...]] = tuple(ROMAN.values())
REGISTRATION_BODIES: Final[tuple[str, ...]] = ("GMC", "NMC", "GDC", "GPhC", "other")

#: Entries before this date are refused as typing slips (the app did not exist; nor did most
#: of the products' current labels).
EARLIEST_DATE: Final = dt.date(2000, 1, 1)
MAX_TEXT_CHARS: Final = 4000
MAX_VERSION_CHARS: Final = 40
#: The ageing type is not recorded in the logbook; the engine does not use it, but a Patient
#: needs one. Type II (wrinkles in motion) is a neutral placeholder, shown nowhere.
_GLOGAU_PLACEHOLDER: Final = 2

TEXT_FIELDS: Final = (
    "review_outcome",
    "complications",
    "reflection_went_well",
    "reflection_change",
)
#: Every key an entry may carry. Anything else (a name, a date of birth, a photo) is refused.
ENTRY_FIELDS: Final = frozenset(
    {
        "treated_on",
        "modality",
        "role",
        "age_band",
        "sex",
        "fitzpatrick",
        "consultation_done",
        "consent_form_version",
        "contraindications_screened",
        "zones",
        *TEXT_FIELDS,
    }
)
ZONE_FIELDS: Final = frozenset({"zone", "grade", "product", "amount", "unit", "side", "technique"})
#: What must be filled in before an entry goes to a mentor (a draft may leave them for later:
#: the two-week review comes after the treatment).
REQUIRED_TO_SUBMIT: Final[dict[str, str]] = {
    "review_outcome": "Record the two-week review outcome.",
    "reflection_went_well": "Say what went well.",
    "reflection_change": "Say what you would change.",
}


@dataclass(frozen=True, slots=True)
class TreatedZone:
    """One treated zone: the grade recorded at consultation (0-4), the product and the amount
    in the product's own units; for a paired zone with side `both`, the amount on EACH side."""

    zone: str
    grade: int | None
    product: str
    amount: float
    side: Side
    technique: str = ""

    @property
    def unit(self) -> str:
        return PRODUCTS[self.product].unit

    def to_dict(self) -> dict[str, Any]:
        return {
            "zone": self.zone,
            "grade": self.grade,
            "product": self.product,
            "amount": self.amount,
            "unit": self.unit,
            "side": self.side.value,
            "technique": self.technique,
        }


@dataclass(frozen=True, slots=True)
class LogbookFacts:
    """A validated logbook entry: de-identified facts only."""

    treated_on: dt.date
    modality: str
    role: str
    age_band: str
    sex: str
    fitzpatrick: str
    consultation_done: bool
    consent_form_version: str
    contraindications_screened: bool
    zones: tuple[TreatedZone, ...]
    review_outcome: str = ""
    complications: str = ""
    reflection_went_well: str = ""
    reflection_change: str = ""

    @property
    def performed(self) -> bool:
        return self.role == "performed"

    def zones_json(self) -> list[dict[str, Any]]:
        return [z.to_dict() for z in self.zones]


@dataclass(frozen=True, slots=True)
class Validated:
    """The outcome of `validate_entry`: facts when valid, else field errors (never both)."""

    facts: LogbookFacts | None
    errors: dict[str, str]

    @property
    def ok(self) -> bool:
        return self.facts is not None


def _text(raw: Any) -> str:
    return "" if raw is None else str(raw).strip()


def _flag(raw: Any) -> bool | None:
    if isinstance(raw, bool):
        return raw
    value = _text(raw).lower()
    if value in ("y", "yes", "true", "1", "on"):
        return True
    if value in ("n", "no", "false", "0", ""):
        return False
    return None


def _date(raw: Any) -> dt.date | None:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(_text(raw))
    except ValueError:
        return None


def _number(raw: Any) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        try:
            value = float(_text(raw).replace(",", "."))
        except ValueError:
            return None
    return value if value == value and value not in (float("inf"), float("-inf")) else None


def validate_entry(raw: Mapping[str, Any], today: dt.date) -> Validated:
    """Check every field of an entry; errors are keyed by field (`zones-2-amount` for rows)."""
    errors: dict[str, str] = {}
    unknown = sorted(str(k) for k in raw if k not in ENTRY_FIELDS)
    for key in unknown:
        errors[key] = (
            f"Unknown field {key!r}: a logbook entry holds de-identified facts only "
            "(no name, date of birth or photo)."
        )
    treated_on = _date(raw.get("treated_on"))
    if treated_on is None:
        errors["treated_on"] = "Give the treatment date as YYYY-MM-DD."
    elif treated_on > today:
        errors["treated_on"] = "The treatment date is in the future."
    elif treated_on < EARLIEST_DATE:
        errors["treated_on"] = f"The treatment date is before {EARLIEST_DATE.year}."
    choices = {
        "modality": (MODALITIES, "Choose toxin or filler."),
        "role": (ROLES, "Choose observed or performed under supervision."),
        "age_band": (AGE_BANDS, "Choose an age band."),
        "sex": (SEXES, "Choose female or male."),
        "fitzpatrick": (FITZPATRICK_TYPES, "Choose a Fitzpatrick type (I-VI)."),
    }
    chosen: dict[str, str] = {}
    for key, (allowed, message) in choices.items():
        value = _text(raw.get(key))
        if value not in allowed:
            errors[key] = message
        chosen[key] = value
    flags: dict[str, bool] = {}
    for key in ("consultation_done", "contraindications_screened"):
        value = _flag(raw.get(key))
        if value is None:
            errors[key] = "Answer yes or no."
        flags[key] = bool(value)
    version = _text(raw.get("consent_form_version"))
    if len(version) > MAX_VERSION_CHARS:
        errors["consent_form_version"] = f"At most {MAX_VERSION_CHARS} characters."
    elif flags.get("consultation_done") and not version:
        errors["consent_form_version"] = "Give the version of the consent form used."
    texts = {}
    for key in TEXT_FIELDS:
        texts[key] = _text(raw.get(key))
        if len(texts[key]) > MAX_TEXT_CHARS:
            errors[key] = f"At most {MAX_TEXT_CHARS} characters."
    zones = _validate_zones(raw.get("zones"), chosen["modality"], chosen["role"], errors)
    if errors:
        return Validated(None, errors)
    assert treated_on is not None
    facts = LogbookFacts(
        treated_on=treated_on,
        modality=chosen["modality"],
        role=chosen["role"],
        age_band=chosen["age_band"],
        sex=chosen["sex"],
        fitzpatrick=chosen["fitzpatrick"],
        consultation_done=flags["consultation_done"],
        consent_form_version=version,
        contraindications_screened=flags["contraindications_screened"],
        zones=zones,
        **texts,
    )
    return Validated(facts, {})


def _validate_zones(
    raw: Any, modality: str, role: str, errors: dict[str, str]
) -> tuple[TreatedZone, ...]:
    if raw is None:
        raw = []
    if not isinstance(raw, list | tuple):
        errors["zones"] = "Zones must be a list of rows."
        return ()
    if not raw:
        errors["zones"] = "Record at least one treated zone."
        return ()
    if len(raw) > MAX_ITEMS:
        errors["zones"] = f"At most {MAX_ITEMS} rows."
        return ()
    rows: list[TreatedZone] = []
    for index, row in enumerate(raw):
        where = f"zones-{index}"
        if not isinstance(row, Mapping):
            errors[where] = "Each row must give a zone, product and amount."
            continue
        for key in sorted(str(k) for k in row if k not in ZONE_FIELDS):
            errors[f"{where}-{key}"] = f"Unknown field {key!r} in a zone row."
        zone_id = _text(row.get("zone"))
        zone = ZONES.get(zone_id)
        if zone is None:
            errors[f"{where}-zone"] = "Choose a zone from the list."
        product_id = _text(row.get("product"))
        product = PRODUCTS.get(product_id)
        if product is None or product.history_only:
            errors[f"{where}-product"] = "Choose a product from the list."
            product = None
        elif modality in MODALITIES and product.family.value != modality:
            errors[f"{where}-product"] = (
                f"{product.label} is a {product.family.value}; this entry is {modality}."
            )
        unit = _text(row.get("unit"))
        if product is not None and unit and unit != product.unit:
            errors[f"{where}-unit"] = f"{product.label} is measured in {product.unit}."
        amount = _number(row.get("amount"))
        if amount is None:
            errors[f"{where}-amount"] = "Give the amount as a number."
        elif product is not None:
            top = MAX_ITEM_AMOUNT[product.family]
            if not 0 < amount <= top:
                errors[f"{where}-amount"] = (
                    f"The amount must be above 0 and at most {top:g} {product.unit}."
                )
        grade_text = _text(row.get("grade"))
        grade: int | None = None
        if grade_text:
            if grade_text.isdigit() and int(grade_text) in GRADES:
                grade = int(grade_text)
            else:
                errors[f"{where}-grade"] = "The grade is 0 to 4."
        elif role == "performed":
            errors[f"{where}-grade"] = "Record the grade you assessed at consultation (0-4)."
        side = _side(zone_id, _text(row.get("side")), errors, where)
        technique = _text(row.get("technique"))
        if len(technique) > MAX_TECHNIQUE_CHARS:
            errors[f"{where}-technique"] = f"At most {MAX_TECHNIQUE_CHARS} characters."
        if zone is not None and product is not None and amount is not None and side is not None:
            rows.append(TreatedZone(zone_id, grade, product_id, amount, side, technique))
    return tuple(rows)


def _side(zone_id: str, raw: str, errors: dict[str, str], where: str) -> Side | None:
    zone = ZONES.get(zone_id)
    if zone is None:
        return None
    if not raw:
        return Side.BOTH if zone.per_side else Side.MIDLINE
    try:
        side = Side(raw)
    except ValueError:
        errors[f"{where}-side"] = "Choose left, right, both or midline."
        return None
    if zone.per_side and side == Side.MIDLINE:
        errors[f"{where}-side"] = "A paired zone is left, right or both (both: each side)."
        return None
    if not zone.per_side and side != Side.MIDLINE:
        errors[f"{where}-side"] = "This zone is dosed as one total: use midline."
        return None
    return side


def submission_problems(facts: LogbookFacts) -> list[str]:
    """What is still missing before a mentor can review the entry."""
    problems = [message for key, message in REQUIRED_TO_SUBMIT.items() if not getattr(facts, key)]
    if not facts.consultation_done and facts.performed:
        problems.append("A performed treatment needs a recorded consultation and consent.")
    if not facts.contraindications_screened and facts.performed:
        problems.append("A performed treatment needs contraindications screened.")
    return problems


# --------------------------------------------------------------------------------------------
# Scoring real practice
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PracticeScore:
    """The engine's judgement of a performed entry, and the rows it could not judge."""

    plan: PlanScore | None  # None when no row could be judged
    unscored: tuple[str, ...]  # sentences naming rows left out, and why

    @property
    def band(self) -> str | None:
        return self.plan.band.value if self.plan else None

    @property
    def score(self) -> int | None:
        return self.plan.score if self.plan else None


def _reference_zones(facts: LogbookFacts) -> tuple[tuple[ZoneReference, ...], list[str]]:
    """Catalogue references for the treated zones the trainee graded 1-4.

    A zone graded 0 has nothing to treat: it gets no reference, so treating it is judged not
    indicated. A zone whose catalogue has no range for the family cannot be judged on dose.
    """
    refs: list[ZoneReference] = []
    unjudgeable: list[str] = []
    seen: set[tuple[str, Family]] = set()
    for row in facts.zones:
        family = PRODUCTS[row.product].family
        key = (row.zone, family)
        if key in seen:
            continue
        seen.add(key)
        zone = ZONES[row.zone]
        if family not in zone.families or not row.grade:
            continue
        if default_range(row.zone, family, row.grade, facts.sex) is None:
            unjudgeable.append(row.zone)
            continue
        products = tuple(sorted(p for p in zone.products if PRODUCTS[p].family == family))
        refs.append(ZoneReference(row.zone, family, products))
    return tuple(refs), unjudgeable


def practice_case(facts: LogbookFacts, case_id: str = "logbook") -> Case:
    """A domain Case from the entry's de-identified facts and the recorded zone grades."""
    refs, _ = _reference_zones(facts)
    assessment = tuple(
        ZoneAssessment(row.zone, rest=row.grade, moving=row.grade)
        for row in {r.zone: r for r in facts.zones if r.grade is not None}.values()
    )
    patient = Patient(
        age=AGE_BANDS[facts.age_band],
        sex=facts.sex,
        fitzpatrick=FROM_ROMAN[facts.fitzpatrick],
        glogau=_GLOGAU_PLACEHOLDER,
    )
    return Case(
        id=case_id,
        title=f"Logbook entry, {facts.treated_on.isoformat()}",
        summary="Real practice, scored against catalogue defaults and the recorded assessment.",
        patient=patient,
        reference=Reference(Disposition.TREAT, zones=refs),
        assessment=assessment,
        visit_date=facts.treated_on,
    )


def practice_plan(facts: LogbookFacts) -> Plan:
    """The treatment as given, as a Plan; rows the catalogue cannot judge are left out."""
    _, unjudgeable = _reference_zones(facts)
    items = tuple(
        PlanItem(row.zone, row.product, row.amount, row.side, technique=row.technique)
        for row in facts.zones
        if row.zone not in unjudgeable
    )
    return Plan(Disposition.TREAT, items)


def score_entry(facts: LogbookFacts, case_id: str = "logbook") -> PracticeScore | None:
    """Score a performed entry like a case-study plan; observed entries are not scored."""
    if not facts.performed:
        return None
    _, unjudgeable = _reference_zones(facts)
    unscored = tuple(
        f"{ZONES[z].label}: the catalogue has no range for this product family, so the dose "
        "was not judged."
        for z in unjudgeable
    )
    plan = practice_plan(facts)
    if not plan.items:
        return PracticeScore(None, unscored)
    return PracticeScore(score_plan(practice_case(facts, case_id), plan), unscored)


def facts_from_row(row: Mapping[str, Any]) -> LogbookFacts | None:
    """Rebuild facts from stored values (a model's columns); None if they no longer validate
    as a whole (for instance a zone removed from the catalogue). The date is not re-checked
    against today."""
    raw = {k: row.get(k) for k in ENTRY_FIELDS}
    treated_on = _date(raw.get("treated_on"))
    today = treated_on if treated_on is not None else EARLIEST_DATE
    zones = [{k: v for k, v in z.items() if k in ZONE_FIELDS} for z in raw.get("zones") or []]
    raw["zones"] = zones
    result = validate_entry(raw, today)
    return result.facts
