"""A certificate as a one-page PDF an academy would frame: its logo, the holder and programme,
dates, the signatory, the code and a QR code to the verification page.

fpdf2 and segno, with fonts shipped in quizapp/data/fonts (embedded as subsets): Noto Serif and
Noto Sans for Latin, Greek and Cyrillic, Noto Sans Arabic and Hebrew, and Droid Sans Fallback
for Chinese, Japanese and Korean, picked glyph by glyph. Text is shaped with HarfBuzz, so Arabic
letters join and right-to-left names read right to left. (`latin1` and `_font_path` remain for
the CPD certificate, which still uses the PDF's built-in fonts or CERTIFICATE_FONT.)
"""

from __future__ import annotations

import io
import os
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Any

import segno

INK = (31, 42, 48)
ACCENT = (15, 95, 99)
MUTED = (86, 100, 108)
GOLD = (164, 132, 62)
FONTS = Path(__file__).resolve().parents[2] / "data" / "fonts"
_FALLBACK = {"Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "Đ": "D", "đ": "d", "ß": "ss", "–": "-"}


def _font_path() -> str | None:
    try:
        from flask import current_app

        configured = current_app.config.get("CERTIFICATE_FONT")
    except RuntimeError:
        configured = None
    path = configured or os.environ.get("CERTIFICATE_FONT")
    return path if path and os.path.isfile(path) else None


def latin1(text: str) -> str:
    """Text the built-in PDF fonts can draw: accents kept where Latin-1 has them, others
    reduced to their base letter, anything else replaced by '?'."""
    out = []
    for char in text:
        if ord(char) < 256:
            out.append(char)
            continue
        if char in _FALLBACK:
            out.append(_FALLBACK[char])
            continue
        base = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
        out.append(base or "?")
    return "".join(out)


def _date(moment: datetime | None) -> str:
    return moment.strftime("%d %B %Y") if moment else "Does not expire"


def new_document(orientation: str) -> Any:
    """An A4 fpdf document. fpdf (with fontTools and Pillow, ~30 MB) is imported on the first PDF,
    not at start-up: most workers never draw one and this keeps their memory down."""
    from fpdf import FPDF

    return FPDF(orientation=orientation, unit="mm", format="A4")


def unicode_fonts(pdf: Any) -> None:
    """Register the shipped fonts on `pdf` ("serif" and "sans", regular and bold) with the
    Arabic, Hebrew and CJK fonts as per-glyph fallbacks, and turn on text shaping."""
    for family, name in (("serif", "NotoSerif"), ("sans", "NotoSans")):
        pdf.add_font(family, "", FONTS / f"{name}-Regular.ttf")
        pdf.add_font(family, "B", FONTS / f"{name}-Bold.ttf")
    pdf.add_font("arabic", "", FONTS / "NotoSansArabic-Regular.ttf")
    pdf.add_font("hebrew", "", FONTS / "NotoSansHebrew-Regular.ttf")
    pdf.add_font("cjk", "", FONTS / "DroidSansFallbackFull.ttf")
    pdf.set_fallback_fonts(["arabic", "hebrew", "cjk"], exact_match=False)
    pdf.set_text_shaping(True)


def render(
    certificate: Any,
    verify_url: str,
    *,
    logo: bytes | None = None,
    signatory_name: str = "",
    signatory_title: str = "",
) -> bytes:
    """The PDF bytes for `certificate` (any object with the Certificate fields); `logo` is the
    academy's image (PNG or JPEG), the signatory its admin-set name and title."""
    pdf = new_document("landscape")
    pdf.set_title(f"Certificate {certificate.code}")
    pdf.set_author(certificate.academy_name)
    pdf.set_creator("quizapp")
    pdf.set_creation_date(certificate.issued_at)
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.add_page()
    unicode_fonts(pdf)
    width, height = pdf.w, pdf.h
    inner = width - 60  # text column, 30 mm from each edge

    # A double frame with a gold hairline between, and a gold corner at each corner.
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(1.6)
    pdf.rect(9, 9, width - 18, height - 18)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.4)
    pdf.rect(12.5, 12.5, width - 25, height - 25)
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.25)
    pdf.rect(14.5, 14.5, width - 29, height - 29)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.8)
    for x, y, dx, dy in (
        (18, 18, 1, 1),
        (width - 18, 18, -1, 1),
        (18, height - 18, 1, -1),
        (width - 18, height - 18, -1, -1),
    ):
        pdf.line(x, y, x + 14 * dx, y)
        pdf.line(x, y, x, y + 14 * dy)

    def centred(text: str, y: float, size: float, *, family="serif", style="", color=INK):
        pdf.set_font(family, style, size)
        pdf.set_text_color(*color)
        pdf.set_xy(30, y)
        pdf.multi_cell(inner, size * 0.45, text, align="C")
        return pdf.get_y()

    y = 24.0 if logo else 36.0  # without a logo the text block moves down to stay centred
    if logo:
        # At most 26 mm high and 80 mm wide, centred; the academy name follows in small caps.
        from PIL import Image  # comes with fpdf2

        pixels_w, pixels_h = Image.open(io.BytesIO(logo)).size
        h = min(26.0, 80.0 * pixels_h / pixels_w)
        w = h * pixels_w / pixels_h
        pdf.image(io.BytesIO(logo), x=(width - w) / 2, y=y, w=w, h=h)
        y += h + 3
    y = centred(certificate.academy_name.upper(), y, 12, family="sans", style="B", color=ACCENT)
    y = centred("CERTIFICATE OF COMPLETION", y + 6, 30, style="B", color=INK)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.6)
    pdf.line(width / 2 - 30, y + 3, width / 2 + 30, y + 3)
    y = centred("This certifies that", y + 7, 13, family="sans", color=MUTED)
    y = centred(certificate.holder_name, y + 3, 30, style="B", color=INK)
    y = centred(
        "has met every requirement of the certification programme",
        y + 3,
        13,
        family="sans",
        color=MUTED,
    )
    y = centred(certificate.programme_name, y + 3, 20, style="B", color=ACCENT)

    # The bottom third: dates on the left, the signature in the middle, the QR code right.
    base = height - 70
    facts = [
        ("Issued", _date(certificate.issued_at)),
        ("Valid until", _date(certificate.expires_at)),
    ]
    if getattr(certificate, "cycle", 1) > 1:
        facts.append(("Certification cycle", str(certificate.cycle)))
    row = base + 6
    for label, value in facts:
        pdf.set_xy(30, row)
        pdf.set_font("sans", "", 8.5)
        pdf.set_text_color(*MUTED)
        pdf.cell(70, 4.5, label.upper())
        pdf.set_xy(30, row + 4.5)
        pdf.set_font("serif", "B", 12)
        pdf.set_text_color(*INK)
        pdf.cell(70, 6, value)
        row += 13

    middle = width / 2
    pdf.set_draw_color(*INK)
    pdf.set_line_width(0.3)
    pdf.line(middle - 40, base + 24, middle + 40, base + 24)
    pdf.set_xy(middle - 50, base + 25.5)
    pdf.set_font("serif", "B", 12)
    pdf.set_text_color(*INK)
    pdf.cell(100, 6, signatory_name or f"For {certificate.academy_name}", align="C")
    pdf.set_xy(middle - 50, base + 31.5)
    pdf.set_font("sans", "", 9)
    pdf.set_text_color(*MUTED)
    pdf.cell(100, 5, signatory_title, align="C")

    qr = io.BytesIO()
    segno.make(verify_url, error="m").save(qr, kind="png", scale=8, border=1)
    qr.seek(0)
    size = 30
    left = width - 30 - size
    pdf.image(qr, x=left, y=base + 2, w=size, h=size)
    pdf.set_xy(left - 25, base + size + 3)
    pdf.set_font("sans", "", 7.5)
    pdf.set_text_color(*MUTED)
    pdf.cell(size + 25, 3.5, "Scan to verify, or enter the code at", align="R")
    pdf.set_xy(left - 45, base + size + 6.5)
    pdf.cell(size + 45, 3.5, verify_url.rsplit("/", 1)[0] + "/", align="R")
    pdf.set_xy(left - 45, base + size + 10.5)
    pdf.set_font("sans", "B", 9)
    pdf.set_text_color(*INK)
    pdf.cell(size + 45, 4.5, certificate.code, align="R")

    pdf.set_xy(30, height - 21)
    pdf.set_font("sans", "", 7)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(
        inner,
        3.2,
        "This certificate records the completion of an educational programme in treatment "
        "planning. It is not a licence to practise and does not replace supervised clinical "
        "training or professional registration.",
        align="C",
    )
    return bytes(pdf.output())
