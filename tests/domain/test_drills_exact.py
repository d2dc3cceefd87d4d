"""Complication drills pinned exactly (issue 23: quizapp/domain/drills.py).

The drill below is built by hand, so every figure comes from the rules in docs/drills.md, not
from another scoring run: each required action is worth an equal share of 100; a wrong dose, an
out-of-order or a late action earns half its share (checked in that order); a missed one nothing;
each distinct harmful action costs 25 points (never below 0) and makes the outcome unsafe;
otherwise 80 or more with nothing missed is managed, below 50 not managed, partly managed between.
Every verdict is compared whole: action, label, verdict, reason, sources and seconds.
"""

from __future__ import annotations

from quizapp.domain.drills import (
    ActionVerdict,
    DoseField,
    Drill,
    DrillAction,
    Harmful,
    Required,
    Stage,
    TakenAction,
    model_answer,
    order_problems,
    score_drill,
)

WHERE = DoseField("where", "Where", ("Whole area", "Entry point"))
ACTIONS = (
    DrillAction("stop", "Stop injecting"),
    DrillAction("enzyme", "Inject hyaluronidase", (WHERE,)),
    DrillAction("record", "Record it"),
    DrillAction("massage", "Massage hard"),
    DrillAction("chat", "Chat about the weather"),
    DrillAction("finish", "Finish the syringe"),
)
STOP = Required("stop", "Stop at once.", ("F55",), within_seconds=60)
ENZYME = Required(
    "enzyme", "Flood the area.", ("F38", "F54"), ("stop",), None, (("where", "Whole area"),)
)
RECORD = Required("record", "Write it down.", ("F56",), ("enzyme",))
MASSAGE = Harmful("massage", "Spreads the product.", ("F12",))
FINISH = Harmful("finish", "Adds to the occlusion.", ("F55",))


def drill(*required: Required, harmful=(MASSAGE, FINISH), actions=ACTIONS, stages=()) -> Drill:
    return Drill("d1", "Drill", "Summary", "Patient", ("F55",), stages, actions, required, harmful)


THREE = drill(STOP, ENZYME, RECORD)


def take(action: str, seconds: float = 0, **dose: str) -> TakenAction:
    return TakenAction.of(action, seconds, dose)


def verdicts_of(result) -> dict[str, ActionVerdict]:
    return {v.action: v for v in result.verdicts}


# --- each verdict, whole ----------------------------------------------------------------------


def test_every_step_done_right_earns_full_marks_and_keeps_its_reason_and_seconds():
    result = score_drill(
        THREE, [take("stop", 5), take("enzyme", 30, where="Whole area"), take("record", 90)]
    )
    assert (result.drill_id, result.score, result.outcome) == ("d1", 100, "managed")
    assert result.verdicts == (
        ActionVerdict("stop", "Stop injecting", "done", "Stop at once.", ("F55",), 5.0),
        ActionVerdict(
            "enzyme", "Inject hyaluronidase", "done", "Flood the area.", ("F38", "F54"), 30.0
        ),
        ActionVerdict("record", "Record it", "done", "Write it down.", ("F56",), 90.0),
    )
    assert result.missed == ()


def test_a_missed_step_is_named_with_its_label_reason_and_sources_and_earns_nothing():
    result = score_drill(THREE, [take("stop", 5), take("enzyme", 30, where="Whole area")])
    # 2 of 3 shares: 100 * 2 / 3 = 66.67, rounded to 67; something missed: partly managed.
    assert (result.score, result.outcome) == (67, "partly_managed")
    assert verdicts_of(result)["record"] == ActionVerdict(
        "record", "Record it", "missed", "Write it down.", ("F56",), None
    )
    assert result.missed == ("record",)


