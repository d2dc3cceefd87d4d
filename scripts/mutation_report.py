"""Mutation score per file from mutmut's results in mutants/ (`make mutation`, docs/testing.md).

mutmut 3 writes, beside each mutated copy mutants/quizapp/domain/X.py, a file X.py.meta whose
"exit_code_by_key" maps each mutant's name to the exit code of the tests run against it (1 or 3:
a test failed, so the mutant was killed; 0: every test passed, so it survived; None: not run yet).
The mutated copy holds, for each function, its original body (`..._mutmut_orig`) and one function
per mutant (`..._mutmut_N`), which is what this script compares to tell:

- string-text mutants (only the text of a string literal changed, "abc" -> "XXabcXX"): left out of
  the score, as issue 23 counts them (messages and labels are checked by the web tests, not here);
- equivalent mutants: listed by name, with the reason, in docs/testing.md (a line holding
  `equivalent:` and the mutant's name in backquotes); left out of the score and printed apart.

Score = killed / (killed + survived), over the remaining mutants; a timeout counts as killed.
`--fail-under N` exits 1 when any reported file (or `--only` selection) scores below N percent.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import io
import json
import re
import sys
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KILLED_CODES = {1, 3, 24, 36, 37, 152, 255, -24}
SURVIVED_CODES = {0, 5, 33}
# Python 3.12 splits f-strings into parts; 3.11 has one STRING token for them.
STRING_TOKENS = {tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}
MUTANT_RE = re.compile(r"^(?P<base>.+)__mutmut_(?P<n>\d+)$")
EQUIVALENT_RE = re.compile(r"equivalent:\s*`(?P<name>quizapp\.[^`]+__mutmut_\d+)`")


@dataclass
class FileScore:
    path: str
    killed: int = 0
    survived: list[str] = field(default_factory=list)
    strings: int = 0
    equivalent: list[str] = field(default_factory=list)
    unchecked: int = 0

    @property
    def counted(self) -> int:
        return self.killed + len(self.survived)

    @property
    def score(self) -> float | None:
        return 100.0 * self.killed / self.counted if self.counted else None


def listed_equivalents(doc: Path) -> set[str]:
    """Mutant names that docs/testing.md lists as equivalent (`equivalent: ... `name` ...`)."""
    if not doc.exists():
        return set()
    return {m["name"] for m in EQUIVALENT_RE.finditer(doc.read_text(encoding="utf-8"))}


def _functions(source: str) -> dict[str, str]:
    """Each (possibly nested in a class) function of a mutated file, by name, as source text."""
    tree = ast.parse(source)
    lines = source.splitlines()
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and "__mutmut_" in node.name:
            text = "\n".join(lines[node.lineno - 1 : node.end_lineno])
            # The name differs between the original and each mutant by construction: blank it.
            found[node.name] = text.replace(node.name, "FUNC", 1)
    return found


def _tokens(text: str) -> list[tuple[int, str]]:
    skip = {tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.COMMENT}
    stream = tokenize.generate_tokens(io.StringIO(_dedent(text)).readline)
    return [(t.type, t.string) for t in stream if t.type not in skip]


def _dedent(text: str) -> str:
    lines = text.splitlines()
    rest = [ln for ln in lines[1:] if ln.strip()]
    indent = min((len(ln) - len(ln.lstrip()) for ln in rest), default=0)
    return "\n".join([lines[0].strip(), *(ln[indent:] for ln in lines[1:])]) + "\n"


def is_string_mutant(original: str, mutant: str) -> bool:
    """True when the mutant differs from the original only inside string literals."""
    a, b = _tokens(original), _tokens(mutant)
    if len(a) != len(b):
        return False
    diffs = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    return bool(diffs) and all(x[0] == y[0] and x[0] in STRING_TOKENS for x, y in diffs)


def diff(original: str, mutant: str) -> str:
    lines = difflib.unified_diff(
        _dedent(original).splitlines(), _dedent(mutant).splitlines(), lineterm="", n=1
    )
    return "\n".join(ln for ln in list(lines)[2:] if not ln.startswith("@@"))


def score_file(meta: Path, mutants_dir: Path, equivalents: set[str]) -> FileScore:
    rel = meta.relative_to(mutants_dir).as_posix().removesuffix(".meta")
    codes: dict[str, int | None] = json.loads(meta.read_text("utf-8"))["exit_code_by_key"]
    source_path = meta.with_suffix("")
    functions = _functions(source_path.read_text("utf-8")) if source_path.exists() else {}
    result = FileScore(rel)
    for name, code in sorted(codes.items(), key=lambda kv: _natural(kv[0])):
        short = name.rsplit(".", 1)[-1]
        m = MUTANT_RE.match(short)
        original = functions.get(f"{m['base']}__mutmut_orig", "") if m else ""
        mutant = functions.get(short, "")
        if original and mutant and is_string_mutant(original, mutant):
            result.strings += 1
        elif name in equivalents:
            result.equivalent.append(name)
        elif code is None:
            result.unchecked += 1
        elif code in KILLED_CODES:
            result.killed += 1
        else:
            result.survived.append(name)
    return result


def reset_survivors(mutants_dir: Path, only: str) -> int:
    count = 0
    for meta in sorted(mutants_dir.glob("quizapp/**/*.py.meta")):
        if not meta.relative_to(mutants_dir).as_posix().startswith(only):
            continue
        data = json.loads(meta.read_text("utf-8"))
        codes = data["exit_code_by_key"]
        source = meta.with_suffix("")
        functions = _functions(source.read_text("utf-8")) if source.exists() else {}
        for name, code in codes.items():
            short = name.rsplit(".", 1)[-1]
            m = MUTANT_RE.match(short)
            original = functions.get(f"{m['base']}__mutmut_orig", "") if m else ""
            if original and short in functions and is_string_mutant(original, functions[short]):
                continue  # left out of the score: not worth running again
            if code is not None and code not in KILLED_CODES:
                codes[name] = None
                count += 1
        meta.write_text(json.dumps(data, indent=4), "utf-8")
    print(f"mutation report: {count} surviving mutants will be tested again")
    return 0


def _natural(name: str) -> tuple[str, int]:
    m = MUTANT_RE.match(name)
    return (m["base"], int(m["n"])) if m else (name, 0)


def file_prefix(only: str) -> str:
    """The file a selection reaches: `make mutation MUTATE='quizapp.domain.cpd.x_as_hours*'`
    passes quizapp/domain/cpd/x_as_hours, and mutmut's functions are named x_... (methods xǁ...),
    so the path stops before them, at quizapp/domain/cpd.py."""
    parts = only.split("/")
    for index, part in enumerate(parts):
        if part.startswith(("x_", "xǁ")):
            return "/".join(parts[:index]) + ".py"
    return only


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mutants", type=Path, default=ROOT / "mutants")
    parser.add_argument("--doc", type=Path, default=ROOT / "docs" / "testing.md")
    parser.add_argument(
        "--only", default="", help="a path prefix: report (and judge) only these files"
    )
    parser.add_argument("--fail-under", type=float, default=None)
    parser.add_argument("--quiet", action="store_true", help="no list of survivors")
    parser.add_argument(
        "--reset-survivors",
        action="store_true",
        help="mark the survivors of these files not run, so that mutmut tests them again with "
        "the tests as they are now (it keeps earlier verdicts of unchanged code)",
    )
    args = parser.parse_args(argv)
    args.only = file_prefix(args.only)
    if args.reset_survivors:
        return reset_survivors(args.mutants, args.only)

    equivalents = listed_equivalents(args.doc)
    metas = sorted(args.mutants.glob("quizapp/**/*.py.meta"))
    metas = [m for m in metas if m.relative_to(args.mutants).as_posix().startswith(args.only)]
    scores = [score_file(m, args.mutants, equivalents) for m in metas]
    scores = [s for s in scores if s.counted or s.equivalent or s.unchecked]
    if not scores:
        print(f"mutation report: no results under {args.mutants} (run `make mutation` first)")
        return 1

    print(f"{'file':46} {'killed':>7} {'survived':>8} {'equiv':>5} {'strings':>7} {'score':>7}")
    for s in scores:
        score = f"{s.score:6.1f}%" if s.score is not None else "      -"
        extra = f"  ({s.unchecked} not run)" if s.unchecked else ""
        print(
            f"{s.path:46} {s.killed:7} {len(s.survived):8} {len(s.equivalent):5} "
            f"{s.strings:7} {score}{extra}"
        )
    killed = sum(s.killed for s in scores)
    counted = sum(s.counted for s in scores)
    if counted:
        total = 100 * killed / counted
        print(f"{'all':46} {killed:7} {counted - killed:8} {'':5} {'':7} {total:6.1f}%")

    if not args.quiet:
        for s in scores:
            if not s.survived:
                continue
            print(f"\n== surviving mutants in {s.path} ==")
            functions = _functions((args.mutants / s.path).read_text("utf-8"))
            for name in s.survived:
                short = name.rsplit(".", 1)[-1]
                m = MUTANT_RE.match(short)
                original = functions.get(f"{m['base']}__mutmut_orig", "") if m else ""
                print(f"-- {name}")
                if original and short in functions:
                    print(diff(original, functions[short]))

    if args.fail_under is not None:
        low = [s for s in scores if s.score is not None and s.score < args.fail_under]
        for s in low:
            print(f"mutation score of {s.path} is {s.score:.1f}%, below {args.fail_under:g}%")
        return 1 if low else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
