"""Geometry of the face map: a front view in line art, drawn server-side as SVG.

The drawing follows classical facial proportions on a 400 x 540 box (midline x = 200): brows at
y 185, eyes at 222 (half the head's height), the nasal base at 305, the oral commissures at 345
and the chin at 440, so each zone sits over the anatomy it names. Zones are smooth closed shapes
through a few outline points; paired zones are drawn on both sides. The map shows where a zone
is; it is not anatomy to inject by.
"""

from __future__ import annotations

from dataclasses import dataclass

from quizapp.domain.face import ZONES

Point = tuple[float, float]
MIDLINE = 200.0


def smooth_path(points: tuple[Point, ...]) -> str:
    """A closed Catmull-Rom curve through `points`, written as cubic Bezier path data."""
    n = len(points)
    parts = [f"M{points[0][0]:g} {points[0][1]:g}"]
    for i in range(n):
        p0, p1, p2, p3 = (points[(i + k) % n] for k in (-1, 0, 1, 2))
        c1 = (p1[0] + (p2[0] - p0[0]) / 6, p1[1] + (p2[1] - p0[1]) / 6)
        c2 = (p2[0] - (p3[0] - p1[0]) / 6, p2[1] - (p3[1] - p1[1]) / 6)
        parts.append(f"C{c1[0]:.1f} {c1[1]:.1f} {c2[0]:.1f} {c2[1]:.1f} {p2[0]:g} {p2[1]:g}")
    return " ".join(parts) + " Z"


def mirror(points: tuple[Point, ...]) -> tuple[Point, ...]:
    """The same outline on the other side of the midline."""
    return tuple((2 * MIDLINE - x, y) for x, y in reversed(points))


@dataclass(frozen=True, slots=True)
class ZoneShape:
    """One zone: its outline path(s), one per side for paired zones."""

    paths: tuple[str, ...]


def _zone(outline: str, paired: bool = False) -> ZoneShape:
    """A zone from its outline written as "x y, x y, ..." (and its mirror image if paired)."""
    points = tuple((float(x), float(y)) for x, y in (pair.split() for pair in outline.split(",")))
    shapes = (points, mirror(points)) if paired else (points,)
    return ZoneShape(tuple(smooth_path(o) for o in shapes))


# Outline points are on the viewer's left (the patient's right); `paired` adds the mirror image.
ZONE_SHAPES: dict[str, ZoneShape] = {
    "forehead": _zone(
        "124 166, 124 130, 148 104, 200 92, 252 104, "
        "276 130, 276 166, 240 160, 216 166, 184 166, 160 160",
    ),
    "temples": _zone("86 160, 110 168, 116 196, 110 222, 90 220, 82 190", paired=True),
    "brow": _zone("128 192, 146 176, 178 176, 182 188, 150 190", paired=True),
    "glabella": _zone("188 172, 212 172, 216 196, 200 208, 184 196"),
    "crows_feet": _zone("132 222, 118 204, 108 212, 106 232, 118 244", paired=True),
    "tear_trough": _zone("180 236, 168 250, 146 256, 138 250, 152 244, 170 236", paired=True),
    "bunny_lines": _zone("190 230, 210 230, 212 250, 188 250"),
    "nose": _zone("192 256, 208 256, 214 288, 224 302, 200 310, 176 302, 186 288"),
    "cheek": _zone("140 264, 116 254, 98 264, 100 292, 124 306, 146 292", paired=True),
    "nasolabial": _zone("178 304, 172 322, 166 342, 159 340, 163 320, 170 302", paired=True),
    "perioral": _zone("184 314, 216 314, 226 328, 174 328"),
    "lips": _zone("168 344, 184 334, 200 338, 216 334, 232 344, 216 358, 200 361, 184 358"),
    "masseter": _zone("100 296, 122 300, 126 336, 116 358, 106 346", paired=True),
    "marionette": _zone("168 352, 164 368, 158 382, 152 380, 157 364, 163 350", paired=True),
    "dao": _zone("156 388, 152 402, 142 412, 135 405, 146 392", paired=True),
    "jawline": _zone(
        "108 334, 118 362, 136 390, 170 424, 166 436, 128 400, 108 370, 100 338",
        paired=True,
    ),
    "chin": _zone("178 392, 222 392, 228 414, 200 430, 172 414"),
    "platysma": _zone("160 458, 172 458, 168 520, 154 520", paired=True),
}


@dataclass(frozen=True, slots=True)
class Drawing:
    """The line art of one face, female or male: outline, hair, ears, neck and features."""

    outline: str
    hair: str
    lines: tuple[str, ...]  # brows, eyes, nose, lips, ears, neck: strokes, not filled


def _both(path_points: tuple[Point, ...]) -> tuple[str, str]:
    return smooth_path(path_points), smooth_path(mirror(path_points))


def _open(*points: Point) -> str:
    """An open polyline through the points, smoothed with quadratic joins."""
    head, *rest = points
    d = f"M{head[0]:g} {head[1]:g}"
    for (x1, y1), (x2, y2) in zip(rest[::2], rest[1::2], strict=False):
        d += f" Q{x1:g} {y1:g} {x2:g} {y2:g}"
    return d


