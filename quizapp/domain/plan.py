"""A trainee's treatment plan: a disposition and the injections it proposes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from quizapp.domain.face import FACIAL_UNITS, PRODUCTS, ZONES, Family
from quizapp.domain.terms import Depth, Disposition, Side

#: Input sanity bounds per item, in the product's own units. They catch typing slips (2000 for
#: 20) and keep the engine's arithmetic sane; they are NOT clinical limits, which the scoring
#: engine judges.
MAX_ITEM_AMOUNT: Final[dict[Family, float]] = {
    Family.TOXIN: 1000.0,
    Family.FILLER: 100.0,
    Family.ENZYME: 3000.0,
}
MAX_ITEMS: Final = 40
MAX_REVIEW_WEEKS: Final = 104
MAX_TECHNIQUE_CHARS: Final = 200
MAX_NOTE_CHARS: Final = 2000
#: The fields of one plan row as the trainee types it (strings, checked only at submission).
PLAN_ROW_KEYS: Final = ("zone", "product", "amount", "side", "depth")


@dataclass(frozen=True, slots=True)
class PlanItem:
    """One injection: `amount` is in the product's own units (U, Speywood U or mL). For a
    paired zone with side `both`, the amount goes on EACH side."""

    zone: str
    product: str
    amount: float
    side: Side
    depth: Depth | None = None
    technique: str = ""


@dataclass(frozen=True, slots=True)
class Plan:
    """The trainee's answer: what to do today and, if treating, the items; review in weeks."""

    disposition: Disposition
    items: tuple[PlanItem, ...] = ()
    review_weeks: int | None = None
    note: str = ""

    @property
    def treats(self) -> bool:
        return bool(self.items)


@dataclass(frozen=True, slots=True)
class RunningTotals:
    """What the rows typed so far add up to: units of toxin per product label, mL of filler and
    the facial units touched."""

    units: dict[str, float] = field(default_factory=dict)
    ml: float = 0.0
    facial_units: list[str] = field(default_factory=list)


def running_totals(rows: Iterable[Mapping[str, str]]) -> RunningTotals:
    """Totals of plan rows as typed (before scoring): a row without a known zone and product or
    a readable amount is left out; a paired zone on `both` sides counts twice. Hyaluronidase
    counts in its own units, never as millilitres of filler, and touches no facial unit."""
    units: dict[str, float] = {}
    millilitres = 0.0
    facial_units: set[str] = set()
    for row in rows:
        try:
            amount = float((row.get("amount") or "").replace(",", "."))
        except ValueError:
            continue
        product = PRODUCTS.get(row.get("product") or "")
        zone = ZONES.get(row.get("zone") or "")
        if product is None or zone is None:
            continue
        sides = 2 if row.get("side") == Side.BOTH.value else 1
        if product.is_filler:
            millilitres += amount * sides
        else:
            units[product.label] = units.get(product.label, 0.0) + amount * sides
        if product.is_filler or product.is_toxin:
            facial_units.add(FACIAL_UNITS[zone.unit])
    return RunningTotals(units, millilitres, sorted(facial_units))
