"""One parsing budget for every YAML and GIFT entry point (quizapp/formats/yamlsafe.py): size,
values and depth are refused as soon as they are exceeded, with a message, and a `!!python` tag
is reported as a tag wherever it appears. The node counts prove the refusal comes early."""

from __future__ import annotations

import pytest

from quizapp.formats import gift, yamlsafe
from quizapp.formats.modules import ModuleFileError, load_module_text
from quizapp.formats.yamlsafe import MAX_BYTES, MAX_NODES, YamlLoadError, parse_yaml
from quizapp.models import ModuleRecord, Role
from quizapp.services.authoring import editing
from tests.conftest import login
from tests.security.test_input import _module_data, post

# The module editor's old failure: 510 KB holding 255,000 values.
WIDE = "id: wide\nlist: [" + ",".join(["1"] * 255_000) + "]\n"
# Under the size limit, far over the values limit (100,000 values in 200 KB).
MANY = "id: many\nlist: [" + ",".join(["1"] * 100_000) + "]\n"
PYTHON_TAGS = (
    "id: t\nx: !!python/object/apply:os.system ['true']\n",
    "id: t\nx: !!python/object:builtins.dict {a: 1}\n",
    "id: t\nx: !!python/name:os.system []\n",
)


@pytest.fixture()
def composed(monkeypatch):
    """How many YAML nodes the loaders composed."""
    seen = {"nodes": 0}
    original = yamlsafe.BudgetedLoader.compose_node

    def counting(self, parent, index):
        seen["nodes"] += 1
        return original(self, parent, index)

    monkeypatch.setattr(yamlsafe.BudgetedLoader, "compose_node", counting)
    return seen


def _module_issues(text: str) -> str:
    with pytest.raises(ModuleFileError) as refused:
        load_module_text(text)
    return str(refused.value)


def test_every_yaml_reader_refuses_an_oversized_text_before_parsing_it(composed):
    assert len(WIDE.encode()) > MAX_BYTES
    with pytest.raises(YamlLoadError, match="limit"):
        parse_yaml(WIDE)
    assert "limit" in _module_issues(WIDE)
    assert composed["nodes"] == 0


def test_every_yaml_reader_stops_at_the_values_budget(composed):
    assert len(MANY.encode()) < MAX_BYTES
    with pytest.raises(YamlLoadError, match=f"more than {MAX_NODES:,} values"):
        parse_yaml(MANY)
    assert composed["nodes"] <= MAX_NODES + 1
    composed["nodes"] = 0
    assert f"more than {MAX_NODES:,} values" in _module_issues(MANY)
    assert composed["nodes"] <= MAX_NODES + 1


@pytest.mark.parametrize("text", PYTHON_TAGS, ids=["apply", "object-on-a-mapping", "name"])
def test_python_tags_are_reported_as_tags_by_every_yaml_reader(text):
    with pytest.raises(YamlLoadError) as refused:
        parse_yaml(text)
    assert "tag" in refused.value.message and "python/" in refused.value.message
    assert refused.value.line == 2
    issues = _module_issues(text)
    assert "tag" in issues and "python/" in issues and ":2:" in issues


def test_gift_refuses_an_oversized_text(monkeypatch):
    monkeypatch.setattr(gift, "_question", _never)
    text = "::Q:: Is restraint wise? {T}\n\n" * 66_000  # 1.95 MB
    result = gift.parse_gift(text)
    assert result.questions == []
    assert ["limit" in str(problem) for problem in result.problems] == [True]


def test_gift_stops_at_the_question_budget(monkeypatch):
    monkeypatch.setattr(gift, "_question", _never)
    text = "Q{T}\n\n" * 40_000  # 240 KB: within the size limit
    result = gift.parse_gift(text)
    assert len(result.problems) == 1
    assert f"more than {gift.MAX_QUESTIONS} questions" in str(result.problems[0])


def _never(*_args, **_kwargs):
    raise AssertionError("a question was read from a file over the budget")


def test_the_module_yaml_editor_refuses_over_budget_text_with_its_message(client, factory, db):
    academy = factory.academy("Northbridge", "northbridge")
    educator = factory.user(Role.EDUCATOR, academy)
    module = editing.create_module(academy.id, educator, _module_data("budget"))
    db.session.commit()
    before = module.versions[-1].source_text
    login(client, educator.email)
    url = f"/author/modules/{module.id}/yaml"
    for text, message in (
        (MANY, f"more than {MAX_NODES:,} values"),
        (PYTHON_TAGS[1], "the tag &#39;tag:yaml.org,2002:python/object:builtins.dict&#39;"),
    ):
        response = post(client, url, {"text": text})
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ModuleRecord, module.id).versions[-1].source_text == before


def test_the_gift_import_refuses_over_budget_text_with_its_message(client, factory, db):
    academy = factory.academy("Northbridge", "northbridge")
    educator = factory.user(Role.EDUCATOR, academy)
    module = editing.create_module(academy.id, educator, _module_data("giftbudget"))
    db.session.commit()
    login(client, educator.email)
    url = f"/author/modules/{module.id}/gift"
    response = post(client, url, {"text": "Q{T}\n\n" * 40_000, "default_topic": "aims"})
    assert response.status_code in (200, 422)
    assert f"more than {gift.MAX_QUESTIONS} questions" in response.get_data(as_text=True)
