"""Reading a quiz answer from a posted form, and showing a saved answer back in the form.

Forms post display positions (options are shuffled per attempt); the graders take the file's
indexes. The quiz player and the educators' question preview both go through here.
"""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from quizapp.domain import quiz


def response_from_form(question, seed: int | str, shuffle: bool, form: MultiDict) -> Any:
    """The posted answer in the file's indexes, or None when nothing usable was sent."""
    kind = question.type
    if kind in ("single", "plan_compare"):
        displayed: Any = form.get("answer")
    elif kind == "multi":
        displayed = form.getlist("answer")
    elif kind == "truefalse":
        value = form.get("answer")
        return None if value not in ("true", "false") else value == "true"
    elif kind == "numeric":
        return (form.get("answer") or "").strip()[:40] or None
    elif kind == "short":
        return " ".join((form.get("answer") or "").split())[:200] or None
    elif kind == "matching":
        displayed = {}
        for left in range(len(question.pairs)):
            position = form.get(f"match-{left}", type=int)
            if position is not None:
                displayed[left] = position
        return quiz.response_from_display(question, seed, displayed, shuffle=shuffle) or None
    elif kind == "ordering":
        ranks = []
        for position in range(len(question.items)):
            rank = form.get(f"rank-{position}", type=int)
            if rank is None:
                return None
            ranks.append((rank, position))
        displayed = [position for _, position in sorted(ranks)]
    elif kind == "hotspot":
        zones = [z for z in form.getlist("zone") if z in quiz.zone_ids()]
        return zones or None
    else:
        return None
    if displayed in (None, "", []):
        return None
    return quiz.response_from_display(question, seed, displayed, shuffle=shuffle)


def displayed_answer(question, seed: int | str, shuffle: bool, saved: Any) -> Any:
    """A saved answer (file indexes) as display positions, to pre-fill the form."""
    if saved is None:
        return None
    order = quiz.shuffled_options(question, seed, shuffle=shuffle)
    if not order:
        return saved
    position_of = {index: position for position, index in enumerate(order)}
    if isinstance(saved, dict):  # matching: {left: right index}, keys as JSON keeps them
        return {int(left): position_of.get(right) for left, right in saved.items()}
    if isinstance(saved, list):
        return [position_of.get(i) for i in saved]
    return position_of.get(saved)
