"""The demo trainee's answers pinned exactly (issue 23). A scripted generator stands in for
random.Random: it returns the draws a test lists and records what each choice was offered, so
every branch (right, wrong, unanswered, each kind of mistake) is checked on both sides of its
threshold, with the exact answer it gives."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from quizapp.domain.face import ZONE_IDS
from quizapp.domain.plan import Plan, PlanItem
from quizapp.domain.quiz import (
    HotspotQuestion,
    MatchingQuestion,
    MatchPair,
    MultiQuestion,
    NumericQuestion,
    Option,
    OrderingQuestion,
    OrderItem,
    QuestionBase,
    ShortAnswerQuestion,
    SingleQuestion,
    TextAnswer,
    TrueFalseQuestion,
)
from quizapp.domain.sample_answers import (
    PLAN_FACTORS,
    _wrong_number,
    plan_rows,
    plan_variants,
    quiz_response,
)
from quizapp.domain.terms import Depth, Disposition, Side


class Script:
    """random.Random's three methods, answering from lists instead of at random."""

    def __init__(self, randoms=(), picks=()):
        self.randoms = list(randoms)
        self.picks = list(picks)
        self.offered: list = []

    def random(self) -> float:
        return self.randoms.pop(0)

    def choice(self, seq):
        self.offered.append(list(seq))
        return seq[self.picks.pop(0)]

    def randrange(self, stop: int) -> int:
        self.offered.append(stop)
        return self.picks.pop(0)

    def used_up(self) -> bool:
        return not self.randoms and not self.picks


BASE = {"topic": "t", "stem": "s", "references": ("B1",)}
RIGHT = (0.0, 0.5)  # first draw under p (0.5 below): right; second at 0.5: answered
WRONG = (0.99, 0.5)  # first draw above p: wrong


def options(*correct: bool) -> tuple[Option, ...]:
    return tuple(Option(f"option {i}", c, "") for i, c in enumerate(correct))


SINGLE = SingleQuestion(id="s", options=options(False, True, False), **BASE)
MULTI = MultiQuestion(id="m", options=options(True, True, False, False), **BASE)


# --------------------------------------------------------------------------------------------
# Right or wrong, answered or not
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("draw", "p", "answer"),
    [
        (0.5, 0.51, 1),  # 0.5 < 0.51: right
        (0.5, 0.5, 2),  # 0.5 is not under 0.5: wrong
        (0.0, 0.0, 2),  # p = 0 is never right
        (0.999, 1.0, 1),  # p = 1 is always right
    ],
)
def test_right_with_probability_p(draw, p, answer):
    rng = Script(randoms=(draw, 0.5), picks=(1,))
    assert quiz_response(SINGLE, p, rng) == answer


@pytest.mark.parametrize(("draw", "unanswered"), [(0.0, True), (0.0199, True), (0.02, False)])
def test_two_in_a_hundred_are_left_unanswered(draw, unanswered):
    rng = Script(randoms=(0.0, draw))
    response = quiz_response(SINGLE, 0.5, rng)
    assert (response is None) is unanswered
    assert rng.used_up()


# --------------------------------------------------------------------------------------------
# Each kind of question
# --------------------------------------------------------------------------------------------


def test_single_choice():
    assert quiz_response(SINGLE, 0.5, Script(RIGHT)) == 1
    rng = Script(WRONG, picks=(1,))
    assert quiz_response(SINGLE, 0.5, rng) == 2
    assert rng.offered == [[0, 2]]  # only the wrong options
    only_right = SingleQuestion(id="o", options=options(True), **BASE)
    rng = Script(WRONG)
    assert quiz_response(only_right, 0.5, rng) == 0  # nothing wrong to pick
    assert rng.used_up()


def test_multi_choice_right():
    assert quiz_response(MULTI, 0.5, Script(RIGHT)) == [0, 1]


def test_multi_choice_wrong_by_dropping_a_right_option():
    rng = Script((*WRONG, 0.49), picks=(0,))
    assert quiz_response(MULTI, 0.5, rng) == [1]
    assert rng.offered == [[0, 1]]


def test_multi_choice_wrong_by_adding_a_wrong_option():
    rng = Script((*WRONG, 0.5), picks=(1,))
    assert quiz_response(MULTI, 0.5, rng) == [0, 1, 3]
    assert rng.offered == [[2, 3]]


def test_multi_choice_with_one_right_option_can_only_add():
    question = MultiQuestion(id="m1", options=options(False, True, False), **BASE)
    rng = Script(WRONG, picks=(0,))  # no third draw: dropping is not considered
    assert quiz_response(question, 0.5, rng) == [0, 1]
    assert rng.offered == [[0, 2]] and rng.used_up()