def test_a_wrong_choice_names_the_field_the_expected_and_the_chosen_option():
    result = score_drill(
        THREE, [take("stop", 5), take("enzyme", 30, where="Entry point"), take("record", 90)]
    )
    # 1 + 0.5 + 1 = 2.5 of 3 shares: 83.33, rounded to 83; nothing missed: managed.
    assert (result.score, result.outcome) == (83, "managed")
    assert verdicts_of(result)["enzyme"] == ActionVerdict(
        "enzyme",
        "Inject hyaluronidase",
        "wrong_dose",
        "Where: expected “Whole area”, chosen “Entry point”. Flood the area.",
        ("F38", "F54"),
        30.0,
    )


def test_no_choice_at_all_reads_nothing_and_each_fault_is_listed():
    both = Required(
        "enzyme", "Flood it.", ("F38",), (), None, (("where", "Whole area"), ("repeat", "Hourly"))
    )
    result = score_drill(drill(both), [take("enzyme", 3)])
    # A field the action does not offer is named by its id.
    assert verdicts_of(result)["enzyme"].reason == (
        "Where: expected “Whole area”, chosen “nothing”; "
        "repeat: expected “Hourly”, chosen “nothing”. Flood it."
    )
    assert (result.score, result.outcome) == (50, "partly_managed")


def test_out_of_order_names_the_labels_of_the_steps_that_should_have_come_first():
    result = score_drill(
        THREE, [take("record", 10), take("stop", 20), take("enzyme", 30, where="Whole area")]
    )
    assert verdicts_of(result)["record"] == ActionVerdict(
        "record",
        "Record it",
        "out_of_order",
        "Should come after: Inject hyaluronidase. Write it down.",
        ("F56",),
        10.0,
    )
    # 1 + 1 + 0.5 = 2.5 of 3: 83.
    assert result.score == 83


def test_a_step_whose_predecessor_was_never_taken_is_out_of_order():
    result = score_drill(THREE, [take("enzyme", 30, where="Whole area")])
    assert verdicts_of(result)["enzyme"].verdict == "out_of_order"
    assert (
        verdicts_of(result)["enzyme"].reason == "Should come after: Stop injecting. Flood the area."
    )


def test_the_same_second_as_the_predecessor_counts_as_in_order():
    result = score_drill(
        THREE, [take("stop", 30), take("enzyme", 30, where="Whole area"), take("record", 31)]
    )
    assert result.score == 100


def test_late_reads_the_clock_in_minutes_and_seconds_and_the_limit_itself_is_on_time():
    just_after = score_drill(drill(STOP), [take("stop", 60.9)])  # 60.9 > 60: late
    assert verdicts_of(just_after)["stop"] == ActionVerdict(
        "stop",
        "Stop injecting",
        "late",
        "Taken at 1:00; this drill expects it by 1:00. Stop at once.",
        ("F55",),
        60.9,
    )
    assert score_drill(drill(STOP), [take("stop", 60)]).score == 100
    late = score_drill(drill(STOP), [take("stop", 605)])
    assert (
        verdicts_of(late)["stop"].reason
        == "Taken at 10:05; this drill expects it by 1:00. Stop at once."
    )
    # One required step at half its share: 50, nothing missed: partly managed.
    assert (late.score, late.outcome) == (50, "partly_managed")


def test_a_wrong_dose_is_reported_before_order_and_order_before_lateness():
    slow = Required("enzyme", "R.", ("F38",), ("stop",), 10, (("where", "Whole area"),))
    result = score_drill(drill(STOP, slow), [take("enzyme", 20, where="Entry point")])
    assert verdicts_of(result)["enzyme"].verdict == "wrong_dose"
    result = score_drill(drill(STOP, slow), [take("enzyme", 20, where="Whole area")])
    assert verdicts_of(result)["enzyme"].verdict == "out_of_order"


def test_a_required_action_missing_from_the_catalogue_is_named_by_its_id():
    ghost = Required("ghost", "Boo.", ("F1",), (), None, (("where", "x"),))
    missed = score_drill(drill(ghost), [])
    assert verdicts_of(missed)["ghost"] == ActionVerdict(
        "ghost", "ghost", "missed", "Boo.", ("F1",), None
    )
    wrong = score_drill(drill(ghost), [take("ghost", 4, where="y")])
    assert verdicts_of(wrong)["ghost"] == ActionVerdict(
        "ghost", "ghost", "wrong_dose", "where: expected “x”, chosen “y”. Boo.", ("F1",), 4.0
    )


