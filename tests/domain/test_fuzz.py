"""Fuzzing: generated case files and plans never crash validation or scoring.

Whatever arrives, the loaders answer with their own error type (a list of issues) and the
engine scores every plan that validates.
"""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizapp.domain.face import PRODUCT_IDS, ZONE_IDS
from quizapp.domain.scoring import score_plan
from quizapp.domain.terms import Disposition, Side
from quizapp.formats.cases import CaseFileError, load_case_text
from quizapp.formats.plans import PlanFileError, plan_from_dict

from ._casekit import CASES_DIR, example

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(list(ZONE_IDS) + list(PRODUCT_IDS) + ["treat", "both", "F", "IV", "B1"]),
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(st.text(max_size=12), children, max_size=6),
    ),
    max_leaves=40,
)


@FAST
@given(st.text(max_size=400))
def test_any_text_is_refused_or_loaded_never_crashes(text):
    try:
        load_case_text(text, "fuzz.yaml", check_bands=False)
    except CaseFileError as error:
        assert error.issues


@FAST
@given(documents)
def test_any_structure_is_refused_with_issues(document):
    text = yaml.safe_dump(document, allow_unicode=True)
    try:
        load_case_text(text, "fuzz.yaml", check_bands=False)
    except CaseFileError as error:
        assert all(issue.message for issue in error.issues)


@FAST
@given(st.integers(0, 300), st.sampled_from(["age", "fitzpatrick", "glogau"]))
def test_mutating_a_real_case_never_crashes(value, field):
    text = (CASES_DIR / "f44-frown-lines.yaml").read_text()
    mutated = text.replace(f"  {field}: ", f"  {field}: {value} #", 1)
    try:
        load_case_text(mutated, "mutated.yaml", check_bands=False)
    except CaseFileError as error:
        assert error.issues


plan_items = st.fixed_dictionaries(
    {
        "zone": st.one_of(st.sampled_from(ZONE_IDS), st.text(max_size=8)),
        "product": st.one_of(st.sampled_from(PRODUCT_IDS), st.text(max_size=8)),
        "amount": st.one_of(
            st.floats(min_value=-5, max_value=500, allow_nan=False), st.text(max_size=6)
        ),
        "side": st.sampled_from([s.value for s in Side] + ["up"]),
    }
)
plans = st.fixed_dictionaries(
    {
        "disposition": st.sampled_from([d.value for d in Disposition] + ["maybe"]),
        "items": st.lists(plan_items, max_size=8),
    }
)


@FAST
@given(plans)
def test_any_plan_is_refused_or_scored(data):
    case = example("f44-frown-lines")
    try:
        plan = plan_from_dict(data, source="fuzz", from_form=True)
    except PlanFileError as error:
        assert error.issues
        return
    result = score_plan(case, plan)
    assert 0 <= result.score <= 100
    assert result.band.value in {
        "under_treated",
        "conservative",
        "natural",
        "overdone",
        "overfilled",
        "unsafe",
    }


@FAST
@given(st.text(max_size=300))
def test_any_text_as_a_module_file_is_refused_or_loaded(text):
    from quizapp.formats.modules import ModuleFileError, load_module_text

    try:
        load_module_text(text, "fuzz.yaml")
    except ModuleFileError as error:
        assert error.issues


def test_control_characters_name_their_line():
    try:
        load_case_text("id: x\ntitle: a\x1fb\n", "ctrl.yaml")
    except CaseFileError as error:
        assert error.issues[0].line == 2
        assert "not allowed" in error.issues[0].message
    else:
        raise AssertionError("a control character was accepted")
