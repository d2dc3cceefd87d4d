"""Plan files and plan dicts <-> `Plan`, with the same validation and messages everywhere.

The web form builds a dict and calls `plan_from_dict(data, from_form=True)`; the CLI reads a
YAML file with `load_plan_file`; case files embed candidate plans read by `read_plan`. All three
report every problem at once as `Issue`s (docs/plan-format.md).
"""

from __future__ import annotations

from pathlib import Path as FsPath
from typing import Any

from quizapp.domain.face import PLAN_PRODUCT_IDS, PRODUCTS, ZONE_IDS, ZONES
from quizapp.domain.plan import (
    MAX_ITEM_AMOUNT,
    MAX_ITEMS,
    MAX_NOTE_CHARS,
    MAX_REVIEW_WEEKS,
    MAX_TECHNIQUE_CHARS,
    Plan,
    PlanItem,
)
from quizapp.domain.terms import Depth, Disposition, Side
from quizapp.formats.yamlsafe import (
    DataFileError,
    Issue,
    Path,
    Reader,
    YamlLoadError,
    field_name,
    parse_yaml,
    read_text_file,
)

PLAN_FIELDS = ("disposition", "items", "review_weeks", "note")
ITEM_REQUIRED = ("zone", "product", "amount", "side")
ITEM_OPTIONAL = ("depth", "technique")


class PlanFileError(DataFileError):
    """A plan file or form with problems; `.issues` lists all of them."""


def side_problem(zone_id: str, side: Side) -> str | None:
    """Why a side does not fit a zone, or None. Paired zones take left/right/both (both = the
    amount on each side); unpaired zones take one total, written `midline`."""
    zone = ZONES[zone_id]
    if zone.per_side and side == Side.MIDLINE:
        return (
            f"{zone_id} is a paired zone: use left, right or both (both means the amount on "
            "each side), not midline"
        )
    if not zone.per_side and side != Side.MIDLINE:
        return (
            f"{zone_id} is dosed as one total, so a per-side amount ({side.value}) does not fit; "
            "use side: midline with the total amount"
        )
    return None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_plan(reader: Reader, value: Any, path: Path, *, from_form: bool = False) -> Plan | None:
    """Check one plan mapping at `path`, recording issues on `reader`; None if any."""
    start = len(reader.issues)
    data = reader.mapping(value, path, required=("disposition",), optional=PLAN_FIELDS[1:])
    if data is None:
        return None
    disposition_text = (
        reader.choice(
            data.get("disposition"),
            (*path, "disposition"),
            [d.value for d in Disposition],
            "disposition",
        )
        if "disposition" in data
        else None
    )
    disposition = Disposition(disposition_text) if disposition_text else None

    items: list[PlanItem] = []
    raw_items = data.get("items")
    if from_form and _blank(raw_items):
        raw_items = None
    if raw_items is not None:
        seq = reader.seq(raw_items, (*path, "items"), max_len=MAX_ITEMS)
        for i, raw in enumerate(seq or ()):
            item = _read_item(reader, raw, (*path, "items", i), from_form=from_form)
            if item is not None:
                items.append(item)

    review = data.get("review_weeks")
    review_weeks = None
    if not (_blank(review) if from_form else review is None):
        review_weeks = reader.integer(
            review, (*path, "review_weeks"), 0, MAX_REVIEW_WEEKS, lenient=from_form
        )
    note = ""
    if not _blank(data.get("note")):
        note = reader.text(data["note"], (*path, "note"), max_len=MAX_NOTE_CHARS) or ""

    if disposition is not None:
        raw_count = len(raw_items) if isinstance(raw_items, list) else 0
        if disposition.treats and raw_count == 0:
            reader.add(
                (*path, "items"),
                f"disposition {disposition.value} needs at least one item; to treat nothing "
                "today choose defer, refer or decline",
            )
        if not disposition.treats and raw_count:
            reader.add(
                (*path, "items"),
                f"disposition {disposition.value} means no injections today, but {raw_count} "
                "item(s) are given; remove them or choose treat / treat_in_part",
            )
    if len(reader.issues) != start or disposition is None:
        return None
    return Plan(disposition, tuple(items), review_weeks, note)