def test_multi_choice_with_every_option_right_stays_right():
    question = MultiQuestion(id="m2", options=options(True, True), **BASE)
    rng = Script(WRONG)
    assert quiz_response(question, 0.5, rng) == [0, 1]
    assert rng.used_up()


def test_true_false():
    question = TrueFalseQuestion(id="tf", answer=False, **BASE)
    assert quiz_response(question, 0.5, Script(RIGHT)) is False
    assert quiz_response(question, 0.5, Script(WRONG)) is True


def test_numeric_right_with_and_without_a_unit():
    with_unit = NumericQuestion(id="n", answer=20, unit="U", **BASE)
    assert quiz_response(with_unit, 0.5, Script(RIGHT)) == "20 U"
    bare = NumericQuestion(id="n2", answer=0.3, **BASE)
    assert quiz_response(bare, 0.5, Script(RIGHT)) == "0.3"
    empty_unit = NumericQuestion(id="n3", answer=4, unit="", **BASE)
    assert quiz_response(empty_unit, 0.5, Script(RIGHT)) == "4"


def test_numeric_wrong_is_a_plausible_multiple():
    question = NumericQuestion(id="n", answer=20, unit="U", **BASE)
    rng = Script(WRONG, picks=(1,))
    assert quiz_response(question, 0.5, rng) == "40 U"  # 20 x 2
    assert rng.offered == [[0.5, 2.0, 1.5, 0.25, 3.0]]
    rng = Script(WRONG, picks=(3,))
    assert quiz_response(NumericQuestion(id="m", answer=0.3, unit="mL", **BASE), 0.5, rng) == (
        "0.075 mL"  # 0.3 x 0.25
    )


@pytest.mark.parametrize(
    ("pick", "text"), [(0, "1.5"), (1, "6"), (2, "4.5"), (3, "0.75"), (4, "9")]
)
def test_wrong_number(pick, text):
    assert _wrong_number(3, Script(picks=(pick,))) == text


def test_ordering():
    question = OrderingQuestion(id="o", items=tuple(OrderItem(t, "") for t in "abcd"), **BASE)
    assert quiz_response(question, 0.5, Script(RIGHT)) == [0, 1, 2, 3]
    rng = Script(WRONG, picks=(2,))
    assert quiz_response(question, 0.5, rng) == [0, 1, 3, 2]  # neighbours 2 and 3 swapped
    assert rng.offered == [3]  # the first of a pair: 0, 1 or 2
    rng = Script(WRONG, picks=(0,))
    assert quiz_response(question, 0.5, rng) == [1, 0, 2, 3]
    pair = OrderingQuestion(id="o2", items=(OrderItem("a", ""), OrderItem("b", "")), **BASE)
    rng = Script(WRONG, picks=(0,))
    assert quiz_response(pair, 0.5, rng) == [1, 0]  # two items: the only swap there is
    assert rng.offered == [1]
    single = OrderingQuestion(id="o1", items=(OrderItem("a", ""),), **BASE)
    rng = Script(WRONG)
    assert quiz_response(single, 0.5, rng) == [0]
    assert rng.used_up()


def test_short_answer_gives_the_best_answer_or_a_wrong_one():
    question = ShortAnswerQuestion(
        id="sa",
        answers=(TextAnswer("botox", 50), TextAnswer("ona", 100), TextAnswer("onabot", 80)),
        **BASE,
    )
    assert quiz_response(question, 0.5, Script(RIGHT)) == "ONA"
    assert quiz_response(question, 0.5, Script(WRONG)) == "not ona"


def test_matching():
    question = MatchingQuestion(
        id="mt",
        pairs=(MatchPair("a", "x"), MatchPair("b", "y"), MatchPair("c", "x"), MatchPair("d", "z")),
        **BASE,
    )
    assert quiz_response(question, 0.5, Script(RIGHT)) == {0: 0, 1: 1, 2: 0, 3: 2}
    # Wrong: the first pair moves to the next right-hand text.
    assert quiz_response(question, 0.5, Script(WRONG)) == {0: 1, 1: 1, 2: 0, 3: 2}
    two_rights = MatchingQuestion(id="m2", pairs=(MatchPair("a", "x"), MatchPair("b", "y")), **BASE)
    assert quiz_response(two_rights, 0.5, Script(WRONG)) == {0: 1, 1: 1}
    one_right = MatchingQuestion(id="m1", pairs=(MatchPair("a", "x"), MatchPair("b", "x")), **BASE)
    assert quiz_response(one_right, 0.5, Script(WRONG)) == {0: 0, 1: 0}


