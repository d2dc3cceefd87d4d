"""Write plans into plan_compare questions of cases/modules (a one-off authoring aid).

    python scripts/add_question_plans.py PLANS.yaml

PLANS.yaml maps question ids to {patient, assessment, treat, plans: [items or null per option]}.
Each question gets `patient`, `assessment` and `treat` before its `options`, and each option
its `plan` after `correct`. The module files keep every other line as written.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

MODULES = Path(__file__).resolve().parents[1] / "cases/modules"


def _flow(value) -> str:
    return yaml.safe_dump(value, default_flow_style=True, width=1000, sort_keys=False).strip()


def add(text: str, qid: str, spec: dict) -> str:
    lines = text.split("\n")
    start = lines.index(f"  - id: {qid}")
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].startswith("  - id: ")), len(lines)
    )
    options = next(i for i in range(start, end) if lines[i] == "    options:")
    head = [f"    patient: {_flow(spec['patient'])}", "    assessment:"]
    head += [f"      {zone}: {_flow(grades)}" for zone, grades in spec["assessment"].items()]
    if all(isinstance(zone, str) for zone in spec["treat"]):
        head.append(f"    treat: {_flow(spec['treat'])}")
    else:
        head.append("    treat:")
        head += [f"      - {_flow(zone)}" for zone in spec["treat"]]
    if spec.get("history"):
        head.append("    history:")
        head += [f"      - {_flow(entry)}" for entry in spec["history"]]
    body = lines[options:end]
    out: list[str] = []
    index = -1
    for line in body:
        out.append(line)
        if line.startswith("      - text:"):
            index += 1
        if line.startswith("        correct:"):
            plan = spec["plans"][index]
            if plan is not None:
                out.append("        plan:")
                out += [f"          - {_flow(item)}" for item in plan]
    assert index + 1 == len(spec["plans"]), (qid, index + 1, len(spec["plans"]))
    return "\n".join(lines[:options] + head + out + lines[end:])


def main(plans_file: str) -> None:
    specs = yaml.safe_load(Path(plans_file).read_text())
    for path in sorted(MODULES.glob("*.yaml")):
        text = path.read_text()
        changed = text
        for qid, spec in specs.items():
            if f"  - id: {qid}\n" in changed:
                changed = add(changed, qid, spec)
        if changed != text:
            path.write_text(changed)


if __name__ == "__main__":
    main(sys.argv[1])
