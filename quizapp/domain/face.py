"""Catalogues of the face: zones, facial units, scales, products, and how long products last.

Every figure here comes from the domain reference (facts.md) and names its source keys. Where the
reference has no figure for a zone and product family the range is left out (None) and the entry
says so; cases then have to give their own range. Toxin doses are onabotulinumtoxinA-equivalent
units (ona-eq U) and filler volumes are mL, per side for paired zones and in total for the rest.

The persistence and effect curves at the bottom are TEACHING HEURISTICS assembled from a handful
of published retention figures, not pharmacokinetic models; see `remaining_fraction`.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Literal

# --------------------------------------------------------------------------------------------
# Basic vocabularies
# --------------------------------------------------------------------------------------------


class Family(StrEnum):
    """Product family: toxin relaxes muscle, filler replaces volume (principle 3). Enzyme
    (hyaluronidase) dissolves HA filler: a treatment for complications, never volume, judged
    by rules of its own (docs/scoring.md) and never against a zone's dose range."""

    TOXIN = "toxin"
    FILLER = "filler"
    ENZYME = "enzyme"


class Region(StrEnum):
    UPPER = "upper"
    MID = "mid"
    LOWER = "lower"
    NECK = "neck"


Suits = Literal["toxin", "filler", "both", "neither"]

#: Facial units for the "more than two facial units" rule (F15). Each zone belongs to one unit.
FACIAL_UNITS: Final[dict[str, str]] = {
    "forehead": "Forehead, glabella and brow",
    "periorbital": "Around the eyes",
    "temple": "Temples",
    "nose": "Nose",
    "cheek": "Cheek and midface",
    "nasolabial": "Nasolabial folds",
    "lips": "Lips and perioral skin",
    "mouth_corners": "Mouth corners (marionette lines, DAO)",
    "chin": "Chin",
    "jawline": "Jawline and masseter",
    "neck": "Neck",
}

# --------------------------------------------------------------------------------------------
# Label and consensus limits used by the scoring engine
# --------------------------------------------------------------------------------------------

#: Default number of facial units worth treating in one visit (F15: no added FACE-Q benefit
#: from treating more than two).
MAX_FACIAL_UNITS_DEFAULT: Final = 2
FACIAL_UNITS_REFS: Final = ("F15",)

#: Toxin no more often than every 3 months (B1 B6 B7 B27).
TOXIN_RETREAT_MONTHS: Final = 3.0
TOXIN_RETREAT_REFS: Final = ("B1", "B6", "B7", "B27")

#: Botox: at most 400 U cumulative in 3 months across all indications (B1 B2).
ONA_MAX_UNITS_3_MONTHS: Final = 400.0
ONA_MAX_REFS: Final = ("B1", "B2")

#: On-label whole upper face: 20 forehead + 20 glabella + 24 crow's feet = 64 U (B1 B7).
UPPER_FACE_LABEL_UNITS: Final = 64.0
UPPER_FACE_ZONES: Final = ("forehead", "glabella", "crows_feet")
UPPER_FACE_REFS: Final = ("B1", "B7")

#: Juvederm label: at most 20 mL per 60 kg body weight per year (F13 F12).
FILLER_LABEL_ML_PER_60KG_YEAR: Final = 20.0
FILLER_YEAR_REFS: Final = ("F13", "F12")

#: Where the reference gives a typical range but no cap, the engine treats more than this
#: multiple of the range top as overfilled. A scoring convention of this app, not a clinical
#: figure; docs/scoring.md says so. Case authors can always give their own ceiling.
FALLBACK_CEILING_FACTOR: Final = 1.5


# --------------------------------------------------------------------------------------------
# Zones
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TypicalDose:
    """A zone's typical dose for one product family, in the zone's basis (per side or total).

    `low`/`high` are None where facts.md gives no figure; `ceiling` is the label or protocol cap
    where one exists, else None (then `effective_ceiling` applies the fallback convention).
    """

    family: Family
    low: float | None
    high: float | None
    ceiling: float | None
    references: tuple[str, ...]
    note: str = ""

    @property
    def effective_ceiling(self) -> float | None:
        if self.ceiling is not None:
            return self.ceiling
        if self.high is not None:
            return round(self.high * FALLBACK_CEILING_FACTOR, 4)
        return None

    @property
    def has_range(self) -> bool:
        return self.low is not None and self.high is not None


