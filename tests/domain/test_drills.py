"""Complication drills: scoring by order, time, dose, misses and harm; drill files, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.domain.drills import (
    Drill,
    TakenAction,
    model_answer,
    order_problems,
    score_drill,
)
from quizapp.domain.sources import SOURCES
from quizapp.formats.drills import DrillFileError, load_drill_file, load_drill_text

DRILLS_DIR = Path(__file__).resolve().parents[2] / "cases" / "drills"
DRILL_PATHS = sorted(DRILLS_DIR.glob("*.yaml"))
DRILLS: dict[str, Drill] = {p.stem: load_drill_file(p) for p in DRILL_PATHS}
FAST = settings(max_examples=60, deadline=None)


def take(action: str, seconds: float = 0, **dose: str) -> TakenAction:
    return TakenAction.of(action, seconds, dose)


OCCLUSION = "occlusion-lip-filler"
RIGHT_DOSE = {
    "where": "Into the whole pale and dusky area",
    "repeat": "Hourly, until refill, colour and pain recover",
}


def verdict_of(result, action: str) -> str:
    return next(v.verdict for v in result.verdicts if v.action == action)


def test_the_bank_holds_the_four_drills_of_the_issue():
    assert set(DRILLS) >= {
        "occlusion-lip-filler",
        "ptosis-after-glabellar-toxin",
        "delayed-nodule",
        "visual-disturbance-glabellar-filler",
    }


@pytest.mark.parametrize("drill_id", sorted(DRILLS))
def test_every_verdict_cites_known_sources(drill_id):
    drill = DRILLS[drill_id]
    for need in drill.required:
        assert need.sources and set(need.sources) <= set(SOURCES)
    for harm in drill.harmful:
        assert harm.sources and set(harm.sources) <= set(SOURCES)


@pytest.mark.parametrize("drill_id", sorted(DRILLS))
def test_the_model_answer_is_managed_with_full_marks(drill_id):
    result = score_drill(DRILLS[drill_id], model_answer(DRILLS[drill_id]))
    assert (result.score, result.outcome) == (100, "managed")
    assert {v.verdict for v in result.verdicts} == {"done"}


def test_occlusion_scores_place_and_repeat_of_hyaluronidase_not_units():
    drill = DRILLS[OCCLUSION]
    hyaluronidase = drill.action("hyaluronidase")
    assert hyaluronidase is not None
    options = " ".join(o for f in hyaluronidase.fields for o in f.options)
    assert " U" not in options  # no per-region unit figure exists in the sources (F38)
    wrong = dict(RIGHT_DOSE, where="Only at the needle's entry point")
    result = score_drill(
        drill,
        [
            take("stop-injecting", 5),
            take("check-refill", 20),
            take("hyaluronidase", 60, **wrong),
            take("ask-allergy", 70),
            take("record", 90),
        ],
    )
    assert verdict_of(result, "hyaluronidase") == "wrong_dose"
    reason = next(v.reason for v in result.verdicts if v.action == "hyaluronidase")
    assert "Into the whole pale and dusky area" in reason
    assert result.score == 90 and result.outcome == "managed"


def test_late_out_of_order_missed_and_harmful_are_each_named():
    drill = DRILLS[OCCLUSION]
    result = score_drill(
        drill,
        [
            take("check-refill", 10),  # before stopping: out of order
            take("finish-syringe", 20),  # harmful
            take("stop-injecting", 75),  # after the 60 s the drill allows: late
            take("hyaluronidase", 100, **RIGHT_DOSE),
        ],
    )
    assert verdict_of(result, "check-refill") == "out_of_order"
    assert verdict_of(result, "stop-injecting") == "late"
    assert verdict_of(result, "finish-syringe") == "harmful"
    assert set(result.missed) == {"ask-allergy", "record"}
    assert result.outcome == "unsafe"
    # 1 done + 2 halves of 5 required = 40; one harm = -25
    assert result.score == 15


def test_only_the_first_time_an_action_is_taken_counts():
    drill = DRILLS[OCCLUSION]
    base = model_answer(drill)
    again = [*base, take("hyaluronidase", 4000, where="Only at the needle's entry point")]
    assert score_drill(drill, again).score == 100


def test_an_action_outside_the_reference_is_shown_but_changes_nothing():
    from dataclasses import replace

    from quizapp.domain.drills import DrillAction

    drill = DRILLS[OCCLUSION]
    wider = replace(
        drill, actions=(*drill.actions, DrillAction("call-colleague", "Call a colleague"))
    )
    result = score_drill(wider, [*model_answer(wider), take("call-colleague", 30)])
    assert result.score == 100 and result.outcome == "managed"
    assert verdict_of(result, "call-colleague") == "extra"


def test_order_problems_find_cycles_and_unknown_links():
    drill = DRILLS[OCCLUSION]
    from dataclasses import replace

    looped = replace(
        drill,
        required=tuple(
            replace(r, after=("record",)) if r.action == "stop-injecting" else r
            for r in drill.required
        ),
    )
    assert any("cycle" in p for p in order_problems(looped))
    assert order_problems(drill) == []


# -- properties ---------------------------------------------------------------------------


@st.composite
def sequences(draw, drill_id=None):
    drill = DRILLS[draw(st.sampled_from(sorted(DRILLS)))] if drill_id is None else DRILLS[drill_id]
    steps = []
    for _ in range(draw(st.integers(0, 10))):
        action = draw(st.sampled_from(drill.actions))
        dose = {f.id: draw(st.sampled_from(f.options)) for f in action.fields}
        steps.append(take(action.id, draw(st.integers(0, 900)), **dose))
    return drill, steps


@FAST
@given(sequences())
def test_scoring_is_deterministic(case):
    drill, steps = case
    assert score_drill(drill, steps) == score_drill(drill, list(steps))


@FAST
@given(sequences(), st.data())
def test_adding_a_harmful_action_never_raises_the_score(case, data):
    drill, steps = case
    harm = data.draw(st.sampled_from(drill.harmful))
    at = data.draw(st.integers(0, 900))
    before = score_drill(drill, steps)
    after = score_drill(drill, [*steps, take(harm.action, at)])
    assert after.score <= before.score
    assert after.outcome == "unsafe"


@FAST
@given(st.sampled_from(sorted(DRILLS)), st.data())
def test_every_required_action_in_order_and_on_time_scores_top(drill_id, data):
    drill = DRILLS[drill_id]
    models = model_answer(drill)
    limits = {r.action: r.within_seconds or 3600 for r in drill.required}
    seconds = 0
    steps = []
    for i, model in enumerate(models):
        # on time for this action and for every timed one still to come
        limit = min(limits[m.action] for m in models[i:])
        seconds = data.draw(st.integers(seconds, limit))
        steps.append(TakenAction(model.action, seconds, model.dose))
    result = score_drill(drill, steps)
    assert (result.score, result.outcome) == (100, "managed")


# -- files --------------------------------------------------------------------------------

GOOD = (DRILLS_DIR / "delayed-nodule.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "old, new, field, fragment",
    [
        ("sources: [F39]", "sources: [F999]", "reference.required[3].sources[0]", "unknown source"),
        (
            "  - action: differential\n",
            "  - action: diferential\n",
            "reference.required[1].action",
            "did you mean",
        ),
        (
            "        dose: A small dose, 1.5-9 U per 0.1 mL of filler\n",
            "        dose: 20 U per mL\n",
            "reference.required[3].dose.dose",
            "unknown option",
        ),
        ("after: [history, ask-allergy]", "after: [review]", "reference.required", "cycle"),
        ("  - after: history\n", "  - afterr: history\n", "stages[1].afterr", "unknown field"),
        (
            "      reason: Small nodules",
            "      why: Small nodules",
            "reference.required[3].why",
            "unknown field",
        ),
    ],
)
def test_malformed_file_names_line_and_field(old, new, field, fragment):
    assert old in GOOD
    with pytest.raises(DrillFileError) as raised:
        load_drill_text(GOOD.replace(old, new, 1), "cases/drills/delayed-nodule.yaml")
    issue = next(i for i in raised.value.issues if i.field == field)
    assert fragment in issue.message
    if field != "reference.required":
        assert issue.line is not None
        assert issue.source == "cases/drills/delayed-nodule.yaml"


def test_file_name_must_match_the_id(tmp_path):
    path = tmp_path / "other-name.yaml"
    path.write_text(GOOD, encoding="utf-8")
    with pytest.raises(DrillFileError) as raised:
        load_drill_file(path)
    assert raised.value.issues[0].field == "id" and raised.value.issues[0].line == 1


def test_yaml_bombs_are_refused_with_a_line():
    with pytest.raises(DrillFileError) as raised:
        load_drill_text("a: &x [1]\nb: *x\n", "bomb.yaml")
    assert raised.value.issues[0].line is not None
