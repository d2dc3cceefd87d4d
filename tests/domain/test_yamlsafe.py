"""The safe YAML loader refuses what a hostile or careless file could use, with a line."""

from __future__ import annotations

import datetime as dt

import pytest

from quizapp.formats.yamlsafe import (
    MAX_BYTES,
    MAX_DEPTH,
    Issue,
    Reader,
    YamlLoadError,
    field_name,
    parse_yaml,
    read_text_file,
)


def refused(text: str) -> YamlLoadError:
    with pytest.raises(YamlLoadError) as info:
        parse_yaml(text)
    return info.value


def test_plain_values_and_lines():
    doc = parse_yaml("a: 1\nb:\n  - x\n  - 2.5\nc: 2025-03-01\nd: null\ne: 'III'\nf: yes\n")
    assert doc.data == {
        "a": 1,
        "b": ["x", 2.5],
        "c": dt.date(2025, 3, 1),
        "d": None,
        "e": "III",
        "f": True,
    }
    assert doc.lines[("b",)] == 2
    assert doc.lines[("b", 1)] == 4
    assert doc.lines[("c",)] == 5


def test_anchor_is_refused_with_its_line():
    error = refused("a: 1\nb: &x [1, 2]\nc: 3\n")
    assert error.line == 2 and "anchors" in error.message


def test_alias_bomb_is_refused():
    bomb = "a: [1, 1]\n" + "".join(f"l{i}: &l{i} [1]\n" for i in range(3))
    assert "anchors" in refused(bomb).message
    lol = 'a: &a ["lol","lol"]\nb: &b [*a,*a]\nc: [*b,*b]\n'
    assert refused(lol).line == 1


def test_alias_without_anchor_is_refused():
    # An undefined alias is a syntax error in YAML itself; either way it is refused.
    error = refused("a: *nothing\n")
    assert error.line == 1


def test_deep_nesting_is_refused():
    text = "a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n"
    assert "nested more than" in refused(text).message


def test_huge_text_is_refused():
    error = refused("a: '" + "x" * (MAX_BYTES + 10) + "'\n")
    assert "limit" in error.message


def test_huge_file_is_refused(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"a: " + b"x" * (MAX_BYTES + 1))
    with pytest.raises(YamlLoadError, match="larger than the limit"):
        read_text_file(path)


def test_non_utf8_file_is_refused(tmp_path):
    path = tmp_path / "latin.yaml"
    path.write_bytes("title: caf\xe9\n".encode("latin-1"))
    with pytest.raises(YamlLoadError, match="UTF-8"):
        read_text_file(path)


def test_custom_and_python_tags_are_refused():
    assert "tag" in refused("a: !!python/object:os.system ls\n").message
    assert "tag" in refused("a: !custom 1\n").message
    assert "tag" in refused("a: !!binary aGVsbG8=\n").message


def test_merge_key_is_refused():
    assert "merge" in refused("a:\n  <<: {b: 1}\n").message


def test_duplicate_keys_are_reported_not_silently_resolved():
    doc = parse_yaml("a: 1\nb: 2\na: 3\n")
    assert doc.data == {"a": 1, "b": 2}
    (line, path, message) = doc.problems[0]
    assert line == 3 and path == ("a",) and "first given on line 1" in message


def test_syntax_error_names_line_and_column():
    error = refused("a: 1\nb: [1, 2\nc: 3\n")
    assert error.line is not None and "YAML syntax" in error.message
    assert "column" in error.message


def test_several_documents_are_refused():
    assert "one YAML document" in refused("a: 1\n---\nb: 2\n").message


def test_empty_file_is_refused():
    assert "empty" in refused("# only a comment\n").message


def test_field_names_and_issue_text():
    assert field_name(("reference", "zones", "glabella", "dose", "max")) == (
        "reference.zones.glabella.dose.max"
    )
    assert field_name(("history", 2, "zone")) == "history[2].zone"
    issue = Issue("cases/x.yaml", 12, "patient.age", "expected a number")
    assert str(issue) == "cases/x.yaml:12: patient.age: expected a number"
    assert str(Issue("plan", None, "", "bad")) == "plan: bad"


def test_reader_falls_back_to_the_nearest_line():
    reader = Reader("f.yaml", {(): 1, ("a",): 4})
    reader.add(("a", "b", "c"), "missing")
    assert reader.issues[0].line == 4
    assert reader.issues[0].field == "a.b.c"


def test_reader_number_checks():
    reader = Reader("f")
    assert reader.number(True, ("x",), 0, 10) is None
    assert reader.number(float("nan"), ("x",), 0, 10) is None
    assert reader.number("3", ("x",), 0, 10, lenient=True) == 3.0
    assert reader.number(0, ("x",), 0, 10, lo_open=True) is None
    assert len(reader.issues) == 3