@dataclass(frozen=True, slots=True)
class Zone:
    """One facial zone: where it is, what suits it and the typical doses with their sources."""

    id: str
    label: str
    region: Region
    unit: str
    per_side: bool
    danger_zone: bool
    products: frozenset[str]
    doses: tuple[TypicalDose, ...] = ()
    male_doses: tuple[TypicalDose, ...] = ()
    danger_references: tuple[str, ...] = ()
    note: str = ""

    @property
    def families(self) -> frozenset[Family]:
        return frozenset(PRODUCTS[p].family for p in self.products)

    @property
    def suits(self) -> Suits:
        fams = self.families
        if fams == {Family.TOXIN, Family.FILLER}:
            return "both"
        if fams == {Family.TOXIN}:
            return "toxin"
        if fams == {Family.FILLER}:
            return "filler"
        return "neither"

    def typical(self, family: Family, sex: str = "F") -> TypicalDose | None:
        """The typical dose for a family, preferring a sex-specific entry (men: P26)."""
        if sex == "M":
            for dose in self.male_doses:
                if dose.family == family:
                    return dose
        for dose in self.doses:
            if dose.family == family:
                return dose
        return None


_TOXINS: Final = frozenset({"ona", "abo", "inco", "daxi", "prabo", "leti", "rela"})


def _toxin(
    low: float | None, high: float | None, ceiling: float | None, refs: str, note: str = ""
) -> TypicalDose:
    return TypicalDose(Family.TOXIN, low, high, ceiling, tuple(refs.split()), note)


def _filler(
    low: float | None, high: float | None, ceiling: float | None, refs: str, note: str = ""
) -> TypicalDose:
    return TypicalDose(Family.FILLER, low, high, ceiling, tuple(refs.split()), note)


