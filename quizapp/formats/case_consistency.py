"""The clinical consistency of a case: the reference's ranges against the catalogue, red flags
against the disposition, earlier filler against new filler, and each candidate plan against the
band its author claims.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from quizapp.domain.case import (
    Case,
    HistoryItem,
    Patient,
    RangeError,
    Reference,
    ZoneAssessment,
    resolve_range,
    side_keys,
)
from quizapp.domain.face import (
    FILLER_LABEL_ML_PER_60KG_YEAR,
    PRODUCTS,
    TOXIN_RETREAT_MONTHS,
    ZONES,
    Family,
    remaining_fraction,
    zone_units_label,
)
from quizapp.domain.redflags import RED_FLAGS
from quizapp.domain.sources import sorted_keys
from quizapp.domain.terms import Disposition, Side
from quizapp.formats.yamlsafe import Path, Reader


class ConsistencyChecks:
    """The consistency part of _CaseReader (quizapp/formats/cases.py): checks on what was read,
    recorded as issues on `self.r`."""

    r: Reader
    visit_date: dt.date | None
    zone_paths: dict[tuple[str, Family], Path]
    zone_entry_paths: dict[str, Path]
    explicit: dict[tuple[str, Family], bool]

    def _check_consistency(
        self,
        patient: Patient,
        history: tuple[HistoryItem, ...],
        assessment: tuple[ZoneAssessment, ...],
        reference: Reference,
        references: tuple[str, ...],
    ) -> None:
        r = self.r
        grades = {a.zone: a for a in assessment}
        flags = {f.id: f for f in reference.red_flags}
        disp = reference.disposition
        zp = ("reference", "zones")

        # Disposition against zones.
        if disp.treats and not reference.zones:
            r.add(zp, f"disposition {disp.value} needs at least one zone to treat")
        if not disp.treats and reference.zones:
            r.add(
                zp,
                f"disposition {disp.value} means nothing is injected today; remove the zones "
                "(or use treat_in_part)",
            )

        # Ranges: resolve, and compare with the catalogue.
        resolved = {}
        for ref in reference.zones:
            key = (ref.zone, ref.family)
            path = self.zone_paths[key]
            entry = self.zone_entry_paths[ref.zone]
            grade = grades[ref.zone].grade_for(ref.family) if ref.zone in grades else None
            try:
                rng = resolve_range(ref, grade, patient.sex)
            except RangeError as exc:
                r.add((*path, exc.part), exc.message)
                continue
            resolved[key] = rng
            if self.explicit[key] and not ref.references:
                r.add(
                    (*entry, "references"),
                    "an author's dose needs the source keys it rests on (e.g. [F3])",
                )
            typical = ZONES[ref.zone].typical(ref.family, patient.sex)
            cat_ceiling = typical.effective_ceiling if typical else None
            units = zone_units_label(ZONES[ref.zone], ref.family)
            if self.explicit[key] and not ref.justification:
                if cat_ceiling is None:
                    r.add(
                        (*entry, "justification"),
                        f"the catalogue has no {ref.family.value} figure for {ref.zone}; say "
                        "where this range comes from in justification",
                    )
                else:
                    for part in ("max", "ceiling"):
                        given = getattr(ref.dose, part)
                        if given is not None and given > cat_ceiling:
                            refs = " ".join(typical.references) if typical else ""
                            r.add(
                                (*path, part),
                                f"{given:g} {units} is above the catalogue ceiling "
                                f"{cat_ceiling:g} {units} for {ref.zone} ({refs}); add a "
                                "justification with its source, or lower it",
                            )
            # What earlier filler left behind counts against the zone's range, which is what
            # the zone should hold after today; only an author's own max can be too low for it.
            if ref.family == Family.FILLER and self.explicit[key] and ref.dose.max is not None:
                left = max(self._residual(history, ref.zone).values(), default=0.0)
                if left > rng.max + 1e-9:
                    r.add(
                        (*path, "max"),
                        f"about {left:.1f} {units} remain from earlier filler in {ref.zone}, "
                        f"more than the max {rng.max:g}: the range counts what remains (F18); "
                        "raise max, or drop the zone",
                    )

        # Red flags: derived ones must be listed; blocking ones shape the reference.
        rf = ("reference", "red_flags")
        if patient.age < 18 and "under_18" not in flags:
            r.add(rf, f"the patient is {patient.age}: list under_18")
        if patient.age >= 65 and "over_65_label" not in flags:
            r.add(rf, f"the patient is {patient.age}: list over_65_label (B6 B27 B28)")
        for i, item in enumerate(history):
            months = self._months(item)
            product = PRODUCTS[item.product]
            if (
                product.is_toxin
                and months < TOXIN_RETREAT_MONTHS
                and ("toxin_within_3_months" not in flags)
            ):
                r.add(
                    ("history", i, "months_ago"),
                    f"{item.product} {months:g} months ago: list toxin_within_3_months in "
                    "reference.red_flags (retreat no sooner than 3 months, B1)",
                )
            if product.permanent:
                flag = flags.get("permanent_filler_in_area")
                if flag is None or not flag.covers(item.zone):
                    r.add(
                        ("history", i, "product"),
                        f"permanent filler ({item.product}) in {item.zone}: list "
                        f"permanent_filler_in_area with zones [{item.zone}] in reference.red_flags",
                    )
            elif (
                product.slow_degrading
                and remaining_fraction(item.product, months) > 0
                and any(z.zone == item.zone and z.family == Family.FILLER for z in reference.zones)
            ):
                r.add(
                    (*self.zone_entry_paths[item.zone], "products"),
                    f"{item.product} given {months:g} months ago in {item.zone} is still "
                    "active (F19 F22); do not layer filler over it (F44)",
                )
        blocking = [RED_FLAGS[f.id] for f in reference.red_flags if RED_FLAGS[f.id].blocks]
        if blocking and disp == Disposition.TREAT:
            names = ", ".join(f.id for f in blocking)
            r.add(
                ("reference", "disposition"),
                f"{names} present: the disposition cannot be a plain treat; use treat_in_part "
                f"(treat only what the flag allows), or {blocking[0].dispositions[0].value}",
            )
        for ref in reference.zones:
            for flag in blocking:
                presence = flags[flag.id]
                if flag.scope == "zone" and not presence.covers(ref.zone):
                    continue
                hit = [p for p in ref.products if flag.concerns(ref.family, p)]
                if hit:
                    r.add(
                        (*self.zone_entry_paths[ref.zone], "products"),
                        f"{flag.id} rules out {ref.family.value} here ({', '.join(hit)}); "
                        f"remove it from the reference",
                    )

        # Facial units treated with filler (F15: HA filler only).
        units = sorted({ZONES[z.zone].unit for z in reference.zones if z.family == Family.FILLER})
        if len(units) > reference.max_facial_units:
            r.add(
                ("reference", "max_facial_units"),
                f"the reference zones span {len(units)} facial units ({', '.join(units)}) but "
                f"max_facial_units is {reference.max_facial_units}; raise it or drop a zone "
                "(F15: more than two rarely adds benefit)",
            )

        # Yearly label ceiling for filler (F13 F12), when the weight is known.
        if patient.weight_kg is not None and resolved:
            limit = FILLER_LABEL_ML_PER_60KG_YEAR * patient.weight_kg / 60.0
            past = 0.0
            for item in history:
                filler = PRODUCTS[item.product].is_filler
                if filler and item.amount is not None and self._months(item) < 12:
                    past += item.amount * len(side_keys(item.zone, item.side))
            planned = sum(
                rng.max * (2 if rng.per_side else 1)
                for (zone, fam), rng in resolved.items()
                if fam == Family.FILLER
            )
            if past + planned > limit + 1e-9:
                r.add(
                    zp,
                    f"{past:g} mL in the last 12 months plus up to {planned:g} mL here passes the "
                    f"label's {limit:.1f} mL a year for {patient.weight_kg:g} kg (F13 F12)",
                )

        # Every source a zone cites is also in the case's list.
        cited = {k for z in reference.zones for k in z.references}
        missing = [k for k in sorted_keys(cited) if k not in references]
        if missing:
            r.add(("references",), f"add the keys the zones cite: {', '.join(missing)}")

    def _months(self, item: HistoryItem) -> float:
        if item.months_ago is not None:
            return item.months_ago
        assert item.date is not None and self.visit_date is not None
        return round((self.visit_date - item.date).days / (365.25 / 12), 2)

    def _residual(self, history: Iterable[HistoryItem], zone: str) -> dict[str, float]:
        out: dict[str, float] = {}
        for item in history:
            if item.zone != zone or item.amount is None or not PRODUCTS[item.product].is_filler:
                continue
            left = item.amount * remaining_fraction(item.product, self._months(item))
            keys = (
                ("total",)
                if not ZONES[zone].per_side
                else (
                    ("left", "right")
                    if item.side in (Side.BOTH, Side.MIDLINE)
                    else (item.side.value,)
                )
            )
            for key in keys:
                out[key] = out.get(key, 0.0) + left
        return out

    def _check_bands(self, case: Case) -> None:
        from quizapp.domain.scoring import score_plan

        for i, candidate in enumerate(case.reference.candidate_plans):
            result = score_plan(case, candidate.plan)
            if result.band != candidate.band:
                why = "; ".join(result.band_reasons[:3]) or "no findings"
                self.r.add(
                    ("reference", "candidate_plans", i, "band"),
                    f"the scoring engine places this plan in {result.band.value} (score "
                    f"{result.score}), not {candidate.band.value}: {why}",
                )