def test_a_predecessor_missing_from_the_catalogue_is_named_by_its_id():
    after_ghost = Required("record", "Write.", ("F56",), ("ghost",))
    result = score_drill(drill(after_ghost), [take("record", 1)])
    assert verdicts_of(result)["record"].reason == "Should come after: ghost. Write."


def test_only_the_first_time_counts_even_when_recorded_out_of_time_order():
    result = score_drill(drill(STOP), [take("stop", 90), take("stop", 10)])
    assert verdicts_of(result)["stop"].seconds == 10.0 and result.score == 100


# --- harm, extras and the score -------------------------------------------------------------


def test_each_distinct_harm_costs_25_and_is_shown_whole():
    steps = [take("stop", 5), take("enzyme", 30, where="Whole area"), take("record", 90)]
    one = score_drill(THREE, [*steps, take("massage", 40)])
    assert (one.score, one.outcome) == (75, "unsafe")
    assert verdicts_of(one)["massage"] == ActionVerdict(
        "massage", "Massage hard", "harmful", "Spreads the product.", ("F12",), 40.0
    )
    two = score_drill(THREE, [*steps, take("massage", 40), take("finish", 41), take("massage", 50)])
    # Two distinct harms (massage counted once): 100 - 2 * 25 = 50.
    assert (two.score, two.outcome) == (50, "unsafe")
    assert [v.verdict for v in two.verdicts] == ["done", "done", "done", "harmful", "harmful"]


def test_harm_never_takes_the_score_below_zero():
    result = score_drill(THREE, [take("massage", 1)])
    # 0 of 3 shares, one harm: max(0, 0 - 25) = 0.
    assert (result.score, result.outcome) == (0, "unsafe")


def test_a_harm_not_in_the_catalogue_is_named_by_its_id():
    result = score_drill(
        drill(STOP, harmful=(Harmful("poke", "Ouch.", ("F1",)),)), [take("poke", 2)]
    )
    assert verdicts_of(result)["poke"] == ActionVerdict(
        "poke", "poke", "harmful", "Ouch.", ("F1",), 2.0
    )


def test_an_extra_action_is_listed_with_its_label_and_no_sources_and_changes_nothing():
    result = score_drill(drill(STOP), [take("stop", 5), take("chat", 7), take("dance", 8)])
    assert (result.score, result.outcome) == (100, "managed")
    assert result.verdicts[1:] == (
        ActionVerdict(
            "chat",
            "Chat about the weather",
            "extra",
            "Not part of this drill's reference; it neither helps nor harms the score.",
            (),
            7.0,
        ),
        ActionVerdict(
            "dance",
            "dance",
            "extra",
            "Not part of this drill's reference; it neither helps nor harms the score.",
            (),
            8.0,
        ),
    )


def test_a_drill_with_nothing_required_scores_100():
    result = score_drill(drill(), [])
    assert (result.score, result.outcome, result.verdicts) == (100, "managed", ())


def five(*faulty: str, missed: str = "") -> list[TakenAction]:
    """Five independent steps a..e at second 0, some with a wrong choice, one perhaps missed."""
    return [take(a, 0, pick="bad" if a in faulty else "good") for a in "abcde" if a != missed]


FIVE = drill(
    *(Required(a, a.upper() + ".", ("F1",), (), None, (("pick", "good"),)) for a in "abcde"),
    harmful=(),
)


def test_managed_from_80_with_nothing_missed_and_partly_managed_just_below():
    # 3 right + 2 at half: 4 of 5 shares = 80.
    assert (score_drill(FIVE, five("d", "e")).score, score_drill(FIVE, five("d", "e")).outcome) == (
        80,
        "managed",
    )
    # 2 right + 3 at half: 3.5 of 5 = 70, nothing missed: partly managed.
    result = score_drill(FIVE, five("c", "d", "e"))
    assert (result.score, result.outcome) == (70, "partly_managed")