# Gummy smile (B22 B23) is taught in quizzes but has no zone of its own in this catalogue.
_ZONE_LIST: Final[tuple[Zone, ...]] = (
    Zone(
        "forehead",
        "Forehead lines",
        Region.UPPER,
        "forehead",
        per_side=False,
        danger_zone=True,
        danger_references=("F35",),
        products=_TOXINS,
        doses=(
            _toxin(
                10,
                20,
                20,
                "B1 B6",
                "Label: 20 U at 5 sites and only together with glabellar treatment (B1); "
                "incobotulinumtoxinA 10-20 U with sites 2 cm or more above the orbital rim (B6). "
                "Both labels give 20 U for the glabella, so inco counts one to one here.",
            ),
        ),
        note="Filler in the forehead: no volume in facts.md, and the forehead is among the "
        "sites of blindness after filler (F35); not offered.",
    ),
    Zone(
        "glabella",
        "Glabellar (frown) lines",
        Region.UPPER,
        "forehead",
        per_side=False,
        danger_zone=True,
        danger_references=("F35", "F37"),
        products=_TOXINS,
        doses=(
            _toxin(
                20,
                20,
                30,
                "B1 B6 B7",
                "Label dose 20 U at 5 sites (B1); the EU inco label allows up to 30 U (B6).",
            ),
        ),
        male_doses=(
            _toxin(
                40,
                40,
                80,
                "P26 B1",
                "The label dose is 20 U for men too (B1). In one RCT of 80 men, 40-80 U beat "
                "20 U with no extra adverse events and the authors advise starting at 40 U or "
                "more (P26): 40 U per session, with the trial's top arm, 80 U, as the ceiling. "
                "20 U is a conservative start.",
            ),
        ),
    ),
    Zone(
        "crows_feet",
        "Crow's feet (lateral canthal lines)",
        Region.UPPER,
        "periorbital",
        per_side=True,
        danger_zone=False,
        products=_TOXINS,
        doses=(
            _toxin(
                6,
                12,
                12,
                "B1 B6 B7 B9 B25",
                "The label dose of 12 U per side at 3 sites (B1 B6 B7) is the top. The low end "
                "converts abobotulinumtoxinA 3 x 5 Speywood U per side (B9) at 2.5:1 (B25), an "
                "approximation because units are not interchangeable.",
            ),
        ),
    ),
    Zone(
        "brow",
        "Brow position (lateral brow lift)",
        Region.UPPER,
        "forehead",
        per_side=True,
        danger_zone=False,
        products=_TOXINS,
        doses=(
            _toxin(
                3.5,
                5,
                None,
                "B20",
                "B20 reports 7-10 U into the lateral orbicularis oculi without saying per side; "
                "we read it as the total for both sides (3.5-5 U per side), the more conservative "
                "reading. No cap found.",
            ),
        ),
    ),
    Zone(
        "bunny_lines",
        "Bunny lines (nasal)",
        Region.MID,
        "nose",
        per_side=True,
        danger_zone=False,
        products=_TOXINS,
        doses=(
            _toxin(
                1,
                2,
                3,
                "B14",
                "Per point and per side, as the source gives it: the nasalis is paired and "
                "treated with one point in each muscle belly, 1-2 U per point (B14), so 1-2 U "
                "per side. The source's most, 3 points x 2 U = 6 U over both sides, is the "
                "ceiling: 3 U per side. High and superficial to avoid lip ptosis (B14 B15).",
            ),
        ),
    ),
    Zone(
        "temples",
        "Temple hollowing",
        Region.UPPER,
        "temple",
        per_side=True,
        danger_zone=True,
        danger_references=("F37",),
        products=frozenset({"ha_medium", "ha_firm", "caha", "plla"}),
        doses=(
            _filler(
                1.1,
                1.1,
                None,
                "F4",
                "Only a trial mean of 1.1 mL per temple is known (F4); no range or cap found. "
                "The rheology source (P28) does not cover temples; the product list follows "
                "deep, bony-support use.",
            ),
        ),
    ),
    Zone(
        "tear_trough",
        "Tear trough",
        Region.MID,
        "periorbital",
        per_side=True,
        danger_zone=True,
        danger_references=("F37", "F30"),
        products=frozenset({"ha_soft"}),
        doses=(
            _filler(
                0.3,
                0.55,
                1.0,
                "P22 F6 U2",
                "About 0.55 mL per side in the MD Codes series of 119 patients (P22) is the top "
                "of a session; 0.3 mL per side is the low end (educator convention, U2). One "
                "clinic's 0.5-1 mL per side (F6) gives the ceiling. Low-G' gel only, placed "
                "deep, because of swelling and Tyndall (P28 P22 P29).",
            ),
        ),
    ),
    Zone(
        "cheek",
        "Cheek and midface volume",
        Region.MID,
        "cheek",
        per_side=True,
        danger_zone=False,
        products=frozenset({"ha_medium", "ha_firm", "caha", "plla"}),
        doses=(
            _filler(
                1.0,
                2.0,
                2.0,
                "F2 F3 P28",
                "A protocol caps the baseline at 2 mL per side and touch-ups at 1 mL per side "
                "(F3); the RCT median of 2 mL (F2) is read as both cheeks, 1 mL per side. Deep, "
                "bony support takes high-G' gels (P28).",
            ),
        ),
    ),
    Zone(
        "nasolabial",
        "Nasolabial folds",
        Region.MID,
        "nasolabial",
        per_side=True,
        danger_zone=True,
        danger_references=("F35", "F37"),
        products=frozenset({"ha_soft", "ha_medium", "ha_firm"}),
        doses=(
            _filler(
                0.3,
                0.85,
                2.0,
                "F7 P24",
                "F7 gives a median 1.7 mL (first plus touch-up) and 0.6 mL at repeat without "
                "saying per fold; we read both as totals for the two folds, the conservative "
                "reading. At most 2 mL per fold in one trial (P24).",
            ),
        ),
    ),
    Zone(
        "lips",
        "Lips",
        Region.LOWER,
        "lips",
        per_side=False,
        danger_zone=True,
        danger_references=("F37", "F30"),
        products=frozenset({"ha_soft"}),
        doses=(
            _filler(
                0.5,
                1.5,
                3.0,
                "F49 F10 U1",
                "Per session: the label allows at most 1.5 mL per lip per treatment and asks for "
                "a follow-up session where 3 mL or more is needed (F49), so 3 mL for both lips "
                "is the ceiling. A first session stays well below it: up to the 1.5 mL of a "
                "repeat treatment (F10), from 0.5 mL (educator convention, U1). The trial "
                "medians of 1.3-2.5 mL (F9) include touch-ups. Low-G' gels (P28).",
            ),
        ),
    ),
    Zone(
        "perioral",
        "Perioral lines",
        Region.LOWER,
        "lips",
        per_side=False,
        danger_zone=False,
        products=_TOXINS | {"ha_soft"},
        doses=(
            _toxin(
                1,
                6,
                10,
                "B16",
                "0.5-1 U per point at 2-6 points is 1-6 U; the same author's 4-10 U in total is "
                "the ceiling. At least 1.5 cm from the mouth corners; only one or two lower-face "
                "areas per session (one author, B16). Over-dosing weakens the lips (B15).",
            ),
        ),
        note="Filler for fine perioral lines takes a low-G' gel (P28), but facts.md gives no "
        "volume, so there is no default filler range: cases must give one.",
    ),
    Zone(
        "marionette",
        "Marionette lines",
        Region.LOWER,
        "mouth_corners",
        per_side=True,
        danger_zone=False,
        products=frozenset({"ha_soft", "ha_medium", "ha_firm"}),
        doses=(
            _filler(
                None,
                None,
                2.0,
                "P24",
                "At most 2 mL per fold in one trial (P24); no typical range found, so cases "
                "must give one.",
            ),
        ),
    ),
    Zone(
        "dao",
        "Depressor anguli oris (down-turned mouth corners)",
        Region.LOWER,
        "mouth_corners",
        per_side=True,
        danger_zone=False,
        products=_TOXINS,
        doses=(_toxin(2, 3, None, "B17", "2-3 U at one point per side (B17). No cap found."),),
    ),
    Zone(
        "chin",
        "Chin (projection, mentalis)",
        Region.LOWER,
        "chin",
        per_side=False,
        danger_zone=True,
        danger_references=("F37",),
        products=_TOXINS | {"ha_medium", "ha_firm", "caha"},
        doses=(
            _toxin(
                4,
                10,
                None,
                "B18 B19",
                "Mentalis 4-10 U in total, from 2 U per point (two training sources). No cap.",
            ),
            _filler(
                None,
                None,
                4.0,
                "P24 F11 P17",
                "At most 2 mL per chin site and 4 mL at baseline (P24). F11's mean 4.0 mL covers "
                "chin and jaw together, so no chin-only range is given: cases must give one.",
            ),
        ),
    ),
    Zone(
        "jawline",
        "Jawline",
        Region.LOWER,
        "jawline",
        per_side=True,
        danger_zone=False,
        products=frozenset({"ha_firm", "caha"}),
        doses=(
            _filler(
                0.75,
                1.5,
                4.5,
                "F12 U3",
                "Per side and per session. The label's 6.8 mL is a per-patient first course for "
                "both sides, touch-ups possibly included; its repeat of 3 mL is 1.5 mL per side, "
                "the top of a session here, from 0.75 mL (educator convention, U3). At most "
                "9 mL per session, 4.5 mL per side, is the ceiling (F12).",
            ),
        ),
    ),
    Zone(
        "masseter",
        "Masseter",
        Region.LOWER,
        "jawline",
        per_side=True,
        danger_zone=False,
        products=_TOXINS,
        doses=(
            _toxin(
                20,
                40,
                None,
                "B10 B11",
                "20-40 U per muscle at 1-3 sites by thickness (B10 B11). No cap found.",
            ),
        ),
    ),
    Zone(
        "platysma",
        "Platysma bands",
        Region.NECK,
        "neck",
        per_side=False,
        danger_zone=False,
        products=_TOXINS,
        doses=(_toxin(26, 36, 36, "B3", "Label: 26, 31 or 36 U by severity (B3)."),),
    ),
    Zone(
        "nose",
        "Nose",
        Region.MID,
        "nose",
        per_side=False,
        danger_zone=True,
        danger_references=("F35", "F37", "P25"),
        products=frozenset(),
        note="No volume figure found; labels list the nose among sites of embolisation (P25) "
        "and it carries a quarter of the blindness cases (F35). Nothing is offered here.",
    ),
)

