"""Shuffling, and what the trainee sees before answering (no answer key)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from quizapp.domain.quiz.graders import _as_index, _is_blank
from quizapp.domain.quiz.model import (
    ChoiceQuestion,
    HotspotQuestion,
    MatchingQuestion,
    MultiQuestion,
    NumericQuestion,
    OrderingQuestion,
    QuestionBase,
    zone_ids,
)

# --------------------------------------------------------------------------------------------
# Shuffling and what the trainee sees before answering
# --------------------------------------------------------------------------------------------


def _stable_shuffle(n: int, seed: int | str, salt: str) -> list[int]:
    """Fisher-Yates driven by SHA-256, so an order never changes across processes or Python
    versions (random.shuffle promises neither), and an attempt's order survives a deploy."""
    order = list(range(n))
    for i in range(n - 1, 0, -1):
        digest = hashlib.sha256(f"{seed}|{salt}|{i}".encode()).digest()
        j = int.from_bytes(digest[:8], "big") % (i + 1)
        order[i], order[j] = order[j], order[i]
    return order


def shuffled_options(
    question: QuestionBase, seed: int | str, *, shuffle: bool = True
) -> tuple[int, ...]:
    """Display order as original indexes: position p shows option/item `order[p]`.

    Deterministic for (seed, question id). Options keep file order when `shuffle` is False (the
    module's `shuffle: false`); ordering items, and the right-hand texts of a matching question,
    are always shuffled and never shown in file order. Other question types have nothing to
    order: ().
    """
    if isinstance(question, ChoiceQuestion):
        n = len(question.options)
        return tuple(_stable_shuffle(n, seed, question.id) if shuffle else range(n))
    if isinstance(question, OrderingQuestion | MatchingQuestion):
        n = len(question.items) if isinstance(question, OrderingQuestion) else len(question.rights)
        order = _stable_shuffle(n, seed, question.id)
        if len(order) > 1 and order == sorted(order):
            order = order[1:] + order[:1]  # shown solved would give the answer away
        return tuple(order)
    return ()


def response_from_display(
    question: QuestionBase, seed: int | str, displayed: Any, *, shuffle: bool = True
) -> Any:
    """Map displayed positions (what a form posts) to the original indexes graders expect.

    single/plan_compare: one position; multi: positions; ordering: positions in the trainee's
    order; matching: {left index: position of the right-hand text}. Positions that do not exist
    are passed through unchanged so the grader flags them. Other types are returned as they are.
    """
    order = shuffled_options(question, seed, shuffle=shuffle)
    if not order:
        return displayed

    def to_index(value: Any) -> Any:
        position = _as_index(value)
        if position is None or not 0 <= position < len(order):
            return value
        return order[position]

    if isinstance(question, MatchingQuestion):
        if not isinstance(displayed, dict):
            return displayed
        return {left: to_index(right) for left, right in displayed.items()}
    if isinstance(question, MultiQuestion | OrderingQuestion):
        if isinstance(displayed, list | tuple):
            return [to_index(value) for value in displayed]
        if _is_blank(displayed):
            return displayed
        return [to_index(displayed)]
    return None if _is_blank(displayed) else to_index(displayed)


@dataclass(frozen=True, slots=True)
class PublicChoice:
    """An option or item as shown before answering: its display position and text, nothing else."""

    position: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"position": self.position, "text": self.text}


@dataclass(frozen=True, slots=True)
class PublicQuestion:
    """What may be shown before submission. Never answers, `correct` flags or explanations."""

    id: str
    type: str
    topic: str
    stem: str
    choices: tuple[PublicChoice, ...] = ()
    unit: str | None = None
    select: str | None = None
    order_label: str | None = None
    zone_choices: tuple[str, ...] = ()
    # matching: the right-hand texts to choose from, shuffled (`choices` are the left-hand texts)
    targets: tuple[PublicChoice, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "topic": self.topic,
            "stem": self.stem,
            "choices": [choice.to_dict() for choice in self.choices],
            "unit": self.unit,
            "select": self.select,
            "order_label": self.order_label,
            "zone_choices": list(self.zone_choices),
            "targets": [target.to_dict() for target in self.targets],
        }


def question_public_view(
    question: QuestionBase, seed: int | str, *, shuffle: bool = True
) -> PublicQuestion:
    """The question as the trainee sees it while answering, in the attempt's stable order.

    Hotspot questions list every zone of the face map (`zone_choices`), never the correct ones.
    """
    base = {"id": question.id, "type": question.type, "topic": question.topic}
    order = shuffled_options(question, seed, shuffle=shuffle)
    if isinstance(question, ChoiceQuestion):
        texts = [question.options[i].text for i in order]
        choices = tuple(PublicChoice(p, text) for p, text in enumerate(texts))
        return PublicQuestion(**base, stem=question.stem, choices=choices)
    if isinstance(question, OrderingQuestion):
        texts = [question.items[i].text for i in order]
        choices = tuple(PublicChoice(p, text) for p, text in enumerate(texts))
        return PublicQuestion(
            **base, stem=question.stem, choices=choices, order_label=question.order_label
        )
    if isinstance(question, MatchingQuestion):
        lefts = tuple(PublicChoice(i, pair.left) for i, pair in enumerate(question.pairs))
        rights = question.rights
        targets = tuple(PublicChoice(p, rights[i]) for p, i in enumerate(order))
        return PublicQuestion(**base, stem=question.stem, choices=lefts, targets=targets)
    if isinstance(question, NumericQuestion):
        return PublicQuestion(**base, stem=question.stem, unit=question.unit)
    if isinstance(question, HotspotQuestion):
        return PublicQuestion(
            **base, stem=question.stem, select=question.select, zone_choices=zone_ids()
        )
    return PublicQuestion(**base, stem=question.stem)
