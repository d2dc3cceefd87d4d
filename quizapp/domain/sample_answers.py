"""Answers and plans of every quality, for demo and benchmark data: what trainees of a given
skill would submit. Pure; the caller brings the random generator (a fixed seed for repeatable
data) and scores the result with the real graders and engine."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

from quizapp.domain import quiz
from quizapp.domain.case import Case
from quizapp.domain.plan import Plan

#: Dose factors applied to an author's candidate plan: under-, over- and heavily over-treated.
PLAN_FACTORS = (0.5, 0.75, 1.3, 1.7, 2.5)


def _wrong_number(answer: float, rng: random.Random) -> str:
    factor = rng.choice((0.5, 2.0, 1.5, 0.25, 3.0))
    return f"{answer * factor:g}"


def quiz_response(question: quiz.QuestionBase, p: float, rng: random.Random) -> Any:
    """A trainee's response: right with probability p, else a plausible mistake."""
    right = rng.random() < p
    if rng.random() < 0.02:
        return None  # left unanswered
    if isinstance(question, quiz.ChoiceQuestion):
        correct = list(question.correct_indexes)
        others = [i for i in range(len(question.options)) if i not in correct]
        if isinstance(question, quiz.MultiQuestion):
            if right or not others:
                return correct
            chosen = set(correct)
            if len(chosen) > 1 and rng.random() < 0.5:
                chosen.discard(rng.choice(correct))
            else:
                chosen.add(rng.choice(others))
            return sorted(chosen)
        return correct[0] if right or not others else rng.choice(others)
    if isinstance(question, quiz.TrueFalseQuestion):
        return question.answer if right else not question.answer
    if isinstance(question, quiz.NumericQuestion):
        value = question.answer if right else float(_wrong_number(question.answer, rng))
        return f"{value:g}" + (f" {question.unit}" if question.unit else "")
    if isinstance(question, quiz.OrderingQuestion):
        order = list(range(len(question.items)))
        if not right and len(order) > 1:
            i = rng.randrange(len(order) - 1)
            order[i], order[i + 1] = order[i + 1], order[i]
        return order
    if isinstance(question, quiz.ShortAnswerQuestion):
        best = max(question.answers, key=lambda a: a.weight).text
        return best.upper() if right else f"not {best}"
    if isinstance(question, quiz.MatchingQuestion):
        rights = question.rights
        chosen = {i: rights.index(pair.right) for i, pair in enumerate(question.pairs)}
        if not right and len(rights) > 1:
            chosen[0] = (chosen[0] + 1) % len(rights)
        return chosen
    if isinstance(question, quiz.HotspotQuestion):
        zones = list(question.zones)
        if right:
            return zones if question.select == "many" else zones[:1]
        wrong = [z for z in quiz.zone_ids() if z not in zones]
        return [rng.choice(wrong)]
    return None


def plan_variants(case: Case) -> list[Plan]:
    """The author's candidate plans, each also scaled down and up and one item short."""
    plans = [c.plan for c in case.reference.candidate_plans] or [Plan(case.reference.disposition)]
    variants: list[Plan] = []
    for plan in plans:
        variants.append(plan)
        for factor in PLAN_FACTORS:
            items = tuple(replace(i, amount=round(i.amount * factor, 2)) for i in plan.items)
            variants.append(replace(plan, items=items))
        if len(plan.items) > 1:
            variants.append(replace(plan, items=plan.items[:-1]))
    return variants


def plan_rows(plan: Plan) -> list[dict[str, str]]:
    """The plan's items as a trainee types them in the plan step's rows."""
    return [
        {
            "zone": item.zone,
            "product": item.product,
            "amount": f"{item.amount:g}",
            "side": item.side.value,
            "depth": item.depth.value if item.depth else "",
        }
        for item in plan.items
    ]