def _read_item(reader: Reader, value: Any, path: Path, *, from_form: bool) -> PlanItem | None:
    start = len(reader.issues)
    data = reader.mapping(value, path, required=ITEM_REQUIRED, optional=ITEM_OPTIONAL)
    if data is None:
        return None
    zone = (
        reader.choice(data["zone"], (*path, "zone"), ZONE_IDS, "zone") if "zone" in data else None
    )
    product = (
        reader.choice(data["product"], (*path, "product"), PLAN_PRODUCT_IDS, "product")
        if "product" in data
        else None
    )
    side_text = (
        reader.choice(data["side"], (*path, "side"), [s.value for s in Side], "side")
        if "side" in data
        else None
    )
    side = Side(side_text) if side_text else None
    amount = None
    if "amount" in data:
        if product is not None:
            prod = PRODUCTS[product]
            amount = reader.number(
                data["amount"],
                (*path, "amount"),
                0,
                MAX_ITEM_AMOUNT[prod.family],
                lo_open=True,
                unit=prod.unit,
                lenient=from_form,
            )
        else:
            amount = reader.number(
                data["amount"], (*path, "amount"), 0, 1000, lo_open=True, lenient=from_form
            )
    depth = None
    if not _blank(data.get("depth")):
        depth_text = reader.choice(
            data["depth"], (*path, "depth"), [d.value for d in Depth], "depth"
        )
        depth = Depth(depth_text) if depth_text else None
    technique = ""
    if not _blank(data.get("technique")):
        technique = (
            reader.text(data["technique"], (*path, "technique"), max_len=MAX_TECHNIQUE_CHARS) or ""
        )
    if zone is not None and side is not None:
        problem = side_problem(zone, side)
        if problem:
            reader.add((*path, "side"), problem)
    if len(reader.issues) != start or None in (zone, product, side, amount):
        return None
    assert zone is not None and product is not None and side is not None and amount is not None
    return PlanItem(zone, product, amount, side, depth, technique)


def plan_from_dict(data: Any, *, source: str = "plan", from_form: bool = False) -> Plan:
    """Build a Plan from plain data (web form or JSON) or raise PlanFileError with all issues.

    With `from_form=True`, numbers may arrive as text ("20", "0.8") and empty optional fields
    count as absent; everything else is checked exactly as in files. Fields have no lines here.
    """
    reader = Reader(source)
    plan = read_plan(reader, data, (), from_form=from_form)
    if plan is None or reader.issues:
        raise PlanFileError(reader.issues)
    return plan


def load_plan_text(text: str, source_name: str = "plan") -> Plan:
    """Parse and check a plan written as YAML text; PlanFileError lists every problem."""
    try:
        doc = parse_yaml(text)
    except YamlLoadError as exc:
        raise PlanFileError([Issue(source_name, exc.line, "", exc.message)]) from None
    reader = Reader(source_name, doc.lines)
    for line, path, message in doc.problems:
        reader.issues.append(Issue(source_name, line, field_name(path), message))
    plan = read_plan(reader, doc.data, ())
    if plan is None or reader.issues:
        raise PlanFileError(reader.issues)
    return plan


def load_plan_file(path: str | FsPath) -> Plan:
    """Read a plan YAML file (UTF-8); PlanFileError names file, line and field."""
    file = FsPath(path)
    try:
        text = read_text_file(file)
    except YamlLoadError as exc:
        raise PlanFileError([Issue(str(file), exc.line, "", exc.message)]) from None
    return load_plan_text(text, str(file))


def _number(value: float) -> int | float:
    """Write 20.0 as 20 so files stay tidy; loading gives 20.0 back."""
    return int(value) if float(value).is_integer() else value


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """Plain, JSON- and YAML-safe dict that `plan_from_dict` turns back into an equal Plan."""
    out: dict[str, Any] = {"disposition": plan.disposition.value}
    if plan.items:
        items = []
        for item in plan.items:
            entry: dict[str, Any] = {
                "zone": item.zone,
                "product": item.product,
                "amount": _number(item.amount),
                "side": item.side.value,
            }
            if item.depth is not None:
                entry["depth"] = item.depth.value
            if item.technique:
                entry["technique"] = item.technique
            items.append(entry)
        out["items"] = items
    if plan.review_weeks is not None:
        out["review_weeks"] = plan.review_weeks
    if plan.note:
        out["note"] = plan.note
    return out