def _mirror_open(d_points: tuple[Point, ...]) -> tuple[str, str]:
    return _open(*d_points), _open(*((2 * MIDLINE - x, y) for x, y in d_points))


# Features shared by both variants: eyes with irises, the nose, the ears.
_EYE = ((134, 222), (157, 208), (182, 224), (158, 232))
_FEATURES = (
    *_both(_EYE),
    "M158 214 a8 8 0 1 0 0.1 0",  # iris, viewer's left
    "M242 214 a8 8 0 1 0 0.1 0",
    _open((190, 210), (186, 250), (184, 288)),  # nasal sidewall
    _open((210, 210), (214, 250), (216, 288)),
    _open((176, 296), (186, 310), (200, 304), (214, 310), (224, 296)),  # alae and columella
    *_mirror_open(((168, 344), (184, 330), (200, 336))),  # upper lip with Cupid's bow
    _open((168, 344), (200, 366), (232, 344)),  # lower lip
    _open((170, 345), (200, 348), (230, 345)),  # stomion
    *_mirror_open(((80, 214), (64, 226), (70, 262), (74, 290), (88, 292))),  # ear
)

FACES: dict[str, Drawing] = {
    "F": Drawing(
        outline=smooth_path(
            (
                (200, 60),
                (262, 70),
                (306, 118),
                (318, 190),
                (314, 262),
                (300, 330),
                (276, 390),
                (236, 432),
                (200, 442),
                (164, 432),
                (124, 390),
                (100, 330),
                (86, 262),
                (82, 190),
                (94, 118),
                (138, 70),
            )
        ),
        hair=smooth_path(
            (
                (200, 36),
                (290, 52),
                (338, 130),
                (344, 250),
                (352, 380),
                (330, 470),
                (304, 430),
                (318, 300),
                (306, 170),
                (270, 108),
                (200, 96),
                (130, 108),
                (94, 170),
                (82, 300),
                (96, 430),
                (70, 470),
                (48, 380),
                (56, 250),
                (62, 130),
                (110, 52),
            )
        ),
        lines=(
            *_mirror_open(((128, 190), (152, 170), (182, 182))),  # arched brows
            *_FEATURES,
            _open((158, 430), (156, 480), (150, 530)),  # neck
            _open((242, 430), (244, 480), (250, 530)),
        ),
    ),
    "M": Drawing(
        outline=smooth_path(
            (
                (200, 58),
                (266, 68),
                (310, 118),
                (320, 190),
                (318, 262),
                (312, 330),
                (300, 380),
                (262, 430),
                (200, 444),
                (138, 430),
                (100, 380),
                (88, 330),
                (82, 262),
                (80, 190),
                (90, 118),
                (134, 68),
            )
        ),
        hair=smooth_path(
            (
                (200, 34),
                (282, 46),
                (326, 100),
                (326, 170),
                (312, 150),
                (296, 112),
                (200, 92),
                (104, 112),
                (88, 150),
                (74, 170),
                (74, 100),
                (118, 46),
            )
        ),
        lines=(
            *_mirror_open(((126, 188), (152, 176), (184, 184))),  # straighter, lower brows
            *_FEATURES,
            _open((150, 428), (146, 480), (138, 530)),  # broader neck
            _open((250, 428), (254, 480), (262, 530)),
            _open((192, 470), (200, 478), (208, 470)),  # thyroid prominence
        ),
    ),
}

#: Fill patterns over the verdict colours, so the result reads without colour too.
VERDICT_PATTERNS: dict[str, str] = {
    "v-under": "dots",
    "v-missed": "dots",
    "v-heavy": "hatch",
    "v-not_indicated": "hatch",
    "v-overfilled": "cross",
    "v-wrong_product": "cross",
    "v-unsafe": "cross",
}


def face_for(sex: str | None) -> Drawing:
    """The drawing for a patient's sex; the female face where none is given."""
    return FACES.get((sex or "F").upper()[:1], FACES["F"])


REGION_LABELS: dict[str, str] = {
    "upper": "Upper face",
    "mid": "Midface",
    "lower": "Lower face",
    "neck": "Neck",
}


def zones_by_region() -> list[tuple[str, list[str]]]:
    """The map's zones grouped by facial region, top to bottom, for lists beside the map."""
    groups: dict[str, list[str]] = {region: [] for region in REGION_LABELS}
    for zone in ZONE_SHAPES:
        groups[ZONES[zone].region.value].append(zone)
    return [(REGION_LABELS[r], zones) for r, zones in groups.items() if zones]


def grade_fills(grades: dict | None) -> dict[str, str]:
    """zone -> "grade-N", N the higher of the zone's rest and moving grades (none if ungraded)."""
    fills = {}
    for zone, pair in (grades or {}).items():
        given = [g for g in (pair.get("rest"), pair.get("moving")) if g is not None]
        if given:
            fills[zone] = f"grade-{max(given)}"
    return fills
