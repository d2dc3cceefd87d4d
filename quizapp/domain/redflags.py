"""Red flags: findings at consultation that change what may be done today (principle 6).

The case player shows them as tick boxes; a case lists the ones present; the scoring engine
uses `blocks` and `families` to call treatment unsafe. A flag's `scope` says whether it concerns
the whole patient or only some zones (an infection at the site blocks toxin at that site only,
and filler anywhere on the face: `whole_face`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from quizapp.domain.face import Family
from quizapp.domain.terms import Disposition

_BOTH: Final = frozenset({Family.TOXIN, Family.FILLER})
_TOXIN: Final = frozenset({Family.TOXIN})
_FILLER: Final = frozenset({Family.FILLER})

D = Disposition


@dataclass(frozen=True, slots=True)
class RedFlag:
    """One red flag.

    `dispositions` are the dispositions it points to, each as right as the others when the
    case's own disposition is among them; `blocks` means that injecting any product
    of `families` while the flag is present (in its zones, for zone-scoped flags) is unsafe.
    Non-blocking flags are cautions: the plan may go ahead with care.
    """

    id: str
    label: str
    dispositions: tuple[Disposition, ...]
    families: frozenset[Family]
    blocks: bool
    scope: Literal["patient", "zone"]
    references: tuple[str, ...]
    note: str = ""
    products: frozenset[str] = frozenset()
    #: What kind of rule it is, worded as the sources word it (a label contraindication, a
    #: label warning, a conservative practice rule ...); the reasons quote it.
    kind: str = "a conservative practice rule"
    #: A dedicated scoring rule judges plans that go ahead despite it (the 2-week review), so
    #: treating against it is not unsafe by itself.
    ruled: bool = False
    #: Families a zone-scoped flag rules out anywhere on the face while present, not only in
    #: its zones, with the wording of that wider rule.
    whole_face: frozenset[Family] = frozenset()
    whole_face_kind: str = ""

    def concerns(self, family: Family, product_id: str) -> bool:
        """Whether this flag is about this product (a product list narrows the family)."""
        if family not in self.families:
            return False
        return not self.products or product_id in self.products


_FLAG_LIST: Final[tuple[RedFlag, ...]] = (
    RedFlag(
        "pregnancy",
        "Pregnancy",
        (D.DEFER,),
        _BOTH,
        True,
        "patient",
        ("B43", "B50", "B51", "B52", "F42"),
        "Not a contraindication in any toxin label read: the labels say the data are "
        "insufficient, and the filler labels that safety is not established (F42). Deferring "
        "is the app's conservative rule.",
        kind="a conservative practice rule, not a label contraindication",
    ),
    RedFlag(
        "breastfeeding",
        "Breastfeeding",
        (D.DEFER,),
        _BOTH,
        True,
        "patient",
        ("B43", "B50", "B51", "B52", "F42"),
        "Not a contraindication in any toxin label read: the labels say the data are "
        "insufficient, and the filler labels that safety is not established (F42). Deferring "
        "is the app's conservative rule.",
        kind="a conservative practice rule, not a label contraindication",
    ),
    RedFlag(
        "infection_at_site",
        "Active infection or inflammation at the site (e.g. a cold sore)",
        (D.DEFER, D.TREAT_IN_PART),
        _BOTH,
        True,
        "zone",
        ("F12", "B1", "B43", "F55", "F44"),
        "Infection at the injection site is a label contraindication to toxin and filler (F12 "
        "F55 B1 B43). The app defers all filler while any facial skin infection or "
        "inflammation is active; toxin away from the site is a separate judgement. Ask about "
        "herpes simplex at consultation (F44).",
        kind="a label contraindication",
        whole_face=_FILLER,
        whole_face_kind="the app's conservative rule: no filler anywhere on the face while a "
        "facial infection is active, beyond the labels' contraindication at the site",
    ),
    RedFlag(
        "active_autoimmune",
        "Active autoimmune disease",
        (D.DEFER, D.REFER),
        _BOTH,
        True,
        "patient",
        ("F44",),
        "To be asked at consultation (F44); the app teaches not to treat during active disease.",
    ),
    RedFlag(
        "neuromuscular_disease",
        "Neuromuscular disease (myasthenia gravis, Lambert-Eaton)",
        (D.DECLINE, D.TREAT_IN_PART),
        _TOXIN,
        True,
        "patient",
        ("B43", "B47", "B48", "B49"),
        "A contraindication in the EU/UK toxin labels and a warning in the US labels "
        "(systemic effects); filler is not affected by it.",
        kind="EU/UK label contraindication; US label warning",
    ),
    RedFlag(
        "anticoagulants",
        "Anticoagulant or antiplatelet medicine",
        (D.TREAT_IN_PART, D.DEFER),
        _BOTH,
        False,
        "patient",
        ("F43",),
        "A caution (one source): more bruising and bleeding; do not stop a prescribed medicine "
        "without the prescriber.",
    ),
    RedFlag(
        "bleeding_disorder",
        "Bleeding disorder",
        (D.REFER, D.DEFER),
        _BOTH,
        False,
        "patient",
        ("F43",),
        "A caution (one source); involve the treating physician first.",
    ),
    RedFlag(
        "bdd_signs",
        "Signs of body dysmorphic disorder",
        (D.REFER, D.DECLINE),
        _BOTH,
        True,
        "patient",
        ("F45", "F46"),
        "4.2-6.7% of cosmetic dermatology patients; surgeons spotted few of those who screened "
        "positive (F45 F46). Screen, and refer rather than treat.",
    ),
    RedFlag(
        "unrealistic_expectations",
        "Unrealistic expectations",
        (D.DECLINE, D.DEFER),
        _BOTH,
        True,
        "patient",
        ("F42",),
        "Listed by the label as making a patient unsuitable.",
    ),
    RedFlag(
        "permanent_filler_in_area",
        "Permanent filler already in the area",
        (D.TREAT_IN_PART, D.REFER),
        _FILLER,
        True,
        "zone",
        ("F44", "F25", "F30"),
        "No filler over permanent material: late nodules and migration (F25 F30); avoid "
        "layering (F44).",
    ),
    RedFlag(
        "recent_filler",
        "Recent filler or device treatment",
        (D.DEFER, D.TREAT_IN_PART),
        _FILLER,
        False,
        "zone",
        ("F44",),
        "Ask what, where and when (F44); what was injected is still there.",
    ),
    RedFlag(
        "toxin_within_3_months",
        "Toxin within the last 3 months",
        (D.DEFER, D.TREAT_IN_PART),
        _TOXIN,
        False,
        "patient",
        ("B1", "B6", "B7", "B27", "B29", "B47"),
        "Labels allow retreatment no more often than every 3 months; record the 2-week review "
        "and adjust the next session (B47). Boosters within weeks raise the risk of antibodies "
        "(B29 B30).",
        kind="the labels' retreatment interval",
        ruled=True,
    ),
    RedFlag(
        "delayed_inflammatory_history",
        "Earlier delayed inflammatory reaction to filler",
        (D.DEFER, D.REFER),
        _FILLER,
        False,
        "patient",
        ("F31", "F32", "F33"),
        "0.3% to about 4% of patients; can follow flu-like illness or vaccination (F31 F32). "
        "A caution.",
    ),
    RedFlag(
        "allergy_history",
        "Anaphylaxis or severe allergy (incl. lidocaine or gram-positive bacterial proteins)",
        (D.DECLINE, D.TREAT_IN_PART),
        _FILLER,
        True,
        "patient",
        ("F13",),
        "A label contraindication for HA filler.",
        kind="a label contraindication",
    ),
    RedFlag(
        "under_18",
        "Under 18 years old",
        (D.DECLINE,),
        _BOTH,
        True,
        "patient",
        ("F42",),
        "Safety not established.",
        kind="a label restriction",
    ),
    RedFlag(
        "laxity_beyond_filler",
        "Laxity or excess skin that filler cannot correct",
        (D.REFER, D.TREAT_IN_PART),
        _FILLER,
        False,
        "patient",
        (),
        "Principle 3 of the app's teaching: neither toxin nor filler fixes laxity. facts.md has "
        "no source for it, so none is cited.",
    ),
    RedFlag(
        "already_overfilled",
        "Already overfilled (facial overfilled syndrome)",
        (D.DEFER, D.DECLINE),
        _FILLER,
        True,
        "patient",
        ("F26", "F27", "F17"),
        "Heavy mid and lower face, round forehead, pointed chin (F26 F27); more filler makes it "
        "worse.",
    ),
    RedFlag(
        "filler_complication",
        "A filler complication to dissolve (nodule, misplaced or excess HA)",
        (D.TREAT_IN_PART, D.TREAT, D.REFER),
        _FILLER,
        False,
        "zone",
        ("F39", "F41", "F38", "F54"),
        "Hyaluronidase dissolves HA: 1.5-9 U per 0.1 mL for small nodules (F39). It cannot "
        "dissolve CaHA, PLLA, permanent or unknown products, and dissolving can leave hollowing "
        "(F41). More filler in the zone waits until the complication is settled.",
    ),
    RedFlag(
        "over_65_label",
        "Aged 65 or over (some toxin labels are for adults under 65)",
        (D.TREAT,),
        _TOXIN,
        False,
        "patient",
        ("B6", "B27", "B28", "B41"),
        "Azzalure, Bocouture, Dysport US and Relfydess are labelled for adults under 65: choose "
        "a product whose label covers the patient.",
        products=frozenset({"abo", "inco", "rela"}),
    ),
    RedFlag(
        "interacting_medicines",
        "Medicines that interact with toxin (aminoglycosides, curare-like agents, "
        "anticholinergics, another toxin)",
        (D.DEFER, D.TREAT_IN_PART),
        _TOXIN,
        False,
        "patient",
        ("B5",),
        "A label caution.",
    ),
)

RED_FLAGS: Final[dict[str, RedFlag]] = {flag.id: flag for flag in _FLAG_LIST}
RED_FLAG_IDS: Final[tuple[str, ...]] = tuple(RED_FLAGS)
