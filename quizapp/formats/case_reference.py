"""Reading a case's reference: red flags and the disposition, the zones to treat with their dose
ranges, and the candidate plans with the band their author claims.
"""

from __future__ import annotations

from typing import Any

from quizapp.domain.case import CandidatePlan, DoseSpec, FlagPresence, Reference, ZoneReference
from quizapp.domain.face import (
    FACIAL_UNITS,
    MAX_FACIAL_UNITS_DEFAULT,
    PRODUCT_IDS,
    PRODUCTS,
    ZONE_IDS,
    ZONES,
    Family,
)
from quizapp.domain.plan import MAX_ITEM_AMOUNT
from quizapp.domain.redflags import RED_FLAG_IDS, RED_FLAGS
from quizapp.domain.terms import Band, Disposition
from quizapp.formats.case_fields import (
    CANDIDATE_FIELDS,
    DOSE_FIELDS,
    FAMILY_KEYS,
    REFERENCE_OPTIONAL,
    ZONE_REF_OPTIONAL,
)
from quizapp.formats.plans import read_plan
from quizapp.formats.yamlsafe import Path, Reader, describe, suggest


class ReferenceReading:
    """The `reference:` part of _CaseReader (quizapp/formats/cases.py): each part records its
    issues on `self.r` and returns None if bad."""

    r: Reader
    zone_paths: dict[tuple[str, Family], Path]
    zone_entry_paths: dict[str, Path]
    explicit: dict[tuple[str, Family], bool]

    def _reference(self, value: Any) -> Reference | None:
        r, p = self.r, ("reference",)
        data = r.mapping(value, p, required=("disposition",), optional=REFERENCE_OPTIONAL)
        if data is None:
            return None
        start = len(r.issues)
        disp_text = (
            r.choice(
                data["disposition"],
                (*p, "disposition"),
                [d.value for d in Disposition],
                "disposition",
            )
            if "disposition" in data
            else None
        )
        flags = self._red_flags(data.get("red_flags"))
        zones = self._zone_refs(data.get("zones"))
        max_units = MAX_FACIAL_UNITS_DEFAULT
        if "max_facial_units" in data:
            max_units = (
                r.integer(data["max_facial_units"], (*p, "max_facial_units"), 1, len(FACIAL_UNITS))
                or MAX_FACIAL_UNITS_DEFAULT
            )
        candidates = self._candidates(data.get("candidate_plans"))
        note = r.text(data.get("note", ""), (*p, "note"), max_len=2000, empty_ok=True)
        if len(r.issues) != start or None in (disp_text, flags, zones, candidates, note):
            return None
        assert disp_text and flags is not None and zones is not None and candidates is not None
        return Reference(Disposition(disp_text), flags, zones, max_units, candidates, note or "")

    def _red_flags(self, value: Any) -> tuple[FlagPresence, ...] | None:
        if value is None:
            return ()
        r, p = self.r, ("reference", "red_flags")
        seq = r.seq(value, p, max_len=len(RED_FLAG_IDS))
        if seq is None:
            return None
        out: list[FlagPresence] = []
        seen: set[str] = set()
        ok = True
        for i, entry in enumerate(seq):
            path: Path = (*p, i)
            zones: tuple[str, ...] = ()
            if isinstance(entry, dict):
                data = r.mapping(entry, path, required=("id",), optional=("zones",))
                if data is None or "id" not in data:
                    ok = False
                    continue
                flag_id = r.choice(data["id"], (*path, "id"), RED_FLAG_IDS, "red flag")
                if "zones" in data:
                    zseq = r.seq(data["zones"], (*path, "zones"), max_len=len(ZONE_IDS), min_len=1)
                    picked = [
                        r.choice(z, (*path, "zones", j), ZONE_IDS, "zone")
                        for j, z in enumerate(zseq or ())
                    ]
                    if zseq is None or None in picked:
                        ok = False
                        continue
                    zones = tuple(picked)  # type: ignore[arg-type]
                    if flag_id and RED_FLAGS[flag_id].scope == "patient":
                        r.add(
                            (*path, "zones"),
                            f"{flag_id} concerns the whole patient; remove its zones",
                        )
                        ok = False
            else:
                flag_id = r.choice(entry, path, RED_FLAG_IDS, "red flag")
            if flag_id is None:
                ok = False
                continue
            if flag_id in seen:
                r.add(path, f"red flag {flag_id} is listed twice")
                ok = False
                continue
            seen.add(flag_id)
            out.append(FlagPresence(flag_id, zones))
        return tuple(out) if ok else None

    def _zone_refs(self, value: Any) -> tuple[ZoneReference, ...] | None:
        if value is None:
            return ()
        r, p = self.r, ("reference", "zones")
        if not isinstance(value, dict):
            r.add(p, f"expected a mapping of zone: reference, got {type(value).__name__}")
            return None
        out: list[ZoneReference] = []
        ok = True
        for zone, entry in value.items():
            refs = self._zone_ref(zone, entry, (*p, zone))
            if refs is None:
                ok = False
            else:
                out.extend(refs)
        return tuple(out) if ok else None

    def _zone_ref(self, zone: str, value: Any, path: Path) -> list[ZoneReference] | None:
        r = self.r
        if zone not in ZONES:
            r.add(path, f'unknown zone "{zone}"{suggest(zone, ZONE_IDS)}')
            return None
        data = r.mapping(value, path, required=("products",), optional=ZONE_REF_OPTIONAL)
        if data is None or "products" not in data:
            return None
        start = len(r.issues)
        optional = data.get("optional", False)
        if not isinstance(optional, bool):
            r.add((*path, "optional"), "optional is true or false")
        seq = r.seq(data["products"], (*path, "products"), max_len=len(PRODUCT_IDS), min_len=1)
        products: list[str] = []
        for i, pid in enumerate(seq or ()):
            product = r.choice(pid, (*path, "products", i), PRODUCT_IDS, "product")
            if product is None:
                continue
            if product not in ZONES[zone].products:
                suited = ", ".join(sorted(ZONES[zone].products)) or "nothing in this catalogue"
                r.add(
                    (*path, "products", i),
                    f"{product} is not suited to {zone} (suited: {suited})",
                )
            elif product in products:
                r.add((*path, "products", i), f"{product} is listed twice")
            else:
                products.append(product)
        justification = r.text(
            data.get("justification", ""), (*path, "justification"), max_len=2000, empty_ok=True
        )
        note = r.text(data.get("note", ""), (*path, "note"), max_len=2000, empty_ok=True)
        zone_refs: tuple[str, ...] = ()
        if "references" in data:
            zone_refs = self._source_keys(data["references"], (*path, "references")) or ()
        families = [
            f
            for f in (Family.TOXIN, Family.FILLER)
            if any(PRODUCTS[x].family == f for x in products)
        ]
        doses = self._doses(data.get("dose"), (*path, "dose"), families)
        if len(r.issues) != start or doses is None or not products:
            return None
        self.zone_entry_paths[zone] = path
        out = []
        for family in families:
            spec, spec_path = doses.get(family, (DoseSpec(), (*path, "dose")))
            key = (zone, family)
            self.zone_paths[key] = spec_path
            self.explicit[key] = not spec.empty
            out.append(
                ZoneReference(
                    zone,
                    family,
                    tuple(x for x in products if PRODUCTS[x].family == family),
                    spec,
                    justification or "",
                    note or "",
                    zone_refs,
                    optional is True,
                )
            )
        return out

    def _doses(
        self, value: Any, path: Path, families: list[Family]
    ) -> dict[Family, tuple[DoseSpec, Path]] | None:
        r = self.r
        if value is None:
            return {}
        if not isinstance(value, dict):
            r.add(path, f"expected a mapping of min/max/ceiling, got {describe(value)}")
            return None
        per_family = bool(value) and all(k in FAMILY_KEYS for k in value)
        if len(families) > 1 and not per_family:
            r.add(
                path,
                "products mix toxin and filler, so give the dose per family: "
                "dose: {toxin: {min, max, ceiling}, filler: {min, max, ceiling}}",
            )
            return None
        out: dict[Family, tuple[DoseSpec, Path]] = {}
        ok = True
        if per_family:
            for key, sub in value.items():
                family = Family(key)
                if family not in families:
                    r.add((*path, key), f"a {key} dose is given but no {key} product is listed")
                    ok = False
                    continue
                spec = self._dose(sub, (*path, key), family)
                if spec is None:
                    ok = False
                else:
                    out[family] = (spec, (*path, key))
        elif families:
            spec = self._dose(value, path, families[0])
            if spec is None:
                ok = False
            else:
                out[families[0]] = (spec, path)
        return out if ok else None

    def _dose(self, value: Any, path: Path, family: Family) -> DoseSpec | None:
        r = self.r
        data = r.mapping(value, path, optional=DOSE_FIELDS)
        if data is None:
            return None
        top = MAX_ITEM_AMOUNT[family]
        unit = "U (ona-eq)" if family == Family.TOXIN else "mL"
        bounds: dict[str, float | None] = {}
        ok = True
        for name in DOSE_FIELDS:
            if name not in data:
                bounds[name] = None
                continue
            number = r.number(data[name], (*path, name), 0, top, lo_open=name != "min", unit=unit)
            ok = ok and number is not None
            bounds[name] = number
        if not ok:
            return None
        low, high, ceiling = bounds["min"], bounds["max"], bounds["ceiling"]
        if low is not None and high is not None and low > high:
            r.add((*path, "min"), f"min {low:g} is above max {high:g}")
            return None
        if high is not None and ceiling is not None and high > ceiling:
            r.add((*path, "max"), f"max {high:g} is above the ceiling {ceiling:g}")
            return None
        return DoseSpec(low, high, ceiling)

    def _candidates(self, value: Any) -> tuple[CandidatePlan, ...] | None:
        if value is None:
            return ()
        r, p = self.r, ("reference", "candidate_plans")
        seq = r.seq(value, p, max_len=10)
        if seq is None:
            return None
        out: list[CandidatePlan] = []
        ok = True
        for i, entry in enumerate(seq):
            path: Path = (*p, i)
            data = r.mapping(entry, path, required=CANDIDATE_FIELDS)
            if data is None:
                ok = False
                continue
            start = len(r.issues)
            label = r.text(data["label"], (*path, "label"), max_len=80) if "label" in data else None
            band = (
                r.choice(data["band"], (*path, "band"), [b.value for b in Band], "band")
                if "band" in data
                else None
            )
            rationale = (
                r.text(data["rationale"], (*path, "rationale"), max_len=2000)
                if "rationale" in data
                else None
            )
            plan = read_plan(r, data["plan"], (*path, "plan")) if "plan" in data else None
            if len(r.issues) != start or None in (label, band, rationale, plan):
                ok = False
                continue
            assert label and band and rationale and plan is not None
            out.append(CandidatePlan(label, Band(band), rationale, plan))
        return tuple(out) if ok else None