def test_hotspot():
    one = HotspotQuestion(id="h", zones=("glabella", "forehead"), select="one", **BASE)
    many = HotspotQuestion(id="h2", zones=("glabella", "forehead"), select="many", **BASE)
    assert quiz_response(one, 0.5, Script(RIGHT)) == ["glabella"]
    assert quiz_response(many, 0.5, Script(RIGHT)) == ["glabella", "forehead"]
    rng = Script(WRONG, picks=(4,))
    assert quiz_response(many, 0.5, rng) == ["tear_trough"]
    # Every catalogue zone but the right ones, in catalogue order (test_catalogue.py pins the
    # catalogue's ids): the fifth of them is the tear trough.
    assert rng.offered == [[z for z in ZONE_IDS if z not in ("glabella", "forehead")]]
    assert rng.offered[0][:5] == ["crows_feet", "brow", "bunny_lines", "temples", "tear_trough"]


def test_a_question_of_no_known_kind_gets_no_answer():
    assert quiz_response(QuestionBase(id="q", **BASE), 0.5, Script(RIGHT)) is None


# --------------------------------------------------------------------------------------------
# Plans
# --------------------------------------------------------------------------------------------

GLABELLA = PlanItem("glabella", "ona", 20, Side.MIDLINE, Depth.INTRAMUSCULAR)
FOREHEAD = PlanItem("forehead", "ona", 10, Side.MIDLINE)


def case_with(*plans: Plan, disposition: Disposition = Disposition.TREAT):
    candidates = tuple(SimpleNamespace(plan=plan) for plan in plans)
    return SimpleNamespace(
        reference=SimpleNamespace(candidate_plans=candidates, disposition=disposition)
    )


def amounts(plan: Plan) -> list[float]:
    return [item.amount for item in plan.items]


def test_plan_factors():
    assert PLAN_FACTORS == (0.5, 0.75, 1.3, 1.7, 2.5)


def test_plan_variants_scale_each_candidate_and_drop_its_last_item():
    plan = Plan(Disposition.TREAT, (GLABELLA, FOREHEAD), review_weeks=2, note="n")
    variants = plan_variants(case_with(plan))
    assert variants[0] == plan
    assert [amounts(v) for v in variants] == [
        [20, 10],
        [10, 5],  # x 0.5
        [15, 7.5],  # x 0.75
        [26, 13],  # x 1.3
        [34, 17],  # x 1.7
        [50, 25],  # x 2.5
        [20],  # the last item left out
    ]
    assert all(v.review_weeks == 2 and v.note == "n" for v in variants)
    assert variants[1].items[0] == PlanItem(
        "glabella", "ona", 10, Side.MIDLINE, Depth.INTRAMUSCULAR
    )
    assert variants[-1].items == (GLABELLA,)


def test_the_shorter_variant_keeps_all_but_the_last_item():
    third = PlanItem("crows_feet", "ona", 12, Side.BOTH)
    variants = plan_variants(case_with(Plan(Disposition.TREAT, (GLABELLA, FOREHEAD, third))))
    assert len(variants) == 7
    assert variants[-1].items == (GLABELLA, FOREHEAD)


def test_plan_variants_round_amounts_to_hundredths():
    plan = Plan(Disposition.TREAT, (PlanItem("tear_trough", "ha_soft", 0.123, Side.BOTH),))
    variants = plan_variants(case_with(plan))
    assert len(variants) == 6  # one item: no shorter plan
    assert variants[1].items[0].amount == 0.06  # 0.123 x 0.5 = 0.0615
    assert variants[5].items[0].amount == 0.31  # 0.123 x 2.5 = 0.3075


def test_plan_variants_of_every_candidate_in_turn():
    first = Plan(Disposition.TREAT, (GLABELLA,))
    second = Plan(Disposition.TREAT_IN_PART, (FOREHEAD,))
    variants = plan_variants(case_with(first, second))
    assert len(variants) == 12
    assert variants[0] == first and variants[6] == second
    assert amounts(variants[11]) == [25]  # 10 x 2.5


def test_plan_variants_without_candidates_use_the_reference_disposition():
    variants = plan_variants(case_with(disposition=Disposition.DEFER))
    assert variants == [Plan(Disposition.DEFER)] * 6


def test_plan_rows_are_what_a_trainee_types():
    rows = plan_rows(
        Plan(
            Disposition.TREAT,
            (GLABELLA, PlanItem("lips", "ha_soft", 0.55, Side.MIDLINE), FOREHEAD),
        )
    )
    assert rows == [
        {
            "zone": "glabella",
            "product": "ona",
            "amount": "20",
            "side": "midline",
            "depth": "intramuscular",
        },
        {"zone": "lips", "product": "ha_soft", "amount": "0.55", "side": "midline", "depth": ""},
        {"zone": "forehead", "product": "ona", "amount": "10", "side": "midline", "depth": ""},
    ]
    assert plan_rows(Plan(Disposition.DEFER)) == []
