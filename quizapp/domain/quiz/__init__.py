"""Quiz questions, modules and their graders.

Pure on purpose: plain values in, plain values out, so grading is testable in microseconds and the
web layer, the CLI and the benchmarks all grade the same way. Responses always refer to the
ORIGINAL option/item indexes of the module file; `response_from_display` maps what the trainee
clicked in a shuffled list back to them.

Scoring rules (also in docs/module-format.md):
- single, plan_compare, truefalse, numeric: 1 or 0.
- multi: +1/k per correct option chosen, -1/m per wrong option chosen (k correct, m wrong
  options), never below 0. Choosing every option therefore scores 0.
- ordering: the share of item pairs placed in the right relative order (Kendall-style pairwise
  agreement, i.e. (1 + tau) / 2): 1 for the right order, 0 for the exact reverse.
- hotspot `one`: 1 if the chosen zone is one of the correct zones. hotspot `many`: +1/k per correct
  zone chosen, -1/k per wrong zone chosen, never below 0 (the face map offers many wrong zones, so a
  -1/m penalty would make clicking extra zones almost free).
- weighted options, numeric questions with further answers, short answer and matching: see
  quizapp.domain.quiz.graders_partial.
- unanswered: 0. A malformed response (unknown index, unknown zone, unreadable number) scores 0 and
  says why in `feedback`; graders never raise on a trainee's input.
"""

from quizapp.domain.quiz.display import (
    question_public_view,
    response_from_display,
    shuffled_options,
)
from quizapp.domain.quiz.graders import (
    GRADERS,
    AttemptGrade,
    GradeResult,
    Mark,
    NumericParseError,
    best_or_last,
    grade,
    grade_attempt,
    ordering_agreement,
    parse_numeric_response,
)
from quizapp.domain.quiz.graders_partial import (
    grade_matching,
    grade_short,
    matching_choices,
    normalise_answer,
    weight_fraction,
)
from quizapp.domain.quiz.model import (
    GRADING_METHODS,
    QUESTION_TYPES,
    UNITS,
    WEIGHT_RANGE,
    ChoiceQuestion,
    HotspotQuestion,
    MatchingQuestion,
    MatchPair,
    Module,
    MultiQuestion,
    NumericAnswer,
    NumericQuestion,
    Option,
    OrderingQuestion,
    OrderItem,
    PlanCompareQuestion,
    Question,
    QuestionBase,
    ShortAnswerQuestion,
    SingleQuestion,
    TextAnswer,
    TrueFalseQuestion,
    canonical_unit,
    zone_ids,
    zone_label,
)

__all__ = [
    "weight_fraction",
    "normalise_answer",
    "matching_choices",
    "grade_short",
    "grade_matching",
    "TextAnswer",
    "ShortAnswerQuestion",
    "NumericAnswer",
    "MatchingQuestion",
    "MatchPair",
    "GRADERS",
    "GRADING_METHODS",
    "QUESTION_TYPES",
    "UNITS",
    "WEIGHT_RANGE",
    "AttemptGrade",
    "ChoiceQuestion",
    "GradeResult",
    "HotspotQuestion",
    "Mark",
    "Module",
    "MultiQuestion",
    "NumericParseError",
    "NumericQuestion",
    "Option",
    "OrderItem",
    "OrderingQuestion",
    "PlanCompareQuestion",
    "Question",
    "QuestionBase",
    "SingleQuestion",
    "TrueFalseQuestion",
    "best_or_last",
    "canonical_unit",
    "grade",
    "grade_attempt",
    "ordering_agreement",
    "parse_numeric_response",
    "question_public_view",
    "response_from_display",
    "shuffled_options",
    "zone_ids",
    "zone_label",
]
