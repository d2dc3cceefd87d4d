"""Which dispositions inject today (issue 23: terms.py)."""

from __future__ import annotations

from quizapp.domain.terms import Disposition


def test_only_treat_and_treat_in_part_inject_today():
    assert {d for d in Disposition if d.treats} == {Disposition.TREAT, Disposition.TREAT_IN_PART}
    assert [d.treats for d in Disposition] == [True, True, False, False, False]
