"""Quiz questions and modules: the question types, their units and zones."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final, Literal

from quizapp.domain.face import ZONE_IDS, ZONES

QUESTION_TYPES: Final[tuple[str, ...]] = (
    "single",
    "multi",
    "truefalse",
    "numeric",
    "ordering",
    "hotspot",
    "plan_compare",
    "short",
    "matching",
)

# Percent weights a weighted option or a partial answer may carry (GIFT's `%50%`, Moodle's range).
WEIGHT_RANGE: Final[tuple[int, int]] = (-100, 100)

GRADING_METHODS: Final[tuple[str, ...]] = ("highest", "last")


# Canonical unit -> spellings a trainee (or an author) may type. Units are never converted: an
# answer in weeks to a question asked in months is wrong, since mixing units is a real-world error.
UNITS: Final[dict[str, tuple[str, ...]]] = {
    "U": ("u", "unit", "units"),
    "mL": ("ml", "millilitre", "millilitres", "milliliter", "milliliters", "cc"),
    "mm": ("mm", "millimetre", "millimetres", "millimeter", "millimeters"),
    "cm": ("cm", "centimetre", "centimetres", "centimeter", "centimeters"),
    "%": ("%", "percent", "per cent", "pct"),
    "years": ("y", "yr", "yrs", "year", "years"),
    "months": ("mo", "mos", "month", "months"),
    "weeks": ("w", "wk", "wks", "week", "weeks"),
    "days": ("d", "day", "days"),
    "hours": ("h", "hr", "hrs", "hour", "hours"),
    "minutes": ("min", "mins", "minute", "minutes"),
    "points": ("point", "points", "injection points"),
    "sites": ("site", "sites", "injection sites"),
    "syringes": ("syringe", "syringes"),
    "sessions": ("session", "sessions"),
    "grades": ("grade", "grades"),
    "kg": ("kg", "kilogram", "kilograms"),
}
_UNIT_LOOKUP: Final[dict[str, str]] = {
    spelling: canonical
    for canonical, spellings in UNITS.items()
    for spelling in (*spellings, canonical.lower())
}


# --------------------------------------------------------------------------------------------
# Zones and units
# --------------------------------------------------------------------------------------------


def zone_ids() -> tuple[str, ...]:
    """Zone ids a hotspot question may name and a trainee may click: the face catalogue's."""
    return ZONE_IDS


def zone_label(zone_id: str) -> str:
    """A readable name for a zone id, for review pages."""
    zone = ZONES.get(zone_id)
    return zone.label if zone else zone_id.replace("_", " ").capitalize()


def canonical_unit(text: str | None) -> str | None:
    """The canonical spelling of a unit ("ml" -> "mL", "Units" -> "U"), or None if unknown."""
    if text is None:
        return None
    key = " ".join(text.strip().rstrip(".").lower().split())
    return _UNIT_LOOKUP.get(key)


# --------------------------------------------------------------------------------------------
# Questions and modules
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Option:
    """One answer option of a single, multi or plan_compare question."""

    text: str
    correct: bool
    explanation: str
    # Percent of the question's credit (-100..100) when the question is weighted (GIFT `~%50%`);
    # None in an unweighted question, where `correct` alone decides.
    weight: float | None = None


@dataclass(frozen=True, slots=True)
class TextAnswer:
    """An accepted answer of a short-answer question and the percent of credit it earns."""

    text: str
    weight: float = 100
    explanation: str = ""


@dataclass(frozen=True, slots=True)
class NumericAnswer:
    """A further accepted number of a numeric question (GIFT `=%50%3.1:0.1`), for part credit."""

    answer: float
    tolerance: float
    weight: float
    explanation: str = ""


@dataclass(frozen=True, slots=True)
class MatchPair:
    """One pair of a matching question: the left-hand text and the right-hand text it matches."""

    left: str
    right: str
    explanation: str = ""


@dataclass(frozen=True, slots=True)
class OrderItem:
    """One item of an ordering question; a question lists its items in the correct order."""

    text: str
    explanation: str


@dataclass(frozen=True, slots=True, kw_only=True)
class QuestionBase:
    """Fields every question has. `explanation` is the general explanation shown after answering."""

    type: ClassVar[str] = ""

    id: str
    topic: str
    stem: str
    references: tuple[str, ...]
    explanation: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ChoiceQuestion(QuestionBase):
    """A question answered by choosing among options (by their index in the file)."""

    options: tuple[Option, ...]

    @property
    def correct_indexes(self) -> tuple[int, ...]:
        return tuple(i for i, option in enumerate(self.options) if option.correct)

    @property
    def weighted(self) -> bool:
        """True when the options carry percent weights (graded by weight, see graders_partial)."""
        return any(option.weight is not None for option in self.options)


