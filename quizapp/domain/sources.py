"""Every source key of the domain reference (facts.md), with its citation and strength tag.

Cases, questions and catalogue entries cite these keys in their `references` fields, and the app
shows them to learners as "Sources". The dict is typed in by hand from the "Source keys" list and
the P-list of facts.md, because facts.md itself is not shipped with the app.

Tags say how strong a source is: L regulatory label, C consensus, T trial or review, O one author,
clinic or training site, U not verified. facts.md tags facts, not sources, so each key carries the
tag of the facts it supports there. A few keys are listed in facts.md without any tagged fact
(B13, F33, F40, S1-S13, A1, A2, A6, A7); they carry U ("not verified by us") until someone
checks them. Keys that facts.md lists with no fact and that no content cites (B12, B21, B26, B32,
B35, F36, F48) are left out: `flask content check` fails on a key nothing uses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

Tag = Literal["L", "C", "T", "O", "U"]

TAG_LABELS: Final[dict[str, str]] = {
    "L": "regulatory label or SmPC",
    "C": "consensus or expert panel",
    "T": "trial or review",
    "O": "one author, clinic or training site",
    "U": "not verified",
}


@dataclass(frozen=True, slots=True)
class Source:
    """One citable source: its key (e.g. "B1"), citation text and strength tag."""

    key: str
    citation: str
    tag: Tag

    @property
    def tag_label(self) -> str:
        return TAG_LABELS[self.tag]


_RAW: Final[tuple[tuple[str, Tag, str], ...]] = (
    # Botulinum toxin
    ("B1", "L", "Botox Cosmetic prescribing information (summary, renalandurologynews.com)"),
    ("B2", "L", "hcp.botoxcosmetic.com product information"),
    ("B3", "L", "FDA platysma approval 2024 (practicaldermatology.com)"),
    ("B4", "L", "Botox label on antibodies"),
    ("B5", "L", "Botox interactions (druglib.com)"),
    ("B6", "L", "Bocouture PI (Aesthetics journal, Jan 2018)"),
    ("B7", "L", "Xeomin upper facial lines approval 2024"),
    ("B8", "L", "Daxxify label"),
    ("B9", "C", "Ascher 2010 JEADV (IBBA)"),
    ("B10", "T", "masseter pilot, Arch Facial Plast Surg 2004"),
    ("B11", "T", "Xie et al., PRS"),
    ("B13", "U", "masseter/risorius (cbamedicine.com)"),
    ("B14", "O", "enhance-me-training.com"),
    ("B15", "C", "Kaminer 2020 JDD"),
    ("B16", "O", 'Hexsel, "Less is more in the lower face"'),
    ("B17", "T", "DAO anatomy, ACB journal"),
    ("B18", "O", "vindoctraining.com"),
    ("B19", "O", "Eppley"),
    ("B20", "T", "lateral brow lift case series (n=22)"),
    ("B22", "T", "Hwang 2009 Angle Orthod"),
    ("B23", "O", "fillers.org"),
    ("B24", "O", "JDD roundtable on unit ratios"),
    ("B25", "T", "ona:abo systematic review (NIHMS710244)"),
    ("B27", "L", "Merz 2025 labelling"),
    ("B28", "L", "Azzalure/Dysport usage"),
    ("B29", "T", "Kroumpouzos & Silikovich 2025 JMIR Dermatol e69960 (nonresponse review)"),
    ("B30", "C", "Ho 2022 PRS Glob Open 10(6):e4407 consensus (PMC9208887)"),
    ("B31", "T", "JCAD ptosis review"),
    ("B33", "O", "textbook chapter 10.3109/9781841847542-15"),
    ("B34", "O", "Spock brow (mandalplasticsurgery.com)"),
    ("B36", "C", "Sundaram 2016 PRS (PMID 26910696)"),
    ("B37", "C", "Monheit 2015 PRS (PMID 26441115)"),
    ("B38", "L", "Jeuveau US PI (FDALabel setid 17a914c1-e54b-4b50-965d-b0fd9111bba4)"),
    ("B39", "L", "Letybo US PI (Hugel SPL)"),
    ("B40", "L", "Letybo UK abbreviated prescribing information"),
    ("B41", "L", "Relfydess UK PIL (PL 03070/0010, Mar 2025)"),
    ("B42", "T", "Shridharani 2024 ASJ 44(12):1330, READY-1 (PMC11566037)"),
    (
        "B43",
        "L",
        "Botox Cosmetic US PI, DailyMed setid 485d9b71-6881-42c5-a620-a4360c7192ab (v54, Oct 2024)",
    ),
    ("B44", "L", "Dysport US HCP reconstitution and PI"),
    ("B45", "L", "Azzalure SmPC/IFU (MHRA 2021)"),
    ("B46", "L", "Bocouture SmPC (ANSM RCP; Swedish produktresume)"),
    ("B47", "L", "Vistabel SmPC (French RCP, sections 4.2-4.4)"),
    ("B48", "L", "Bocouture PIL (German)"),
    ("B49", "L", "Azzalure SmPC summary (Italian) and PIL"),
    ("B50", "L", "Botox Swiss Fachinformation, pregnancy (reg. 52433)"),
    ("B51", "L", "Dysport Hong Kong MIMS, pregnancy/lactation"),
    ("B52", "T", "LactMed onabotulinumtoxinA (NCBI Bookshelf)"),
    ("B53", "O", "northsideplasticsurgery.com 'Botox touch up' (clinic)"),
    ("B54", "T", "Scheinfeld 2005 Dermatol Online J 11(1):9 (PMID 15748550)"),
    ("B55", "O", "apraclonidine case report and Aesthetic Nursing article (unlicensed use)"),
    # Dermal fillers
    ("F1", "T", "Restylane Lyft pivotal trial"),
    ("F2", "T", "Voluma RCT (PMC5444429)"),
    ("F3", "T", "Di Gregorio 2022 CCID"),
    ("F4", "T", "Baumann 2019 JDD"),
    (
        "F5",
        "T",
        "Restylane Eyelight pivotal RCT, Aesthet Surg J 2024;44(9):1001-1013 (PMID 38573527)",
    ),
    ("F6", "O", "tear trough clinic page"),
    ("F7", "T", "Vollure ASJ 40(7):767"),
    ("F8", "T", "NLF meta-analysis (PMC8481177)"),
    ("F9", "T", "lip trials (PMC8377277)"),
    ("F10", "T", "Volbella (PMC6416707)"),
    ("F11", "T", "Bertossi ASJ"),
    ("F12", "L", "Juvederm Volux XC label"),
    ("F13", "L", "Voluma directions for use"),
    ("F14", "T", "JCAD full-face study"),
    (
        "F15",
        "T",
        "Michon & Hassan 2022, Aesthet Surg J Open Forum 4:ojac086 (PMC9757680, PMID 36540630)",
    ),
    ("F16", "T", "CCID S430747"),
    ("F17", "O", "cliqueclinic.com FOS"),
    ("F18", "T", "HA persistence on MRI (PMC11250456)"),
    ("F19", "T", "Hanf 2014"),
    ("F20", "C", "Goldie 2018 Dermatol Surg"),
    ("F21", "L", "Sculptra label"),
    ("F22", "T", "Narins 2010 JAAD"),
    ("F23", "O", "ASDS on PMMA"),
    ("F24", "T", "PMC8120553"),
    ("F25", "T", "Christensen 2005 Aesthetic Plast Surg"),
    ("F26", "O", "Lim, PRIME (facial overfilled syndrome)"),
    ("F27", "T", "Wanitphakdeedecha review"),
    ("F28", "T", "Schelke 2023"),
    ("F29", "O", "filler fatigue (press)"),
    ("F30", "T", "migration review, Cosmetics 10(4):115"),
    ("F31", "T", "Michon 2021"),
    ("F32", "T", "PMID 35861599"),
    ("F33", "U", "AACI journal s13223-023-00788-1"),
    (
        "F34",
        "O",
        "Faulkner, 'Understanding Hyaluronidase Dosage', Aesthetics journal, 15 Nov 2022 "
        "(trade journal)",
    ),
    ("F35", "T", "Beleznay 2015"),
    ("F37", "O", "danger zones (medicalalgorithms.com)"),
    (
        "F38",
        "O",
        "DeLorenzi 2017, 'New High Dose Pulsed Hyaluronidase Protocol', "
        "Aesthet Surg J 37(7):814-825",
    ),
    ("F39", "T", "PMC6128506"),
    ("F40", "U", "Kroumpouzos & Treacy, JMIR Dermatol 2024 e50403 (PMID 38231537)"),
    ("F41", "T", "Wilde 2024 PRS Glob Open, post-hyaluronidase syndrome (PMC11037726)"),
    ("F42", "L", "Restylane precautions (MIMS)"),
    ("F43", "O", "bleeding risk"),
    ("F44", "C", "Heydenrych 2021 CCID (10-Point Plan)"),
    ("F45", "T", "PMC5543317"),
    ("F46", "T", "BDD epidemiology"),
    ("F47", "O", "de Maio 2021 Aesthetic Plast Surg"),
    ("F49", "L", "Restylane Silk label summary (MPR)"),
    ("F50", "T", "Weiss et al., HARK (Restylane Kysse) vs control RCT, Dermatol Surg"),
    ("F51", "T", "NCT01428024 Restylane Lip Volume protocol"),
    ("F52", "T", "VYC-25L jawline RCT, patient-reported outcomes (PMC11634383)"),
    ("F53", "T", "Alam 2021 JAMA Dermatol 157(2):174-180 (PMC7774041, PMID 33377939)"),
    (
        "F54",
        "C",
        "Murray 2021 J Clin Aesthet Dermatol 14(8):E69-E75, "
        "CMAC hyaluronidase guideline (PMC8570661)",
    ),
    ("F55", "L", "Juvederm Volbella XC label important safety information"),
    (
        "F56",
        "T",
        "Hyaluronidase allergy review, Aesthetic Plast Surg 2024;48(3):413-439 (PMID 37145319)",
    ),
    ("F57", "O", "Heath & Taylor, fillers in skin of colour (dermpearls, 2012)"),
    ("F58", "O", "Callender, AAD report (MDedge)"),
    # Scales
    ("S1", "U", "Merz scales overview"),
    ("S2", "U", "Carruthers 2010"),
    ("S3", "U", "Rzany 2012 Dermatol Surg"),
    ("S4", "U", "PMC9632938"),
    ("S5", "U", "PMC5671789"),
    ("S6", "U", "Day 2004 Am J Clin Dermatol"),
    ("S7", "U", "WSRS validation"),
    ("S8", "U", "Glogau classification"),
    ("S9", "U", "Glogau table"),
    ("S10", "U", "Fitzpatrick (NBK481857)"),
    ("S11", "U", "GAIS"),
    ("S12", "U", "FACE-Q (PMC4833666)"),
    ("S13", "U", "FACE-Q age appraisal (PMC7427150)"),
    # Ageing
    ("A1", "U", "Mendelson & Wong (PMC3404279)"),
    ("A2", "U", "Shaw 2011 PRS 127:374"),
    ("A5", "O", "collagen loss (clinic)"),
    ("A6", "U", "Swift 2021 ASJ 41:1107"),
    ("A7", "U", "ageing by decade (clinic)"),
    # Perceived age, persistence, more volumes, men, rheology
    ("P1", "T", "Cohen 2021 ASJ (PMC8756087)"),
    ("P2", "T", "Canadian HARMONY abstract"),
    ("P3", "T", "Few 2015 (PMC4482214)"),
    ("P4", "T", "Cohen 2019 ASJ"),
    ("P5", "T", "Botox phase 3 press summary"),
    ("P6", "T", "Taub/Sarnoff 2010 Dermatol Surg"),
    ("P7", "O", "HARMONY case (Dermatology Times)"),
    ("P8", "T", "Kaminer 2020 Dermatol Surg"),
    ("P9", "T", "Dayan 2021 J Cosmet Dermatol"),
    ("P10", "T", "Popenko 2017 (PMC5543334)"),
    ("P11", "T", "Heidekrueger 2017"),
    ("P12", "T", "Linkov 2019 (PMC6536866)"),
    ("P13", "T", "Goldie 2021 CCID S305976"),
    ("P14", "T", "Callan 2013 CCID"),
    ("P15", "T", "Fabi 2021 (PMC8520027)"),
    ("P16", "O", "infraorbital 3D retention series"),
    ("P17", "T", "chin trials (PMC7752233, PMC9698183)"),
    ("P18", "T", "Botox 20 U vs 40 U duration"),
    ("P19", "T", "Nestor 2020 (PMC7819591)"),
    ("P20", "T", "SAKURA 1/2 JAAD 2020"),
    ("P21", "T", "Rappl 2013 (PMC3789632)"),
    ("P22", "O", "Iera, VYC-15L tear trough"),
    ("P23", "O", "Hall 2018"),
    ("P24", "T", "NCT04520997"),
    ("P25", "L", "Juvederm safety information"),
    ("P26", "T", "Carruthers 2005 Dermatol Surg 31(10):1297 (PMID 16188182)"),
    (
        "P27",
        "T",
        "Keaney & Alster, 'Botulinum Toxin in Men: Review of Relevant Anatomy and "
        "Clinical Trial Data'",
    ),
    ("P28", "T", "Sundaram 2015 Dermatol Surg (rheology)"),
    ("P29", "T", "Siperstein 2022 ASJ Open Forum"),
    # Educator conventions (tag U): figures the app needs where no source gives one. Each is
    # listed with its reason in docs/scoring.md.
    ("U1", "U", "Educator convention: the low end of a first lip session, 0.5 mL in total"),
    ("U2", "U", "Educator convention: the low end of a tear-trough session, 0.3 mL per side"),
    ("U3", "U", "Educator convention: the low end of a first jawline session, 0.75 mL per side"),
    (
        "U4",
        "U",
        "Educator convention: upper-face toxin at grade 2 or less from the catalogue is optional",
    ),
    ("U5", "U", "Educator convention: a brow position grade of 2 or more counts as low brows"),
    (
        "U6",
        "U",
        "Educator convention: laxity volume costs 5 points per mL; a small 2-week correction is "
        "at most a quarter of the dose given then",
    ),
    ("U7", "U", "Educator convention: the band score intervals of docs/scoring.md"),
    (
        "U8",
        "U",
        "Educator convention: hyaluronidase is checked against 1.5-9 U per 0.1 mL of HA (F39) "
        "scaled to the HA estimated to remain in the zone; 10 points where it is not indicated",
    ),
    (
        "U9",
        "U",
        "Educator convention: filler of an unknown product is assumed to remain in full "
        "(possibly permanent) and not to be HA (no hyaluronidase rescue)",
    ),
    # Regulators' CPD rules (issue 11; not in facts.md): the figures of quizapp/domain/cpd.py
    (
        "R1",
        "O",
        "NMC revalidation CPD requirements, as summarised by the London Deanery: "
        "https://faculty.londondeanery.ac.uk/nurse-revalidation-resources/"
        "how-to-revalidate-with-the-nmc/2-continuing-professional-development",
    ),
    (
        "R2",
        "L",
        "GDC Enhanced CPD Scheme 2018: "
        "https://www.gdc-uk.org/education-cpd/cpd/enhanced-cpd-scheme-2018/",
    ),
)

SOURCES: Final[dict[str, Source]] = {key: Source(key, cite, tag) for key, tag, cite in _RAW}


def unknown_sources(keys: Iterable[str]) -> list[str]:
    """Return the keys that are not in SOURCES, in the order given (for validators)."""
    return [key for key in keys if key not in SOURCES]


def _sort_key(key: str) -> tuple[str, int, str]:
    prefix = key.rstrip("0123456789")
    digits = key[len(prefix) :]
    return (prefix, int(digits) if digits else 0, key)


#: Keys facts.md lists with no fact resting on them and that no content cites: left out of
#: SOURCES on purpose, since `flask content check` fails on a key nothing uses. Add one back
#: (with its citation) when content comes to rest on it.
LEFT_OUT: Final = frozenset({"B12", "B21", "B26", "B32", "B35", "F36", "F48"})


_ORDER: Final[dict[str, tuple[str, int, str]]] = {key: _sort_key(key) for key in SOURCES}


def sorted_keys(keys: Iterable[str]) -> tuple[str, ...]:
    """Deduplicate and sort source keys naturally (B2 before B10), for stable output."""
    unique = set(keys)
    if unique <= _KNOWN:  # the usual case: no key to work out
        return tuple(sorted(unique, key=_ORDER.__getitem__))
    return tuple(sorted(unique, key=_sort_key))  # an unknown key among them: work each out


_KNOWN: Final = frozenset(_ORDER)


# The sections of facts.md, by key prefix: how the sources page and the authors' picker group keys.
GROUP_LABELS: Final[dict[str, str]] = {
    "B": "Botulinum toxin",
    "F": "Dermal fillers",
    "S": "Scales",
    "A": "Ageing",
    "P": "Perceived age, persistence, volumes, men, rheology",
    "U": "Educator conventions (where no source gives a figure)",
    "R": "Regulators' CPD rules",
}


def grouped_sources() -> tuple[tuple[str, tuple[Source, ...]], ...]:
    """Every source, naturally sorted, in (group label, sources) pairs in the order of facts.md."""
    by_prefix: dict[str, list[Source]] = {prefix: [] for prefix in GROUP_LABELS}
    for key in sorted_keys(SOURCES):
        by_prefix.setdefault(key.rstrip("0123456789"), []).append(SOURCES[key])
    return tuple(
        (GROUP_LABELS.get(prefix, prefix), tuple(sources))
        for prefix, sources in by_prefix.items()
        if sources
    )
