"""Plan files and plan dicts share one validation with the same messages; round trips."""

from __future__ import annotations

import pytest

from quizapp.domain.plan import Plan, PlanItem
from quizapp.domain.terms import Depth, Disposition, Side
from quizapp.formats.plans import (
    PlanFileError,
    load_plan_file,
    load_plan_text,
    plan_from_dict,
    plan_to_dict,
)

GOOD = """\
disposition: treat
review_weeks: 2
note: Label dose first.
items:
  - {zone: glabella, product: ona, amount: 20, side: midline}
  - zone: cheek
    product: ha_firm
    amount: 0.8
    side: both
    depth: supraperiosteal
    technique: needle, small bolus on bone
"""


def plan_issues(text: str) -> list:
    with pytest.raises(PlanFileError) as info:
        load_plan_text(text, "plan.yaml")
    return info.value.issues


def dict_issues(data, **kwargs) -> list:
    with pytest.raises(PlanFileError) as info:
        plan_from_dict(data, **kwargs)
    return info.value.issues


def test_good_plan_loads():
    plan = load_plan_text(GOOD, "plan.yaml")
    assert plan.disposition == Disposition.TREAT
    assert plan.items[1] == PlanItem(
        "cheek", "ha_firm", 0.8, Side.BOTH, Depth.SUPRAPERIOSTEAL, "needle, small bolus on bone"
    )
    assert plan.review_weeks == 2


@pytest.mark.parametrize(
    ("old", "new", "field", "fragment", "line"),
    [
        ("amount: 20,", "amount: 0,", "items[0].amount", "above 0", 5),
        ("amount: 20,", "amount: 5000,", "items[0].amount", "to 1000 U", 5),
        ("amount: 0.8", "amount: lots", "items[1].amount", "got text", 8),
        ("side: midline}", "side: both}", "items[0].side", "dosed as one total", 5),
        ("    side: both\n", "    side: midline\n", "items[1].side", "paired zone", 9),
        ("product: ona,", "product: botox,", "items[0].product", "unknown product", 5),
        ("zone: glabella,", "zone: glabela,", "items[0].zone", 'did you mean "glabella"', 5),
        ("disposition: treat", "disposition: treat_now", "disposition", "unknown disposition", 1),
        ("review_weeks: 2", "review_weeks: 2.5", "review_weeks", "whole number", 2),
        ("    depth: supraperiosteal", "    depth: deep", "items[1].depth", "unknown depth", 10),
        (
            "    technique: needle",
            "    colour: red\n    technique: needle",
            "items[1].colour",
            "unknown field",
            11,
        ),
    ],
)
def test_plan_file_errors_name_line_and_field(old, new, field, fragment, line):
    text = GOOD.replace(old, new, 1)
    assert text != GOOD
    issues = plan_issues(text)
    hit = [i for i in issues if i.field == field and fragment in i.message]
    assert hit, "\n".join(map(str, issues))
    assert hit[0].line == line


def test_disposition_and_items_must_agree():
    deferred = plan_issues(GOOD.replace("disposition: treat", "disposition: defer"))
    assert deferred[0].field == "items" and "no injections today" in deferred[0].message
    empty = plan_issues("disposition: treat\nitems: []\n")
    assert empty[0].field == "items" and "at least one item" in empty[0].message
    assert load_plan_text("disposition: defer\nreview_weeks: 2\n").items == ()


def test_missing_fields_and_wrong_shapes():
    issues = plan_issues("items:\n  - {zone: cheek}\n")
    fields = {i.field for i in issues}
    assert {"disposition", "items[0].product", "items[0].amount", "items[0].side"} <= fields
    assert plan_issues("- just a list\n")[0].message.startswith("expected a mapping")


def test_dict_and_file_give_the_same_messages():
    data = {
        "disposition": "treat",
        "items": [{"zone": "lips", "product": "ha_soft", "amount": 1, "side": "both"}],
    }
    from_dict = dict_issues(data)
    text = "disposition: treat\nitems:\n  - {zone: lips, product: ha_soft, amount: 1, side: both}\n"
    from_file = plan_issues(text)
    assert [(i.field, i.message) for i in from_dict] == [(i.field, i.message) for i in from_file]
    assert from_dict[0].line is None and from_file[0].line == 3


def test_form_data_is_coerced_but_still_checked():
    form = {
        "disposition": "treat",
        "review_weeks": "",
        "note": "",
        "items": [
            {
                "zone": "cheek",
                "product": "ha_firm",
                "amount": "0.8",
                "side": "both",
                "depth": "",
                "technique": "",
            }
        ],
    }
    plan = plan_from_dict(form, from_form=True)
    assert plan.items[0].amount == 0.8 and plan.review_weeks is None
    bad = dict(form, items=[dict(form["items"][0], amount="0,8")])
    issues = dict_issues(bad, from_form=True)
    assert issues[0].field == "items[0].amount"
    # Without from_form, text numbers are refused.
    assert dict_issues(form)[0].field in ("items[0].amount", "review_weeks", "note")


def test_round_trip_through_dict_and_yaml(tmp_path):
    plan = load_plan_text(GOOD)
    assert plan_from_dict(plan_to_dict(plan)) == plan
    assert plan_to_dict(plan)["items"][0]["amount"] == 20
    path = tmp_path / "plan.yaml"
    import yaml

    path.write_text(yaml.safe_dump(plan_to_dict(plan)), encoding="utf-8")
    assert load_plan_file(path) == plan
    deferred = Plan(Disposition.DEFER, (), 2, "wait")
    assert plan_from_dict(plan_to_dict(deferred)) == deferred


def test_plan_file_problems(tmp_path):
    with pytest.raises(PlanFileError) as info:
        load_plan_file(tmp_path / "nope.yaml")
    assert "cannot read" in info.value.issues[0].message
    dup = tmp_path / "dup.yaml"
    dup.write_text("disposition: defer\ndisposition: treat\n", encoding="utf-8")
    with pytest.raises(PlanFileError) as info:
        load_plan_file(dup)
    assert info.value.issues[0].line == 2 and "duplicate" in info.value.issues[0].message