ZONES: Final[dict[str, Zone]] = {zone.id: zone for zone in _ZONE_LIST}
ZONE_IDS: Final[tuple[str, ...]] = tuple(ZONES)

#: Zones whose treatment can change a neighbouring feature, for the "features to preserve"
#: rule: forehead toxin drops the brow (B33 B34); perioral and nasal toxin can weaken the lips
#: (B15 B14).
AFFECTS: Final[dict[str, tuple[tuple[str, tuple[str, ...]], ...]]] = {
    "forehead": (("brow", ("B33", "B34")),),
    "glabella": (("brow", ("B33",)),),
    "perioral": (("lips", ("B15",)),),
    "bunny_lines": (("lips", ("B14", "B15")),),
}


def zone_units_label(zone: Zone, family: Family) -> str:
    """'U per side', 'mL' ... for messages about a zone's range."""
    unit = "U (ona-eq)" if family == Family.TOXIN else "mL"
    return f"{unit} per side" if zone.per_side else f"{unit} in total"


@dataclass(frozen=True, slots=True)
class DefaultRange:
    """A catalogue range scaled to a grade (see `default_range`)."""

    low: float
    high: float
    ceiling: float
    references: tuple[str, ...]
    explanation: str


def default_range(zone_id: str, family: Family, grade: int | None, sex: str) -> DefaultRange | None:
    """The catalogue default for a zone at a grade, or None where the catalogue has no range.

    Scaling rule (documented in docs/case-format.md): grades 0-2 take the lower half of the
    typical range, grade 3 the whole range, grade 4 the upper half. The ceiling is not scaled.
    Without a grade the whole range is used.
    """
    typical = ZONES[zone_id].typical(family, sex)
    if typical is None or typical.low is None or typical.high is None:
        return None
    ceiling = typical.effective_ceiling
    assert ceiling is not None  # high is set, so effective_ceiling is too
    low, high = typical.low, typical.high
    mid = round((low + high) / 2, 4)
    if grade is None or grade == 3:
        part = "the whole typical range"
    elif grade <= 2:
        high = mid
        part = "the lower half of the typical range"
    else:
        low = mid
        part = "the upper half of the typical range"
    graded = "no grade" if grade is None else f"grade {grade}"
    return DefaultRange(
        low,
        high,
        ceiling,
        typical.references,
        f"catalogue default: {part} at {graded}",
    )


