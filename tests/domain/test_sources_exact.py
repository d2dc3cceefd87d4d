"""The source list's functions pinned exactly (issue 23): unknown keys in the order given, the
natural order of keys known and unknown, and the grouping by section of facts.md."""

from __future__ import annotations

from quizapp.domain import sources
from quizapp.domain.sources import (
    SOURCES,
    Source,
    grouped_sources,
    sorted_keys,
    unknown_sources,
)


def test_unknown_sources_keeps_the_order_and_repeats_given():
    assert unknown_sources(["B1", "X9", "B12", "F1", "X9"]) == ["X9", "B12", "X9"]
    assert unknown_sources(("P26", "U9", "R2")) == []
    assert unknown_sources([]) == []


def test_sort_key_splits_the_prefix_from_the_number():
    assert sources._sort_key("B10") == ("B", 10, "B10")
    assert sources._sort_key("F2") == ("F", 2, "F2")
    assert sources._sort_key("Q") == ("Q", 0, "Q")  # no number counts as 0
    assert sources._sort_key("P007") == ("P", 7, "P007")


def test_sorted_keys_orders_known_keys_naturally_and_drops_repeats():
    assert sorted_keys(["B10", "B2", "A1", "B2"]) == ("A1", "B2", "B10")
    assert sorted_keys(["F10", "F9", "B55", "B1"]) == ("B1", "B55", "F9", "F10")
    assert sorted_keys([]) == ()


def test_sorted_keys_orders_unknown_keys_among_known_ones():
    # Unknown keys (a typo, a key not yet added) are sorted the same natural way.
    assert sorted_keys(["Z10", "B10", "Z9", "B2", "Z1"]) == ("B2", "B10", "Z1", "Z9", "Z10")
    assert sorted_keys(["Q0", "Q"]) == ("Q", "Q0")  # same prefix and number: by the text
    assert sorted_keys(["B12", "B2", "B13"]) == ("B2", "B12", "B13")  # B12 is left out


def test_every_source_sorted_is_every_key_once():
    ordered = sorted_keys(SOURCES)
    assert len(ordered) == len(SOURCES)
    assert ordered[:11] == ("A1", "A2", "A5", "A6", "A7", "B1", "B2", "B3", "B4", "B5", "B6")
    assert ordered[-2:] == ("U8", "U9")


def test_grouped_sources_follow_the_sections_of_facts_md():
    groups = grouped_sources()
    assert [label for label, _ in groups] == [
        "Botulinum toxin",
        "Dermal fillers",
        "Scales",
        "Ageing",
        "Perceived age, persistence, volumes, men, rheology",
        "Educator conventions (where no source gives a figure)",
        "Regulators' CPD rules",
    ]
    by_label = dict(groups)
    assert [s.key for s in by_label["Ageing"]] == ["A1", "A2", "A5", "A6", "A7"]
    assert [s.key for s in by_label["Regulators' CPD rules"]] == ["R1", "R2"]
    assert [s.key for s in by_label["Botulinum toxin"][:11]] == [
        "B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B9", "B10", "B11",
    ]  # fmt: skip
    assert by_label["Scales"][0] == Source("S1", "Merz scales overview", "U")
    assert sum(len(group) for _, group in groups) == len(SOURCES)


def test_grouped_sources_drop_empty_sections_and_name_new_prefixes(monkeypatch):
    monkeypatch.setitem(sources.GROUP_LABELS, "Y", "A section with no sources")
    monkeypatch.setitem(sources.SOURCES, "Z2", Source("Z2", "A new kind of source", "U"))
    groups = grouped_sources()
    labels = [label for label, _ in groups]
    assert "A section with no sources" not in labels
    assert groups[-1] == ("Z", (Source("Z2", "A new kind of source", "U"),))
    assert len(groups) == 8  # the seven sections of facts.md and the new prefix
