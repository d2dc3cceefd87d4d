"""The parsed case and module caches are the worker's LRU map: a busy worker keeps the contents
in use instead of dropping every parsed case at once when the 513th arrives."""

from __future__ import annotations

from types import SimpleNamespace

from quizapp.services.learning import casestudy
from tests.web.test_concurrent_submissions import BANK


def test_the_case_in_use_stays_parsed_past_the_bound(monkeypatch):
    text = (BANK / "f44-frown-lines.yaml").read_text()
    case = casestudy.load_case_text(text, "f44", check_bands=False)
    parsed: list[str] = []

    def parse(source, name, **options):
        """Counts the parses; every version here holds the same text, hence the same case."""
        parsed.append(name)
        return case

    monkeypatch.setattr(casestudy, "load_case_text", parse)
    in_use = SimpleNamespace(id=0, content_hash="in-use", source_text=text)
    first = casestudy.case_content(in_use)
    for number in range(1, 530):
        casestudy.case_content(
            SimpleNamespace(id=number, content_hash=f"h{number}", source_text=text)
        )
        assert casestudy.case_content(in_use) is first
    assert parsed.count("case version 0") == 1
    assert len(parsed) == 530
