"""Geometry of the stylised front-view face map, drawn server-side as SVG.

Each zone is a list of shapes (ellipses: cx, cy, rx, ry, rotation); zones that count per side have a
left and a right shape. The map is a picture of where zones are, not anatomy to inject by.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Shape:
    cx: float
    cy: float
    rx: float
    ry: float
    rotate: float = 0.0


def _pair(cx: float, cy: float, rx: float, ry: float, rotate: float = 0.0) -> tuple[Shape, ...]:
    """A shape and its mirror image across the face's midline (x = 200)."""
    return (Shape(cx, cy, rx, ry, rotate), Shape(400 - cx, cy, rx, ry, -rotate))


ZONE_SHAPES: dict[str, tuple[Shape, ...]] = {
    "forehead": (Shape(200, 105, 92, 34),),
    "temples": _pair(92, 150, 18, 30),
    "brow": _pair(145, 160, 34, 9, -6),
    "glabella": (Shape(200, 168, 15, 14),),
    "crows_feet": _pair(100, 205, 13, 20),
    "tear_trough": _pair(152, 232, 26, 8, 12),
    "bunny_lines": (Shape(200, 212, 12, 9),),
    "nose": (Shape(200, 258, 17, 30),),
    "cheek": _pair(122, 270, 30, 24, -10),
    "nasolabial": _pair(163, 310, 8, 26, 20),
    "perioral": (Shape(200, 326, 34, 7),),
    "lips": (Shape(200, 350, 36, 14),),
    "masseter": _pair(92, 330, 16, 30),
    "marionette": _pair(157, 377, 8, 16, -15),
    "dao": _pair(163, 408, 14, 9, -20),
    "jawline": _pair(118, 398, 30, 10, 38),
    "chin": (Shape(200, 425, 26, 16),),
    "platysma": (Shape(200, 500, 58, 16),),
}

FACE_OUTLINE = (
    "M200 42 C96 42 62 128 64 214 C66 300 96 380 150 430 C172 450 186 456 200 456 "
    "C214 456 228 450 250 430 C304 380 334 300 336 214 C338 128 304 42 200 42 Z"
)
NECK_OUTLINE = "M150 430 L142 520 L258 520 L250 430"
