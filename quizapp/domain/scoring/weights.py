"""Weights of the plan-scoring engine (docs/scoring.md explains each one)."""

from __future__ import annotations

from typing import Final

# --------------------------------------------------------------------------------------------
# Weights (docs/scoring.md explains each one)
# --------------------------------------------------------------------------------------------

#: Points per range-top of distance below the range minimum.
W_UNDER: Final = 20.0
#: Points per range-top of distance above the range maximum: twice W_UNDER, because filler is
#: hard and toxin impossible to take back (principles.md).
W_OVER: Final = 40.0
#: Extra points for crossing the ceiling into "overfilled".
OVER_CEILING_STEP: Final = 10.0
NOT_INDICATED_BASE: Final = 5.0
#: ... plus this many points per range-top (catalogue typical top) of amount given.
NOT_INDICATED_SCALE: Final = 10.0
WRONG_PRODUCT_SUITED: Final = 10.0
WRONG_PRODUCT_UNSUITED: Final = 20.0
UNSAFE_ZONE: Final = 30.0
CANDIDACY_PENALTY: Final = 40.0
UNSAFE_SCORE_CAP: Final = 20
FACIAL_UNIT_PENALTY: Final = 5.0
#: Forehead toxin without the glabella: off label (B1) and a heavy, dropped brow (B33).
FOREHEAD_ALONE_PENALTY: Final = 10.0
UPPER_FACE_PENALTY: Final = 10.0
LABEL_LIMIT_PENALTY: Final = 20.0
LAYERING_PENALTY: Final = 10.0
IDENTITY_PENALTY: Final = 10.0
ERASED_PENALTY: Final = 5.0
DEPTH_PENALTY: Final = 5.0
DISPOSITION_NEAR_MISS: Final = 5.0
DISPOSITION_MISS: Final = 10.0
#: "conservative" down to this share of the range minimum, "under" below it.
CONSERVATIVE_SHARE: Final = 0.5

#: Projected look (teaching heuristic): years credited per appropriately treated sign, and the
#: cap: about 3-5 years after on-label treatment, up to about 6 with toxin and filler together
#: (P1 P2 P3 P4 P5).
CREDIT_YEARS_PER_ZONE: Final = 1.5
LOOK_CAP_YEARS: Final = 5.0
LOOK_CAP_COMBINED_YEARS: Final = 6.0
LOOK_REFS: Final = ("P1", "P2", "P3", "P4", "P5")
FADE_MONTHS: Final = (1, 6, 12, 24)
LOOK_NOTE: Final = (
    "Teaching heuristic, not a prediction: each appropriately treated sign earns "
    f"{CREDIT_YEARS_PER_ZONE:g} years, capped at {LOOK_CAP_YEARS:g} ({LOOK_CAP_COMBINED_YEARS:g} "
    "with toxin and filler together) after the self-rated figures in P1-P5; nothing extra past "
    "a range. Toxin credit fades over its duration (P18-P21), HA over 24 months (P3)."
)