# --------------------------------------------------------------------------------------------
# Scales
# --------------------------------------------------------------------------------------------

#: 0-4 severity grade, at rest and moving (Merz scales, S1 S2 S3).
GRADES: Final[dict[int, str]] = {
    0: "none",
    1: "mild",
    2: "moderate",
    3: "severe",
    4: "very severe",
}
GRADE_REFS: Final = ("S1", "S2", "S3")

ROMAN: Final[dict[int, str]] = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI"}
FROM_ROMAN: Final[dict[str, int]] = {v: k for k, v in ROMAN.items()}


@dataclass(frozen=True, slots=True)
class ScaleStep:
    value: int
    name: str
    description: str
    typical_age: str = ""


#: Glogau photoageing types I-IV with their usual ages (S8 S9).
GLOGAU: Final[dict[int, ScaleStep]] = {
    1: ScaleStep(1, "I", "no wrinkles", "20s-30s"),
    2: ScaleStep(2, "II", "wrinkles in motion", "about 35-50"),
    3: ScaleStep(3, "III", "wrinkles at rest", "about 50-65"),
    4: ScaleStep(4, "IV", "only wrinkles", "about 60-75"),
}
GLOGAU_REFS: Final = ("S8", "S9")

#: Fitzpatrick skin types (S10). facts.md words types I and VI; II-V are the usual steps in
#: between, described in our own words.
FITZPATRICK: Final[dict[int, ScaleStep]] = {
    1: ScaleStep(1, "I", "always burns, never tans"),
    2: ScaleStep(2, "II", "burns easily, tans a little"),
    3: ScaleStep(3, "III", "sometimes burns, tans gradually"),
    4: ScaleStep(4, "IV", "rarely burns, tans easily"),
    5: ScaleStep(5, "V", "very rarely burns, tans deeply"),
    6: ScaleStep(6, "VI", "never burns, deeply pigmented"),
}
FITZPATRICK_REFS: Final = ("S10",)


# --------------------------------------------------------------------------------------------
# Products
# --------------------------------------------------------------------------------------------

Curve = tuple[tuple[float, float], ...]
FillerClass = Literal["ha", "biostimulator", "permanent", "unknown"]

#: onabotulinumtoxinA's label glabella dose, the anchor for ona-equivalent units (B1).
ONA_GLABELLA_UNITS: Final = 20.0


def _weeks(weeks: float) -> float:
    return round(weeks * 12 / 52, 3)


