"""The shape of the house, checked from the source (docs/architecture.md).

The import graph of quizapp/ is read with `ast`, so an import inside a function counts as much as
one at the top of a file: a local import hides a cycle from Python, not from this test. Imports
under `if TYPE_CHECKING:` are annotations only and do not count. Stdlib only, no app.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "quizapp"
MAX_LINES = 800

#: Pure data catalogues may be long: they are tables, not logic.
DATA_CATALOGUES = frozenset({"domain/face.py", "domain/sources.py"})

#: What each layer must never import: the domain is pure, formats read and write files over the
#: domain only, and nothing below the web imports it.
FORBIDDEN = {
    "quizapp.domain": ("flask", "sqlalchemy", "flask_sqlalchemy", "quizapp"),
    "quizapp.formats": ("flask", "sqlalchemy", "flask_sqlalchemy", "quizapp"),
    "quizapp.models": ("quizapp.web", "quizapp.services", "quizapp.formats"),
    "quizapp.services": ("quizapp.web",),
    # CSV text only; quizapp/web/downloads.py makes the response.
    "quizapp.services.infra.csvout": ("flask", "werkzeug"),
}
#: ...except the layers below them.
ALLOWED = {
    "quizapp.domain": ("quizapp.domain",),
    "quizapp.formats": ("quizapp.domain", "quizapp.formats"),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_only(tree: ast.AST) -> set[int]:
    """ids of import nodes inside `if TYPE_CHECKING:` blocks."""
    hidden: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                hidden.update(id(n) for n in ast.walk(inner))
    return hidden


def imports_of(path: Path, name: str, modules: set[str] | frozenset[str] = frozenset()) -> set[str]:
    """Every module `path` imports, at any depth of the file, as dotted names. `from package
    import name` counts as an import of the module package.name when `modules` has it, else of
    the package (parent packages a dotted import runs are not counted: they import nothing back)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    hidden = _type_checking_only(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in hidden:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            for alias in node.names:
                submodule = f"{origin}.{alias.name}"
                found.add(submodule if submodule in modules else origin)
    return found


def import_graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(edges between quizapp modules, every import of each module)."""
    paths = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}
    everything = {name: imports_of(path, name, set(paths)) for name, path in paths.items()}
    edges = {
        name: {target for target in targets if target in paths and target != name}
        for name, targets in everything.items()
    }
    return edges, everything


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_checker_finds_a_cycle_hidden_by_a_local_import(tmp_path):
    (tmp_path / "a.py").write_text("import b\n")
    (tmp_path / "b.py").write_text("def f():\n    from a import x\n")
    (tmp_path / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n import a\n"
    )
    edges = {name: imports_of(tmp_path / f"{name}.py", name) for name in ("a", "b", "c")}
    assert edges == {"a": {"b"}, "b": {"a"}, "c": {"typing"}}
    assert cycles(edges) == [["a", "b"]]


def test_no_import_cycle_in_quizapp():
    edges, _ = import_graph()
    assert cycles(edges) == []


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layers_import_only_what_they_may(layer):
    _, everything = import_graph()

    def within(name: str, prefixes) -> bool:
        return any(name == p or name.startswith(p + ".") for p in prefixes)

    offences = sorted(
        f"{name} imports {target}"
        for name, targets in everything.items()
        if within(name, [layer])
        for target in targets
        if within(target, FORBIDDEN[layer]) and not within(target, ALLOWED.get(layer, ()))
    )
    assert offences == []


def test_no_python_file_in_quizapp_is_over_800_lines():
    long = {}
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES and relative not in DATA_CATALOGUES:
            long[relative] = lines
    assert long == {}
