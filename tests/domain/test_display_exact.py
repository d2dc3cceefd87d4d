"""What a trainee sees of a matching question before answering, pinned exactly (issue 23): the
left-hand texts at their file positions, the right-hand texts at their shuffled positions, the
stem, and nothing of the answer."""

from __future__ import annotations

from quizapp.domain.quiz import MatchingQuestion, MatchPair, question_public_view, shuffled_options

CAPITALS = MatchingQuestion(
    id="capitals",
    topic="t",
    stem="Match each country to its capital.",
    references=("F15",),
    explanation="E.",
    pairs=(
        MatchPair("Canada", "Ottawa"),
        MatchPair("Italy", "Rome"),
        MatchPair("Japan", "Tokyo"),
        MatchPair("Peru", "Lima", "Lima is on the coast."),
    ),
)


def test_matching_view_lists_left_texts_in_file_order_and_targets_in_the_attempts_order():
    view = question_public_view(CAPITALS, 7)
    assert view.stem == "Match each country to its capital."
    assert [(c.position, c.text) for c in view.choices] == [
        (0, "Canada"),
        (1, "Italy"),
        (2, "Japan"),
        (3, "Peru"),
    ]
    # Seed 7 shows the right-hand texts in the order 0, 2, 3, 1 of the file (the salt is the id).
    assert shuffled_options(CAPITALS, 7) == (0, 2, 3, 1)
    assert [(t.position, t.text) for t in view.targets] == [
        (0, "Ottawa"),
        (1, "Tokyo"),
        (2, "Lima"),
        (3, "Rome"),
    ]


def test_matching_view_to_dict_carries_positions_and_no_answer():
    shown = question_public_view(CAPITALS, 7).to_dict()
    assert shown["choices"][3] == {"position": 3, "text": "Peru"}
    assert shown["targets"][1] == {"position": 1, "text": "Tokyo"}
    assert (shown["unit"], shown["select"], shown["order_label"], shown["zone_choices"]) == (
        None,
        None,
        None,
        [],
    )
    assert "Lima is on the coast." not in str(shown) and "E." not in str(shown)