# Persistence heuristics. Each curve is (months, fraction) points joined by straight lines and
# held flat after the last point.
#
# HA material: 60% at 3 months is the middle of the 50-70% 3D retention at day 90 (P16); the
# 30% at 24 months is OUR heuristic, chosen to stay well above zero because MRI found HA in all
# patients at 2 years (F18); zero at 180 months because it was seen up to 15 years (F18). The
# responder data (82% at 78 weeks, P14; 65% at 1 year in lips, F10) concern the visible effect.
HA_REMAINING: Final[Curve] = ((0, 1.0), (3, 0.6), (24, 0.3), (180, 0.0))
# HA visible effect: cheek patients felt 5 years younger at 6 months and 3 at 24 months (P3),
# so full effect to 6 months, 60% at 24 months; no data past 24 months.
HA_EFFECT: Final[Curve] = ((0, 1.0), (6, 1.0), (24, 0.6))
# CaHA: effect mostly gone by about a year (F19); "mostly" is taken as 10% left (heuristic),
# zero by two years (heuristic). Not dissolvable, so what remains cannot be taken back.
CAHA_CURVE: Final[Curve] = ((0, 1.0), (12, 0.1), (24, 0.0))
# PLLA: effect up to about 25 months (F22); a straight line to zero (heuristic shape).
PLLA_CURVE: Final[Curve] = ((0, 1.0), (25, 0.0))
# Permanent fillers stay (F23 F24 F25).
PERMANENT_CURVE: Final[Curve] = ((0, 1.0),)


@dataclass(frozen=True, slots=True)
class Product:
    """A toxin or filler with its own unit system, reversibility and persistence."""

    id: str
    label: str
    family: Family
    unit: str
    references: tuple[str, ...]
    # Toxins
    label_glabella_units: float | None = None
    effect_months: float | None = None
    effect_references: tuple[str, ...] = ()
    under_65_label: bool = False
    # Fillers
    filler_class: FillerClass | None = None
    degradable: bool = True
    reversible: bool = False
    permanent: bool = False
    gprime: Literal["low", "medium", "high"] | None = None
    remaining_curve: Curve = ()
    effect_curve: Curve = ()
    note: str = ""

    #: Only for patient histories: the patient does not know what was injected (a plan can
    #: never name it). Judged conservatively: possibly permanent, possibly not HA.
    history_only: bool = False

    @property
    def is_toxin(self) -> bool:
        return self.family == Family.TOXIN

    @property
    def is_filler(self) -> bool:
        """Fillers add volume; toxins and hyaluronidase (an enzyme) do not."""
        return self.family == Family.FILLER

    @property
    def ona_factor(self) -> float:
        """Units of this product per ona unit, from the labels' glabella doses (B1 B6 B7 B8).

        A labelled APPROXIMATION: units are not interchangeable, and clinicians use ratios of
        1:1-1.25:1 (inco) and 2:1-3:1 (abo) (B24 O; B25 T). daxi has no clinician ratio in the
        reference. Fillers return 1.
        """
        if self.label_glabella_units is None:
            return 1.0
        return self.label_glabella_units / ONA_GLABELLA_UNITS

    @property
    def slow_degrading(self) -> bool:
        """Biostimulators and permanent fillers: no HA layered over them (F44)."""
        return self.filler_class in ("biostimulator", "permanent")


def _ha(pid: str, label: str, gprime: Literal["low", "medium", "high"], note: str) -> Product:
    return Product(
        pid,
        label,
        Family.FILLER,
        "mL",
        ("F13", "F18", "P28"),
        filler_class="ha",
        reversible=True,
        gprime=gprime,
        remaining_curve=HA_REMAINING,
        effect_curve=HA_EFFECT,
        note=note,
    )


