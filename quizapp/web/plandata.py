"""What the plan page's script needs for live totals: public catalogue facts and label limits.

Only what the trainee may see before submission: zone sides and facial units, product units and
the label limits with their sources. Never the case's reference ranges (the answer key). The
server stays the authority: the script only shows totals as the rows are typed.
"""

from __future__ import annotations

from quizapp.domain.case import Case
from quizapp.domain.face import (
    FACIAL_UNITS,
    MAX_FACIAL_UNITS_DEFAULT,
    ONA_MAX_REFS,
    ONA_MAX_UNITS_3_MONTHS,
    PRODUCTS,
    UPPER_FACE_LABEL_UNITS,
    UPPER_FACE_REFS,
    UPPER_FACE_ZONES,
    ZONES,
)


def default_side(zone_id: str) -> str:
    """Both sides for a paired zone, the midline for the rest."""
    zone = ZONES.get(zone_id)
    return "both" if zone is not None and zone.per_side else "midline"


def plan_script_data(case: Case) -> dict:
    """JSON for static/plan.js: zones, products and the limits the totals are held against."""
    limits = [
        {
            "id": "ona",
            "label": "Toxin, all products (ona-equivalent U, label maximum in 3 months)",
            "max": ONA_MAX_UNITS_3_MONTHS,
            "refs": list(ONA_MAX_REFS),
        },
        {
            "id": "upper",
            "label": "Upper face toxin (ona-equivalent U, on-label whole upper face)",
            "max": UPPER_FACE_LABEL_UNITS,
            "refs": list(UPPER_FACE_REFS),
        },
    ]
    if case.filler_year_limit_ml is not None:
        limits.append(
            {
                "id": "filler",
                "label": f"Filler (mL, label yearly maximum at {case.patient.weight_kg:g} kg)",
                "max": case.filler_year_limit_ml,
                "refs": ["F13", "F12"],
            }
        )
    return {
        "zones": {
            z.id: {
                "side": default_side(z.id),
                "unit": FACIAL_UNITS[z.unit],  # every zone has one (domain tests)
                "upper": z.id in UPPER_FACE_ZONES,
            }
            for z in ZONES.values()
        },
        "products": {
            p.id: {
                "label": p.label,
                "unit": p.unit,
                "toxin": p.is_toxin,
                "filler": p.is_filler,
                "ona": p.ona_factor,
            }
            for p in PRODUCTS.values()
        },
        "limits": limits,
        "maxUnits": MAX_FACIAL_UNITS_DEFAULT,
    }