@dataclass(frozen=True, slots=True, kw_only=True)
class SingleQuestion(ChoiceQuestion):
    """Exactly one correct option."""

    type: ClassVar[str] = "single"


@dataclass(frozen=True, slots=True, kw_only=True)
class MultiQuestion(ChoiceQuestion):
    """One or more correct options; partial credit (see the module docstring)."""

    type: ClassVar[str] = "multi"


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanScenario:
    """A plan_compare question written for the engine (docs/module-format.md): the patient and
    grades the stem describes, the zones it asks to treat, and per option its plan items
    (`{zone, product, amount, side}` mappings) or None where the option is not a plan."""

    patient: Mapping[str, Any]
    assessment: Mapping[str, Any]
    treat: tuple[str | Mapping[str, Any], ...]  # a zone id, or {zone, dose, references}
    plans: tuple[tuple[Mapping[str, Any], ...] | None, ...]
    correct: tuple[int, ...] = ()  # the options marked correct
    history: tuple[Mapping[str, Any], ...] = ()  # earlier treatments, as in a case file


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanCompareQuestion(ChoiceQuestion):
    """The stem describes a patient; each option is a whole plan; one is the most appropriate."""

    type: ClassVar[str] = "plan_compare"

    scenario: PlanScenario | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TrueFalseQuestion(QuestionBase):
    """A statement that is true or false; `explanation` says why."""

    type: ClassVar[str] = "truefalse"

    answer: bool
    # Shown after answering true / after answering false (GIFT's per-answer feedback).
    feedback_true: str = ""
    feedback_false: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class NumericQuestion(QuestionBase):
    """A number with an absolute tolerance in the question's unit (None: a bare number)."""

    type: ClassVar[str] = "numeric"

    answer: float
    tolerance: float = 0
    unit: str | None = None
    # Further accepted numbers for part credit (GIFT numerical questions with several answers).
    partial: tuple[NumericAnswer, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderingQuestion(QuestionBase):
    """Items listed in the correct order; the player always shows them shuffled."""

    type: ClassVar[str] = "ordering"

    items: tuple[OrderItem, ...]
    order_label: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class HotspotQuestion(QuestionBase):
    """Answered by clicking zones of the face map; `zones` are the correct ones."""

    type: ClassVar[str] = "hotspot"

    zones: tuple[str, ...]
    select: Literal["one", "many"]
    # Explanations for the correct zones and for tempting wrong ones. A dict, so do not hash this.
    zone_explanations: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class ShortAnswerQuestion(QuestionBase):
    """A typed answer matched against `answers`, ignoring case and extra spaces; each accepted
    answer earns its weight (at least one earns 100)."""

    type: ClassVar[str] = "short"

    answers: tuple[TextAnswer, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class MatchingQuestion(QuestionBase):
    """Left-hand texts each matched to one right-hand text; credit per pair matched right."""

    type: ClassVar[str] = "matching"

    pairs: tuple[MatchPair, ...]

    @property
    def rights(self) -> tuple[str, ...]:
        """The right-hand texts the trainee chooses from: each once, in file order."""
        return tuple(dict.fromkeys(pair.right for pair in self.pairs))


Question = (
    SingleQuestion
    | MultiQuestion
    | PlanCompareQuestion
    | TrueFalseQuestion
    | NumericQuestion
    | OrderingQuestion
    | HotspotQuestion
    | ShortAnswerQuestion
    | MatchingQuestion
)

QUESTION_CLASSES: Final[dict[str, type[QuestionBase]]] = {
    cls.type: cls
    for cls in (
        SingleQuestion,
        MultiQuestion,
        TrueFalseQuestion,
        NumericQuestion,
        OrderingQuestion,
        HotspotQuestion,
        PlanCompareQuestion,
        ShortAnswerQuestion,
        MatchingQuestion,
    )
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Module:
    """One module of the curriculum, as described by a file in cases/modules/."""

    id: str
    title: str
    order: int
    summary: str
    prerequisites: tuple[str, ...]
    pass_mark: int
    max_attempts: int | None
    grading: Literal["highest", "last"]
    time_limit_minutes: int | None
    shuffle: bool
    cases: tuple[str, ...]
    references: tuple[str, ...]
    questions: tuple[Question, ...]
    # Estimated study hours: a passed module adds this to the trainee's CPD ledger (None: no entry).
    cpd_hours: float | None = None
    # Complication drills listed in the module, by id (cases/drills/).
    drills: tuple[str, ...] = ()
    # Where the module was read from (for messages); not part of its identity.
    source: str = field(default="", compare=False)

    def question(self, question_id: str) -> Question:
        """The question with this id; KeyError if the module has none."""
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)
