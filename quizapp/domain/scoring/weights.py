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
#: ... plus this many points per session's worth (the catalogue's typical top for the zone, per
#: side) of amount given where none is needed; more than a session's worth is overfilled.
NOT_INDICATED_SCALE: Final = 20.0
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
#: Forehead toxin in a patient with low brows (B33: brow ptosis, risk rising with existing brow
#: descent): at least overdone, whatever the reference lists.
BROW_PTOSIS_PENALTY: Final = 10.0
#: A brow position grade at or above this (0 high arch to 4 flat, S1-S3) counts as low brows.
#: An educator convention (U): no source gives a threshold.
LOW_BROW_GRADE: Final = 2
#: Laxity beyond filler: points per mL of volume given beyond the reference's ranges (principle
#: 3; convention U); more than LAXITY_OVERFILLED_ML of it is overfilled (one clinic's overfilling
#: line of more than 5 syringes in a treatment, F17).
LAXITY_PENALTY_PER_ML: Final = 5.0
LAXITY_OVERFILLED_ML: Final = 5.0
#: Hyaluronidase where the case has nothing it can dissolve (no filler complication, or no
#: HA in the zone): overdone, this many points (an educator convention, U8).
HYALURONIDASE_NOT_INDICATED: Final = 10.0
#: Hyaluronidase per 0.1 mL of HA for small nodules (F39), scaled to the HA the engine
#: estimates remains in the zone (the scaling is an educator convention, U8).
HYALURONIDASE_U_PER_01_ML: Final = (1.5, 9.0)
#: A toxin booster within the 3-month interval (antibody risk, B29 B30 B47): overdone.
BOOSTER_PENALTY: Final = 10.0
#: A "small" correction at the 2-week review: at most this share of the dose given then, in
#: ona-eq units (an educator convention, U).
CORRECTION_SHARE: Final = 0.25
#: The 2-week review window for correcting documented asymmetry, in months (14-21 days, B53).
REVIEW_WINDOW_MONTHS: Final = (14 / (365.25 / 12), 21 / (365.25 / 12))
#: Each band's score interval, best band first; no band's interval overlaps another's, so a
#: worse band never outscores a better one in any case. Within its interval a plan scores
#: low + (high - low) x (100 - points) / 100. Educator conventions (U).
BAND_SCORES: Final = {
    "natural": (90, 100),
    "conservative": (75, 89),
    "under_treated": (55, 74),
    "overdone": (35, 54),
    "overfilled": (21, 34),
    "unsafe": (0, 20),
}
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
    "a range. Toxin credit fades over its duration (P18-P21), HA over 24 months (P3). "
    "Refreshed: something credited and nothing past a range. Unchanged: nothing credited. "
    "Altered or erased: anything past a range or not needed, or an overdone or overfilled "
    "plan; such a face reads as treated, not younger, so no years are credited. Limits: the "
    "figures are mostly self-rated and industry-funded, the heuristic ignores where each face "
    "starts, and years are whole numbers because it cannot be more precise than that."
)