def test_a_miss_keeps_a_high_score_from_being_managed():
    result = score_drill(FIVE, five(missed="e"))
    # 4 of 5 = 80, but one step missed.
    assert (result.score, result.outcome) == (80, "partly_managed")


def test_not_managed_below_50_and_partly_managed_at_50():
    four = drill(*FIVE.required[:4], harmful=())
    fifty = score_drill(four, [take("a", 0, pick="good"), take("b", 0, pick="good")])
    assert (fifty.score, fifty.outcome) == (50, "partly_managed")
    below = score_drill(four, [take("a", 0, pick="good"), take("b", 0, pick="bad")])
    # 1.5 of 4 = 37.5, rounded half to even: 38.
    assert (below.score, below.outcome) == (38, "not_managed")


def test_the_result_as_a_dictionary():
    result = score_drill(drill(STOP), [take("stop", 5)])
    assert result.to_dict() == {
        "drill_id": "d1",
        "score": 100,
        "outcome": "managed",
        "verdicts": [
            {
                "action": "stop",
                "label": "Stop injecting",
                "verdict": "done",
                "reason": "Stop at once.",
                "sources": ["F55"],
                "seconds": 5.0,
            }
        ],
    }


# --- lookups, stages, order problems and the model answer ------------------------------------


def test_lookups_find_the_named_action_and_field_or_nothing():
    assert THREE.action("record") == ACTIONS[2]
    assert THREE.action("nope") is None
    assert ACTIONS[1].field("where") == WHERE
    assert ACTIONS[1].field("nope") is None


def test_stages_seen_are_the_opening_one_and_those_whose_trigger_was_taken():
    opening, after_stop, after_enzyme = (
        Stage("Pale."),
        Stage("Needle out.", "stop"),
        Stage("Pink.", "enzyme"),
    )
    staged = drill(STOP, stages=(opening, after_stop, after_enzyme))
    assert staged.stages_seen([]) == [opening]
    assert staged.stages_seen(iter(["stop", "chat"])) == [opening, after_stop]
    assert staged.stages_seen(("enzyme", "stop")) == [opening, after_stop, after_enzyme]


def test_order_problems_name_an_unrequired_predecessor_and_a_cycle():
    dangling = drill(Required("record", "W.", ("F1",), ("chat",)))
    assert order_problems(dangling) == ["record comes after chat, which is not required"]
    a = Required("a", "A.", ("F1",), ("b",))
    b = Required("b", "B.", ("F1",), ("a",))
    assert order_problems(drill(a, b)) == ["order constraints form a cycle: a -> b -> a"]
    assert order_problems(THREE) == []


class CountingAfter(tuple):
    """A tuple of predecessors that counts how often it is read."""

    reads = 0

    def __iter__(self):
        CountingAfter.reads += 1
        return super().__iter__()


def test_order_problems_read_each_steps_predecessors_once_per_pass():
    # A ladder of diamonds: top -> (l1, r1) -> mid1 -> (l2, r2) -> mid2 ... Walking it without
    # remembering finished steps reads the bottom 2^depth times.
    steps, below = [], "m0"
    steps.append(Required("m0", ".", ("F1",)))
    for level in range(1, 7):
        for side in "lr":
            steps.append(Required(f"{side}{level}", ".", ("F1",), CountingAfter((below,))))
        below = f"m{level}"
        steps.append(Required(below, ".", ("F1",), CountingAfter((f"l{level}", f"r{level}"))))
    CountingAfter.reads = 0
    assert order_problems(drill(*steps, harmful=())) == []
    # 18 steps with predecessors, each read once by the link check and once by the walk.
    assert CountingAfter.reads == 2 * 18


def test_the_model_answer_takes_each_step_once_at_second_0_in_an_allowed_order():
    answer = model_answer(drill(RECORD, ENZYME, STOP))
    assert answer == [
        TakenAction("stop", 0.0, ()),
        TakenAction("enzyme", 0.0, (("where", "Whole area"),)),
        TakenAction("record", 0.0, ()),
    ]