_PRODUCT_LIST: Final[tuple[Product, ...]] = (
    Product(
        "ona",
        "onabotulinumtoxinA",
        Family.TOXIN,
        "U",
        ("B1",),
        label_glabella_units=20,
        effect_months=_weeks(19.7),
        effect_references=("P18", "P21"),
        note="Back to baseline at a median 19.7 weeks after 20 U and 24.0 weeks after 40 U "
        "(P18); effects last longer in women (P21).",
    ),
    Product(
        "abo",
        "abobotulinumtoxinA",
        Family.TOXIN,
        "Speywood U",
        ("B9", "B28"),
        label_glabella_units=50,
        effect_months=4.0,
        effect_references=("P19",),
        under_65_label=True,
        note="Glabella 5 x 10 Speywood units (B9). Usually lasts 4 months, range 3-6 (P19). "
        "Some labels (Azzalure, Dysport US) are for adults under 65 (B27 B28).",
    ),
    Product(
        "inco",
        "incobotulinumtoxinA",
        Family.TOXIN,
        "U",
        ("B6", "B7"),
        label_glabella_units=20,
        effect_months=None,
        effect_references=("P21",),
        under_65_label=True,
        note="Glabella 20 U, EU label up to 30 U (B6). facts.md gives no duration for inco; "
        "the effect curve borrows ona's figure as an approximation. Bocouture is labelled "
        "for adults under 65 (B6 B27).",
    ),
    Product(
        "daxi",
        "daxibotulinumtoxinA",
        Family.TOXIN,
        "U",
        ("B8",),
        label_glabella_units=40,
        effect_months=_weeks(24),
        effect_references=("P20",),
        note="Glabella 40 U as 5 x 8 U (B8); median duration 24 weeks (P20). No clinician unit "
        "ratio is given in facts.md; conversion uses the label glabella doses only.",
    ),
    Product(
        "prabo",
        "prabotulinumtoxinA",
        Family.TOXIN,
        "U",
        ("B38",),
        label_glabella_units=20,
        effect_months=None,
        note="US label: glabella 20 U as 5 x 4 U, reconstituted to 4 U per 0.1 mL (B38). No "
        "duration in facts.md; the effect curve borrows ona's figure as an approximation.",
    ),
    Product(
        "leti",
        "letibotulinumtoxinA",
        Family.TOXIN,
        "U",
        ("B39", "B40"),
        label_glabella_units=20,
        effect_months=None,
        note="US and UK labels: glabella 20 U as 5 x 4 U (B39 B40); the UK label is for adults "
        "under 75 and adds ALS to the contraindications (B40). No duration in facts.md; the "
        "effect curve borrows ona's figure.",
    ),
    Product(
        "rela",
        "relabotulinumtoxinA",
        Family.TOXIN,
        "U (liquid)",
        ("B41", "B42"),
        label_glabella_units=50,
        effect_months=None,
        under_65_label=True,
        note="UK label: a ready-to-use liquid at 100 U/mL, no reconstitution; glabella 50 U "
        "(0.5 mL), crow's feet 60 U, at most 110 U per session, adults under 65 (B41). Its "
        "units are its own. No duration in facts.md; the effect curve borrows ona's figure.",
    ),
    _ha(
        "ha_soft",
        "Hyaluronic acid, soft (low G')",
        "low",
        "For thin skin: tear trough, lips, fine lines (P28).",
    ),
    _ha("ha_medium", "Hyaluronic acid, medium", "medium", "Between the soft and firm gels."),
    _ha(
        "ha_firm",
        "Hyaluronic acid, firm (high G')",
        "high",
        "For deep, bony support: cheek, chin, jaw (P28).",
    ),
    Product(
        "caha",
        "Calcium hydroxylapatite",
        Family.FILLER,
        "mL",
        ("F19", "F20"),
        filler_class="biostimulator",
        degradable=True,
        reversible=False,
        gprime="high",
        remaining_curve=CAHA_CURVE,
        effect_curve=CAHA_CURVE,
        note="Biostimulator; effect mostly gone by about a year (F19); not dissolvable.",
    ),
    Product(
        "plla",
        "Poly-L-lactic acid",
        Family.FILLER,
        "mL",
        ("F21", "F22"),
        filler_class="biostimulator",
        degradable=True,
        reversible=False,
        remaining_curve=PLLA_CURVE,
        effect_curve=PLLA_CURVE,
        note="Up to 4 sessions about 3 weeks apart (F21); effect up to about 25 months (F22); "
        "not dissolvable.",
    ),
    Product(
        "pmma",
        "Polymethyl methacrylate microspheres",
        Family.FILLER,
        "mL",
        ("F23", "F24", "F25"),
        filler_class="permanent",
        degradable=False,
        reversible=False,
        permanent=True,
        remaining_curve=PERMANENT_CURVE,
        effect_curve=PERMANENT_CURVE,
        note="Permanent microspheres; cannot be dissolved (F23 F24); nodules reported up to 6 "
        "years later in combination products (F25).",
    ),
    Product(
        "silicone",
        "Liquid silicone",
        Family.FILLER,
        "mL",
        ("F25",),
        filler_class="permanent",
        degradable=False,
        reversible=False,
        permanent=True,
        remaining_curve=PERMANENT_CURVE,
        effect_curve=PERMANENT_CURVE,
        note="Permanent; inflammatory nodules reported up to 28 years after injection (F25).",
    ),
    Product(
        "paag",
        "Polyacrylamide gel",
        Family.FILLER,
        "mL",
        ("F25",),
        filler_class="permanent",
        degradable=False,
        reversible=False,
        permanent=True,
        remaining_curve=PERMANENT_CURVE,
        effect_curve=PERMANENT_CURVE,
        note="Permanent; inflammatory nodules reported up to a year after injection (F25).",
    ),
    Product(
        "unknown",
        "Unknown filler (the patient does not know the product)",
        Family.FILLER,
        "mL",
        ("F30", "F44"),
        filler_class="unknown",
        degradable=False,
        reversible=False,
        permanent=False,
        remaining_curve=PERMANENT_CURVE,
        effect_curve=PERMANENT_CURVE,
        history_only=True,
        note="For patient histories only. An unknown product may be permanent or a slowly "
        "degrading, non-HA filler, so the engine assumes it all remains (the permanent curve) "
        "and that hyaluronidase cannot dissolve it; layering over it is to be avoided (F44), "
        "and late migration is more common with permanent fillers (F30).",
    ),
    Product(
        "hyaluronidase",
        "Hyaluronidase",
        Family.ENZYME,
        "U",
        ("F38", "F39", "F41", "F54"),
        note="An enzyme that dissolves HA filler, for complications and misplaced filler: not a "
        "filler, never volume. 1.5-9 U per 0.1 mL of HA for small nodules (F39); periocular "
        "dissolving at 150 or 75 U/mL, with hollowing in 18% (F41); the high-dose pulsed "
        "protocol for vascular occlusion scales with the ischaemic tissue (F38 F54). It does "
        "not dissolve CaHA, PLLA or permanent fillers.",
    ),
)

