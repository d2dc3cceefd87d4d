"""A trainee's treatment plan: a disposition and the injections it proposes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from quizapp.domain.face import Family
from quizapp.domain.terms import Depth, Disposition, Side

#: Input sanity bounds per item, in the product's own units. They catch typing slips (2000 for
#: 20) and keep the engine's arithmetic sane; they are NOT clinical limits, which the scoring
#: engine judges.
MAX_ITEM_AMOUNT: Final[dict[Family, float]] = {Family.TOXIN: 1000.0, Family.FILLER: 100.0}
MAX_ITEMS: Final = 40
MAX_REVIEW_WEEKS: Final = 104
MAX_TECHNIQUE_CHARS: Final = 200
MAX_NOTE_CHARS: Final = 2000


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
