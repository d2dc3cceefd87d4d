"""A certificate as a one-page PDF: names, dates, code and a QR code to the verification page.

Pure Python (fpdf2 and segno). The PDF's built-in fonts cover Latin-1 only; names outside it are
written with their closest Latin letters (Łukasz -> Lukasz) unless CERTIFICATE_FONT names a
TrueType font file with the needed glyphs (config or environment).
"""

from __future__ import annotations

import io
import os
import unicodedata
from datetime import datetime
from typing import Any

import segno

INK = (31, 42, 48)
ACCENT = (15, 95, 99)
MUTED = (86, 100, 108)
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


def render(certificate: Any, verify_url: str) -> bytes:
    """The PDF bytes for `certificate` (any object with the Certificate fields)."""
    pdf = new_document("landscape")
    pdf.set_title(f"Certificate {certificate.code}")
    pdf.set_author(certificate.academy_name)
    pdf.set_creator("quizapp")
    pdf.set_creation_date(certificate.issued_at)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    font_path = _font_path()
    if font_path:
        pdf.add_font("cert", "", font_path)
        pdf.add_font("cert", "B", font_path)
        family, clean = "cert", str
    else:
        family, clean = "helvetica", latin1

    width = pdf.w
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, width - 20, pdf.h - 20)
    pdf.set_line_width(0.3)
    pdf.rect(13, 13, width - 26, pdf.h - 26)

    def line(text: str, size: float, *, style: str = "", color=INK, gap: float = 4) -> None:
        pdf.set_font(family, style, size)
        pdf.set_text_color(*color)
        pdf.set_x(25)
        pdf.multi_cell(width - 50, size * 0.5, clean(text), align="C")
        pdf.ln(gap)

    pdf.set_y(28)
    line(certificate.academy_name, 16, style="B", color=ACCENT, gap=6)
    line("Certificate", 30, style="B", gap=8)
    line("This certifies that", 13, color=MUTED, gap=3)
    line(certificate.holder_name, 26, style="B", gap=5)
    line("has met the requirements of the programme", 13, color=MUTED, gap=3)
    line(certificate.programme_name, 20, style="B", gap=8)

    facts = [
        ("Issued", _date(certificate.issued_at)),
        ("Valid until", _date(certificate.expires_at)),
        ("Certificate code", certificate.code),
    ]
    if getattr(certificate, "cycle", 1) > 1:
        facts.insert(2, ("Certification cycle", str(certificate.cycle)))
    top = pdf.get_y()
    for label, value in facts:
        pdf.set_x(40)
        pdf.set_font(family, "", 11)
        pdf.set_text_color(*MUTED)
        pdf.cell(45, 7, clean(label))
        pdf.set_font(family, "B", 11)
        pdf.set_text_color(*INK)
        pdf.cell(120, 7, clean(value), new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(40)
    pdf.set_font(family, "", 9)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(150, 5, clean(f"Check this certificate at {verify_url}"))

    qr = io.BytesIO()
    segno.make(verify_url, error="m").save(qr, kind="png", scale=8, border=2)
    qr.seek(0)
    size = 42
    pdf.image(qr, x=width - 40 - size, y=top - 4, w=size, h=size)
    pdf.set_xy(width - 40 - size - 5, top + size - 3)
    pdf.set_font(family, "", 8)
    pdf.cell(size + 10, 5, "Scan to verify", align="C")

    pdf.set_xy(25, pdf.h - 30)
    pdf.set_font(family, "", 8)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(
        width - 50,
        4,
        clean(
            "This certificate records the completion of an educational programme in treatment "
            "planning. It is not a licence to practise and does not replace supervised clinical "
            "training or professional registration."
        ),
        align="C",
    )
    return bytes(pdf.output())