PRODUCTS: Final[dict[str, Product]] = {p.id: p for p in _PRODUCT_LIST}
PRODUCT_IDS: Final[tuple[str, ...]] = tuple(PRODUCTS)
TOXIN_IDS: Final[tuple[str, ...]] = tuple(p.id for p in _PRODUCT_LIST if p.is_toxin)
#: Fillers a plan may use (the unknown product is for histories only).
FILLER_IDS: Final[tuple[str, ...]] = tuple(
    p.id for p in _PRODUCT_LIST if p.is_filler and not p.history_only
)
#: Hyaluronidase: a treatment item for complications, listed apart from the fillers.
ENZYME_IDS: Final[tuple[str, ...]] = tuple(p.id for p in _PRODUCT_LIST if p.family == Family.ENZYME)
#: Products a plan may name (everything but the history-only unknown product).
PLAN_PRODUCT_IDS: Final[tuple[str, ...]] = tuple(p.id for p in _PRODUCT_LIST if not p.history_only)

#: Where inco has no duration of its own, its effect borrows ona's (an approximation).
_ONA_EFFECT_MONTHS: Final = _weeks(19.7)


def to_ona_units(product_id: str, units: float) -> float:
    """Convert a toxin amount to ona-equivalent units (approximate; see Product.ona_factor)."""
    return units / PRODUCTS[product_id].ona_factor


def from_ona_units(product_id: str, ona_units: float) -> float:
    """Convert ona-equivalent units to a product's own units (approximate)."""
    return ona_units * PRODUCTS[product_id].ona_factor


def _interpolate(curve: Curve, months: float) -> float:
    if months <= curve[0][0]:
        return curve[0][1]
    xs = [point[0] for point in curve]
    i = bisect_right(xs, months)
    if i >= len(curve):
        return curve[-1][1]
    (x0, y0), (x1, y1) = curve[i - 1], curve[i]
    return y0 + (y1 - y0) * (months - x0) / (x1 - x0)


def remaining_fraction(product_id: str, months: float) -> float:
    """Fraction of an injected filler still in the tissue after `months` (TEACHING HEURISTIC).

    Built from retention and MRI figures (P16, F18), the biostimulators' duration (F19, F22) and
    the permanence of PMMA, silicone and PAAG (F23-F25); the points in between are our own
    straight lines. It exists to teach that earlier filler is still there, not to predict a
    patient's tissue. Toxins and hyaluronidase return 0: they leave no volume behind.
    """
    product = PRODUCTS[product_id]
    if not product.is_filler:
        return 0.0
    return _interpolate(product.remaining_curve, max(months, 0.0))


def effect_fraction(product_id: str, months: float) -> float:
    """Share of the visible effect left after `months` (TEACHING HEURISTIC).

    Toxin: a straight line from full effect to none at the product's median duration (P18-P21;
    inco borrows ona's figure). Filler: HA keeps full effect for 6 months and 60% at 24 (P3);
    biostimulators follow their duration (F19, F22); permanent fillers do not fade.
    """
    product = PRODUCTS[product_id]
    months = max(months, 0.0)
    if product.is_toxin:
        duration = product.effect_months or _ONA_EFFECT_MONTHS
        return max(0.0, 1.0 - months / duration)
    if not product.is_filler:
        return 0.0
    return _interpolate(product.effect_curve, months)
